"""Input limits at the edge, on every channel, before the NLU (issue 12, item 4).

Over 20,000 characters: REST answers 413 with a JSON reason; the web chat,
Slack and Telegram reply that the message was too long (with the emergency
line). Nothing of a refused message is stored: the NLU never saw it. A body
over 1 MB is refused by Sanic itself. The rate limit (429) runs with a low
limit in test_server_settings.py.
"""
from __future__ import annotations

import pytest
import requests

from tests.channels.helpers import slack_message, slack_post, telegram_message, telegram_post
from tests.channels.test_socketio import Widget
from tests.security.helpers import marker, senders_containing

pytestmark = pytest.mark.slow

TOO_LONG = 20_001
EMERGENCY = "emergency number"


def long_text(said: str) -> str:
    return (said + " my calf cramps ") * (TOO_LONG // 16) + "x" * 20


def test_rest_answers_413_with_a_reason_and_a_reply_before_the_nlu(servers):
    said, sender = marker(), marker()
    text = long_text(said)
    assert len(text) > 20_000
    response = requests.post(servers.rest_url, json={"sender": sender, "message": text}, timeout=60)
    assert response.status_code == 413
    body = response.json()
    assert body["reason"] == "message_too_long"
    assert EMERGENCY in body["text"] and body["messages"][0]["recipient_id"] == sender
    assert senders_containing(servers.db_path, said) == set(), "nothing of it was stored"
    assert servers.send(sender, "hi"), "the next message is answered"


def test_20000_characters_are_still_read(servers):
    response = requests.post(servers.rest_url, json={"sender": marker(), "message": "a" * 20_000}, timeout=60)
    assert response.status_code == 200 and response.json()


def test_a_body_over_1_mb_is_refused_by_the_server(servers):
    body = b'{"sender": "big", "message": "' + b"a" * 1_100_000 + b'"}'
    response = requests.post(
        servers.rest_url, data=body, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert response.status_code == 413


def test_the_web_chat_says_it_was_too_long(servers):
    widget = Widget(servers.base_url)
    try:
        said = marker()
        widget.say(long_text(said))
        (reply,) = widget.collect(until="too long")
        assert EMERGENCY in reply["text"]
        assert senders_containing(servers.db_path, said) == set()
    finally:
        widget.close()


def test_slack_says_it_was_too_long(servers, fake_platforms):
    said = marker()
    body, channel = slack_message(long_text(said)[:39_000])
    assert slack_post(f"{servers.base_url}/webhooks/slack/webhook", body).status_code == 200
    post = fake_platforms.slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel
        and "too long" in (c.params.get("text") or "")
    )[0]
    assert EMERGENCY in post.params["text"]
    assert senders_containing(servers.db_path, said) == set()


def test_telegram_says_it_was_too_long(servers, fake_platforms):
    said = marker()
    update, chat_id = telegram_message(long_text(said))
    assert telegram_post(f"{servers.base_url}/webhooks/telegram/webhook", update).status_code == 200
    (sent,) = [call.params["text"] for call in fake_platforms.telegram.messages(chat_id)]
    assert "too long" in sent and EMERGENCY in sent
    assert senders_containing(servers.db_path, said) == set()
