"""What every channel of ours does around a message, before and after Rasa.

``Edge(channel).handler(on_new_message)`` is the handler a channel gives its
messages to (each message's sender id already scoped, ``channel:<id>``):

1. replies are addressed to the platform's id, not the stored one
   (``ToPlatform``; ``channels/conversation_ids.py``);
2. the limits (``channels/limits.py``): a message over 20,000 characters or
   over the rate is refused with a short reply that names the emergency
   number, before the NLU (REST answers 413/429 itself, ``rest_refusal``);
3. text starting with "/" reaches Rasa only as a payload it can read
   (``payload_for_rasa``): Rasa quotes anything else whole in a warning; and a
   payload cannot set the ``red_flag`` entity (``/inform{"red_flag": "..."}``
   made the dialogue fail with the value in the log);
4. the erase command (``/confirm_erase_conversation``, the "Yes, erase it"
   button and the page's "Clear conversation") erases the conversation first,
   under its lock, so it works even in the middle of a check-in; Rasa then
   answers it on a blank conversation with ``utter_conversation_erased``,
   whose ``{"erase": true}`` payload makes the tracker store keep nothing of
   that turn either (``stores/tracker_store.py``) and the page clear its copy;
5. ``never_silent``: an apology if nothing could be answered.

``Edge.install(blueprint)`` adds what belongs to the server once, whichever of
our channels is on: Sanic's request body limit (1 MB), the retention purge
(every ``RETENTION_PURGE_INTERVAL_SECONDS``, default an hour: conversations
idle for more than ``RETENTION_DAYS``, default 30), and JSON logs with
``LOG_FORMAT=json`` (``observability/logs.py``). Every message is counted and its turn timed here
(``assistant_messages_total``, ``assistant_turn_seconds``), by channel.
"""
from __future__ import annotations

import asyncio
import ipaddress
import hmac
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversation_ids import platform_id
from channels.limits import Limits, Refusal, request_max_bytes
from channels.message_input import payload_for_rasa
from channels.never_silent import never_silent, service_unavailable_text
from channels.private_logs import failure, sender_ref
from observability import logs, metrics
from stores.tracker_store import purge_periodically, unwrapped

logger = logging.getLogger(__name__)
# Metrics of the action-server calls, and JSON logs if LOG_FORMAT=json: every
# Rasa server that loads our channels gets them (observability/).
metrics.instrument_action_calls()
logs.apply()

ERASE_INTENT = "confirm_erase_conversation"
ERASE_COMMAND = INTENT_MESSAGE_PREFIX + ERASE_INTENT
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_PURGE_INTERVAL_SECONDS = 3600.0
# Headers a reverse proxy adds: a request carrying one did not come from this machine.
FORWARDED_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")

# The running Rasa server (set once it has started): where the agent is.
_server: Dict[str, Any] = {}


