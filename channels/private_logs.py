"""Log lines about conversations without what was said in them.

Conversations are health data, and exception messages carry it: Rasa's
``KeyError: "unknown reason code 'my HIV test came back positive'"`` quotes a
value a client sent. So our channels log a reason code, a keyed hash of the
conversation id and where the error happened, never the message, e.g.::

    failure(logger, "handler_failed", "telegram:1111111", error)
    # Handling a message failed: reason=handler_failed sender=s-5c1a0e93b2d4
    #   error=KeyError at triage/rules.py:163 in reason <- addons/red_flag_policy.py:94 ...

``sender_ref`` is keyed with ``SOCKET_SESSION_SECRET`` (an unkeyed hash of a
Telegram chat id, a number, is reversed by trying every number); with the
same secret, ``python -c 'from channels.private_logs import sender_ref;
print(sender_ref("rest:me"))'`` finds one person's lines.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from pathlib import Path
from typing import Any

from channels.session_ids import server_secret

ROOT = Path(__file__).resolve().parent.parent
# Frames shown per error: enough to find the line, not the whole stack.
MAX_FRAMES = 6


def sender_ref(conversation_id: Any) -> str:
    """A stable, non-reversible name for a conversation in logs: ``"s-5c1a0e93b2d4"``."""
    key = hmac.new(server_secret(), b"log-sender", hashlib.sha256).digest()
    digest = hmac.new(key, str(conversation_id).encode(), hashlib.sha256).hexdigest()
    return "s-" + digest[:12]


def where(error: BaseException) -> str:
    """``"KeyError at triage/rules.py:163 in reason <- ..."``: the type and the
    innermost frames, never the message (it may quote what a person wrote)."""
    frames = traceback.extract_tb(error.__traceback__)[-MAX_FRAMES:]
    places = []
    for frame in reversed(frames):
        path = Path(frame.filename)
        try:
            path = path.resolve().relative_to(ROOT)
        except ValueError:
            path = Path(*path.parts[-2:])
        places.append(f"{path}:{frame.lineno} in {frame.name}")
    return f"{type(error).__name__} at " + " <- ".join(places) if places else type(error).__name__


def failure(logger: logging.Logger, reason: str, conversation_id: Any, error: BaseException) -> None:
    logger.error(
        "Handling a message failed: reason=%s sender=%s error=%s",
        reason, sender_ref(conversation_id), where(error),
    )
