"""Fast tests of the security and privacy pieces: no Rasa server, no model.

Conversation ids, payload cleaning, the limits, who may call REST, log lines
without text, the tracker store's erase and private SQLite file. What only a
running server shows is in the other files of this folder.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import stat
import time
from contextlib import closing
from types import SimpleNamespace
from typing import Any, List

import pytest
from rasa.core.channels.channel import OutputChannel, UserMessage

from channels.conversation_ids import channel_of, platform_id, scoped
from channels.edge import Edge, ToPlatform, from_loopback, rest_caller_refusal
from channels.limits import Limits, RateLimiter
from channels.message_input import InvalidInput, payload_for_rasa
from channels.private_logs import failure, sender_ref, where

MARKER = "my HIV test came back positive zebra7731"
INTENTS = ["inform", "greet", "affirm", "restart", "confirm_erase_conversation"]
ENTITIES = ["pain_level", "body_part", "red_flag"]


# --- Conversation ids


@pytest.mark.parametrize(
    "channel, parts, stored, platform",
    [
        ("rest", ["me"], "rest:me", "me"),
        ("rest", ["socketio:abc"], "rest:socketio:abc", "socketio:abc"),  # stays inside REST
        ("socketio", ["9b1f.qD3f"], "socketio:9b1f.qD3f", "9b1f.qD3f"),
        ("slack", ["T123ABC456", "U061F7AUR"], "slack:T123ABC456:U061F7AUR", "U061F7AUR"),
        ("slack", [None, "U061F7AUR"], "slack:U061F7AUR", "U061F7AUR"),
        ("telegram", [1111111], "telegram:1111111", "1111111"),
    ],
)
def test_conversation_ids_carry_their_channel(channel, parts, stored, platform):
    assert scoped(channel, *parts) == stored
    assert channel_of(stored) == channel
    assert platform_id(stored) == platform


def test_ids_from_before_scoping_are_left_as_they_are_and_long_ids_are_refused():
    assert channel_of("1111111") == "" and platform_id("1111111") == "1111111"
    assert len(scoped("rest", "x" * 250)) == 255
    with pytest.raises(InvalidInput, match="at most 250 characters"):
        scoped("rest", "x" * 251)


# --- Payloads a client sends


@pytest.mark.parametrize(
    "text, expected, reason",
    [
        ("my calf cramps", "my calf cramps", None),
        ('/inform{"pain_level": "none"}', '/inform{"pain_level": "none"}', None),
        (f'/inform{{"red_flag": "{MARKER}"}}', "/inform", "server_entity_dropped"),
        ('/inform{"pain_level": "none", "red_flag": "x"}', '/inform{"pain_level": "none"}', "server_entity_dropped"),
        ("/inform{not json}", "/inform", "payload_arguments_unparsable"),
        ('/inform{"colour": "red"}', "/inform", "payload_entity_unknown"),
        ("/affirm@0.3", "/affirm", "payload_confidence_dropped"),
        (f"/help {MARKER}", f"help {MARKER}", "payload_not_an_intent"),
        ("/no_such_intent", "no_such_intent", "payload_not_an_intent"),
        ("/restart", "/restart", None),
        ("/confirm_erase_conversation", "/confirm_erase_conversation", None),
    ],
)
def test_payloads_reach_rasa_only_in_a_form_it_reads_without_quoting_them(text, expected, reason):
    assert payload_for_rasa(text, INTENTS, ENTITIES) == (expected, reason)


# --- Limits


def test_rate_limit_counts_per_conversation_and_tells_once_per_window():
    now = [0.0]
    limiter = RateLimiter(max_messages=3, window_seconds=10, clock=lambda: now[0])
    assert [limiter.admit("rest:a") for _ in range(3)] == [None, None, None]
    wait = limiter.admit("rest:a")
    assert wait == pytest.approx(10)
    assert limiter.admit("rest:b") is None, "another conversation has its own count"
    assert limiter.first_refusal("rest:a", wait) and not limiter.first_refusal("rest:a", wait)
    now[0] = 10.5
    assert limiter.admit("rest:a") is None, "the window moved on"


def test_rate_limiter_memory_is_bounded():
    limiter = RateLimiter(1, 60, max_keys=100)
    for n in range(1000):
        limiter.admit(f"rest:{n}")
    assert len(limiter._times) == 100


def test_refusals_name_a_reason_a_status_and_the_emergency_number():
    limits = Limits(max_messages=2, window_seconds=60)
    assert limits.refusal("rest:a", "x" * 20_000) is None, "20,000 characters are still read"
    too_long = limits.refusal("rest:a", "x" * 20_001)
    assert (too_long.reason, too_long.status) == ("message_too_long", 413)
    too_many = limits.refusal("rest:a", "hi")
    assert (too_many.reason, too_many.status, too_many.notify) == ("rate_limited", 429, True)
    assert too_many.retry_after >= 1
    assert not limits.refusal("rest:a", "hi").notify, "told once per window"
    for refusal in (too_long, too_many):
        assert "emergency number" in refusal.text


# --- Who may call REST


def request(ip: str, **headers: str) -> SimpleNamespace:
    return SimpleNamespace(ip=ip, headers={name.lower().replace("_", "-"): value for name, value in headers.items()})


@pytest.mark.parametrize(
    "ip, headers, local",
    [
        ("127.0.0.1", {}, True),
        ("::1", {}, True),
        ("::ffff:127.0.0.1", {}, True),
        ("10.0.0.5", {}, False),
        ("203.0.113.9", {}, False),
        ("127.0.0.1", {"x_forwarded_for": "203.0.113.9"}, False),  # a proxy on this machine
        ("127.0.0.1", {"forwarded": "for=203.0.113.9"}, False),
        ("", {}, False),
    ],
)
def test_only_this_machine_counts_as_loopback(ip, headers, local):
    assert from_loopback(request(ip, **headers)) is local


def test_a_set_token_is_always_required_and_compared_whole():
    token = "s3cret-token"
    assert rest_caller_refusal(request("10.0.0.5", authorization=f"Bearer {token}"), token) is None
    assert rest_caller_refusal(request("127.0.0.1", authorization=f"bearer {token}"), token) is None
    for header in ("", "Bearer", f"Bearer {token}x", f"Basic {token}", token):
        refused = rest_caller_refusal(request("127.0.0.1", authorization=header), token)
        assert refused is not None and refused.status == 401, header
    refused = rest_caller_refusal(request("10.0.0.5"), "")
    assert refused.status == 401 and json.loads(refused.body)["reason"] == "unauthorized"
    assert rest_caller_refusal(request("127.0.0.1"), "") is None


# --- Logs


def test_failure_lines_carry_a_reason_a_hashed_id_and_the_place_never_the_message(caplog):
    try:
        {}[MARKER]
    except KeyError as error:
        caught = error
    with caplog.at_level(logging.INFO):
        failure(logging.getLogger("test"), "handler_failed", "telegram:1111111", caught)
    line = caplog.text
    assert "reason=handler_failed" in line and sender_ref("telegram:1111111") in line
    assert "KeyError at tests/security/test_edge_units.py" in line
    assert MARKER not in line and "1111111" not in line
    assert MARKER not in where(caught)


def test_sender_refs_are_stable_and_do_not_contain_the_id():
    assert sender_ref("rest:me") == sender_ref("rest:me") != sender_ref("rest:you")
    assert "me" not in sender_ref("rest:me")[2:]


# --- The edge in front of a channel


class Recorder(OutputChannel):
    """An output channel that records (method, recipient, content)."""

    def __init__(self) -> None:
        self.sent: List[tuple] = []

    @classmethod
    def name(cls) -> str:
        return "recorder"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent.append(("text", recipient_id, text))

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        self.sent.append(("custom", recipient_id, json_message))


def run_edge(texts: List[str], limits: Limits) -> tuple:
    seen: List[str] = []

    async def bot(message: UserMessage) -> None:
        seen.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    handle = Edge("telegram", limits).handler(bot)
    output = Recorder()

    async def send_all() -> None:
        for text in texts:
            await handle(UserMessage(text, output, "telegram:1111111", input_channel="telegram"))

    asyncio.run(send_all())
    return seen, output.sent


def test_replies_go_to_the_platform_id_and_refusals_come_before_the_bot():
    seen, sent = run_edge(["hi", "x" * 20_001, "again", "more", "and more"], Limits(3, 60))
    assert seen == ["hi", "again"], "the long message and those over the rate never reach the bot"
    assert {recipient for _, recipient, _ in sent} == {"1111111"}, "Telegram's chat id, not telegram:..."
    texts = [content for kind, _, content in sent if kind == "text"]
    assert sum("too long" in text for text in texts) == 1
    assert sum("faster than I can answer" in text for text in texts) == 1, "one notice per window"


def test_a_red_flag_value_from_a_client_is_ignored_not_an_error():
    seen, _ = run_edge([f'/inform{{"red_flag": "{MARKER}"}}'], Limits(20, 10))
    assert seen == ["/inform"]


def test_to_platform_readdresses_every_kind_of_message():
    recorder = Recorder()
    output = ToPlatform(recorder, "slack:T1:U2")

    async def send() -> None:
        await output.send_text_message("slack:T1:U2", "hello")
        await output.send_custom_json("slack:T1:U2", {"triage": {}})
        await output.send_text_message("someone-else", "as is")

    asyncio.run(send())
    assert [recipient for _, recipient, _ in recorder.sent] == ["U2", "U2", "someone-else"]
    assert output.name() == "recorder", "response variations still see the real channel"


# --- The tracker store


def events(*turns: tuple) -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    result = [ActionExecuted("action_listen")]
    for said, custom in turns:
        result += [UserUttered(said), BotUttered("reply", data={"custom": custom} if custom else {}),
                   ActionExecuted("action_listen")]
    return result


def test_the_erase_payload_deletes_the_conversation_instead_of_saving_the_turn(tmp_path):
    from rasa.shared.core.trackers import DialogueStateTracker

    from stores.tracker_store import SafeSQLTrackerStore, erase_requested

    db = tmp_path / "private" / "conversations.db"
    store = SafeSQLTrackerStore(dialect="sqlite", db=str(db))
    keep = DialogueStateTracker.from_events("rest:keep", events(("hi", None)))
    talk = DialogueStateTracker.from_events("rest:me", events((MARKER, None)))
    asyncio.run(store.save(keep))
    asyncio.run(store.save(talk))
    assert not erase_requested(talk)
    for event in events(("delete my conversation", None), ("yes", {"erase": True}))[1:]:
        talk.update(event)
    assert erase_requested(talk)
    asyncio.run(store.save(talk))
    with closing(sqlite3.connect(db)) as connection:
        senders = [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")]
    assert senders == ["rest:keep"], "nothing of the erased conversation, not even the request"
    # While the server still runs: overwritten in the file, and not left in the write-ahead log.
    assert MARKER.encode() not in b"".join(path.read_bytes() for path in db.parent.iterdir())
    store.engine.dispose()


def test_the_sqlite_file_and_its_folder_are_private(tmp_path):
    from stores.tracker_store import SafeSQLTrackerStore

    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "new" / "conversations.db"
        SafeSQLTrackerStore(dialect="sqlite", db=str(fresh)).engine.dispose()
        dedicated = tmp_path / "made-by-run-sh"
        dedicated.mkdir(mode=0o755)  # scripts/run.sh does `mkdir -p` before Rasa starts
        SafeSQLTrackerStore(dialect="sqlite", db=str(dedicated / "conversations.db")).engine.dispose()
        shared = tmp_path / "shared"
        shared.mkdir(mode=0o755)
        (shared / "notes.txt").write_text("someone else's")
        SafeSQLTrackerStore(dialect="sqlite", db=str(shared / "conversations.db")).engine.dispose()
    finally:
        os.umask(old_umask)

    def mode(path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(fresh.parent) == 0o700 and mode(dedicated) == 0o700
    assert mode(shared) == 0o755, "a folder holding other files is left alone"
    for folder in (fresh.parent, dedicated, shared):
        for path in folder.glob("conversations.db*"):
            assert mode(path) == 0o600, path


def test_purge_keeps_recent_conversations(tmp_path):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from stores.tracker_store import SafeSQLTrackerStore

    store = SafeSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "c.db"))
    old = DialogueStateTracker.from_events("rest:old", [UserUttered("hi", timestamp=time.time() - 3 * 86400)])
    new = DialogueStateTracker.from_events("rest:new", [UserUttered("hi")])
    asyncio.run(store.save(old))
    asyncio.run(store.save(new))
    assert store.purge(days=2) == (1, 1)
    with closing(sqlite3.connect(tmp_path / "c.db")) as connection:
        assert [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")] == ["rest:new"]


def test_a_session_signed_before_a_restart_is_kept_when_the_secret_is_the_same():
    from channels.session_ids import SessionSigner

    before_restart = SessionSigner(b"SOCKET_SESSION_SECRET from .env").issue()
    assert SessionSigner(b"SOCKET_SESSION_SECRET from .env").valid(before_restart)
    assert not SessionSigner(b"a random key of the next process").valid(before_restart)
