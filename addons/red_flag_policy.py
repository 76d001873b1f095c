"""Dialogue policy: escalate to care advice the moment a red flag appears.

Runs with the highest priority in the Rasa server, so emergency advice never
depends on the intent classifier, on the training stories or on the action
server. It reads the ``red_flag`` entities that ``RedFlagDetector`` put on the
latest user message and, during the check-in, the message read as the answer to
the question just asked (``triage.turn.answer_reasons``: a "yes" to the
breathing question, "agony" to the pain question), and drives the turn:

1. ``utter_care_advice``, after setting ``triage_level`` (the highest level
   among the reasons, from ``triage/rules.yml``) and ``triage_reasons``: the
   response has one variation per level and a custom payload carrying both;
2. emergency: the check-in stops (``action_deactivate_loop``) and the bot
   listens. Any other level: an active check-in continues with its next
   question; outside it, what the message asked for still happens (a symptom
   report starts the check-in, a question is answered: ``follow_up_actions``).

A warning sign written in another language the patterns speak (reply_language,
from addons/language_id.py) gets ``utter_care_advice_translated`` first -- the
advice in that language -- then the English advice.

Example: mid-form "I can't breathe" -> utter_care_advice (emergency),
action_deactivate_loop, action_listen. The same for "yes" when the question was
"do you have any trouble breathing?" -- whatever intent the classifier guessed.
An answer that fires only a routine reason waits for the assessment.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from triage.rules import highest_level, level_of, load_rules, order_reasons
from triage.corrections import parse_correction
from triage.turn import answer_reasons

RED_FLAG_ENTITY = "red_flag"
EMERGENCY = "emergency"
CHECK_IN_START_ACTION = "action_start_symptom_check"
TRIAGE_LEVEL_SLOT = "triage_level"
TRIAGE_REASONS_SLOT = "triage_reasons"


def actions_since_last_user_message(tracker: DialogueStateTracker) -> List[Text]:
    """Names of the actions run after the latest user message, oldest first."""
    actions: List[Text] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            actions.append(event.action_name)
    return list(reversed(actions))


CHECK_IN_FORM = "symptom_check_form"
KNOWN_REASONS = frozenset(load_rules().reasons)
#: answers escalate in the turn they are given at these levels; routine waits
ANSWER_ESCALATION_LEVELS = frozenset({"emergency", "urgent"})


def red_flag_reasons(tracker: DialogueStateTracker) -> List[Text]:
    """Reason codes on the latest user message, in detection order, no repeats."""
    reasons: List[Text] = []
    for entity in tracker.latest_message.entities if tracker.latest_message else []:
        value = entity.get("value")
        # only codes the rules know: a made-up value is ignored, never quoted in an error
        if entity.get("entity") == RED_FLAG_ENTITY and value in KNOWN_REASONS and value not in reasons:
            reasons.append(value)
    return reasons


def answer_to_requested_slot(tracker: DialogueStateTracker) -> Optional[Any]:
    """The latest message as the answer to the check-in question being asked:
    a button's value ('/inform{"pain_level": "severe"}') or the text as typed."""
    if tracker.active_loop_name != CHECK_IN_FORM:
        return None
    slot = tracker.get_slot("requested_slot")
    message = tracker.latest_message
    if not slot or message is None:
        return None
    text = message.text or ""
    if text.startswith("/"):
        for entity in message.entities:
            if entity.get("entity") == slot:
                return entity.get("value")
        return None
    corrected = parse_correction(text, [])
    if corrected and slot not in corrected:
        return None  # "actually it does hurt" while asked about weakness: not this answer
    return text


def message_language(tracker: DialogueStateTracker) -> Text:
    """The latest message's reply_language entity ("en" when there is none)."""
    for entity in tracker.latest_message.entities if tracker.latest_message else []:
        if entity.get("entity") == "reply_language":
            return entity.get("value") or "en"
    return "en"


