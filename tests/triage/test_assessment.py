"""assess(): likely spasm/twitch, deciding factors, care level, reasons, tips."""
from __future__ import annotations

import dataclasses

import pytest

from triage.assessment import SLOTS, Assessment, assess, explain_points, reason_descriptions

EYELID_TWITCH = {
    "body_part": "eyelid", "episode_duration": "seconds", "pain_level": "none",
    "stiffness": False, "limited_motion": False, "visible_movement": True, "weakness": False,
    "ongoing_for": "under_two_weeks", "multiple_places": False, "triggers": ["caffeine"],
    "breathing_trouble": None,
}
CALF_CRAMP = {
    "body_part": "calf", "episode_duration": "minutes", "pain_level": "mild",
    "stiffness": True, "limited_motion": True, "visible_movement": False, "weakness": False,
    "ongoing_for": "under_two_weeks", "multiple_places": False, "triggers": ["exercise"],
    "breathing_trouble": None,
}
EMPTY = {slot: None for slot in SLOTS}


def with_(base, **changes):
    return {**base, **changes}


# ------------------------------------------------------------------ every rule, every level
@pytest.mark.parametrize("answers,level,reasons", [
    (with_(EMPTY, breathing_trouble=True), "emergency", ("breathing_difficulty",)),
    (with_(EMPTY, red_flag_reasons=["chest_pain"]), "emergency", ("chest_pain",)),
    (with_(EMPTY, red_flag_reasons=["stroke_signs"]), "emergency", ("stroke_signs",)),
    (with_(EMPTY, red_flag_reasons=["breathing_difficulty"]), "emergency", ("breathing_difficulty",)),
    (with_(EMPTY, pain_level="severe"), "urgent", ("severe_pain",)),
    (with_(EMPTY, red_flag_reasons=["severe_pain"]), "urgent", ("severe_pain",)),
    (with_(EMPTY, weakness=True), "urgent", ("muscle_weakness",)),
    (with_(EMPTY, red_flag_reasons=["muscle_weakness"]), "urgent", ("muscle_weakness",)),
    (with_(EMPTY, ongoing_for="over_two_weeks"), "routine", ("persistent_or_frequent",)),
    (with_(EMPTY, multiple_places=True), "routine", ("multiple_places",)),
    (with_(EMPTY, triggers=["new_medicine"]), "routine", ("medication",)),
    (with_(EMPTY, triggers=["exercise", "new_medicine"]), "routine", ("medication",)),
    (with_(EMPTY, red_flag_reasons=["appearance_change"]), "routine", ("appearance_change",)),
    (with_(EMPTY, red_flag_reasons=["persistent_or_frequent"]), "routine", ("persistent_or_frequent",)),
    (EMPTY, "self_care", ()),
    ({}, "self_care", ()),
    (EYELID_TWITCH, "self_care", ()),
    (CALF_CRAMP, "self_care", ()),
    (with_(EMPTY, breathing_trouble=False, weakness=False, multiple_places=False,
           pain_level="mild", ongoing_for="under_two_weeks", triggers=["none"]), "self_care", ()),
])
def test_each_rule_and_level(answers, level, reasons):
    a = assess(answers)
    assert a.level == level
    assert a.reasons == reasons


