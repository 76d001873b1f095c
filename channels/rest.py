"""REST channel that answers bad requests with a clean 400.

Differences from Rasa's ``RestInput`` (same URL, ``/webhooks/rest/webhook``):

- a body that is not a JSON object, a missing or non-string ``message``, or a
  missing, empty or over-long ``sender`` is a 400 with a reason, not a 500 or
  a reply to a shared "default" conversation;
- control characters in the text become spaces (PostgreSQL rejects NUL);
- ``input_channel`` is always "rest": a client cannot claim to be another
  channel;
- never silent: if nothing could be answered, an apology (``never_silent``);
  that includes a tracker store that fails: this channel (always on) makes
  Rasa raise the error instead of answering from a blank conversation
  (``stores.tracker_store.raise_tracker_store_errors``).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from channels.never_silent import never_silent
from channels.message_input import (
    InvalidInput,
    clean_sender_id,
    clean_text,
    optional_metadata,
)
from stores.tracker_store import raise_tracker_store_errors


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


class SafeRestInput(RestInput):
    """Rasa's REST channel with input checks (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(never_silent(on_new_message))
        blueprint.listener(raise_tracker_store_errors, "after_server_start")
        return blueprint

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return _checked(clean_sender_id, json_object(req).get("sender"))

    def _extract_message(self, req: Request) -> Optional[Text]:
        return _checked(clean_text, json_object(req).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return _checked(optional_metadata, json_object(request).get("metadata"))
