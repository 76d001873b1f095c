"""Limits every channel applies before the NLU reads a message.

- **Length**: more than ``MAX_MESSAGE_CHARACTERS`` (20,000) characters of text
  is refused: a 100 KB message kept Rasa's starter bot busy for 42 s. REST
  answers 413; the chat channels reply that it was too long.
- **Rate**: at most ``RATE_LIMIT_MESSAGES`` (20) messages per conversation in
  ``RATE_LIMIT_SECONDS`` (10); more are refused (REST: 429; chat channels:
  one reply per window, the rest dropped). Counted per Rasa server.
- **Request size**: Sanic's ``REQUEST_MAX_SIZE`` becomes 1 MB instead of
  100 MB (``REQUEST_MAX_BYTES``), unless ``SANIC_REQUEST_MAX_SIZE`` is set.

``Limits.from_env().refusal("rest:me", "hi")`` -> None (go on) or a
``Refusal`` naming the reason code, the text to show and when to retry.
"""
from __future__ import annotations

import math
import os
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Optional

from channels.texts import text as channel_text

MAX_MESSAGE_CHARACTERS = 20_000
REQUEST_MAX_BYTES = 1_000_000
DEFAULT_RATE_LIMIT_MESSAGES = 20
DEFAULT_RATE_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class Refusal:
    reason: str  # reason code: "message_too_long" or "rate_limited"
    status: int  # the HTTP status REST answers with
    text: str  # what the person is told
    retry_after: int = 0  # seconds, for rate_limited
    notify: bool = True  # False: a chat channel drops it silently (already told)


class RateLimiter:
    """At most ``max_messages`` per key in any ``window_seconds``; bounded memory."""

    def __init__(
        self,
        max_messages: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.max_messages = max_messages
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._times: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._told_until: Dict[str, float] = {}

    def admit(self, key: str) -> Optional[float]:
        """None if the message may go on (and count it); else seconds until one may."""
        now = self._clock()
        times = self._times.pop(key, None) or deque()
        while times and now - times[0] >= self.window_seconds:
            times.popleft()
        self._times[key] = times  # most recently used last
        while len(self._times) > self.max_keys:
            old, _ = self._times.popitem(last=False)
            self._told_until.pop(old, None)
        if len(times) < self.max_messages:
            times.append(now)
            return None
        return times[0] + self.window_seconds - now

    def first_refusal(self, key: str, retry_after: float) -> bool:
        """True once per window of refusals: the one the person is told about."""
        now = self._clock()
        if self._told_until.get(key, 0.0) > now:
            return False
        self._told_until[key] = now + retry_after
        return True


class Limits:
    def __init__(self, max_messages: int, window_seconds: float, max_characters: int = MAX_MESSAGE_CHARACTERS) -> None:
        self.max_characters = max_characters
        self.rate = RateLimiter(max_messages, window_seconds)

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(
            max_messages=int(os.environ.get("RATE_LIMIT_MESSAGES") or DEFAULT_RATE_LIMIT_MESSAGES),
            window_seconds=float(os.environ.get("RATE_LIMIT_SECONDS") or DEFAULT_RATE_LIMIT_SECONDS),
        )

    def refusal(self, conversation_id: str, text: Optional[str]) -> Optional[Refusal]:
        wait = self.rate.admit(conversation_id)
        if wait is not None:
            return Refusal(
                "rate_limited", 429, channel_text("rate_limited"),
                retry_after=max(1, math.ceil(wait)),
                notify=self.rate.first_refusal(conversation_id, wait),
            )
        if isinstance(text, str) and len(text) > self.max_characters:
            return Refusal("message_too_long", 413, channel_text("message_too_long"))
        return None


def request_max_bytes() -> int:
    return int(os.environ.get("REQUEST_MAX_BYTES") or REQUEST_MAX_BYTES)
