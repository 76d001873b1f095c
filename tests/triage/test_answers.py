"""Normalisers from free text / button payloads to canonical slot values."""
from __future__ import annotations

import pytest

from triage import answers
from triage.answers import (
    BODY_PARTS,
    EPISODE_DURATIONS,
    ONGOING_FOR,
    PAIN_LEVELS,
    TRIGGERS,
    normalize_body_part,
    normalize_episode_duration,
    normalize_ongoing_for,
    normalize_pain,
    normalize_triggers,
    normalize_yes_no,
)

NONSENSE = ["", "   ", None, "banana", "asdfgh", "what?", "🙂", "the weather is nice", "42 bananas"]


# ------------------------------------------------------------------ body part
@pytest.mark.parametrize("text,expected", [
    ("calf", "calf"), ("my calf", "calf"), ("Left calf muscle", "calf"), ("calves", "calf"),
    ("the back of my leg", "calf"), ("thigh", "thigh"), ("hamstring", "thigh"), ("quads", "thigh"),
    ("my foot", "foot"), ("arch of my foot", "foot"), ("heel", "foot"), ("toes", "toe"),
    ("big toe", "toe"), ("hand", "hand"), ("my hands", "hand"), ("palm", "hand"),
    ("fingers", "finger"), ("thumb", "finger"), ("arm", "arm"), ("bicep", "arm"),
    ("forearm", "arm"), ("eyelid", "eyelid"), ("left eye", "eyelid"), ("under my eye", "eyelid"),
    ("eye lid", "eyelid"), ("my upper eyelid", "eyelid"), ("face", "face"), ("cheek", "face"),
    ("lip", "face"), ("jaw", "face"), ("lower back", "back"), ("back", "back"),
    ("upper back", "back"), ("neck", "neck"), ("chest", "chest"), ("pecs", "chest"),
    ("stomach", "abdomen"), ("abs", "abdomen"), ("belly", "abdomen"), ("shoulder", "shoulder"),
    ("shoulder blade", "shoulder"), ("leg", "leg"), ("shin", "leg"), ("knee", "leg"),
    ("hip", "hip"), ("glutes", "hip"), ("CALF", "calf"), ("my calf muscle in my leg", "calf"),
    ("in my lower leg", "leg"), ("the muscle in my arm", "arm"),
])
def test_normalize_body_part(text, expected):
    assert normalize_body_part(text) == expected


@pytest.mark.parametrize("text", NONSENSE + ["yes", "idk", "everywhere", "a few seconds"])
def test_normalize_body_part_nonsense(text):
    assert normalize_body_part(text) is None


# ------------------------------------------------------------------ episode duration
@pytest.mark.parametrize("text,expected", [
    ("a few seconds", "seconds"), ("seconds", "seconds"), ("a second or two", "seconds"),
    ("just a sec", "seconds"), ("30 seconds", "seconds"), ("10s", "seconds"),
    ("quick", "seconds"), ("very brief", "seconds"), ("less than a minute", "seconds"),
    ("a couple of minutes", "minutes"), ("like 10 min", "minutes"), ("10 mins", "minutes"),
    ("5m", "minutes"), ("minutes", "minutes"), ("a minute", "minutes"), ("2-3 minutes", "minutes"),
    ("around 20 min", "minutes"), ("couple mins", "minutes"), ("half an hour", "minutes"),
    ("a few seconds to a minute", "minutes"),
    ("hours", "longer"), ("an hour", "longer"), ("all day", "longer"), ("all night", "longer"),
    ("a few hours", "longer"), ("it's constant", "longer"), ("90 minutes", "longer"),
    ("more than an hour", "longer"), ("2h", "longer"),
])
def test_normalize_episode_duration(text, expected):
    assert normalize_episode_duration(text) == expected


@pytest.mark.parametrize("text", NONSENSE + ["yes", "no", "idk", "a while", "calf"])
def test_normalize_episode_duration_nonsense(text):
    assert normalize_episode_duration(text) is None


