"""Actions run in-process, without any server.

As in RasaHQ's financial-demo (tests/test_actions.py): the project's real
domain, loaded once (``domain`` in tests/conftest.py), a ``CollectingDispatcher``
and a tracker. Here the tracker is built from events, the way Rasa builds the
one it sends to the action server: ``tracker_of(domain, events)``.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Sequence, Tuple

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

FORM = "symptom_check_form"


def user(text: str, intent: str = "inform", entities: Sequence[Dict[str, Any]] = ()) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0}, list(entities))


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value}


def tracker_of(domain, events: List[Event]) -> Tracker:
    """The rasa-sdk tracker for ``events``, as Rasa would send it (every event)."""
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


def in_check_in(
    asking: str,
    answered: Dict[str, Any],
    message: UserUttered,
    extracted: Dict[str, Any],
) -> List[Event]:
    """The check-in is asking ``asking`` (``answered`` already given); the person
    sends ``message``, from which Rasa's slot mappings set ``extracted``."""
    return [
        ActionExecuted(ACTION_LISTEN_NAME),
        *[SlotSet(slot, value) for slot, value in answered.items()],
        ActionExecuted(FORM),
        ActiveLoop(FORM),
        SlotSet("requested_slot", asking),
        ActionExecuted(ACTION_LISTEN_NAME),
        message,
        *[SlotSet(slot, value) for slot, value in extracted.items()],
    ]


def run(action: Action, tracker: Tracker, domain_dict: DomainDict) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(events the action returns, messages it sent)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain_dict))
    return events, dispatcher.messages


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts_of(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["text"] for m in messages if m.get("text")]
