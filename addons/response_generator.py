"""Response generator that keeps slot types inside custom payloads.

Rasa's templated generator formats every ``{slot}`` placeholder as text, so a
list slot would reach a client as the string "['chest_pain']". Integrators need
the escalation payload as data:

    custom: {triage: {level: "{triage_level}", reasons: "{triage_reasons}"}}
    -> {"triage": {"level": "emergency", "reasons": ["chest_pain"]}}

A custom-payload string that is exactly one placeholder is replaced by the raw
value; everything else is filled by the stock generator. Enabled in
``endpoints.yml`` under ``nlg``.

It also makes "I'm not sure" useful: ``utter_please_rephrase`` offers the FAQ topics
the response selector ranked nearest for that message (``faq_topics.yml``), then
the check-in, instead of the same four buttons for everything.

And it names the right emergency number: ``{emergency_number}`` (English) and
``{emergency_number_short}`` (a later mention) and ``{emergency_number_local}``
(the translated advice) are filled from the country the
person named, ``EMERGENCY_COUNTRY``, or the channel's locale (triage/emergency_numbers.py).
Here, in the Rasa server, so emergency advice never waits on the action server.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from triage import emergency_numbers

WHOLE_PLACEHOLDER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
TOPICS_PATH = Path(__file__).resolve().with_name("faq_topics.yml")
UNSURE_RESPONSE = "utter_please_rephrase"
NEAREST_TOPICS = 3
CHECK_IN_BUTTON = {"title": "Check my symptoms", "payload": "/request_symptom_check"}
NUMBER_PLACEHOLDER = "{emergency_number"
#: what {emergency_number_local} says when no country is known: that language's usual numbers
GENERAL_LOCAL_NUMBERS = {
    "es": "112 en España y en Europa; 911 en México, EE. UU. y gran parte de América",
    "fr": "15 ou 112 en France, 112 en Europe, 144 en Suisse, 911 au Canada",
    "de": "112 in Deutschland und Europa; 144 in Österreich und der Schweiz",
    "pt": "112 em Portugal e na Europa; 192, SAMU, no Brasil",
    "it": "112, oppure 118",
    "pl": "112 lub 999",
}


@lru_cache(maxsize=1)
def faq_topics() -> Dict[Text, Dict[Text, Text]]:
    return yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))


def nearest_topic_buttons(parse_data: Dict[Text, Any], limit: int = NEAREST_TOPICS) -> List[Dict[Text, Text]]:
    """Buttons for the FAQ topics the response selector ranked highest for a message.

    {"response_selector": {"faq": {"ranking": [{"intent_response_key": "faq/calf_cramp",
    ...}]}}} -> [{"title": "Calf cramps (charley horse)", "payload": "What is a ..."}]"""
    ranking = ((parse_data or {}).get("response_selector") or {}).get("faq", {}).get("ranking") or []
    topics = faq_topics()
    buttons = []
    for entry in ranking:
        topic = str(entry.get("intent_response_key") or "").split("/", 1)[-1]
        if topic in topics and len(buttons) < limit:
            buttons.append({"title": topics[topic]["title"], "payload": topics[topic]["question"]})
    return buttons


def fill_typed_placeholders(payload: Any, values: Dict[Text, Any]) -> Any:
    """Replace strings like "{triage_reasons}" with the raw value, recursively."""
    if isinstance(payload, dict):
        return {key: fill_typed_placeholders(item, values) for key, item in payload.items()}
    if isinstance(payload, list):
        return [fill_typed_placeholders(item, values) for item in payload]
    if isinstance(payload, str):
        match = WHOLE_PLACEHOLDER.match(payload)
        if match and match.group(1) in values:
            return values[match.group(1)]
    return payload


def user_turns(tracker: Any) -> List[Tuple[Optional[Text], Optional[Dict[Text, Any]]]]:
    """(text, metadata) of the person's messages since the session started, oldest first."""
    turns = []
    for event in getattr(tracker, "events", None) or []:
        if getattr(event, "type_name", None) == "user":
            turns.append((getattr(event, "text", None), getattr(event, "metadata", None)))
    return turns


def number_values(tracker: Any) -> Dict[Text, Text]:
    """The placeholders' values for this conversation."""
    choice = emergency_numbers.choose(user_turns(tracker), os.environ.get("EMERGENCY_COUNTRY"))
    language = (tracker.current_slot_values() or {}).get("reply_language") if tracker else None
    general_local = GENERAL_LOCAL_NUMBERS.get(language or "", "112 / 911 / 999")
    return {
        "emergency_number": emergency_numbers.english_phrase(choice),
        "emergency_number_short": emergency_numbers.short_phrase(choice),
        "emergency_number_local": emergency_numbers.local_phrase(choice, general_local),
    }


class TypedSlotResponseGenerator(TemplatedNaturalLanguageGenerator):
    """The stock templated generator plus typed values in custom payloads."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def names_a_number(self, utter_action: Text) -> bool:
        # Read from self.responses each time: the Agent replaces them when a model loads.
        return NUMBER_PLACEHOLDER in str(self.responses.get(utter_action) or "")

    def _fill_response(
        self,
        response: Dict[Text, Any],
        filled_slots: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> Dict[Text, Any]:
        if "custom" in response:
            values = self._response_variables(filled_slots or {}, kwargs)
            response["custom"] = fill_typed_placeholders(response["custom"], values)
        return super()._fill_response(response, filled_slots, **kwargs)

    async def generate(self, utter_action: Text, tracker: Any, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        if self.names_a_number(utter_action):
            kwargs = {**number_values(tracker), **kwargs}
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if utter_action == UNSURE_RESPONSE and response and response.get("buttons"):
            nearest = nearest_topic_buttons(tracker.latest_message.parse_data)
            if nearest:
                response["buttons"] = nearest + [CHECK_IN_BUTTON]
        return response
