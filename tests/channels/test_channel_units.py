"""Fast tests of the channel code: no Rasa server, no trained model.

Output channels talk to the fake platform APIs (tests/channels/fakes.py) in
process; the rest are pure functions and configuration checks.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from types import SimpleNamespace
from unittest import mock

import pytest
import requests
from rasa.shared.exceptions import InvalidConfigException

from channels.message_output import split_long_text, text_already_says_it, triage_level
from channels.recent import RecentIds
from channels.slack import SafeSlackBot, SafeSlackInput, button_blocks, escape_mrkdwn
from channels.session_ids import SessionSigner
from channels.socketio import allowed_origins, session_id_or_new
from channels.telegram import CALLBACK_DATA_LIMIT, LongPayloads, SafeTelegramInput, SafeTelegramOutput
from tests.channels.fakes import (
    SLACK_TOKEN,
    TELEGRAM_BOT_USERNAME,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
)
from tests.channels.helpers import payload
from tests.servers import ROOT, free_port

TRIAGE = {"triage": {"level": "emergency", "reasons": ["breathing_difficulty"]}}
EIGHT_BUTTONS = [{"title": f"Topic {n}", "payload": f"/topic_{n}"} for n in range(8)]


# --- Shared pieces


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("short", 100, ["short"]),
        ("one\n\ntwo", 100, ["one", "two"]),
        ("aaa bbb ccc", 7, ["aaa bbb", "ccc"]),
        ("line one\nline two", 9, ["line one", "line two"]),
        ("x" * 10, 4, ["xxxx", "xxxx", "xx"]),
        ("  \n\n ", 10, []),
    ],
)
def test_split_long_text_keeps_every_word(text, limit, expected):
    assert split_long_text(text, limit) == expected


def test_split_long_text_of_a_long_answer_loses_nothing():
    text = "\n\n".join(" ".join(f"word{p}_{w}" for w in range(400)) for p in range(3))
    pieces = split_long_text(text, 3000)
    assert all(len(piece) <= 3000 for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def test_text_carried_payloads_are_recognised():
    assert text_already_says_it(TRIAGE)
    assert text_already_says_it({"assessment": {"likely": "spasm"}})
    assert not text_already_says_it({"text": "hello"})
    assert triage_level({"text": "x", "custom": TRIAGE}) == "emergency"
    assert triage_level({"text": "x"}) is None


def test_recent_ids_forget_after_ttl_and_stay_bounded():
    now = [0.0]
    recent = RecentIds(ttl_seconds=60, max_items=3, clock=lambda: now[0])
    assert recent.first_time("a") and not recent.first_time("a")
    now[0] = 61
    assert recent.first_time("a"), "forgotten after the ttl"
    for key in "bcd":
        recent.first_time(key)
    assert len(recent) == 3 and "a" not in recent, "oldest dropped when full"


def test_session_ids_are_minted_and_signed_by_the_server():
    signer = SessionSigner(b"test-secret")
    token = signer.issue()
    assert signer.valid(token) and session_id_or_new(token, signer) == token
    nonce, signature = token.split(".")
    made_up = [
        None, "", "1", "aaaaaaaaaaaaaaaa", "x" * 300, "../../etc/passwd-000000", 12345678901234567890,
        "5f1c0d3e9a8b4c7d5f1c0d3e9a8b4c7d",  # an id from before signing
        nonce,  # the signature left off
        f"{nonce}.{'A' * 43}",  # a forged signature
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        SessionSigner(b"another-secret").issue(),  # signed with another key (e.g. before a restart)
        token.upper(), token + "=", {"session_id": token},
    ]
    for bad in made_up:
        new = session_id_or_new(bad, signer)
        assert new != bad and signer.valid(new), bad
    assert len({signer.issue() for _ in range(200)}) == 200, "unguessable: never the same twice"


def test_socket_origins_come_from_cors_origin_and_never_include_a_wildcard(monkeypatch):
    monkeypatch.delenv("CORS_ORIGIN", raising=False)
    monkeypatch.setenv("WEB_PORT", "8181")
    assert allowed_origins() == ["http://localhost:8181", "http://127.0.0.1:8181"]
    monkeypatch.setenv("CORS_ORIGIN", "https://chat.example.org  https://www.example.org/")
    assert allowed_origins() == ["https://chat.example.org", "https://www.example.org"]
    assert allowed_origins("https://other.example") == ["https://other.example"]
    with pytest.raises(InvalidConfigException):
        allowed_origins("*")


# --- Slack


def slack_request(body: bytes, timestamp: str, signature: str) -> SimpleNamespace:
    return SimpleNamespace(
        body=body,
        headers={"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature},
    )


@pytest.mark.parametrize(
    "secret, clock, authentic",
    [
        ("signing_secret", 0, True),
        ("wrong_signing_secret", 0, False),
        ("signing_secret", 10 * 60, False),  # ten minutes later: a replay
    ],
)
def test_slack_signature_check_matches_rasa_test_vector(secret, clock, authentic):
    vector = payload("slack_signature_test_vector__rasa.json")
    channel = SafeSlackInput.from_credentials(
        {"slack_token": SLACK_TOKEN, "slack_signing_secret": vector[secret]}
    )
    headers = vector["headers"]
    request = slack_request(
        vector["raw_body"].encode(), headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    frozen = int(headers["X-Slack-Request-Timestamp"]) + clock
    with mock.patch("time.time", return_value=frozen):
        assert channel.is_request_from_slack_authentic(request) is authentic


def test_slack_is_off_without_variables_and_refuses_half_a_configuration():
    assert SafeSlackInput.from_credentials({"slack_token": "", "slack_signing_secret": ""}).configured is False
    assert SafeSlackInput.from_credentials(None).configured is False
    with pytest.raises(InvalidConfigException):
        SafeSlackInput.from_credentials({"slack_token": SLACK_TOKEN, "slack_signing_secret": ""})


def test_slack_buttons_are_block_kit_buttons_even_more_than_five():
    (block,) = button_blocks(EIGHT_BUTTONS)
    assert block["type"] == "actions"
    assert [b["value"] for b in block["elements"]] == [b["payload"] for b in EIGHT_BUTTONS]
    assert all(b["type"] == "button" and b["text"]["type"] == "plain_text" for b in block["elements"])
    assert len({b["action_id"] for b in block["elements"]}) == 8
    assert len(button_blocks(EIGHT_BUTTONS * 4)) == 2, "25 buttons per actions block"
    assert escape_mrkdwn("<b> & c") == "&lt;b&gt; &amp; c"


def test_slack_long_answer_with_buttons_arrives_whole(fake_platforms):
    text = "\n\n".join(f"Paragraph {n}: " + "spasm twitch " * 200 for n in range(4))
    channel = f"D{time.time_ns()}"
    bot = SafeSlackBot(SLACK_TOKEN, channel, api_url=fake_platforms.slack.api_url)

    async def send() -> None:
        await bot.send_text_with_buttons(channel, text, EIGHT_BUTTONS)
        await bot.send_custom_json(channel, dict(TRIAGE))

    asyncio.run(send())
    posts = fake_platforms.slack.posts(channel)
    assert len(posts) == 1, "the triage payload is not posted"
    blocks = posts[0].params["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(section) <= 3000 for section in sections)
    assert " ".join(sections).split() == text.split(), "nothing cut"
    assert len(blocks[-1]["elements"]) == 8
    assert "as_user" not in posts[0].params
    assert posts[0].auth == f"Bearer {SLACK_TOKEN}"


# --- Telegram


def test_telegram_is_off_without_variables_and_needs_a_valid_secret():
    off = SafeTelegramInput.from_credentials({"access_token": "", "secret_token": ""})
    assert off.configured is False and off.get_output_channel() is None
    with pytest.raises(InvalidConfigException):
        SafeTelegramInput.from_credentials({"access_token": TELEGRAM_TOKEN, "secret_token": ""})
    with pytest.raises(InvalidConfigException):
        SafeTelegramInput.from_credentials({"access_token": TELEGRAM_TOKEN, "secret_token": "has spaces!"})
    with pytest.raises(InvalidConfigException):
        SafeTelegramInput.from_credentials({"access_token": "not-a-token", "secret_token": TELEGRAM_SECRET})


def test_telegram_output_channel_makes_no_network_call_when_created():
    channel = SafeTelegramInput.from_credentials(
        {"access_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET, "api_url": "http://127.0.0.1:9"}
    )
    with mock.patch("aiohttp.ClientSession._request") as request:
        assert isinstance(channel.get_output_channel(), SafeTelegramOutput)
    request.assert_not_called()


@pytest.mark.parametrize(
    "text, for_bot",
    [
        ("/start", ["/greet"]),
        (f"/start@{TELEGRAM_BOT_USERNAME}", ["/greet"]),
        ("/start from-a-deep-link", ["/greet"]),
        ("/start@some_other_bot", ["/start@some_other_bot"]),
        ("/restart", ["/restart", "/greet"]),
        ("my calf cramps at night", ["my calf cramps at night"]),
    ],
)
def test_telegram_commands_map_to_the_greeting(text, for_bot):
    channel = SafeTelegramInput.from_credentials(
        {"access_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET, "verify": TELEGRAM_BOT_USERNAME}
    )
    assert channel._texts_for_bot(text) == for_bot


def test_telegram_long_payloads_fit_callback_data():
    payloads = LongPayloads(max_items=2)
    short = '/inform{"pain_level": "none"}'
    long = '/inform{"triggers": ["exercise", "caffeine", "stress", "poor_sleep", "new_medicine"]}'
    assert payloads.key(short) == short
    key = payloads.key(long)
    assert len(key.encode()) <= CALLBACK_DATA_LIMIT and payloads.payload(key) == long


def test_telegram_output_splits_long_text_and_sends_an_inline_keyboard(fake_platforms):
    chat_id = time.time_ns() % 10**9
    text = "Spasms and twitches. " * 400  # about 8,400 characters
    long_payload = "/inform" + json.dumps({"triggers": ["exercise"] * 8})

    async def send() -> None:
        bot = SafeTelegramOutput(TELEGRAM_TOKEN, fake_platforms.telegram.api_url)
        try:
            await bot.send_text_with_buttons(
                chat_id, text, EIGHT_BUTTONS + [{"title": "Long", "payload": long_payload}]
            )
            await bot.send_custom_json(chat_id, dict(TRIAGE))
        finally:
            await bot.session.close()

    asyncio.run(send())
    sent = fake_platforms.telegram.messages(chat_id)
    assert len(sent) == 3, "split at 4096 characters; the triage payload is not sent"
    assert all(len(call.params["text"]) <= 4096 for call in sent)
    assert " ".join(call.params["text"] for call in sent).split() == text.split()
    keyboard = sent[-1].params["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard[:8]] == [b["title"] for b in EIGHT_BUTTONS]
    assert all(len(row) == 1 for row in keyboard), "one button per row"
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


def test_make_telegram_webhook_registers_the_secret(fake_platforms):
    env = {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
        "TELEGRAM_API_URL": fake_platforms.telegram.api_url,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "telegram_webhook.py")],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (call,) = fake_platforms.telegram.matching(
        lambda c: c.method == "setWebhook" and c.params.get("secret_token") == TELEGRAM_SECRET
    )
    assert call.params["url"] == env["TELEGRAM_WEBHOOK_URL"]
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]

    bad = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "telegram_webhook.py")],
        env={**env, "TELEGRAM_SECRET_TOKEN": "not allowed!"}, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and "TELEGRAM_SECRET_TOKEN" in bad.stderr
    assert len(fake_platforms.telegram.matching(lambda c: c.method == "setWebhook")) == 1


# --- The page's file server


@pytest.fixture(scope="module")
def web_server():
    if not (ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js").is_file():
        pytest.fail("node_modules is missing: run `make web` (make test does).")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "serve_web.py")],
        env={"PATH": "/usr/bin:/bin", "WEB_PORT": str(port), "RASA_PORT": "5999"},
    )
    url = f"http://localhost:{port}"
    for _ in range(100):
        try:
            requests.head(url, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


def test_web_server_serves_the_page_and_the_widget_only(web_server):
    page = requests.get(web_server + "/", timeout=5)
    assert page.ok and "/vendor/rasa-webchat.js" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self' http://localhost:5999 ws://localhost:5999" in policy
    assert "fonts.googleapis.com" not in policy, "the widget's remote font import is blocked"
    widget = requests.get(web_server + "/vendor/rasa-webchat.js", timeout=5)
    assert widget.ok and widget.headers["Content-Type"].startswith("text/javascript")
    config = requests.get(web_server + "/config.js", timeout=5).text
    assert '"socketUrl": "http://localhost:5999"' in config
    for hidden in ("/../credentials.yml", "/%2e%2e/credentials.yml", "/node_modules/react/package.json",
                   "/vendor/../package.json", "/../.env.example"):
        assert requests.get(web_server + hidden, timeout=5).status_code == 404, hidden


# --- The channel base (channels/base.py), shared by every channel in credentials.yml


def _channels_in_credentials():
    import yaml
    from rasa.shared.utils.common import class_from_module_path

    classes = [class_from_module_path(path) for path in yaml.safe_load((ROOT / "credentials.yml").read_text())]
    # the routes entry (observability/routes.py) receives no messages
    return [cls for cls in classes if getattr(cls, "handles_messages", True)]


def _listeners(blueprint):
    return {(future.listener, future.event) for future in blueprint._future_listeners}


@pytest.mark.parametrize("channel_class", _channels_in_credentials(), ids=lambda cls: cls.__name__)
def test_every_channel_makes_tracker_store_errors_raise_whichever_are_configured(channel_class):
    """Without it Rasa answers from a blank conversation when the database fails;
    every channel installs it, so credentials.yml need not include REST."""
    from channels.base import ChannelBase
    from stores.tracker_store import raise_tracker_store_errors

    assert issubclass(channel_class, ChannelBase)
    channel = channel_class.from_credentials({})  # Slack and Telegram: off

    async def on_new_message(message):  # never called here
        raise AssertionError(message)

    blueprint = channel.blueprint(on_new_message)
    assert (raise_tracker_store_errors, "after_server_start") in _listeners(blueprint)
    assert any(route.uri == "/" and "GET" in route.methods for route in blueprint._future_routes), "health route"
