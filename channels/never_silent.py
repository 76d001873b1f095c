"""Wrap a channel's message handler so a person never gets silence.

If handling a message sent nothing back (a custom action failed, e.g. the
action server is down) or raised (e.g. the tracker store is unreachable), the
person gets a short apology that still names the emergency number. Used by
every channel of ours: ``super().blueprint(never_silent(on_new_message))``.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Text

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)
TEXTS_PATH = Path(__file__).resolve().with_name("texts.yml")


@lru_cache(maxsize=1)
def service_unavailable_text() -> str:
    with TEXTS_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["service_unavailable"]


class CountingOutputChannel(OutputChannel):
    """Passes everything to the real output channel, counting what is sent."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> Text:  # pragma: no cover - the instance attribute wins
        return "counting"

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        counting = CountingOutputChannel(message.output_channel)
        message.output_channel = counting
        try:
            result = await on_new_message(message)
        except Exception:
            # No message text in the log: conversations are health data.
            logger.exception("Handling a message failed; sending the apology instead.")
            result = None
        if counting.sent == 0:
            await counting.inner.send_text_message(message.sender_id, service_unavailable_text())
        return result

    return handle
