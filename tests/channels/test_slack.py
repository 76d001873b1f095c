"""Slack end to end: signed Events API requests to the real Rasa server.

The servers fixture runs scripts/run.sh with the Slack channel pointed at the
fake Slack Web API (tests/channels/fakes.py); the tests post payloads in the
shapes Slack documents (payloads/) and assert what the bot posts back.

Replies are sent in the background (Slack wants its 200 within 3 s), so "no
second reply" is checked after a barrier: a later message in the same
conversation is answered only after everything before it, so once its answer
has arrived, a duplicate answer would have arrived too.
"""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest
import requests

from tests.channels.fakes import SLACK_CHANNEL, SLACK_TOKEN
from tests.channels.helpers import payload, slack_mention, slack_message, slack_post

pytestmark = pytest.mark.slow

GREETING = "not a doctor"
EMERGENCY = "call your local emergency number"
THANKS_REPLY = "You're welcome"


@pytest.fixture(scope="module")
def slack_url(servers) -> str:
    return f"{servers.base_url}/webhooks/slack/webhook"


def post_text(call) -> str:
    """All text a chat.postMessage shows: `text` and the section blocks."""
    parts = [call.params.get("text") or ""]
    for block in call.params.get("blocks") or []:
        if block.get("type") == "section":
            parts.append(block["text"]["text"])
    return "\n".join(parts)


def count_posts(fake_platforms, channel: str, phrase: str) -> int:
    return sum(phrase in post_text(call) for call in fake_platforms.slack.posts(channel))


def wait_for_post(fake_platforms, channel: str, phrase: str, timeout: float = 90):
    return fake_platforms.slack.wait_for(
        lambda c: c.method == "chat.postMessage"
        and c.params.get("channel") == channel
        and phrase in post_text(c),
        timeout=timeout,
    )[0]


def barrier(fake_platforms, slack_url: str, template: dict, channel: str) -> None:
    """Say thanks in the same conversation and wait for the answer."""
    body = json.loads(json.dumps(template))
    body["event_id"] = f"Ev{time.time_ns()}"
    ts = f"{time.time():.6f}"
    body["event"].update(text="thanks", ts=ts, event_ts=ts)
    assert slack_post(slack_url, body).status_code == 200
    wait_for_post(fake_platforms, channel, THANKS_REPLY)


def test_url_verification_is_answered_with_the_challenge(slack_url):
    challenge = payload("slack_url_verification.json")
    reply = slack_post(slack_url, challenge)
    assert reply.status_code == 200
    assert reply.json() == {"challenge": challenge["challenge"]}


def test_direct_message_gets_the_greeting_with_block_kit_buttons(slack_url, fake_platforms):
    body, channel = slack_message("hi")
    reply = slack_post(slack_url, body)
    assert reply.status_code == 200
    post = wait_for_post(fake_platforms, channel, GREETING)
    assert post.auth == f"Bearer {SLACK_TOKEN}"
    (actions,) = [b for b in post.params["blocks"] if b["type"] == "actions"]
    buttons = {b["text"]["text"]: b["value"] for b in actions["elements"]}
    assert buttons["Check my symptoms"] == "/request_symptom_check"
    assert all(b["type"] == "button" for b in actions["elements"])


