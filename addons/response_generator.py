"""Response generator that keeps slot types inside custom payloads.

Rasa's templated generator formats every ``{slot}`` placeholder as text, so a
list slot would reach a client as the string "['chest_pain']". Integrators need
the escalation payload as data:

    custom: {triage: {level: "{triage_level}", reasons: "{triage_reasons}"}}
    -> {"triage": {"level": "emergency", "reasons": ["chest_pain"]}}

A custom-payload string that is exactly one placeholder is replaced by the raw
value; everything else is filled by the stock generator. Enabled in
``endpoints.yml`` under ``nlg``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

WHOLE_PLACEHOLDER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


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


class TypedSlotResponseGenerator(TemplatedNaturalLanguageGenerator):
    """The stock templated generator plus typed values in custom payloads."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)

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
