"""ActionAssessSymptoms and ActionApplyCorrection in-process, on trackers built from events.

The answers are slots as the form leaves them (canonical values, or
"skipped"); the texts come from actions/check_in_texts.yml.
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet

from actions import texts
from actions.assessment import ActionApplyCorrection, ActionAssessSymptoms
from actions.symptom_check import SKIPPED
from tests.actions.trackers import FORM, run, slots_set, texts_of, tracker_of, user

# The README's calf cramp at night, after running.
CALF_SPASM = {
    "body_part": "calf", "episode_duration": "minutes", "pain_level": "mild", "stiffness": True,
    "limited_motion": True, "visible_movement": False, "weakness": False,
    "ongoing_for": "under_two_weeks", "multiple_places": False, "triggers": ["exercise"],
}
EYELID_TWITCH = {
    "body_part": "eyelid", "episode_duration": "seconds", "pain_level": "none", "stiffness": False,
    "limited_motion": False, "visible_movement": True, "weakness": False,
    "ongoing_for": "under_two_weeks", "multiple_places": False, "triggers": ["caffeine"],
}


def after_check_in(answers: Dict[str, Any], last_message: str = "after running", **extra: Any) -> List[Event]:
    """The form has just finished with ``answers`` (and bookkeeping ``extra``)."""
    return [
        ActionExecuted(ACTION_LISTEN_NAME),
        ActionExecuted(FORM),
        ActiveLoop(FORM),
        *[SlotSet(slot, value) for slot, value in {**answers, **extra}.items()],
        ActionExecuted(ACTION_LISTEN_NAME),
        user(last_message),
        ActionExecuted(FORM),
        ActiveLoop(None),
    ]


def assess(domain, domain_dict, answers, **extra):
    events, messages = run(ActionAssessSymptoms(), tracker_of(domain, after_check_in(answers, **extra)), domain_dict)
    payloads = [m["custom"] for m in messages if m.get("custom")]
    return slots_set(events), texts_of(messages), payloads


def assessment_payload(payloads) -> Dict[str, Any]:
    (found,) = [p["assessment"] for p in payloads if "assessment" in p]
    return found


def test_a_calf_cramp_sounds_like_a_spasm_for_the_answers_that_decided_it(domain, domain_dict):
    slots, said, payloads = assess(domain, domain_dict, CALF_SPASM)
    assert slots == {"triage_level": "self_care", "triage_reasons": []}
    result = assessment_payload(payloads)
    assert result["likely"] == "spasm"
    assert {"painful", "lasts_minutes", "stiffness"} <= set(result["deciding_factors"])
    assert result["is_diagnosis"] is False
    assert result["answers"]["body_part"] == "calf"
    assert said[0].startswith(texts.texts()["intro"])
    assert texts.phrase("factors", "painful") in said[0]


def test_an_eyelid_flicker_sounds_like_a_twitch(domain, domain_dict):
    slots, _, payloads = assess(domain, domain_dict, EYELID_TWITCH)
    assert assessment_payload(payloads)["likely"] == "twitch"
    assert slots["triage_level"] == "self_care"


@pytest.mark.parametrize(
    "changes, extra, level, reason",
    [
        ({"pain_level": "severe"}, {}, "urgent", "severe_pain"),
        ({"weakness": True}, {}, "urgent", "muscle_weakness"),
        ({"ongoing_for": "over_two_weeks"}, {}, "routine", "persistent_or_frequent"),
        # A warning sign said in free text during the check-in counts at the end too.
        ({}, {"red_flags_seen": ["chest_pain"]}, "emergency", "chest_pain"),
    ],
)
def test_the_triage_level_is_the_highest_reason_among_answers_and_signs_seen(
    domain, domain_dict, changes, extra, level, reason
):
    slots, _, _ = assess(domain, domain_dict, {**CALF_SPASM, **changes}, **extra)
    assert slots["triage_level"] == level
    assert reason in slots["triage_reasons"]


def test_a_skipped_warning_sign_question_is_named_never_counted_as_a_no(domain, domain_dict):
    slots, said, payloads = assess(domain, domain_dict, {**CALF_SPASM, "weakness": SKIPPED})
    spec = texts.texts()["warning_checks"]
    unanswered = spec["unanswered"].format(signs=spec["signs"]["weakness"], advice=spec["advice"]["weakness"])
    denied = spec["denied"].format(signs=spec["signs"]["pain_level"])
    assert unanswered in said
    assert denied in said
    assert "weakness" not in assessment_payload(payloads)["answers"]
    assert slots["triage_level"] == "self_care"


def test_the_breathing_question_is_reported_only_where_it_was_asked(domain, domain_dict):
    spec = texts.texts()["warning_checks"]
    breathing = spec["signs"]["breathing_trouble"]
    _, calf, _ = assess(domain, domain_dict, CALF_SPASM)
    assert not any(breathing in line for line in calf[1:])
    _, neck, _ = assess(domain, domain_dict, {**CALF_SPASM, "body_part": "neck", "breathing_trouble": SKIPPED})
    assert spec["unanswered"].format(
        signs=breathing, advice=spec["advice"]["breathing_trouble"]) in neck


# ------------------------------------------------------------------ corrections after the assessment


def correct(domain, domain_dict, answers, text):
    events = after_check_in(answers) + [
        ActionExecuted("action_assess_symptoms"),
        ActionExecuted(ACTION_LISTEN_NAME),
        user(text, intent="correct_answer"),
    ]
    returned, messages = run(ActionApplyCorrection(), tracker_of(domain, events), domain_dict)
    return returned, texts_of(messages)


def test_a_correction_updates_the_answer_and_assesses_again(domain, domain_dict):
    returned, said = correct(domain, domain_dict, CALF_SPASM, "actually it's been going on for over a month")
    assert slots_set(returned) == {"ongoing_for": "over_two_weeks"}
    assert returned[-1]["event"] == "followup" and returned[-1]["name"] == "action_assess_symptoms"
    assert said == [texts.texts()["correction_noted"]]
    # The assessment that follows, on the corrected answers (the README's example).
    corrected = {**CALF_SPASM, "ongoing_for": "over_two_weeks"}
    slots, _, _ = assess(domain, domain_dict, corrected)
    assert slots == {"triage_level": "routine", "triage_reasons": ["persistent_or_frequent"]}


@pytest.mark.parametrize(
    "text, updates",
    [
        ("actually it doesn't hurt", {"pain_level": "none"}),
        ("actually it does feel weak", {"weakness": True}),
        ("sorry, it isn't stiff at all", {"stiffness": False}),
    ],
)
def test_a_correction_reads_yes_and_no_the_right_way_round(domain, domain_dict, text, updates):
    returned, _ = correct(domain, domain_dict, CALF_SPASM, text)
    assert slots_set(returned) == updates


def test_a_correction_that_names_no_answer_says_so_and_changes_nothing(domain, domain_dict):
    returned, said = correct(domain, domain_dict, CALF_SPASM, "hmm, okay then")
    assert returned == []
    assert said == [texts.texts()["nothing_to_correct"]]


def test_a_correction_before_any_check_in_says_there_is_nothing_to_assess(domain, domain_dict):
    events = [ActionExecuted(ACTION_LISTEN_NAME), user("actually it does hurt", intent="correct_answer")]
    returned, messages = run(ActionApplyCorrection(), tracker_of(domain, events), domain_dict)
    assert returned == []
    assert texts_of(messages) == [texts.texts()["nothing_to_assess"]]