def test_button_click_with_more_than_five_buttons_keeps_them_all(slack_url, fake_platforms):
    body, channel = slack_message("hi")
    slack_post(slack_url, body)
    wait_for_post(fake_platforms, channel, GREETING)
    # A block_actions interaction (Slack posts it form-encoded as `payload`).
    click = {
        "type": "block_actions",
        "user": {"id": body["event"]["user"], "username": "tester", "team_id": "T123ABC456"},
        "api_app_id": "A0PNCHHK2",
        "token": "one-long-verification-token",
        "trigger_id": f"{time.time_ns()}.trigger",
        "team": {"id": "T123ABC456", "domain": "example"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": body["event"]["ts"], "text": "greeting"},
        "actions": [
            {
                "type": "button",
                "action_id": "rasa_button_2",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "What else can you tell me?"},
                "value": "/ask_topics",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(click)})
    reply = slack_post(slack_url, form, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 200
    topics = fake_platforms.slack.wait_for(
        lambda c: c.params.get("channel") == channel
        and any(b["type"] == "actions" and len(b["elements"]) > 5 for b in c.params.get("blocks") or []),
        timeout=90,
    )[0]
    (actions,) = [b for b in topics.params["blocks"] if b["type"] == "actions"]
    assert len(actions["elements"]) == 8, "the stock channel drops all buttons above five"


@pytest.mark.parametrize("forgery", ["wrong secret", "stale timestamp", "no signature"])
def test_unsigned_or_stale_requests_are_refused_and_reach_nobody(slack_url, fake_platforms, forgery):
    body, channel = slack_message("hi")
    if forgery == "wrong secret":
        reply = slack_post(slack_url, body, secret="not-the-signing-secret")
    elif forgery == "stale timestamp":
        reply = slack_post(slack_url, body, timestamp=int(time.time()) - 10 * 60)
    else:
        reply = requests.post(slack_url, json=body, timeout=30)
    assert reply.status_code == 401
    barrier(fake_platforms, slack_url, body, channel)
    assert count_posts(fake_platforms, channel, GREETING) == 0


def test_retries_are_answered_once_whatever_their_reason(slack_url, fake_platforms):
    body, channel = slack_message("hi")
    headers = payload("slack_retry_headers__rasa.json")["rasa_defaults"]
    assert slack_post(slack_url, body).status_code == 200
    for number, reason in enumerate(["http_timeout", "http_error", "connection_failed"], 1):
        retry = slack_post(
            slack_url,
            body,
            headers={
                headers["slack_retry_number_header"]: str(number),
                headers["slack_retry_reason_header"]: reason,
            },
        )
        assert retry.status_code == 200
        assert retry.headers.get("X-Slack-No-Retry") == "1"
    wait_for_post(fake_platforms, channel, GREETING)
    barrier(fake_platforms, slack_url, body, channel)
    assert count_posts(fake_platforms, channel, GREETING) == 1


def test_a_mention_delivered_as_app_mention_and_message_gets_one_reply(slack_url, fake_platforms):
    mention, message = slack_mention("hi")
    assert slack_post(slack_url, mention).status_code == 200
    assert slack_post(slack_url, message).status_code == 200
    wait_for_post(fake_platforms, SLACK_CHANNEL, GREETING)
    barrier(fake_platforms, slack_url, mention, SLACK_CHANNEL)
    # no other test greets in SLACK_CHANNEL, so one greeting means one reply
    assert count_posts(fake_platforms, SLACK_CHANNEL, GREETING) == 1


def test_bot_messages_are_ignored(slack_url, fake_platforms):
    body, channel = slack_message("hi")
    bot = payload("slack_rasa_test_bot_message_event.json")
    bot["event"].update(channel=channel, user=body["event"]["user"], text="hi", channel_type="im")
    assert slack_post(slack_url, bot).status_code == 200
    barrier(fake_platforms, slack_url, body, channel)
    assert count_posts(fake_platforms, channel, GREETING) == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2, 3]", b'"just a string"', b"\xff\xfe"])
def test_malformed_bodies_are_a_400_and_the_server_carries_on(slack_url, servers, raw):
    reply = slack_post(slack_url, raw)
    assert reply.status_code == 400
    assert requests.get(f"{servers.base_url}/webhooks/slack/", timeout=10).json() == {"status": "ok"}


def test_red_flag_gets_the_emergency_advice_first_and_no_raw_payload(slack_url, fake_platforms):
    body, channel = slack_message("I can't breathe")
    assert slack_post(slack_url, body).status_code == 200
    wait_for_post(fake_platforms, channel, EMERGENCY)
    barrier(fake_platforms, slack_url, body, channel)
    posts = fake_platforms.slack.posts(channel)
    assert EMERGENCY in post_text(posts[0]), "the emergency advice is the first thing posted"
    for call in posts:
        assert "triage" not in call.params and "assessment" not in call.params
        assert '"level"' not in post_text(call)