class ToPlatform(OutputChannel):
    """Passes every send to ``inner``, addressed to the platform's id.

    Rasa addresses replies to the conversation id (``telegram:1111111``);
    Telegram, Slack and socket.io need theirs (``1111111``).
    """

    def __init__(self, inner: OutputChannel, conversation_id: Text) -> None:
        self.inner = inner
        self.conversation_id = conversation_id
        self.recipient = platform_id(conversation_id)

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def _to(self, recipient_id: Text) -> Text:
        return self.recipient if recipient_id == self.conversation_id else recipient_id

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self.inner.send_response(self._to(recipient_id), message)

    async def send_text_message(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_text_message(self._to(recipient_id), *args, **kwargs)

    async def send_image_url(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_image_url(self._to(recipient_id), *args, **kwargs)

    async def send_attachment(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_attachment(self._to(recipient_id), *args, **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_text_with_buttons(self._to(recipient_id), *args, **kwargs)

    async def send_quick_replies(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_quick_replies(self._to(recipient_id), *args, **kwargs)

    async def send_elements(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_elements(self._to(recipient_id), *args, **kwargs)

    async def send_custom_json(self, recipient_id: Text, *args: Any, **kwargs: Any) -> None:
        await self.inner.send_custom_json(self._to(recipient_id), *args, **kwargs)


class Edge:
    """One channel's edge; see the module docstring."""

    def __init__(self, channel: str, limits: Optional[Limits] = None) -> None:
        self.channel = channel
        self.limits = limits or Limits.from_env()

    def handler(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        check_limits: bool = True,
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """``on_new_message`` behind steps 1-5; REST checks its limits itself (``check_limits=False``)."""
        answered = never_silent(on_new_message)

        async def handle(message: UserMessage) -> Any:
            started = time.perf_counter()
            metrics.message_received(self.channel)
            try:
                return await checked(message)
            finally:
                metrics.turn_finished(self.channel, time.perf_counter() - started)

        async def checked(message: UserMessage) -> Any:
            conversation_id = message.sender_id
            message.output_channel = ToPlatform(message.output_channel, conversation_id)
            if check_limits:
                refusal = self.limits.refusal(conversation_id, message.text)
                if refusal is not None:
                    await self._refuse(message, refusal)
                    return None
            domain = getattr(current_agent(), "domain", None)
            message.text, dropped = payload_for_rasa(
                message.text,
                domain.intents if domain else None,
                domain.entities if domain else None,
            )
            if dropped:
                logger.info("reason=%s channel=%s sender=%s", dropped, self.channel, sender_ref(conversation_id))
            if (message.text or "").strip() == ERASE_COMMAND:
                try:
                    await erase_conversation(conversation_id)
                except Exception as error:  # noqa: BLE001 - the person must hear it failed
                    failure(logger, "erase_failed", conversation_id, error)
                    await message.output_channel.send_text_message(conversation_id, service_unavailable_text())
                    return None
            return await answered(message)

        return handle

    async def _refuse(self, message: UserMessage, refusal: Refusal) -> None:
        metrics.message_refused(self.channel, refusal.reason)
        logger.info(
            "reason=%s channel=%s sender=%s", refusal.reason, self.channel, sender_ref(message.sender_id)
        )
        if refusal.notify:
            await message.output_channel.send_text_message(message.sender_id, refusal.text)

    def install(self, blueprint: Blueprint) -> Blueprint:
        """Server-wide settings and tasks (once per server, whichever channel comes first)."""
        blueprint.listener(_limit_request_size, "before_server_start")
        blueprint.listener(logs.apply_on_start, "before_server_start")
        blueprint.listener(_server_started, "after_server_start")
        return blueprint


def rest_refusal(refusal: Refusal, sender: Text) -> HTTPResponse:
    """413 or 429 with a JSON reason and a reply a client can show as it is."""
    body = {
        "reason": refusal.reason,
        "text": refusal.text,
        "messages": [{"recipient_id": sender, "text": refusal.text}],
    }
    headers = {}
    if refusal.retry_after:
        body["retry_after_seconds"] = refusal.retry_after
        headers["Retry-After"] = str(refusal.retry_after)
    return response.json(body, status=refusal.status, headers=headers)


def from_loopback(request: Request) -> bool:
    """True for a request from this machine that no proxy forwarded."""
    if any(request.headers.get(header) for header in FORWARDED_HEADERS):
        return False
    try:
        address = ipaddress.ip_address((request.ip or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def bearer_token_matches(request: Request, token: str) -> bool:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def rest_caller_refusal(request: Request, token: str) -> Optional[HTTPResponse]:
    """None if the caller may use the REST webhook, else a 401.

    With ``REST_API_TOKEN`` set, ``Authorization: Bearer <token>`` is always
    required; without it only this machine may call (``make run`` on a laptop).
    """
    if token:
        allowed = bearer_token_matches(request, token)
        why = "a valid 'Authorization: Bearer <REST_API_TOKEN>' header is required"
    else:
        allowed = from_loopback(request)
        why = (
            "this server has no REST_API_TOKEN, so it takes REST requests from this machine only "
            "(not through a proxy)"
        )
    if allowed:
        return None
    logger.info("reason=rest_unauthorized")
    return response.json(
        {"reason": "unauthorized", "message": why},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="rest"'},
    )


def current_agent() -> Any:
    app = _server.get("app")
    return getattr(app.ctx, "agent", None) if app is not None else None


async def erase_conversation(conversation_id: Text) -> int:
    """Delete one conversation from the tracker store, holding its lock."""
    agent = current_agent()
    store = unwrapped(getattr(agent, "tracker_store", None))
    if agent is None or not hasattr(store, "erase"):
        raise RuntimeError("no tracker store that can erase")
    async with agent.lock_store.lock(conversation_id):
        deleted = await asyncio.get_running_loop().run_in_executor(None, store.erase, conversation_id)
    logger.info("reason=erased_on_request sender=%s events=%d", sender_ref(conversation_id), deleted)
    return deleted


def _limit_request_size(app: Sanic, _loop: Any = None) -> None:
    if "SANIC_REQUEST_MAX_SIZE" not in os.environ:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, request_max_bytes())


def _server_started(app: Sanic, _loop: Any = None) -> None:
    if _server.get("app") is app:
        return  # another of our channels got here first
    _server["app"] = app
    days = float(os.environ.get("RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    interval = float(os.environ.get("RETENTION_PURGE_INTERVAL_SECONDS") or DEFAULT_PURGE_INTERVAL_SECONDS)
    if getattr(app.ctx, "agent", None) is not None:
        app.add_task(purge_periodically(app, days, interval))
        logger.info("Retention: conversations idle for more than %g days are deleted every %g s.", days, interval)
