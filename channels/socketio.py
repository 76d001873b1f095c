"""socket.io channel (the web widget): signed sessions, its own origins, replies that arrive.

Differences from Rasa's ``SocketIOInput`` (same path, ``/socket.io``):

- session ids are minted by the server and signed (``channels/session_ids.py``,
  HMAC-SHA256 with ``SOCKET_SESSION_SECRET``): a requested id this server did
  not sign (made up, guessed like ``aaaaaaaaaaaaaaaa``, altered, or from
  before a restart without the secret) gets a new one, as for a first visit;
  a tab that reconnects with its own id keeps its conversation;
- conversations are stored as ``socketio:<session id>``
  (``channels/conversation_ids.py``): no other channel can address them;
- only the page's origins may connect, by websocket or by polling:
  python-socketio's ``cors_allowed_origins`` is set from ``CORS_ORIGIN``
  (space-separated; default the chat page, ``http://localhost:$WEB_PORT``
  and ``http://127.0.0.1:$WEB_PORT``). The stock channel sets it to ``[]``,
  which turns the check off, so any web site could open a socket (browsers
  apply no CORS to websockets). Rasa's ``--cors`` still adds the CORS headers;
- too long a message or too many are refused before the NLU with a short
  reply, and the erase command works (``channels/edge.py``);
- with ``session_persistence: true`` the socket really joins the session's
  room: Rasa 3.6 calls ``sio.enter_room(...)`` without awaiting it, and with
  the installed python-socketio that is a coroutine, so the join never happens
  and every reply goes to an empty room;
- a socket may only speak in the session it was confirmed for: the session id
  in a ``user_uttered`` event must be the one from its ``session_request``
  (the stock channel lets any socket post into any conversation by naming it);
- a message that is not ``{"message": "<text>", ...}`` is logged and ignored
  instead of raising inside the socket handler; control characters in the
  text become spaces (as on the REST channel);
- custom payloads are emitted as the event's data, e.g. ``{"triage": {...}}``
  (the stock channel passes them as keyword arguments to ``emit`` and fails),
  and a message the page treats specially carries a ``customCss`` class that
  the widget puts on it (``channels.message_output.web_class``): emergency or
  urgent advice (``triage-emergency`` / ``triage-urgent``, shown in red or
  amber with a heading, announced as an alert), the clinician summary
  (``assessment-summary``: copy and print) and the greeting's disclaimer
  (``page-disclaimer``: the page shows it above the chat already);
- the page's ``customData`` (rasa-webchat sends it with every message, e.g.
  ``{"timezone": "Europe/Paris"}``) is the message's metadata when the
  message has no ``metadata`` of its own;
- never silent: if nothing could be answered, an apology (``never_silent``),
  a failing tracker store included (``channels/base.py``).
"""
from __future__ import annotations

import inspect
import json
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint

from channels.base import ChannelBase
from channels.conversation_ids import scoped
from channels.message_input import InvalidInput, clean_text
from channels.message_output import web_class
from channels.session_ids import SessionSigner

logger = logging.getLogger(__name__)


def session_id_or_new(requested: Any, signer: Optional[SessionSigner] = None) -> str:
    """The requested session id if this server signed it, else a new signed one.

    Whoever knows a session id reads its replies, so ids are never taken from
    the client: ``session_id_or_new("aaaaaaaaaaaaaaaa")`` -> a new id.
    """
    return (signer or SessionSigner.for_server()).valid_or_new(requested)


def allowed_origins(configured: Any = None) -> List[str]:
    """The origins that may open a socket: ``configured``, else ``CORS_ORIGIN``,
    else the chat page's (``WEB_PORT``, 8080). ``"*"`` is refused."""
    value = configured or os.environ.get("CORS_ORIGIN", "")
    if isinstance(value, (list, tuple)):
        origins = [str(origin) for origin in value]
    else:
        origins = re.split(r"[\s,]+", str(value).strip()) if str(value).strip() else []
    if not origins:
        port = os.environ.get("WEB_PORT") or "8080"
        origins = [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    if any("*" in origin for origin in origins):
        raise InvalidConfigException("socket.io: CORS_ORIGIN must list origins, not '*'.")
    return [origin.rstrip("/") for origin in origins]


class SessionSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output with working custom payloads and emphasis."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self._message: Optional[Dict[Text, Any]] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        # The stock output pops keys while it sends: keep what web_class reads.
        self._message = dict(message)
        try:
            await super().send_response(recipient_id, message)
        finally:
            self._message = None

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._message and isinstance(response, dict) and isinstance(response.get("text"), str):
            css = web_class(self._message, response["text"])
            if css:
                response = {**response, "customCss": {"style": "class", "css": css}}
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        # Rasa's own convention `custom: {data: ...}` still works.
        data = json_message["data"] if set(json_message) == {"data"} else json_message
        await self.sio.emit(self.bot_message_evt, data, room=recipient_id)


class SessionSocketIOInput(ChannelBase, SocketIOInput):
    """Rasa's socket.io channel with the fixes listed in the module docstring."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.origins = allowed_origins((credentials or {}).get("cors_origins"))
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # socket id -> the session it was confirmed for (persistent sessions only)
        self._sessions: Dict[Text, Text] = {}
        self.signer = SessionSigner.for_server()
        self.origins = allowed_origins()

    def get_output_channel(self) -> Optional[SessionSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # warns and returns None
        return SessionSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        on_new_message = self.handler(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        # python-socketio refuses other origins (websocket and polling) with a 400.
        sio.eio.cors_allowed_origins = list(self.origins)
        # Rasa's --cors (Sanic-CORS) adds the CORS headers already; a second
        # Access-Control-Allow-Origin would make browsers refuse the response.
        sio.eio._cors_headers = lambda environ: []
        self.install(socketio_webhook)

        # Registering a handler again for an event replaces the stock one.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = session_id_or_new(requested, self.signer)
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
            session_id = self._sessions.get(sid)
            if session_id is None or data.get("session_id") != session_id:
                logger.warning(
                    "Ignored a socket.io message whose session_id is not the one "
                    "confirmed for its socket (send `session_request` first)."
                )
                return None
        else:
            session_id = sid
        try:
            text = clean_text(data.get("message"))
        except InvalidInput as error:
            logger.warning(f"Ignored a socket.io message: {error}.")
            return None
        return UserMessage(
            text,
            output_channel,
            scoped("socketio", session_id),
            input_channel=self.name(),
            metadata=self._metadata(
                data[self.metadata_key] if self.metadata_key in data else data.get("customData")
            ),
        )

    @staticmethod
    def _metadata(metadata: Any) -> Optional[Dict[Text, Any]]:
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return None
        return metadata if isinstance(metadata, dict) else None
