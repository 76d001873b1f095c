"""Telegram end to end: webhook updates to the real Rasa server.

The servers fixture runs scripts/run.sh with the Telegram channel pointed at
the fake Bot API (tests/channels/fakes.py). The channel answers an update
before it returns its 200, so when a POST returns, everything the bot sent
for it has reached the fake.
"""
from __future__ import annotations

import json

import pytest
import requests

from tests.channels.fakes import TELEGRAM_SECRET
from tests.channels.helpers import (
    new_chat_id,
    next_update_id,
    payload,
    telegram_button_press,
    telegram_message,
    telegram_post,
)

pytestmark = pytest.mark.slow

GREETING = "not a doctor"
EMERGENCY = "call your local emergency number"


@pytest.fixture(scope="module")
def telegram_url(servers) -> str:
    return f"{servers.base_url}/webhooks/telegram/webhook"


def texts(fake_platforms, chat_id) -> list:
    return [call.params["text"] for call in fake_platforms.telegram.messages(chat_id)]


def test_start_gets_the_greeting_with_an_inline_keyboard(telegram_url, fake_platforms):
    # The documented sample as it is ("/start" from chat 1111111), fresh update_id.
    update = payload("telegram_update_message_text__core.telegram.org.json")
    update["update_id"] = next_update_id()
    chat_id = update["message"]["chat"]["id"]
    assert telegram_post(telegram_url, update).status_code == 200
    greeting = [c for c in fake_platforms.telegram.messages(chat_id) if GREETING in c.params["text"]]
    assert greeting, texts(fake_platforms, chat_id)
    keyboard = greeting[-1].params["reply_markup"]["inline_keyboard"]
    buttons = {row[0]["text"]: row[0]["callback_data"] for row in keyboard}
    assert buttons["Check my symptoms"] == "/request_symptom_check"


@pytest.mark.parametrize("secret", [None, "", "EXAMPLE_secret-124", TELEGRAM_SECRET + "x"])
def test_missing_or_wrong_secret_is_403_and_nothing_is_sent(telegram_url, fake_platforms, secret):
    update, chat_id = telegram_message("/start")
    reply = telegram_post(telegram_url, update, secret=secret)
    assert reply.status_code == 403
    assert fake_platforms.telegram.messages(chat_id) == []
    # the same update with the right secret is then handled: it was not recorded as seen
    assert telegram_post(telegram_url, update).status_code == 200
    assert any(GREETING in text for text in texts(fake_platforms, chat_id))


def test_a_repeated_update_id_is_answered_once(telegram_url, fake_platforms):
    update, chat_id = telegram_message("hello")
    assert telegram_post(telegram_url, update).status_code == 200
    first = texts(fake_platforms, chat_id)
    assert any(GREETING in text for text in first)
    again = telegram_post(telegram_url, update)
    assert again.status_code == 200
    assert texts(fake_platforms, chat_id) == first


def test_a_button_press_is_answered_and_reaches_the_bot(telegram_url, fake_platforms):
    chat_id = new_chat_id()
    press = telegram_button_press("/ask_topics", chat_id)
    assert telegram_post(telegram_url, press).status_code == 200
    answered = fake_platforms.telegram.matching(
        lambda c: c.method == "answerCallbackQuery"
        and c.params.get("callback_query_id") == press["callback_query"]["id"]
    )
    assert len(answered) == 1
    (topics,) = [c for c in fake_platforms.telegram.messages(chat_id) if c.params.get("reply_markup")]
    keyboard = topics.params["reply_markup"]["inline_keyboard"]
    assert len(keyboard) == 8 and all(len(row) == 1 for row in keyboard)


def test_the_official_callback_sample_without_a_message_does_not_crash(telegram_url, fake_platforms):
    update = payload("telegram_update_callback_query__core.telegram.org.json")
    update["update_id"] = next_update_id()
    assert telegram_post(telegram_url, update).status_code == 200
    assert fake_platforms.telegram.matching(
        lambda c: c.method == "answerCallbackQuery"
        and c.params.get("callback_query_id") == update["callback_query"]["id"]
    )


def test_an_edited_message_from_rasas_own_test_is_handled(telegram_url, fake_platforms):
    update = payload("telegram_update_edited_message__rasa_test.json")
    update["update_id"] = next_update_id()
    chat_id = new_chat_id()
    update["edited_message"]["chat"]["id"] = chat_id
    # Rasa's test posts the JSON encoded twice; accept that too.
    reply = telegram_post(telegram_url, None, raw=json.dumps(json.dumps(update)).encode())
    assert reply.status_code == 200
    assert any(GREETING in text for text in texts(fake_platforms, chat_id))


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'{"message": {"text": "hi"}}', b'{"update_id": "7"}', b"\xff"],
    ids=["not json", "array", "no update_id", "update_id not a number", "not utf-8"],
)
def test_malformed_updates_are_a_400_and_the_server_carries_on(telegram_url, servers, raw):
    assert telegram_post(telegram_url, None, raw=raw).status_code == 400
    health = requests.get(f"{servers.base_url}/webhooks/telegram/", timeout=10)
    assert health.json() == {"status": "ok"}


def test_red_flag_gets_the_emergency_advice_first_and_no_raw_payload(telegram_url, fake_platforms):
    update, chat_id = telegram_message("I can't breathe")
    assert telegram_post(telegram_url, update).status_code == 200
    sent = texts(fake_platforms, chat_id)
    assert sent and EMERGENCY in sent[0], sent
    assert not any('"level"' in text or "triage" in text for text in sent)


def test_no_getme_and_no_setwebhook_from_the_server(telegram_url, fake_platforms):
    update, chat_id = telegram_message("hello")
    telegram_post(telegram_url, update)
    methods = {call.method for call in fake_platforms.telegram.snapshot()}
    assert "sendMessage" in methods
    assert "getMe" not in methods
    # setWebhook comes only from `make telegram-webhook` (test_channel_units), never from the server
    assert all(call.params.get("secret_token") == TELEGRAM_SECRET
               for call in fake_platforms.telegram.matching(lambda c: c.method == "setWebhook"))


def test_an_emergency_in_portuguese_from_a_brazilian_account_names_samu_192(telegram_url, fake_platforms):
    """Telegram's language_code "pt-br" names the region: the advice gives Brazil's number."""
    update, chat_id = telegram_message("não consigo respirar e estou com câimbras")
    update["message"]["from"]["language_code"] = "pt-br"
    assert telegram_post(telegram_url, update).status_code == 200
    sent = texts(fake_platforms, chat_id)
    assert sent and "192" in sent[0] and "emergência" in sent[0], sent
    assert any("192 (the emergency number in Brazil" in text for text in sent[1:]), sent