# ------------------------------------------------------------------ highest level wins, all reasons listed
@pytest.mark.parametrize("answers,level,reasons", [
    (with_(CALF_CRAMP, pain_level="severe", ongoing_for="over_two_weeks"),
     "urgent", ("severe_pain", "persistent_or_frequent")),
    (with_(EYELID_TWITCH, multiple_places=True, ongoing_for="over_two_weeks", weakness=True),
     "urgent", ("muscle_weakness", "persistent_or_frequent", "multiple_places")),
    (with_(CALF_CRAMP, breathing_trouble=True, pain_level="severe", triggers=["new_medicine"]),
     "emergency", ("breathing_difficulty", "severe_pain", "medication")),
    (with_(EMPTY, weakness=True, red_flag_reasons=["stroke_signs", "appearance_change"]),
     "emergency", ("stroke_signs", "muscle_weakness", "appearance_change")),
    (with_(EMPTY, ongoing_for="over_two_weeks", multiple_places=True, triggers=["new_medicine"],
           red_flag_reasons=["appearance_change"]),
     "routine", ("persistent_or_frequent", "multiple_places", "appearance_change", "medication")),
    # the same reason from an answer and from free text is listed once
    (with_(EMPTY, pain_level="severe", red_flag_reasons=["severe_pain", "severe_pain"]),
     "urgent", ("severe_pain",)),
    (with_(EMPTY, breathing_trouble=True, red_flag_reasons=["chest_pain", "breathing_difficulty"]),
     "emergency", ("breathing_difficulty", "chest_pain")),
])
def test_highest_level_wins_and_reasons_are_ordered(answers, level, reasons):
    a = assess(answers)
    assert a.level == level
    assert a.reasons == reasons


# ------------------------------------------------------------------ spasm vs twitch vs unclear
@pytest.mark.parametrize("answers,likely,factors", [
    (EYELID_TWITCH, "twitch", ("painless", "visible_flicker", "small_muscle")),
    (CALF_CRAMP, "spasm", ("painful", "lasts_minutes", "stiffness")),
    (with_(EMPTY, pain_level="none", episode_duration="seconds"), "twitch", ("painless", "brief_seconds")),
    (with_(EMPTY, pain_level="mild", limited_motion=True), "spasm", ("painful", "limited_motion")),
    (with_(EMPTY, body_part="back", stiffness=True, limited_motion=True), "spasm",
     ("stiffness", "limited_motion", "large_muscle")),
    (with_(EMPTY, body_part="thigh", visible_movement=True, pain_level="none",
           stiffness=False), "twitch", ("painless", "visible_flicker", "no_stiffness")),
    (with_(EMPTY, pain_level="severe", episode_duration="longer"), "spasm",
     ("painful", "lasts_minutes")),
    # too little to go on
    (EMPTY, "unclear", ()),
    (with_(EMPTY, body_part="arm"), "unclear", ("large_muscle",)),
    # evidence pulls both ways
    (with_(EMPTY, pain_level="mild", visible_movement=True, episode_duration="seconds"),
     "unclear", ("painful", "visible_flicker", "brief_seconds")),
    (with_(EMPTY, body_part="eyelid", pain_level="mild", visible_movement=True), "unclear",
     ("painful", "visible_flicker", "small_muscle")),
    # painful and stiff reads as a spasm even in a small muscle
    (with_(EMPTY, body_part="eyelid", pain_level="mild", stiffness=True), "spasm",
     ("painful", "stiffness")),
])
def test_likely_and_deciding_factors(answers, likely, factors):
    a = assess(answers)
    assert a.likely == likely
    assert a.deciding_factors == factors
    assert len(a.deciding_factors) <= 3


def test_points_are_transparent():
    a = assess(CALF_CRAMP)
    assert a.points["spasm"] > a.points["twitch"]
    fired = {row["feature"] for row in explain_points(CALF_CRAMP)}
    assert {"painful", "lasts_minutes", "stiffness", "limited_motion", "large_muscle"} <= fired
    assert all(row["why"] for row in explain_points(CALF_CRAMP))


