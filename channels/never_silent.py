"""Wrap a channel's message handler so a person never gets silence.

If handling a message sent nothing back (a custom action failed, e.g. the
action server is down) or raised (e.g. the tracker store is unreachable, even
after some replies went out), the person gets a short apology that still names
the emergency number. Used by
every channel of ours: ``super().blueprint(never_silent(on_new_message))``.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from channels.private_logs import failure
from observability import metrics
from channels.texts import text as channel_text

logger = logging.getLogger(__name__)


def service_unavailable_text() -> str:
    return channel_text("service_unavailable")


class CountingOutputChannel(OutputChannel):
    """Passes every send to the real output channel, counting them.

    Every ``send_*`` method is forwarded explicitly: inheriting them from
    ``OutputChannel`` would call the base implementations, not the channel's.
    """

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        # Response variations for a channel must still see the real channel.
        return self.inner.name()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    async def _forward(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return await getattr(self.inner, method)(*args, **kwargs)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self._forward("send_response", recipient_id, message)

    async def send_text_message(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_text_message", *args, **kwargs)

    async def send_image_url(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_image_url", *args, **kwargs)

    async def send_attachment(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_attachment", *args, **kwargs)

    async def send_text_with_buttons(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_text_with_buttons", *args, **kwargs)

    async def send_quick_replies(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_quick_replies", *args, **kwargs)

    async def send_elements(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_elements", *args, **kwargs)

    async def send_custom_json(self, *args: Any, **kwargs: Any) -> None:
        await self._forward("send_custom_json", *args, **kwargs)


# Commands that rightly produce no reply: restarting a conversation.
SILENT_COMMANDS = ("/restart", "/session_start")


def never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        counting = CountingOutputChannel(message.output_channel)
        message.output_channel = counting
        failed = False
        try:
            result = await on_new_message(message)
        except Exception as error:
            # A reason code and a hashed id: the error's message may quote the
            # person (channels/private_logs.py).
            failure(logger, "handler_failed", message.sender_id, error)
            result, failed = None, True
        # A failure after replies went out (e.g. the conversation could not be
        # saved) still gets the apology: that turn is not kept, so the person
        # must not think it was.
        silent_command = (message.text or "").strip().startswith(SILENT_COMMANDS)
        if failed or (counting.sent == 0 and not silent_command):
            metrics.apologised(message.input_channel or "")
            await counting.inner.send_text_message(message.sender_id, service_unavailable_text())
        return result

    return handle
