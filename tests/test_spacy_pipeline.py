"""The project's spaCy pipeline: it builds from versioned patterns and finds
the things the check-in needs (body parts, symptom words, durations)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from build_spacy_pipeline import PATTERNS, build  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    return build()


def test_every_pattern_line_is_valid_json_with_label_and_pattern():
    lines = PATTERNS.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 100
    for number, line in enumerate(lines, start=1):
        entry = json.loads(line)
        assert entry["label"] in {"body_part", "symptom", "episode_duration", "ongoing_for", "muscle_term"}, number
        assert entry["pattern"], number
        assert entry["id"], number


def test_pipeline_has_lookup_lemmatizer_and_entity_ruler(nlp):
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]
    # lemmas come from spacy-lookups-data, not from a downloaded model
    assert [t.lemma_ for t in nlp("twitching muscles")] == ["twitch", "muscle"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my calf cramps at night", {("calf", "body_part", "calf"), ("cramps", "symptom", "cramp")}),
        ("My EYELID keeps twitching", {("EYELID", "body_part", "eyelid"), ("twitching", "symptom", "twitch")}),
        ("it lasts for a few seconds", {("for a few seconds", "episode_duration", "seconds")}),
        ("about 5 minutes each time", {("about 5 minutes", "episode_duration", "minutes")}),
        ("it's been going on for 3 weeks", {("for 3 weeks", "ongoing_for", "weeks")}),
        ("a charley horse in my calves", {("charley horse", "symptom", "cramp"), ("calves", "body_part", "calf")}),
        ("my lower back feels stiff", {("lower back", "body_part", "back"), ("stiff", "symptom", "tightness")}),
        ("can statins cause cramps?", {("statins", "muscle_term", "statins"), ("cramps", "symptom", "cramp")}),
    ],
)
def test_entity_ruler_finds(nlp, text, expected):
    found = {(e.text, e.label_, e.ent_id_) for e in nlp(text).ents}
    assert expected <= found


def test_nothing_found_in_unrelated_text(nlp):
    assert nlp("what is the weather like today").ents == ()


def test_saved_pipeline_loads_by_path_like_rasa_does(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline", disable=["parser"])
    assert [e.text for e in loaded("my calf hurts").ents] == ["calf", "hurts"]
