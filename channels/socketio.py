"""socket.io channel (the web widget) whose replies reach a persistent session.

Differences from Rasa's ``SocketIOInput`` (same path, ``/socket.io``):

- with ``session_persistence: true`` the socket really joins the session's
  room: Rasa 3.6 calls ``sio.enter_room(...)`` without awaiting it, and with
  the installed python-socketio that is a coroutine, so the join never happens
  and every reply goes to an empty room;
- a socket may only speak in the session it was confirmed for: the session id
  in a ``user_uttered`` event must be the one from its ``session_request``
  (the stock channel lets any socket post into any conversation by naming it);
- session ids are random-looking strings (16-255 of ``A-Za-z0-9_-``); any
  other requested id is replaced by a fresh one, as for a first visit;
- a message that is not ``{"message": "<text>", ...}`` is logged and ignored
  instead of raising inside the socket handler; control characters in the
  text become spaces (as on the REST channel);
- custom payloads are emitted as the event's data, e.g. ``{"triage": {...}}``
  (the stock channel passes them as keyword arguments to ``emit`` and fails),
  and emergency or urgent advice carries a ``customCss`` class
  (``triage-emergency`` / ``triage-urgent``) that the widget puts on the
  message, so the page can make it stand out;
- never silent: if nothing could be answered, an apology (``never_silent``).
"""
from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels.message_input import InvalidInput, clean_text
from channels.message_output import EMPHASISED_LEVELS, triage_level
from channels.never_silent import never_silent

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,255}$")


def session_id_or_new(requested: Any) -> str:
    """The requested session id if it is usable, else a fresh one.

    ``session_id_or_new("5f1c0d3e9a8b4c7d")`` -> ``"5f1c0d3e9a8b4c7d"``;
    ``session_id_or_new("1")`` -> a new 32-character hex id (short ids are
    guessable, and whoever knows a session id can read its replies).
    """
    if isinstance(requested, str) and SESSION_ID.match(requested):
        return requested
    return uuid.uuid4().hex


class SessionSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output with working custom payloads and emphasis."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self._custom_css: Optional[Dict[Text, Text]] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        level = triage_level(message)
        if level in EMPHASISED_LEVELS:
            self._custom_css = {"style": "class", "css": f"triage-{level}"}
        try:
            await super().send_response(recipient_id, message)
        finally:
            self._custom_css = None

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._custom_css and isinstance(response, dict) and "text" in response:
            response = {**response, "customCss": self._custom_css}
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        # Rasa's own convention `custom: {data: ...}` still works.
        data = json_message["data"] if set(json_message) == {"data"} else json_message
        await self.sio.emit(self.bot_message_evt, data, room=recipient_id)


class SessionSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the fixes listed in the module docstring."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # socket id -> the session it was confirmed for (persistent sessions only)
        self._sessions: Dict[Text, Text] = {}

    def get_output_channel(self) -> Optional[SessionSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # warns and returns None
        return SessionSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        on_new_message = never_silent(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        # Registering a handler again for an event replaces the stock one.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = session_id_or_new(requested)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
                self._sessions[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"Socket {sid} confirmed for a session.")

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            self._sessions.pop(sid, None)
            logger.debug(f"Socket {sid} disconnected.")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            message = self._user_message(sid, data, SessionSocketIOOutput(sio, self.bot_message_evt))
            if message is not None:
                await on_new_message(message)

        return socketio_webhook

    def _user_message(
        self, sid: Text, data: Any, output_channel: SessionSocketIOOutput
    ) -> Optional[UserMessage]:
        """The UserMessage for a ``user_uttered`` event, or None (logged) if unusable."""
        if not isinstance(data, dict):
            logger.warning("Ignored a socket.io message that is not an object.")
            return None
        if self.session_persistence:
            sender_id = self._sessions.get(sid)
            if sender_id is None or data.get("session_id") != sender_id:
                logger.warning(
                    "Ignored a socket.io message whose session_id is not the one "
                    "confirmed for its socket (send `session_request` first)."
                )
                return None
        else:
            sender_id = sid
        try:
            text = clean_text(data.get("message"))
        except InvalidInput as error:
            logger.warning(f"Ignored a socket.io message: {error}.")
            return None
        return UserMessage(
            text,
            output_channel,
            sender_id,
            input_channel=self.name(),
            metadata=self._metadata(data.get(self.metadata_key)),
        )

    @staticmethod
    def _metadata(metadata: Any) -> Optional[Dict[Text, Any]]:
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return None
        return metadata if isinstance(metadata, dict) else None
