"""Build platform requests from the documented payloads in payloads/.

Each helper copies a payload and gives it fresh ids, so every test has its own
conversation and the channels' duplicate filters never see an id twice by
accident, e.g. ``slack_message("hi")`` -> (body with a new event_id, ts, user
and DM channel, the channel id).
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import requests

from tests.channels.fakes import SLACK_CHANNEL, SLACK_SIGNING_SECRET, TELEGRAM_SECRET

PAYLOADS = Path(__file__).resolve().parent / "payloads"
_update_ids = itertools.count(int(time.time()) % 100_000 * 1000)
_chat_ids = itertools.count(int(time.time()) % 100_000 * 1000 + 1)


def payload(name: str) -> Dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


# --- Slack


def slack_signature(body: bytes, timestamp: str, secret: str = SLACK_SIGNING_SECRET) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:<timestamp>:<raw body>``."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_post(
    url: str,
    body: Any,
    *,
    secret: str = SLACK_SIGNING_SECRET,
    timestamp: Optional[int] = None,
    headers: Optional[Dict[str, str]] = None,
    content_type: str = "application/json",
) -> requests.Response:
    """POST a signed request the way Slack does (``body``: a dict, str or bytes)."""
    if isinstance(body, dict):
        raw = json.dumps(body).encode()
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raw = body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    sent = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(raw, stamp, secret),
        **(headers or {}),
    }
    return requests.post(url, data=raw, headers=sent, timeout=30)


def slack_message(text: str) -> Tuple[Dict[str, Any], str]:
    """A direct message (message.im sample) with fresh ids; returns (body, channel)."""
    body = copy.deepcopy(payload("slack_event_callback_message_im__docs.slack.dev.json"))
    channel = unique("D")
    ts = f"{time.time():.6f}"
    body["event_id"] = unique("Ev")
    body["event"].update(
        text=text, channel=channel, user=unique("U"), ts=ts, event_ts=ts
    )
    return body, channel


def slack_mention(text: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """One mention as Slack delivers it twice: app_mention and message events.

    Both are in SLACK_CHANNEL (where the bot answers every message) with the same
    ``ts`` and different event ids.
    """
    mention = copy.deepcopy(payload("slack_event_callback_app_mention__docs.slack.dev.json"))
    ts = f"{time.time():.6f}"
    user = unique("U")
    mention["event_id"] = unique("Ev")
    mention["event"].update(
        text=f"<@U0LAN0Z89> {text}", user=user, ts=ts, event_ts=ts, channel=SLACK_CHANNEL
    )
    message = copy.deepcopy(mention)
    message["event_id"] = unique("Ev")
    message["event"]["type"] = "message"
    message["event"]["channel_type"] = "channel"
    return mention, message


# --- Telegram


def new_chat_id() -> int:
    return next(_chat_ids)


def telegram_message(text: str, chat_id: Optional[int] = None) -> Tuple[Dict[str, Any], int]:
    """The "Message with text" sample with a fresh update_id and chat; (update, chat id)."""
    update = copy.deepcopy(payload("telegram_update_message_text__core.telegram.org.json"))
    chat_id = chat_id or new_chat_id()
    update["update_id"] = next(_update_ids)
    update["message"]["text"] = text
    update["message"]["chat"]["id"] = chat_id
    update["message"]["from"]["id"] = chat_id
    return update, chat_id


def telegram_button_press(data: str, chat_id: int) -> Dict[str, Any]:
    """The callback_query sample that carries its message (tgbot fixture)."""
    update = copy.deepcopy(payload("telegram_update_callback_query_with_message__tgbot_fixture.json"))
    update["update_id"] = next(_update_ids)
    update["callback_query"]["id"] = unique("cq")
    update["callback_query"]["data"] = data
    update["callback_query"]["from"]["id"] = chat_id
    update["callback_query"]["message"]["chat"]["id"] = chat_id
    return update


def next_update_id() -> int:
    return next(_update_ids)


def telegram_post(
    url: str, update: Any, *, secret: Optional[str] = TELEGRAM_SECRET, raw: Optional[bytes] = None
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = raw if raw is not None else json.dumps(update).encode()
    return requests.post(url, data=data, headers=headers, timeout=120)