def turn_reasons(tracker: DialogueStateTracker) -> List[Text]:
    """Red flags in the text, plus what the answer to the current question fires
    (emergency and urgent only), most urgent first."""
    reasons = red_flag_reasons(tracker)
    answer = answer_to_requested_slot(tracker)
    if answer is not None:
        fired = answer_reasons(tracker.get_slot("requested_slot"), answer)
        reasons += [r for r in fired if level_of(r) in ANSWER_ESCALATION_LEVELS]
    return list(order_reasons(reasons))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class RedFlagPolicy(Policy):
    """Deterministic escalation; see the module docstring."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,  # above RulePolicy (6): a red flag wins over a form
            # One response with a variation per triage level (slot triage_level).
            "care_response": "utter_care_advice",
            # The same advice in the message's language, sent first (emergency and
            # urgent only; the domain has a variation per language and level).
            "translated_response": "utter_care_advice_translated",
            "translated_languages": ["es", "fr", "de", "pt", "it", "pl"],
            # Outside a check-in, after non-emergency advice, what the message
            # itself asked for still happens (intent -> action); else listen.
            "follow_up_actions": {
                "report_symptom": "action_start_symptom_check",
                "request_symptom_check": "action_start_symptom_check",
                "correct_answer": "action_apply_correction",
                "faq": "utter_faq",
            },
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        load_rules()  # fail at start-up, not mid-conversation, if rules.yml is broken

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        # Nothing to learn: the rules are data in triage/rules.yml.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        reasons = turn_reasons(tracker)
        if not reasons:
            return self._abstain(domain)

        level = highest_level(reasons)
        care_response = self.config["care_response"]
        done = actions_since_last_user_message(tracker)
        events = [SlotSet(TRIAGE_LEVEL_SLOT, level), SlotSet(TRIAGE_REASONS_SLOT, reasons)]

        translated = self.config["translated_response"]
        if level in ANSWER_ESCALATION_LEVELS and \
                message_language(tracker) in self.config["translated_languages"]:
            if not done:
                return self._predict(translated, domain, events=events)
            if done[0] == translated:
                done = done[1:]  # then the same turn goes on as for an English message

        if not done:
            return self._predict(care_response, domain, events=events)
        if done == [care_response]:
            if level == EMERGENCY:
                if tracker.active_loop_name:
                    return self._predict(ACTION_DEACTIVATE_LOOP_NAME, domain)
                return self._predict(ACTION_LISTEN_NAME, domain)
            if tracker.active_loop_name:
                # RulePolicy's loop happy path asks the form's next question.
                return self._abstain(domain)
            intent = tracker.latest_message.intent.get("name")
            follow_up = self.config["follow_up_actions"].get(intent)
            return self._predict(follow_up or ACTION_LISTEN_NAME, domain)
        if len(done) == 2 and done[0] == care_response:
            if done[1] == CHECK_IN_START_ACTION:
                # The rule "A started check-in runs the form" takes it from here.
                return self._abstain(domain)
            if done[1] in self.config["follow_up_actions"].values():
                return self._predict(ACTION_LISTEN_NAME, domain)
        if done == [care_response, ACTION_DEACTIVATE_LOOP_NAME]:
            return self._predict(ACTION_LISTEN_NAME, domain)
        return self._abstain(domain)

    def _predict(
        self, action_name: Text, domain: Domain, events: Optional[List[Any]] = None
    ) -> PolicyPrediction:
        # is_no_user_prediction: RulePolicy marks an active form's "happy path"
        # that way, and the ensemble then only compares such predictions. Ours
        # must be among them to interrupt a form.
        return self._prediction(
            confidence_scores_for(action_name, 1.0, domain),
            optional_events=events,
            is_no_user_prediction=True,
        )

    def _abstain(self, domain: Domain) -> PolicyPrediction:
        return self._prediction(self._default_predictions(domain))
