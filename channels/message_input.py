"""Checks every channel applies to what a client sends, before Rasa sees it.

Pure functions, e.g. ``clean_text("hi\\x00there")`` -> ``"hi there"``.
"""
from __future__ import annotations

import re
from typing import Any, Optional

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
