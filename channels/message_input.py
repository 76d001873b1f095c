"""Checks every channel applies to what a client sends, before Rasa sees it.

Pure functions, e.g. ``clean_text("hi\\x00there")`` -> ``"hi there"``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional, Tuple

# Rasa's SQL tracker store keeps sender ids in a VARCHAR(255) column.
MAX_SENDER_ID_LENGTH = 255
# Control characters other than tab and newline; PostgreSQL rejects NUL outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(ValueError):
    """The request cannot be processed; the message says why (for a 400)."""


def clean_text(text: Any) -> str:
    """The message text with control characters replaced by spaces."""
    if text is None:
        raise InvalidInput("'message' is required")
    if not isinstance(text, str):
        raise InvalidInput("'message' must be a string")
    return CONTROL_CHARACTERS.sub(" ", text)


def clean_sender_id(sender: Any) -> str:
    """A usable conversation id: a non-empty string (or number) up to 255 chars."""
    if sender is None:
        raise InvalidInput("'sender' is required: one id per conversation")
    if isinstance(sender, bool) or not isinstance(sender, (str, int)):
        raise InvalidInput("'sender' must be a string")
    sender = CONTROL_CHARACTERS.sub("", str(sender)).strip()
    if not sender:
        raise InvalidInput("'sender' must not be empty")
    if len(sender) > MAX_SENDER_ID_LENGTH:
        raise InvalidInput(f"'sender' must be at most {MAX_SENDER_ID_LENGTH} characters")
    return sender


def optional_metadata(metadata: Any) -> Optional[dict]:
    if metadata is None or isinstance(metadata, dict):
        return metadata
    raise InvalidInput("'metadata' must be an object")



# "/intent" or "/intent{json}", as buttons send them (Rasa's own syntax).
INTENT_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<confidence>@[0-9.]*)?(?P<arguments>\{.*\})?$", re.DOTALL)
# Entities only the server's own NLU sets (addons/red_flag_detector.py): a
# client's payload must not claim them.
SERVER_ONLY_ENTITIES = ("red_flag",)


def payload_for_rasa(
    text: Any,
    intents: Optional[Iterable[str]] = None,
    entities: Optional[Iterable[str]] = None,
) -> Tuple[Any, Optional[str]]:
    """Text starting with "/" as Rasa can take it without a warning; (text, reason code or None).

    Rasa reads "/intent{json}" as an intent with entities, and for anything it
    cannot read it logs a warning that quotes the whole message. So:

    - ``'/inform{"red_flag": "my test came back positive"}'`` -> ``'/inform'``
      (a client must not set what the red-flag detector sets; an unknown value
      made the dialogue fail), reason ``server_entity_dropped``;
    - ``'/inform{not json}'`` -> ``'/inform'``, ``payload_arguments_unparsable``;
    - ``'/inform{"colour": "red"}'`` -> ``'/inform'`` when ``colour`` is not one
      of ``entities``, ``payload_entity_unknown``; ``'/affirm@0.3'`` -> ``'/affirm'``;
    - ``'/help my calf cramps'``, or an intent not in ``intents`` -> the text
      without the slash, read as what the person typed, ``payload_not_an_intent``.

    Text that does not start with "/" comes back unchanged.
    """
    if not isinstance(text, str) or not text.strip().startswith("/"):
        return text, None
    stripped = text.strip()
    match = INTENT_PAYLOAD.match(stripped)
    known_intents = set(intents) if intents is not None else None
    if not match or (known_intents is not None and match["intent"] not in known_intents):
        return stripped.lstrip("/").strip(), "payload_not_an_intent"
    intent = "/" + match["intent"]
    reason = "payload_confidence_dropped" if match["confidence"] else None
    if not match["arguments"]:
        return intent, reason
    try:
        arguments = json.loads(match["arguments"])
    except ValueError:
        return intent, "payload_arguments_unparsable"
    if not isinstance(arguments, dict):
        return intent, "payload_arguments_unparsable"
    kept = {key: value for key, value in arguments.items() if key not in SERVER_ONLY_ENTITIES}
    if len(kept) < len(arguments):
        reason = "server_entity_dropped"
    if entities is not None:
        known = set(entities)
        if set(kept) - known:
            kept = {key: value for key, value in kept.items() if key in known}
            reason = reason or "payload_entity_unknown"
    if reason is None:
        return stripped, None
    return intent + (json.dumps(kept) if kept else ""), reason
