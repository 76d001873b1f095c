"""RedFlagPolicy on trackers built from events, with the project's real domain.

These run without a trained model: the policy has nothing to learn.
"""
from __future__ import annotations

from typing import List, Optional

import pytest
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons.red_flag_policy import RedFlagPolicy


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> RedFlagPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    return RedFlagPolicy.create(
        {**RedFlagPolicy.get_default_config()}, storage, Resource("policy"), context
    )


def user(intent: str, red_flags: List[str] = (), text: str = "...") -> UserUttered:
    entities = [{"entity": "red_flag", "value": r} for r in red_flags]
    return UserUttered(text, {"name": intent, "confidence": 1.0}, entities)


def tracker_of(domain, events: List[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", [ActionExecuted(ACTION_LISTEN_NAME), *events], domain.slots)


def predicted(prediction: PolicyPrediction, domain) -> Optional[str]:
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


FORM = [ActionExecuted("symptom_check_form"), ActiveLoop("symptom_check_form"), SlotSet("requested_slot", "pain_level")]


def test_abstains_without_red_flags(policy, domain):
    tracker = tracker_of(domain, [user("faq")])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None


@pytest.mark.parametrize(
    "reasons, level",
    [
        (["breathing_difficulty"], "emergency"),
        (["chest_pain", "severe_pain"], "emergency"),
        (["severe_pain"], "urgent"),
        (["muscle_weakness", "persistent_or_frequent"], "urgent"),
        (["appearance_change"], "routine"),
    ],
)
def test_first_action_is_the_care_advice_with_level_and_reasons(policy, domain, reasons, level):
    tracker = tracker_of(domain, [user("faq", reasons)])
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert predicted(prediction, domain) == "utter_care_advice"
    # it must be able to win against a form's "happy path" prediction
    assert prediction.is_no_user_prediction
    assert prediction.max_confidence == 1.0
    slots = {e.key: e.value for e in prediction.optional_events}
    assert slots == {"triage_level": level, "triage_reasons": reasons}


def test_emergency_mid_check_in_stops_the_form_then_listens(policy, domain):
    events = [*FORM, user("inform", ["breathing_difficulty"]), ActionExecuted("utter_care_advice")]
    tracker = tracker_of(domain, events)
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == "action_deactivate_loop"
    tracker.update(ActionExecuted("action_deactivate_loop"))
    tracker.update(ActiveLoop(None))
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == ACTION_LISTEN_NAME


def test_urgent_mid_check_in_lets_the_form_continue(policy, domain):
    events = [*FORM, user("inform", ["severe_pain"]), ActionExecuted("utter_care_advice")]
    tracker = tracker_of(domain, events)
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None


@pytest.mark.parametrize(
    "intent, follow_up",
    [
        ("report_symptom", "action_start_symptom_check"),
        ("request_symptom_check", "action_start_symptom_check"),
        ("correct_answer", "action_apply_correction"),
        ("faq", "utter_faq"),
        ("greet", ACTION_LISTEN_NAME),
        ("nlu_fallback", ACTION_LISTEN_NAME),
    ],
)
def test_outside_a_check_in_the_message_still_gets_what_it_asked_for(policy, domain, intent, follow_up):
    tracker = tracker_of(domain, [user(intent, ["severe_pain"]), ActionExecuted("utter_care_advice")])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == follow_up


def test_after_starting_the_check_in_the_rules_take_over(policy, domain):
    events = [user("report_symptom", ["severe_pain"]), ActionExecuted("utter_care_advice"), ActionExecuted("action_start_symptom_check")]
    tracker = tracker_of(domain, events)
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None


def test_after_answering_the_question_it_listens(policy, domain):
    events = [user("faq", ["severe_pain"]), ActionExecuted("utter_care_advice"), ActionExecuted("utter_faq")]
    tracker = tracker_of(domain, events)
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == ACTION_LISTEN_NAME


def test_emergency_outside_a_check_in_listens_even_for_a_symptom_report(policy, domain):
    tracker = tracker_of(domain, [user("report_symptom", ["chest_pain"]), ActionExecuted("utter_care_advice")])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == ACTION_LISTEN_NAME


def test_a_red_flag_from_an_earlier_turn_does_not_fire_again(policy, domain):
    events = [user("faq", ["chest_pain"]), ActionExecuted("utter_care_advice"), ActionExecuted(ACTION_LISTEN_NAME), user("thank")]
    tracker = tracker_of(domain, events)
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None


# ------------------------------------------------------------------ answers, in the turn
def asked(slot: str) -> List[Event]:
    return [ActionExecuted("symptom_check_form"), ActiveLoop("symptom_check_form"),
            SlotSet("requested_slot", slot)]


@pytest.mark.parametrize("intent", ["affirm", "greet", "faq", "nlu_fallback", "out_of_scope"])
@pytest.mark.parametrize("text", ["yes", "yeah a bit", "sometimes"])
def test_yes_to_the_breathing_question_is_an_emergency_whatever_the_intent(policy, domain, intent, text):
    tracker = tracker_of(domain, [*asked("breathing_trouble"), user(intent, text=text)])
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert predicted(prediction, domain) == "utter_care_advice"
    slots = {e.key: e.value for e in prediction.optional_events}
    assert slots == {"triage_level": "emergency", "triage_reasons": ["breathing_difficulty"]}
    tracker.update(ActionExecuted("utter_care_advice"))
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == "action_deactivate_loop"


def test_a_button_answer_is_triaged_from_its_value(policy, domain):
    message = UserUttered('/inform{"pain_level": "severe"}', {"name": "inform", "confidence": 1.0},
                          [{"entity": "pain_level", "value": "severe"}])
    tracker = tracker_of(domain, [*asked("pain_level"), message])
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert predicted(prediction, domain) == "utter_care_advice"
    assert {e.key: e.value for e in prediction.optional_events}["triage_level"] == "urgent"


@pytest.mark.parametrize("slot, text", [
    ("breathing_trouble", "no"),
    ("breathing_trouble", "not sure"),       # unanswered is not "no", but not an emergency either
    ("pain_level", "a bit sore"),
    ("weakness", "no, nothing feels weak"),
    ("ongoing_for", "about three months"),   # routine: the assessment says so, not this turn
])
def test_answers_without_an_emergency_or_urgent_sign_leave_the_turn_alone(policy, domain, slot, text):
    tracker = tracker_of(domain, [*asked(slot), user("inform", text=text)])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None


def test_an_answer_counts_only_for_the_question_it_answers(policy, domain):
    """ "yes" outside the check-in, or to a harmless question, fires nothing."""
    assert predicted(policy.predict_action_probabilities(
        tracker_of(domain, [user("affirm", text="yes")]), domain), domain) is None
    assert predicted(policy.predict_action_probabilities(
        tracker_of(domain, [*asked("stiffness"), user("affirm", text="yes")]), domain), domain) is None


# ------------------------------------------------------------------ other languages
def spanish(reasons):
    entities = [{"entity": "red_flag", "value": r} for r in reasons]
    entities.append({"entity": "reply_language", "value": "es"})
    return UserUttered("no puedo respirar", {"name": "nlu_fallback", "confidence": 1.0}, entities)


def test_an_emergency_in_spanish_gets_the_spanish_advice_then_the_english(policy, domain):
    tracker = tracker_of(domain, [spanish(["breathing_difficulty"])])
    first = policy.predict_action_probabilities(tracker, domain)
    assert predicted(first, domain) == "utter_care_advice_translated"
    assert {e.key: e.value for e in first.optional_events}["triage_level"] == "emergency"
    tracker.update(ActionExecuted("utter_care_advice_translated"))
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == "utter_care_advice"
    tracker.update(ActionExecuted("utter_care_advice"))
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == ACTION_LISTEN_NAME


def test_a_routine_sign_in_another_language_gets_only_the_english_advice(policy, domain):
    tracker = tracker_of(domain, [spanish(["persistent_or_frequent"])])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == "utter_care_advice"


def test_every_translated_variation_is_for_a_language_the_policy_sends(domain):
    from addons.red_flag_policy import RedFlagPolicy

    languages = set(RedFlagPolicy.get_default_config()["translated_languages"])
    variations = domain.responses["utter_care_advice_translated"]
    covered = {(c["value"], d["value"]) for v in variations if v.get("condition")
               for c, d in [sorted(v["condition"], key=lambda x: x["name"])]}
    assert covered == {(lang, level) for lang in languages for level in ("emergency", "urgent")}


def test_a_correction_of_another_answer_is_not_read_as_this_answer(policy, domain):
    """'actually it does hurt' while asked about weakness is about the pain, not a yes."""
    tracker = tracker_of(domain, [*asked("weakness"), user("correct_answer", text="actually it does hurt")])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None
    tracker = tracker_of(domain, [*asked("weakness"), user("correct_answer", text="actually yes it is weak")])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) == "utter_care_advice"


def test_a_made_up_reason_code_is_ignored_not_an_error(policy, domain):
    tracker = tracker_of(domain, [user("inform", ["my HIV test came back positive zebra7731"])])
    assert predicted(policy.predict_action_probabilities(tracker, domain), domain) is None
