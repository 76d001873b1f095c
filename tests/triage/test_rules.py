"""rules.yml loads, is complete, and the rules API behaves."""
from __future__ import annotations

import pytest
import yaml

from triage import rules
from triage.rules import RulesError, load_rules

EXPECTED_LEVELS = ("emergency", "urgent", "routine", "self_care")
EXPECTED_REASONS = {
    # the presenting complaint's catalogue (the article plus the conditions that
    # can look like a cramp or a twitch); the level is the cautious one
    "breathing_difficulty": "emergency",
    "chest_pain": "emergency",
    "stroke_signs": "emergency",
    "loss_of_consciousness": "emergency",
    "seizure": "emergency",
    "tetanus_signs": "emergency",
    "meningitis_signs": "emergency",
    "heat_illness": "emergency",
    "severe_drug_reaction": "emergency",
    "cauda_equina": "emergency",
    "severe_pain": "urgent",
    "muscle_weakness": "urgent",
    "dvt_signs": "urgent",
    "rhabdomyolysis_signs": "urgent",
    "numbness_tingling": "urgent",
    "bulbar_symptoms": "urgent",
    "tetany_signs": "urgent",
    "acute_dystonia": "urgent",
    "cannot_bear_weight": "urgent",
    "persistent_or_frequent": "routine",
    "multiple_places": "routine",
    "appearance_change": "routine",
    "medication": "routine",
    "night_cramps_sleep": "routine",
    "pregnancy_cramps": "routine",
}
#: who may be cited for a rule besides the article (DESIGN.md, safety principle 4)
CITABLE_HOSTS = ("https://www.nhs.uk/", "https://medlineplus.gov/", "https://cks.nice.org.uk/")


def test_rules_yml_loads_and_is_cached():
    r1 = load_rules()
    r2 = load_rules()
    assert r1 is r2
    assert r1.level_names == EXPECTED_LEVELS
    assert rules.LEVELS == EXPECTED_LEVELS


@pytest.mark.parametrize("reason,level", sorted(EXPECTED_REASONS.items()))
def test_every_reason_has_its_level(reason, level):
    assert rules.level_of(reason) == level


def test_no_unexpected_reasons():
    assert set(load_rules().reasons) == set(EXPECTED_REASONS)


@pytest.mark.parametrize("reason", sorted(EXPECTED_REASONS))
def test_every_reason_has_description_and_sources(reason):
    r = load_rules().reason(reason)
    assert r.description and "\n" not in r.description
    assert len(r.sources) >= 1
    for src in r.sources:
        assert src.title
        assert src.url or src.year
        if src.ref == "article":
            assert src.section, "article citations name the section"
        else:
            assert src.url.startswith("https://")


@pytest.mark.parametrize("level", ["emergency", "urgent", "routine", "self_care"])
def test_every_level_has_a_description(level):
    assert load_rules().level(level).description


def test_cited_urls_are_from_the_agreed_publishers():
    urls = {s.url for r in load_rules().reasons.values() for s in r.sources if s.url}
    assert urls and all(url.startswith(CITABLE_HOSTS) for url in urls), sorted(urls)
    assert "https://www.nhs.uk/conditions/stroke/symptoms/" in {
        s.url for s in load_rules().reason("stroke_signs").sources}
    assert "https://www.nhs.uk/conditions/chest-pain/" in {
        s.url for s in load_rules().reason("chest_pain").sources}


def test_every_non_article_reason_cites_a_page_beyond_the_article():
    """The article covers only part of the catalogue: every reason it does not name
    has a clinical page of its own."""
    for reason in load_rules().reasons.values():
        assert any(src.ref != "article" for src in reason.sources), reason.code


@pytest.mark.parametrize("reasons,expected", [
    ([], "self_care"),
    (["medication"], "routine"),
    (["medication", "severe_pain"], "urgent"),
    (["multiple_places", "muscle_weakness", "stroke_signs"], "emergency"),
    (("persistent_or_frequent", "appearance_change"), "routine"),
    (iter(["chest_pain"]), "emergency"),
])
def test_highest_level(reasons, expected):
    assert rules.highest_level(reasons) == expected


def test_order_reasons_by_level_then_file_order_unique():
    got = rules.order_reasons(["medication", "severe_pain", "chest_pain", "breathing_difficulty",
                               "medication", "persistent_or_frequent"])
    assert got == ("breathing_difficulty", "chest_pain", "severe_pain",
                   "persistent_or_frequent", "medication")


def test_level_rank():
    assert [rules.level_rank(lv) for lv in EXPECTED_LEVELS] == [0, 1, 2, 3]


@pytest.mark.parametrize("bad", ["heart_attack", "", "Emergency"])
def test_unknown_reason_raises(bad):
    with pytest.raises(KeyError):
        rules.level_of(bad)
    with pytest.raises(KeyError):
        rules.highest_level([bad])


def test_likelihood_and_tips_sections_are_data():
    r = load_rules()
    codes = {f.code for f in r.likelihood.features}
    assert {"painful", "painless", "lasts_minutes", "brief_seconds", "stiffness",
            "limited_motion", "visible_flicker", "small_muscle", "large_muscle"} <= codes
    assert all(f.why for f in r.likelihood.features)
    assert r.likelihood.decision_margin >= 1
    assert {t.code for t in r.tips.rules} == {
        "hydration", "stretching", "diet_minerals", "posture", "stress_reduction",
        "less_caffeine", "more_sleep", "review_medicine_with_doctor"}


def _write(tmp_path, data):
    p = tmp_path / "rules.yml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["reasons"]["chest_pain"].update(level="critical"), "level"),
    (lambda d: d["reasons"]["chest_pain"].update(sources=[]), "sources"),
    (lambda d: d["reasons"]["severe_pain"]["sources"].__setitem__(0, {"ref": "nowhere"}), "ref"),
    (lambda d: d["reasons"]["severe_pain"]["sources"].__setitem__(0, {"ref": "article"}), "section"),
    (lambda d: d["levels"][0].pop("description"), "description"),
    (lambda d: d["reasons"]["muscle_weakness"].update(answers={"weakness": ["maybe"]}), "weakness"),
    (lambda d: d["likelihood"]["features"]["painful"].update(when={"colour": ["red"]}), "colour"),
    (lambda d: d["tips"]["rules"].update(yoga={"when_any": [{"likely": ["spasm"]}]}), "yoga"),
    (lambda d: d.pop("likelihood"), "likelihood"),
])
def test_invalid_rules_are_rejected(tmp_path, mutate, message):
    with open(rules.RULES_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    mutate(data)
    with pytest.raises(RulesError, match=message):
        load_rules(_write(tmp_path, data))
