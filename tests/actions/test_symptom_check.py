"""ValidateSymptomCheckForm in-process: answers, re-asks, skips, corrections, red flags.

Each turn is the tracker Rasa sends after its slot mappings filled the slot
from the person's message (``in_check_in``); the texts come from
actions/check_in_texts.yml, so a wording change does not break these.
"""
from __future__ import annotations

import pytest

from actions import texts
from actions.symptom_check import AIRWAY_BODY_PARTS, SKIPPED, ValidateSymptomCheckForm
from tests.actions.trackers import entity, in_check_in, run, slots_set, texts_of, tracker_of, user
from triage import answers

CALF_SO_FAR = {"body_part": "calf", "episode_duration": "minutes"}
UP_TO_MOTION = {**CALF_SO_FAR, "pain_level": "mild", "stiffness": True}


def validate(domain, domain_dict, asking, answered, message, extracted):
    """(slots the validator sets, its messages) for one answer."""
    tracker = tracker_of(domain, in_check_in(asking, answered, message, extracted))
    events, messages = run(ValidateSymptomCheckForm(), tracker, domain_dict)
    return slots_set(events), messages


def next_question(domain_dict, answered, slots):
    """What the form asks next: the validator's choice, else (when its list of
    questions is the domain's) the domain's first unanswered one, as Rasa's
    form does."""
    if "requested_slot" in slots:
        return slots["requested_slot"]
    filled = {**answered, **slots}
    order = domain_dict["forms"]["symptom_check_form"]["required_slots"]
    return next(slot for slot in order if filled.get(slot) is None)


def test_an_answer_is_stored_in_canonical_form_and_the_next_question_asked(domain, domain_dict):
    slots, messages = validate(
        domain, domain_dict, "pain_level", CALF_SO_FAR,
        user("it hurts but it's bearable"), {"pain_level": "it hurts but it's bearable"},
    )
    assert slots["pain_level"] == "mild"
    assert next_question(domain_dict, CALF_SO_FAR, slots) == "stiffness"
    assert messages == []


@pytest.mark.parametrize(
    "said, extracted, stored",
    [
        # Rasa's entity value is the word as written: the normaliser makes it "neck".
        ("my throat keeps spasming", "throat", "neck"),
        ("my neck", "neck", "neck"),
        ("in my chest", "chest", "chest"),
    ],
)
def test_near_the_airway_the_breathing_question_comes_next(domain, domain_dict, said, extracted, stored):
    slots, _ = validate(
        domain, domain_dict, "body_part", {},
        user(said, entities=[entity("body_part", extracted)]), {"body_part": extracted},
    )
    assert slots["body_part"] == stored
    assert next_question(domain_dict, {}, slots) == "breathing_trouble"


@pytest.mark.parametrize("said, stored", [("my calf", "calf"), ("left eye", "eyelid"), ("lower back", "back")])
def test_elsewhere_no_breathing_question(domain, domain_dict, said, stored):
    slots, _ = validate(domain, domain_dict, "body_part", {}, user(said), {"body_part": said})
    assert slots["body_part"] == stored
    assert next_question(domain_dict, {}, slots) == "episode_duration"


def test_the_breathing_question_stays_in_the_check_in_for_the_neck(domain, domain_dict):
    """The next answer, in a later turn: the question is still required, and asked."""
    slots, _ = validate(
        domain, domain_dict, "episode_duration", {"body_part": "neck"},
        user("a few seconds"), {"episode_duration": "a few seconds"},
    )
    assert slots["episode_duration"] == "seconds"
    assert next_question(domain_dict, {"body_part": "neck"}, slots) == "breathing_trouble"


def test_an_answer_that_makes_no_sense_is_asked_again_then_offered_a_skip_then_skipped(domain, domain_dict):
    """Three tries (MAX_INVALID_ANSWERS): the reason the question matters, then
    a skip button, then it is skipped, and a skip is never a "no"."""
    nonsense = "lorem ipsum"
    replies = []
    counts = None
    for attempt in range(1, 4):
        answered = {**CALF_SO_FAR, "invalid_answers": counts}
        slots, messages = validate(
            domain, domain_dict, "pain_level", answered, user(nonsense), {"pain_level": nonsense},
        )
        counts = slots["invalid_answers"]
        assert counts == {"pain_level": attempt}
        replies.append((slots["pain_level"], messages))

    (first, first_said), (second, second_said), (third, third_said) = replies
    assert first is None and texts_of(first_said) == [texts.why("pain_level")]
    offer = texts.offer_skip("pain_level")
    assert second is None and second_said == [
        {**second_said[0], "text": offer["text"], "buttons": offer["buttons"]}
    ]
    assert third == SKIPPED and texts_of(third_said) == [texts.texts()["skipped"]]


def test_a_skipped_question_moves_on(domain, domain_dict):
    slots, messages = validate(
        domain, domain_dict, "pain_level", CALF_SO_FAR, user("not sure"), {"pain_level": "not sure"},
    )
    assert slots["pain_level"] == SKIPPED
    assert next_question(domain_dict, CALF_SO_FAR, slots) == "stiffness"
    assert texts_of(messages) == [texts.texts()["skipped"]]


@pytest.mark.parametrize(
    "said, updates",
    [
        ("actually it doesn't hurt", {"pain_level": "none"}),
        ("sorry, it does hurt", {"pain_level": "mild"}),
        ("actually it's not stiff", {"stiffness": False}),
    ],
)
def test_a_correction_mid_check_in_changes_that_answer_and_the_check_in_goes_on(
    domain, domain_dict, said, updates
):
    slots, messages = validate(
        domain, domain_dict, "limited_motion", UP_TO_MOTION, user(said, intent="correct_answer"), {},
    )
    assert {k: v for k, v in slots.items() if k != "requested_slot"} == updates
    assert next_question(domain_dict, UP_TO_MOTION, slots) == "limited_motion"
    assert texts_of(messages) == [texts.texts()["correction_noted"]]


def test_a_correction_that_names_no_answer_says_so_and_asks_again(domain, domain_dict):
    slots, messages = validate(
        domain, domain_dict, "limited_motion", UP_TO_MOTION, user("actually, wait", intent="correct_answer"), {},
    )
    assert {k: v for k, v in slots.items() if k != "requested_slot"} == {"invalid_answers": None}
    assert next_question(domain_dict, UP_TO_MOTION, slots) == "limited_motion"
    assert texts_of(messages) == [texts.texts()["nothing_to_correct"]]


def test_a_red_flag_in_an_answer_is_remembered_for_the_assessment(domain, domain_dict):
    slots, _ = validate(
        domain, domain_dict, "pain_level", {**CALF_SO_FAR, "red_flags_seen": ["dvt_signs"]},
        user("it hurts and my calf is swollen and red", entities=[entity("red_flag", "dvt_signs"),
                                                                   entity("red_flag", "severe_pain")]),
        {"pain_level": "it hurts and my calf is swollen and red"},
    )
    assert slots["red_flags_seen"] == ["dvt_signs", "severe_pain"]
    assert slots["pain_level"] == "mild"


def test_every_airway_body_part_is_one_the_normaliser_gives():
    """The breathing question is decided on the stored, normalised body part:
    a word the normaliser maps elsewhere ("throat" -> neck) can never match."""
    assert AIRWAY_BODY_PARTS <= set(answers.BODY_PARTS)
    assert {answers.normalize_body_part(word) for word in ("throat", "nape", "ribs")} <= AIRWAY_BODY_PARTS
