"""Conversations are scoped by channel: no channel can address another's (issue 12, item 1).

Before, Rasa filed a conversation under the platform's id alone, so a REST
caller who sent ``{"sender": "<a widget's session id>"}`` (or a Telegram chat
id) read that person's conversation, wrote into it, and with ``/restart``
wiped it. Against the real servers (tests/conftest.py), with Slack and
Telegram pointed at the fakes.
"""
from __future__ import annotations

import json
import urllib.parse

import pytest
import requests

from tests.channels.helpers import slack_message, slack_post, telegram_message, telegram_post
from tests.channels.test_socketio import Widget
from tests.security.helpers import marker, senders_ending_with, stored_texts, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def widget(servers):
    opened = Widget(servers.base_url)
    yield opened
    opened.close()


def test_rest_cannot_read_write_or_restart_a_web_chat_conversation(servers, widget):
    widget.say("hi")
    widget.collect(until="emergency number")
    (socket_conversation,) = senders_ending_with(servers.db_path, widget.session_id)

    said = marker()
    servers.send(widget.session_id, f"thanks {said}")
    servers.send(widget.session_id, "/restart")

    stored = stored_texts(servers.db_path, socket_conversation)
    assert said not in stored, "the REST message landed in the web chat's conversation"
    assert '"event": "restart"' not in stored, "REST restarted the web chat's conversation"
    # The web chat carries on where it was.
    widget.say("thanks")
    widget.collect(until="You're welcome")


def test_rest_cannot_read_a_telegram_chat_by_its_number(servers, fake_platforms):
    telegram_url = f"{servers.base_url}/webhooks/telegram/webhook"
    update, chat_id = telegram_message("my calf cramps at night")
    assert telegram_post(telegram_url, update).status_code == 200
    (telegram_conversation,) = senders_ending_with(servers.db_path, str(chat_id))

    said = marker()
    servers.send(str(chat_id), f"yes {said}")
    assert said not in stored_texts(servers.db_path, telegram_conversation)


def test_each_channel_files_its_conversations_under_its_own_prefix(servers, widget, fake_platforms):
    sender = marker()
    reply = servers.send(sender, "hi")
    assert reply and all(message["recipient_id"] == sender for message in reply), (
        "the REST client sees its own id, not the stored one"
    )
    assert senders_ending_with(servers.db_path, sender) == {f"rest:{sender}"}

    widget.say("hi")
    widget.collect(until="emergency number")
    assert senders_ending_with(servers.db_path, widget.session_id) == {f"socketio:{widget.session_id}"}

    update, chat_id = telegram_message("hi")
    telegram_post(f"{servers.base_url}/webhooks/telegram/webhook", update)
    assert senders_ending_with(servers.db_path, str(chat_id)) == {f"telegram:{chat_id}"}
    assert fake_platforms.telegram.messages(chat_id), "replies still reach the chat by its number"

    body, channel = slack_message("hi")
    user = body["event"]["user"]
    assert slack_post(f"{servers.base_url}/webhooks/slack/webhook", body).status_code == 200
    fake_platforms.slack.wait_for(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel)
    wait_until(lambda: senders_ending_with(servers.db_path, user), what="the Slack conversation is stored")
    assert senders_ending_with(servers.db_path, user) == {f"slack:{body['team_id']}:{user}"}


def test_a_slack_button_press_continues_the_same_scoped_conversation(servers, fake_platforms):
    slack_url = f"{servers.base_url}/webhooks/slack/webhook"
    body, channel = slack_message("hi")
    slack_post(slack_url, body)
    fake_platforms.slack.wait_for(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel)
    user = body["event"]["user"]
    click = {
        "type": "block_actions",
        "user": {"id": user, "team_id": body["team_id"]},
        "trigger_id": f"{marker()}.trigger",
        "team": {"id": body["team_id"]},
        "channel": {"id": channel},
        "message": {"type": "message", "ts": body["event"]["ts"], "text": "greeting"},
        "actions": [{"type": "button", "action_id": "rasa_button_2", "value": "/ask_topics",
                     "text": {"type": "plain_text", "text": "What else can you tell me?"}}],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(click)})
    assert slack_post(slack_url, form, content_type="application/x-www-form-urlencoded").status_code == 200
    fake_platforms.slack.wait_for(
        lambda c: c.params.get("channel") == channel and "Pick one" in json.dumps(c.params), timeout=90
    )
    wait_until(lambda: "ask_topics" in stored_texts(servers.db_path, f"slack:{body['team_id']}:{user}"),
               what="the button press is in the same conversation")
    assert senders_ending_with(servers.db_path, user) == {f"slack:{body['team_id']}:{user}"}


def test_a_rest_sender_naming_another_channel_stays_a_rest_conversation(servers):
    fake = f"socketio:{marker()}"
    servers.send(fake, "hi")
    assert senders_ending_with(servers.db_path, fake) == {f"rest:{fake}"}
    response = requests.post(servers.rest_url, json={"sender": "x" * 251, "message": "hi"}, timeout=30)
    assert response.status_code == 400 and "at most 250" in response.text
