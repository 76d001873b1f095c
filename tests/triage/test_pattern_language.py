"""The parts of red-flag reading that are not phrasings: the compact pattern syntax,
concepts that a reason needs, the one-slip speller, Unicode folding, long texts and
the past tense. Each test breaks if its piece is taken away."""
from __future__ import annotations

import pytest
import spacy

from triage.red_flags import (
    PatternError,
    RedFlagDetector,
    Speller,
    compile_match,
    detect_text,
)
from triage.text import fold_text


def reasons(text):
    return [h.reason for h in detect_text(text)]


# ------------------------------------------------------------------ the match syntax
def test_words_alternatives_stems_optional_and_gaps():
    (pattern,) = compile_match("my? chest ~2 hurt*|ache", {}, "t")
    assert pattern[0] == {"LOWER": "my", "OP": "?"}
    assert pattern[1] == {"LOWER": "chest"}
    assert [p.get("OP") for p in pattern[2:4]] == ["?", "?"]
    assert pattern[4] == {"LOWER": {"REGEX": "^(hurt.*|ache)$"}}


def test_groups_expand_to_sequences_and_one_word_groups_stay_one_token():
    patterns = compile_match("[loss of|lost] consciousness", {}, "t")
    assert [[t["LOWER"] for t in p] for p in patterns] == [["lost", "consciousness"],
                                                          ["loss", "of", "consciousness"]] or \
        sorted(len(p) for p in patterns) == [2, 3]
    (one,) = compile_match("[a|b|c] x", {}, "t")
    assert one[0] == {"LOWER": {"IN": ["a", "b", "c"]}}


def test_macros_expand_and_unknown_ones_are_errors():
    (pattern,) = compile_match("@be sore", {"be": "is|was"}, "t")
    assert pattern[0] == {"LOWER": {"IN": ["is", "was"]}}
    with pytest.raises(PatternError, match="unknown macro"):
        compile_match("@nope sore", {}, "t")


@pytest.mark.parametrize("match, message", [
    ("Chest pain", "lower case"),
    ("[chest pain", "unbalanced"),
    ("chest? pain?", "match nothing"),
])
def test_bad_match_lines_are_rejected(match, message):
    with pytest.raises(PatternError, match=message):
        compile_match(match, {}, "t")


def test_a_gap_never_swallows_a_negation():
    assert reasons("my face is drooping") == ["stroke_signs"]
    assert reasons("my face isn't drooping and my speech is normal, it's my eyelid") == []


# ------------------------------------------------------------------ concepts
def _detector(tmp_path, lines):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return RedFlagDetector(spacy.blank("en"), path)


def test_a_reason_that_needs_a_concept_fires_only_with_it(tmp_path):
    det = _detector(tmp_path, [
        '{"concept": "fever", "match": "fever|feverish"}',
        '{"reason": "meningitis_signs", "match": "stiff neck", "with": ["fever"]}',
    ])
    assert [h.reason for h in det.detect_text("stiff neck and a fever")] == ["meningitis_signs"]
    assert det.detect_text("stiff neck") == []
    assert det.detect_text("stiff neck but no fever") == [], "a denied concept is absent"


def test_with_must_name_a_known_concept(tmp_path):
    with pytest.raises(PatternError, match="unknown concept"):
        _detector(tmp_path, ['{"reason": "meningitis_signs", "match": "stiff neck", "with": ["rash"]}'])


def test_catalogue_combinations_in_real_patterns():
    assert "meningitis_signs" in reasons("my neck is really stiff and I've got a high fever")
    assert "meningitis_signs" not in reasons("my neck is really stiff after sleeping badly")
    assert "tetanus_signs" in reasons("I stood on a rusty nail and now my back keeps spasming")
    assert "tetanus_signs" not in reasons("my back keeps spasming")
    assert "severe_drug_reaction" in reasons("started a new antipsychotic and now I'm rigid with a fever")


# ------------------------------------------------------------------ the speller
def test_one_slip_from_a_pattern_word_is_read_as_it():
    speller = Speller({"chest", "breathing", "seizure"}, common={"chess": -12.0})
    assert speller.correct("chesst") == "chest"        # a letter too many
    assert speller.correct("brething") == "breathing"  # a letter missing
    assert speller.correct("siezure") == "seizure"     # two letters swapped
    assert speller.correct("chess") == "chess", "a common English word stays as typed"
    assert speller.correct("conked") == "conked", "two slips away is not a correction"


def test_typos_reach_the_patterns():
    assert reasons("chesst hurts really bad") == ["chest_pain"]
    assert reasons("i think he had a siezure") == ["seizure"]


# ------------------------------------------------------------------ Unicode
@pytest.mark.parametrize("text", [
    "I can't\u200b breathe",          # zero-width space
    "I can\u00adt breathe",           # soft hyphen
    "I ｃａｎ'ｔ ｂｒｅａｔｈｅ",       # full-width letters
    "I can\u2019t breathe",           # typographic apostrophe
    "I\u00a0can't\u00a0breathe",      # non-breaking spaces
])
def test_invisible_and_look_alike_characters_do_not_hide_a_red_flag(text):
    assert reasons(text) == ["breathing_difficulty"]


def test_fold_text_is_idempotent_and_keeps_case_and_lines():
    text = "Chest\u200b PAIN\nnow"
    assert fold_text(text) == "Chest PAIN\nnow"
    assert fold_text(fold_text(text)) == fold_text(text)


# ------------------------------------------------------------------ long texts
def test_a_sign_anywhere_in_a_very_long_message_is_found():
    filler = "my calf cramps after running and my eyelid twitches sometimes. " * 16_000
    assert len(filler) > 1_000_000  # more than spaCy accepts in one piece
    found = reasons("I can't breathe. " + filler + " now my face is drooping")
    assert found[:2] == ["breathing_difficulty", "stroke_signs"]


# ------------------------------------------------------------------ past and present
@pytest.mark.parametrize("text", [
    "I used to have chest pain as a teenager, but now it's just a twitch in my thumb",
    "I had Bell's palsy years ago and my face drooped, it fully recovered, now I get a twitch",
    "I fainted once when I was 14 giving blood, never since",
])
def test_a_distant_past_sign_is_not_raised(text):
    assert reasons(text) == []


def test_a_past_sign_that_is_back_is_raised():
    assert reasons("I had chest pain years ago and now it's back") == ["chest_pain"]
