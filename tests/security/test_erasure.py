"""Erasure by the person, in the chat, on every channel (issue 12, item 9).

"delete my conversation" / "forget me" / "erase my data" asks for a
confirmation with Yes/No buttons; yes (the button, or typed) erases the
stored conversation, every session of it, and nothing of that turn is kept
either; no keeps it. The web chat also gets ``{"erase": true}``, on which the
page clears its copy (the browser test clicks the page's button). Against the
real servers, Slack and Telegram against the fakes.
"""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from tests.channels.helpers import (
    slack_message,
    slack_post,
    telegram_button_press,
    telegram_message,
    telegram_post,
)
from tests.channels.test_socketio import Widget
from tests.replies import texts
from tests.security.helpers import event_count, marker, senders_containing, wait_until

pytestmark = pytest.mark.slow

CONFIRM = "/confirm_erase_conversation"
ERASED = "erased this conversation"


def buttons(reply: list) -> dict:
    return {button["title"]: button["payload"] for message in reply for button in message.get("buttons", [])}


def erased(db, conversation: str) -> None:
    wait_until(lambda: event_count(db, conversation) == 0, timeout=20, what=f"{conversation} erased")


@pytest.mark.parametrize("request_", ["delete my conversation", "forget me", "erase my data"])
def test_rest_asks_first_and_the_yes_button_erases_everything(servers, request_):
    sender, said = marker(), marker()
    servers.send(sender, f"my calf cramps at night {said}")
    question = servers.send(sender, request_)
    assert "erase this conversation" in texts(question)
    assert buttons(question) == {"Yes, erase it": CONFIRM, "No, keep it": "/deny"}
    assert event_count(servers.db_path, f"rest:{sender}") > 0, "nothing is erased before the yes"

    done = servers.send(sender, CONFIRM)
    assert ERASED in texts(done)
    assert {"erase": True} in [message.get("custom") for message in done]
    erased(servers.db_path, f"rest:{sender}")
    assert senders_containing(servers.db_path, said) == set()
    assert servers.send(sender, "hi"), "a new conversation starts"


def test_a_typed_yes_erases_and_a_no_keeps_it(servers):
    sender = marker()
    servers.send(sender, "hi")
    servers.send(sender, "forget me")
    assert ERASED in texts(servers.send(sender, "yes"))
    erased(servers.db_path, f"rest:{sender}")

    other = marker()
    servers.send(other, "hi")
    servers.send(other, "delete my data")
    kept = servers.send(other, "no")
    assert "kept it" in texts(kept)
    time.sleep(1)
    assert event_count(servers.db_path, f"rest:{other}") > 0


def test_the_erase_button_works_in_the_middle_of_a_check_in(servers):
    sender, said = marker(), marker()
    first = servers.send(sender, f"I get painful cramps in my calf at night {said}")
    assert first, "the check-in asks its first question"
    done = servers.send(sender, CONFIRM)
    assert ERASED in texts(done)
    erased(servers.db_path, f"rest:{sender}")
    assert senders_containing(servers.db_path, said) == set()


def test_the_web_chat_erases_and_tells_the_page_to_clear_its_copy(servers):
    widget = Widget(servers.base_url)
    try:
        widget.say("hi")
        widget.collect(until="emergency number")
        conversation = f"socketio:{widget.session_id}"
        assert event_count(servers.db_path, conversation) > 0
        widget.say("delete my conversation")
        (question,) = widget.collect(until="erase this conversation")
        assert [reply["payload"] for reply in question["quick_replies"]] == [CONFIRM, "/deny"]
        widget.say(CONFIRM)
        widget.collect(until=ERASED)
        payloads = widget.quiet(2)
        assert {"erase": True} in payloads, payloads
        erased(servers.db_path, conversation)
    finally:
        widget.close()


def test_slack_erases_with_its_buttons_and_posts_no_raw_payload(servers, fake_platforms):
    slack_url = f"{servers.base_url}/webhooks/slack/webhook"
    body, channel = slack_message("erase my data")
    user, team = body["event"]["user"], body["team_id"]
    slack_post(slack_url, body)
    question = fake_platforms.slack.wait_for(
        lambda c: c.params.get("channel") == channel and "erase this conversation" in json.dumps(c.params)
    )[0]
    (actions,) = [block for block in question.params["blocks"] if block["type"] == "actions"]
    assert [button["value"] for button in actions["elements"]] == [CONFIRM, "/deny"]
    conversation = f"slack:{team}:{user}"
    assert event_count(servers.db_path, conversation) > 0

    click = {
        "type": "block_actions", "user": {"id": user, "team_id": team}, "team": {"id": team},
        "trigger_id": f"{marker()}.trigger", "channel": {"id": channel},
        "message": {"type": "message", "ts": body["event"]["ts"], "text": "question"},
        "actions": [{"type": "button", "action_id": "rasa_button_0", "value": CONFIRM,
                     "text": {"type": "plain_text", "text": "Yes, erase it"}}],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(click)})
    assert slack_post(slack_url, form, content_type="application/x-www-form-urlencoded").status_code == 200
    done = fake_platforms.slack.wait_for(
        lambda c: c.params.get("channel") == channel and ERASED in json.dumps(c.params)
    )[0]
    assert "Slack keeps its own copy" in done.params["text"]
    erased(servers.db_path, conversation)
    posted = [json.dumps(call.params) for call in fake_platforms.slack.posts(channel)]
    assert not any('"erase": true' in post for post in posted)


def test_telegram_erases_with_its_inline_keyboard(servers, fake_platforms):
    telegram_url = f"{servers.base_url}/webhooks/telegram/webhook"
    update, chat_id = telegram_message("delete my conversation")
    telegram_post(telegram_url, update)
    (question,) = [c for c in fake_platforms.telegram.messages(chat_id) if "erase this" in c.params["text"]]
    keyboard = question.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == [CONFIRM, "/deny"]
    conversation = f"telegram:{chat_id}"
    assert event_count(servers.db_path, conversation) > 0

    assert telegram_post(telegram_url, telegram_button_press(CONFIRM, chat_id)).status_code == 200
    sent = [call.params["text"] for call in fake_platforms.telegram.messages(chat_id)]
    assert any(ERASED in text and "Telegram keeps its own copy" in text for text in sent), sent
    assert not any('"erase"' in text for text in sent)
    erased(servers.db_path, conversation)
