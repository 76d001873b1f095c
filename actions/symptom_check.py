"""The symptom check-in: starting it, asking each question, validating answers.

Thin glue over pure code: answers are normalised by ``triage.answers`` and
corrections parsed by ``triage.corrections``. The form itself is
``symptom_check_form`` in domain.yml.
"""
from __future__ import annotations

import abc

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from triage import answers
from triage.corrections import parse_correction

FORM_NAME = "symptom_check_form"
SKIPPED = "skipped"
# Asked only when the muscle is near the airway (the article: spasms in the
# neck or chest can cause difficulty breathing). Normalised body parts: the
# throat and the nape are stored as "neck" (triage.answers).
AIRWAY_BODY_PARTS = {"chest", "neck"}
BASE_QUESTIONS = [
    "body_part",
    "episode_duration",
    "pain_level",
    "stiffness",
    "limited_motion",
    "visible_movement",
    "weakness",
    "ongoing_for",
    "multiple_places",
    "triggers",
]
ALL_QUESTIONS = BASE_QUESTIONS + ["breathing_trouble"]
BOOKKEEPING_SLOTS = ["invalid_answers", "red_flags_seen"]
# After this many answers that made no sense, the question is skipped.
MAX_INVALID_ANSWERS = 3

SKIP_WORDS = {
    "skip", "skipped", "skip it", "skip this", "skip this one", "skip this question",
    "pass", "next", "next question", "i don't know", "i dont know", "don't know",
    "dont know", "not sure", "no idea", "idk", "can't say", "cant say",
}


def _as_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    return answers.normalize_yes_no(str(value))


def _as_triggers(value: Any) -> Optional[List[str]]:
    if isinstance(value, (list, tuple)):
        found: List[str] = []
        for item in value:
            normalized = answers.normalize_triggers(str(item)) or []
            found.extend(t for t in normalized if t not in found)
        return found or None
    return answers.normalize_triggers(str(value))


NORMALIZERS: Dict[str, Callable[[Any], Any]] = {
    "body_part": lambda v: answers.normalize_body_part(str(v)),
    "episode_duration": lambda v: answers.normalize_episode_duration(str(v)),
    "pain_level": lambda v: answers.normalize_pain(str(v)),
    "stiffness": _as_bool,
    "limited_motion": lambda v: answers.normalize_limited_motion(v),
    "visible_movement": _as_bool,
    "weakness": _as_bool,
    "breathing_trouble": _as_bool,
    "ongoing_for": lambda v: answers.normalize_ongoing_for(str(v)),
    "multiple_places": lambda v: answers.normalize_multiple_places(v),
    "triggers": _as_triggers,
}


def is_skip(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().rstrip(".!") in SKIP_WORDS


def slots_set_this_turn(tracker: Tracker) -> List[Text]:
    """Slots filled from the latest user message (by action_extract_slots)."""
    names: List[Text] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("value") is not None:
            names.append(event["name"])
    return names


def red_flags_in_latest_message(tracker: Tracker) -> List[Text]:
    return [
        e["value"]
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == "red_flag"
    ]


class ActionStartSymptomCheck(Action):
    """Start a fresh check-in, keeping what the opening message already said.

    "I get painful cramps in my calf at night" keeps body_part=calf, so the form
    does not ask where it happens; answers from an earlier check-in are cleared.
    """

    def name(self) -> Text:
        return "action_start_symptom_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(text=texts.texts()["start"])
        keep = set(slots_set_this_turn(tracker))
        events: List[EventType] = [
            SlotSet(slot, None) for slot in ALL_QUESTIONS if slot not in keep
        ]
        events.append(SlotSet("invalid_answers", None))
        events.append(SlotSet("red_flags_seen", red_flags_in_latest_message(tracker)))
        return events


class AskQuestion(Action, abc.ABC):
    """``action_ask_<slot>``: the form's question for one slot, with buttons.

    One concrete subclass per question is made below; the form finds them by
    name (``action_ask_pain_level``) in the domain's actions.
    """

    @property
    @abc.abstractmethod
    def slot(self) -> Text:
        """The slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        message = texts.question(self.slot, tracker.slots)
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        return []


class ValidateSymptomCheckForm(FormValidationAction):
    """Normalises every answer, re-asks once with a reason, then offers to skip."""

    def name(self) -> Text:
        return "validate_symptom_check_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        questions = list(BASE_QUESTIONS)
        if tracker.get_slot("body_part") in AIRWAY_BODY_PARTS:
            questions.insert(1, "breathing_trouble")
        return questions

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        extra: List[EventType] = []

        seen = list(tracker.get_slot("red_flags_seen") or [])
        new_flags = [r for r in red_flags_in_latest_message(tracker) if r not in seen]
        if new_flags:
            extra.append(SlotSet("red_flags_seen", seen + new_flags))

        if tracker.latest_message.get("intent", {}).get("name") == "correct_answer":
            updates = parse_correction(
                tracker.latest_message.get("text") or "",
                tracker.latest_message.get("entities", []),
            )
            if updates:
                dispatcher.utter_message(text=texts.texts()["correction_noted"])
                extra.extend(SlotSet(slot, value) for slot, value in updates.items())
            else:
                dispatcher.utter_message(text=texts.texts()["nothing_to_correct"])
                # A bookkeeping update keeps the form running (no rejection),
                # so it simply asks its current question again.
                extra.append(SlotSet("invalid_answers", tracker.get_slot("invalid_answers")))
        return events + extra

    def _validate(
        self, slot: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        if value == SKIPPED or is_skip(value):
            dispatcher.utter_message(text=texts.texts()["skipped"])
            return {slot: SKIPPED}
        normalized = NORMALIZERS[slot](value)
        if normalized is not None:
            return {slot: normalized}

        counts = dict(tracker.get_slot("invalid_answers") or {})
        counts[slot] = counts.get(slot, 0) + 1
        if counts[slot] >= MAX_INVALID_ANSWERS:
            dispatcher.utter_message(text=texts.texts()["skipped"])
            return {slot: SKIPPED, "invalid_answers": counts}
        if counts[slot] == 1:
            dispatcher.utter_message(text=texts.why(slot))
        else:
            offer = texts.offer_skip(slot)
            dispatcher.utter_message(text=offer["text"], buttons=offer["buttons"])
        # None: the form asks this question again.
        return {slot: None, "invalid_answers": counts}


def _make_validator(slot: Text) -> Callable[..., Any]:
    async def validate(
        self: ValidateSymptomCheckForm,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return self._validate(slot, slot_value, dispatcher, tracker)

    validate.__name__ = f"validate_{slot}"
    return validate


# validate_<slot> methods, one per question (rasa-sdk finds them by name).
for _slot in ALL_QUESTIONS:
    setattr(ValidateSymptomCheckForm, f"validate_{_slot}", _make_validator(_slot))


# action_ask_<slot> classes, one per question.
for _slot in ALL_QUESTIONS:
    _name = "Ask" + "".join(part.title() for part in _slot.split("_"))
    globals()[_name] = type(_name, (AskQuestion,), {"slot": _slot})
