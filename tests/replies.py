"""Reading the bot's replies (REST message lists) in tests."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional


def texts(messages: List[dict]) -> str:
    """All text the bot sent, joined; handy for asserting on a reply."""
    return "\n".join(message.get("text", "") for message in messages)


def custom(messages: List[dict], key: str) -> Optional[Dict[str, Any]]:
    """The first custom payload in a reply that has ``key`` (e.g. "triage")."""
    for message in messages:
        payload = message.get("custom")
        if isinstance(payload, dict) and key in payload:
            return payload[key]
    return None


def button_payload(messages: List[dict], title_part: str) -> str:
    """The payload of the first button whose title contains ``title_part``."""
    for message in messages:
        for button in message.get("buttons", []) or []:
            if title_part.lower() in button["title"].lower():
                return button["payload"]
    raise AssertionError(f"no button like {title_part!r} in {json.dumps(messages)[:500]}")


#: A check-in opener the training data makes unambiguous: it is a report_symptom
#: training example (data/nlu/symptoms.yml), so it starts the check-in whatever the
#: training run ("my calf cramps" alone is also a fair FAQ question about calf cramps).
CHECK_IN_OPENER = "I get painful cramps in my calf at night"
