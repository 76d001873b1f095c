"""REST channel: its own conversations, callers it knows, clean refusals.

Differences from Rasa's ``RestInput`` (same URL, ``/webhooks/rest/webhook``):

- conversations are stored as ``rest:<sender>``: a REST caller cannot read or
  restart a web chat, Slack or Telegram conversation by naming its id
  (``channels/conversation_ids.py``); replies still carry the sender as sent;
- who may call: with ``REST_API_TOKEN`` set, every request needs
  ``Authorization: Bearer <token>``; without it, only requests from this
  machine that no proxy forwarded (``make run`` on a laptop). Others get a
  401 with the reason. ``GET /webhooks/rest/`` (health) stays open;
- a message over 20,000 characters is a 413 and more than 20 messages in 10 s
  from one sender a 429 (``RATE_LIMIT_*``), each with a JSON reason and a reply
  that names the emergency number, before the NLU (``channels/limits.py``);
- a body that is not a JSON object, a missing or non-string ``message``, or a
  missing, empty or over-long ``sender`` is a 400 with a reason, not a 500 or
  a reply to a shared "default" conversation;
- control characters in the text become spaces (PostgreSQL rejects NUL);
- ``input_channel`` is always "rest": a client cannot claim to be another
  channel;
- never silent: if nothing could be answered, an apology (``never_silent``),
  a failing tracker store included (``channels/base.py``, shared by every
  channel of ours).

Example, from another machine::

    curl -H "Authorization: Bearer $REST_API_TOKEN" -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "hi"}' https://bot.example.org/webhooks/rest/webhook
"""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.base import ChannelBase
from channels.conversation_ids import platform_id, scoped
from channels.edge import rest_caller_refusal, rest_refusal
from channels.message_input import (
    InvalidInput,
    clean_sender_id,
    clean_text,
    optional_metadata,
)
from channels.private_logs import sender_ref
from observability import metrics

logger = logging.getLogger(__name__)


def json_object(request: Request) -> Dict[Text, Any]:
    """The request body as a JSON object, or a 400."""
    body = request.json  # Sanic answers 400 itself for unparsable JSON
    if not isinstance(body, dict):
        raise InvalidUsage("the body must be a JSON object like {\"sender\": \"id\", \"message\": \"hi\"}")
    return body


def _checked(check: Any, value: Any) -> Any:
    try:
        return check(value)
    except InvalidInput as error:
        raise InvalidUsage(str(error)) from error


def conversation_id(sender: Any) -> Text:
    """``"me"`` -> ``"rest:me"``; InvalidInput for an unusable sender."""
    return scoped("rest", clean_sender_id(sender))


class SafeRestInput(ChannelBase, RestInput):
    """Rasa's REST channel with the changes listed in the module docstring."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(api_token=credentials.get("api_token") or os.environ.get("REST_API_TOKEN", ""))

    def __init__(self, api_token: Text = "") -> None:
        self.api_token = api_token

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(self.handler(on_new_message, check_limits=False))

        async def guard(request: Request) -> Optional[HTTPResponse]:
            return await self._guard(request)

        # A plain function: Sanic 21.12's Blueprint.middleware drops a bound method.
        blueprint.middleware(guard, "request")
        return self.install(blueprint)

    async def _guard(self, request: Request) -> Optional[HTTPResponse]:
        """401, 413 or 429 before the message is read (POST /webhook only)."""
        if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
            return None
        refused = rest_caller_refusal(request, self.api_token)
        if refused is not None:
            return refused
        body = request.json
        if not isinstance(body, dict):
            return None  # the handler answers 400 with the reason
        try:
            conversation = conversation_id(body.get("sender"))
        except InvalidInput:
            return None
        message = body.get("message")
        refusal = self.edge.limits.refusal(conversation, message if isinstance(message, str) else None)
        if refusal is None:
            return None
        logger.info("reason=%s channel=rest sender=%s", refusal.reason, sender_ref(conversation))
        metrics.message_received(self.name())  # it never reaches the edge's handler
        metrics.message_refused(self.name(), refusal.reason)
        return rest_refusal(refusal, platform_id(conversation))

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return _checked(conversation_id, json_object(req).get("sender"))

    def _extract_message(self, req: Request) -> Optional[Text]:
        return _checked(clean_text, json_object(req).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return _checked(optional_metadata, json_object(request).get("metadata"))