# ------------------------------------------------------------------ pain
@pytest.mark.parametrize("text,expected", [
    ("no", "none"), ("nope", "none"), ("it doesn't hurt", "none"), ("doesnt hurt", "none"),
    ("no pain", "none"), ("painless", "none"), ("not painful", "none"), ("not at all", "none"),
    ("0/10", "none"), ("it doesn’t really hurt, it's just annoying", "none"),
    ("just annoying", "none"), ("no it does not", "none"),
    ("a bit sore", "mild"), ("yes it hurts", "mild"), ("yes", "mild"), ("a little", "mild"),
    ("kind of", "mild"), ("3/10", "mild"), ("5", "mild"), ("moderate", "mild"),
    ("not too bad", "mild"), ("not that bad", "mild"), ("not severe", "mild"), ("it's sore", "mild"),
    ("aches", "mild"), ("sharp", "mild"), ("it stings", "mild"), ("painful", "mild"),
    ("no, but it's a bit sore afterwards", "mild"), ("it's tender", "mild"),
    ("unbearable", "severe"), ("excruciating", "severe"), ("agonizing", "severe"),
    ("really bad", "severe"), ("the worst pain ever", "severe"), ("10/10", "severe"),
    ("8/10", "severe"), ("8 out of 10", "severe"), ("it hurts a lot", "severe"),
    ("hurts so much", "severe"), ("agony", "severe"), ("very painful", "severe"),
    ("severe!", "severe"),
])
def test_normalize_pain(text, expected):
    assert normalize_pain(text) == expected


@pytest.mark.parametrize("text", NONSENSE + ["idk", "calf", "15/10 lol"])
def test_normalize_pain_nonsense(text):
    assert normalize_pain(text) is None


# ------------------------------------------------------------------ yes / no
@pytest.mark.parametrize("text,expected", [
    ("yes", True), ("Yes!", True), ("yeah", True), ("yep", True), ("yup", True), ("y", True),
    ("sure", True), ("definitely", True), ("a little", True), ("a bit", True),
    ("sometimes", True), ("occasionally", True), ("kind of", True), ("I think so", True),
    ("maybe", True), ("yes a bit", True), ("it is", True), ("i have", True), ("true", True),
    (True, True), ("/affirm", True),
    ("no", False), ("No.", False), ("nope", False), ("nah", False), ("n", False),
    ("not really", False), ("none", False), ("never", False), ("not at all", False),
    ("I don't think so", False), ("i dont think so", False), ("absolutely not", False),
    ("no, never", False), ("it isn't", False), ("i haven't", False), ("false", False),
    (False, False), ("nothing like that", False), ("not that I noticed", False),
])
def test_normalize_yes_no(text, expected):
    assert normalize_yes_no(text) is expected


@pytest.mark.parametrize("text", NONSENSE + ["not sure", "idk", "I don't know", "no idea"])
def test_normalize_yes_no_unsure_or_nonsense(text):
    assert normalize_yes_no(text) is None


# ------------------------------------------------------------------ ongoing for
@pytest.mark.parametrize("text,expected", [
    ("a few days", "under_two_weeks"), ("since yesterday", "under_two_weeks"),
    ("today", "under_two_weeks"), ("3 days", "under_two_weeks"), ("a week", "under_two_weeks"),
    ("10 days", "under_two_weeks"), ("13 days", "under_two_weeks"),
    ("less than two weeks", "under_two_weeks"), ("almost two weeks", "under_two_weeks"),
    ("since last week", "under_two_weeks"), ("since monday", "under_two_weeks"),
    ("last night", "under_two_weeks"), ("just started", "under_two_weeks"),
    ("few days", "under_two_weeks"), ("an hour", "under_two_weeks"),
    ("3 weeks", "over_two_weeks"), ("three weeks", "over_two_weeks"), ("3wks", "over_two_weeks"),
    ("a month", "over_two_weeks"), ("months", "over_two_weeks"),
    ("more than two weeks", "over_two_weeks"), ("a year", "over_two_weeks"),
    ("years", "over_two_weeks"), ("for ages", "over_two_weeks"), ("6 months", "over_two_weeks"),
    ("a few weeks", "over_two_weeks"), ("several weeks", "over_two_weeks"),
    ("about 5 weeks", "over_two_weeks"), ("15 days", "over_two_weeks"), ("weeks", "over_two_weeks"),
    ("since last month", "over_two_weeks"), ("since christmas", "over_two_weeks"),
    # exactly two weeks and still going counts as over (conservative)
    ("2 weeks", "over_two_weeks"), ("two weeks", "over_two_weeks"), ("14 days", "over_two_weeks"),
    ("a fortnight", "over_two_weeks"), ("1-2 weeks", "over_two_weeks"),
    ("a week or two", "over_two_weeks"),
])
def test_normalize_ongoing_for(text, expected):
    assert normalize_ongoing_for(text) == expected


@pytest.mark.parametrize("text", NONSENSE + ["idk", "for a while", "yes", "calf"])
def test_normalize_ongoing_for_nonsense(text):
    assert normalize_ongoing_for(text) is None