# ------------------------------------------------------------------ tips
@pytest.mark.parametrize("answers,tips", [
    (CALF_CRAMP, ("hydration", "stretching")),
    (EYELID_TWITCH, ("less_caffeine", "more_sleep")),
    (with_(EYELID_TWITCH, triggers=["stress", "poor_sleep"]),
     ("less_caffeine", "more_sleep", "stress_reduction")),
    (with_(EYELID_TWITCH, body_part="thigh", triggers=["none"]), ("stress_reduction",)),
    (with_(CALF_CRAMP, body_part="back", triggers=["exercise"]), ("hydration", "stretching", "posture")),
    (with_(CALF_CRAMP, triggers=["new_medicine"]),
     ("review_medicine_with_doctor", "hydration", "stretching")),
    (with_(CALF_CRAMP, triggers=["dehydration"], ongoing_for="over_two_weeks"),
     ("hydration", "stretching", "diet_minerals")),
    (with_(EMPTY, body_part="neck"), ("posture",)),
    (EMPTY, ("hydration", "stretching")),  # default when nothing fits
    # emergency advice comes alone
    (with_(CALF_CRAMP, breathing_trouble=True), ()),
    (with_(EYELID_TWITCH, red_flag_reasons=["stroke_signs"]), ()),
])
def test_tips_fit_the_answers(answers, tips):
    assert assess(answers).tips == tips


def test_tips_are_capped():
    a = assess(with_(CALF_CRAMP, body_part="neck",
                     triggers=["exercise", "caffeine", "stress", "poor_sleep", "dehydration",
                               "new_medicine"]))
    assert len(a.tips) == 4
    assert a.tips[0] == "review_medicine_with_doctor"


# ------------------------------------------------------------------ summary, free text, robustness
def test_summary_has_canonical_answers():
    a = assess(with_(CALF_CRAMP, red_flag_reasons=["medication"]))
    for slot in SLOTS:
        assert slot in a.summary
    assert a.summary["body_part"] == "calf"
    assert a.summary["red_flag_reasons"] == ["medication"]
    assert a.summary["likely"] == "spasm" and a.summary["level"] == "routine"
    assert a.summary["reasons"] == ["medication"]


def test_free_text_values_are_normalised():
    a = assess({"body_part": "my left calf", "episode_duration": "like 10 min",
                "pain_level": "it's unbearable", "stiffness": "yeah", "limited_motion": "a bit",
                "visible_movement": "no", "weakness": "I don't think so",
                "ongoing_for": "3 weeks", "multiple_places": "nope",
                "triggers": "after running and too much coffee", "breathing_trouble": "no"})
    assert a.summary["body_part"] == "calf"
    assert a.summary["pain_level"] == "severe"
    assert a.summary["stiffness"] is True and a.summary["weakness"] is False
    assert a.summary["triggers"] == ["exercise", "caffeine"]
    assert a.likely == "spasm"
    assert a.level == "urgent"
    assert a.reasons == ("severe_pain", "persistent_or_frequent")


def test_unparseable_values_are_treated_as_skipped():
    a = assess({"pain_level": "banana", "weakness": "maybe?", "ongoing_for": "idk"})
    assert a.summary["pain_level"] is None
    assert a.summary["ongoing_for"] is None


def test_maybe_weakness_counts_as_yes():
    # safety: an uncertain yes to a red-flag question is treated as yes
    assert assess({"weakness": "maybe"}).level == "urgent"


def test_unknown_red_flag_reason_is_an_error():
    with pytest.raises(KeyError):
        assess({"red_flag_reasons": ["heart_attack"]})


def test_assessment_is_frozen_and_hashable_parts():
    a = assess(CALF_CRAMP)
    assert isinstance(a, Assessment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.level = "emergency"  # type: ignore[misc]
    assert isinstance(a.deciding_factors, tuple) and isinstance(a.reasons, tuple)
    assert isinstance(a.tips, tuple) and isinstance(a.summary, dict)


def test_input_mapping_is_not_modified():
    answers = with_(CALF_CRAMP, red_flag_reasons=["chest_pain"])
    before = {k: (list(v) if isinstance(v, list) else v) for k, v in answers.items()}
    assess(answers)
    assert answers == before


def test_reason_descriptions_and_level():
    a = assess(with_(EMPTY, weakness=True, ongoing_for="over_two_weeks"))
    rows = reason_descriptions(a)
    assert [r["reason"] for r in rows] == ["muscle_weakness", "persistent_or_frequent"]
    assert all(r["sources"] and r["description"] for r in rows)
    assert a.level == "urgent"
    assert assess(EMPTY).level == "self_care"
