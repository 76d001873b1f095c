"""Web chat session ids that only this server can mint, and the key that signs them.

A socket.io session id is a bearer token: whoever presents it joins the room
that gets the session's replies and speaks in its conversation. So the server
mints them (128 random bits, signed with HMAC-SHA256) and accepts back only
ids it signed::

    signer = SessionSigner(b"secret")
    token = signer.issue()        # "9b1f...c2.qD3f..." (32 hex, ".", 43 base64url)
    signer.valid(token)           # True
    signer.valid("aaaaaaaaaaaaaaaa")  # False: made up, a new id is issued

The key is ``SOCKET_SESSION_SECRET``. Without it the process makes a random
one and says so once: sessions then end with the process (a reload after a
restart starts a new conversation). Several Rasa servers must share one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "SOCKET_SESSION_SECRET"
TOKEN = re.compile(r"^(?P<nonce>[0-9a-f]{32})\.(?P<signature>[A-Za-z0-9_-]{43})$")


@lru_cache(maxsize=1)
def server_secret() -> bytes:
    """``SOCKET_SESSION_SECRET``, or a random secret for this process (logged once)."""
    configured = os.environ.get(SECRET_VARIABLE, "")
    if configured:
        return configured.encode("utf-8")
    logger.warning(
        "%s is not set: web chat sessions are signed with a random key of this process "
        "and will not survive a restart (set it in .env; see .env.example).",
        SECRET_VARIABLE,
    )
    return secrets.token_bytes(32)


class SessionSigner:
    """Mints and checks signed session ids (see the module docstring)."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"socketio-session", hashlib.sha256).digest()

    @classmethod
    def for_server(cls) -> "SessionSigner":
        return cls(server_secret())

    def _signature(self, nonce: str) -> str:
        digest = hmac.new(self._key, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._signature(nonce)}"

    def valid(self, token: Any) -> bool:
        if not isinstance(token, str):
            return False
        match = TOKEN.match(token)
        if not match:
            return False
        expected = self._signature(match["nonce"])
        return hmac.compare_digest(expected.encode(), match["signature"].encode())

    def valid_or_new(self, requested: Any) -> str:
        """The requested id if this server signed it, else a new one."""
        return requested if self.valid(requested) else self.issue()