# ------------------------------------------------------------------ triggers
@pytest.mark.parametrize("text,expected", [
    ("after running", ["exercise"]), ("working out", ["exercise"]), ("lifting weights", ["exercise"]),
    ("after football", ["exercise"]), ("a long hike", ["exercise"]),
    ("too much coffee", ["caffeine"]), ("energy drinks", ["caffeine"]), ("3 cups of tea", ["caffeine"]),
    ("I started statins", ["new_medicine"]), ("new medication", ["new_medicine"]),
    ("my doctor put me on a diuretic", ["new_medicine"]), ("water pills", ["new_medicine"]),
    ("stress", ["stress"]), ("I've been really stressed", ["stress"]), ("anxiety", ["stress"]),
    ("exams", ["stress"]),
    ("poor sleep", ["poor_sleep"]), ("I haven't been sleeping well", ["poor_sleep"]),
    ("not enough sleep", ["poor_sleep"]), ("tired", ["poor_sleep"]), ("exhausted", ["poor_sleep"]),
    ("dehydrated", ["dehydration"]), ("I didn't drink enough water", ["dehydration"]),
    ("hot weather", ["dehydration"]), ("I was sweating a lot", ["dehydration"]),
    ("hangover", ["dehydration"]),
    ("gym and coffee", ["exercise", "caffeine"]),
    ("coffee, stress and no sleep", ["caffeine", "stress", "poor_sleep"]),
    ("long hike and barely slept", ["exercise", "poor_sleep"]),
    ("no coffee but I'm stressed", ["stress"]),
    ("I don't drink coffee", ["none"]),
    ("nothing really", ["none"]), ("none", ["none"]), ("nothing", ["none"]),
    ("out of nowhere", ["none"]), ("no idea", ["none"]), ("no reason, it just happens", ["none"]),
])
def test_normalize_triggers(text, expected):
    assert normalize_triggers(text) == expected


@pytest.mark.parametrize("text", NONSENSE + ["all of them", "calf", "it happens in my sleep"])
def test_normalize_triggers_nonsense(text):
    assert normalize_triggers(text) is None


@pytest.mark.parametrize("value,expected", [
    (["exercise", "caffeine"], ["exercise", "caffeine"]),
    (["caffeine", "exercise"], ["exercise", "caffeine"]),
    ("exercise,caffeine", ["exercise", "caffeine"]),
    (["none", "stress"], ["stress"]),
    (["none"], ["none"]),
    (["after running", "coffee"], ["exercise", "caffeine"]),
])
def test_normalize_triggers_lists_and_payloads(value, expected):
    assert normalize_triggers(value) == expected


# ------------------------------------------------------------------ idempotence on canonical values
@pytest.mark.parametrize("fn,values", [
    (normalize_body_part, BODY_PARTS),
    (normalize_episode_duration, EPISODE_DURATIONS),
    (normalize_pain, PAIN_LEVELS),
    (normalize_ongoing_for, ONGOING_FOR),
])
def test_canonical_values_pass_through(fn, values):
    for v in values:
        assert fn(v) == v
        assert fn(fn(v)) == v


@pytest.mark.parametrize("code", TRIGGERS)
def test_canonical_triggers_pass_through(code):
    assert normalize_triggers(code) == [code]
    assert normalize_triggers(normalize_triggers(code)) == [code]


@pytest.mark.parametrize("value", [True, False, "true", "false", "yes", "no"])
def test_yes_no_payloads_pass_through(value):
    got = normalize_yes_no(value)
    assert normalize_yes_no(got) is got


# ------------------------------------------------------------------ free-text answers people give
@pytest.mark.parametrize("text, expected", [
    ("I can't bend", True),
    ("I can't straighten my leg until it eases", True),
    ("it locks up", True),
    ("I can move it fine", False),
    ("no I can still move it normally", False),
    ("not really", False),
])
def test_limited_movement_from_free_text(text, expected):
    assert answers.normalize_limited_motion(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("legs and lower back mostly", True),
    ("both calves", True),
    ("only my right thumb", False),   # "right" is not a yes here
    ("just my lower back", False),
    ("only the eye", False),
    ("no, just there", False),
    ("yes", True),
])
def test_more_than_one_place_from_the_body_parts_named(text, expected):
    assert answers.normalize_multiple_places(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("no, nothing feels weak", False),
    ("yh", True),
    ("only in the really bad ones tbh", True),
    ("right", True),
])
def test_yes_and_no_in_the_ways_people_write_them(text, expected):
    assert answers.normalize_yes_no(text) is expected
