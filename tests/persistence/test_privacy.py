"""`make forget` and `make purge` (scripts/privacy.py) remove exactly what they
should and nothing else, on SQLite (endpoints.yml) and PostgreSQL
(endpoints.scale.yml). The conversations are written by Rasa's own SQL tracker
store, with timestamps in the past; no server runs here. Conversation ids
carry their channel (``rest:alice``); ids from before that (``alice``) are
still erased by their literal id. The server's own hourly purge and the erase
in the chat are tested in tests/security/.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow

DAY = 24 * 3600

# sender id -> how many days ago each of its sessions happened
CONVERSATIONS: Dict[str, List[float]] = {
    "alice": [100, 2],            # two sessions: forget takes both
    "alice2": [1],                # ids that merely look alike stay
    "ALICE": [1],
    "a%": [1],
    "o'brien": [1],
    "old": [40],                  # idle 40 days: purged at 30
    "just-outside": [31],
    "just-inside": [29],          # idle 29 days: kept
    "long-running": [60, 1],      # started 60 days ago, active yesterday: kept whole
    # Ids that carry their channel (channels/conversation_ids.py): the same
    # "alice" on two channels is two conversations.
    "rest:alice": [1],
    "socketio:alice": [1],
    "telegram:1111111": [1],
    "slack:T123ABC456:U2147483697": [1],
}


def events_for(sender: str, days_ago: List[float]) -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    events = []
    for days in days_ago:
        at = time.time() - days * DAY
        events += [
            ActionExecuted("action_session_start", timestamp=at),
            SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
            UserUttered(f"my calf cramps, says {sender} {days}", timestamp=at + 1),
            BotUttered("How long does one episode last?", timestamp=at + 2),
            ActionExecuted("action_listen", timestamp=at + 3),
        ]
    return events


def store_conversations(**store_settings) -> None:
    """Write CONVERSATIONS with the tracker store the servers use."""
    from rasa.shared.core.trackers import DialogueStateTracker

    from stores.tracker_store import SafeSQLTrackerStore

    store = SafeSQLTrackerStore(**store_settings)
    for sender, days_ago in CONVERSATIONS.items():
        tracker = DialogueStateTracker.from_events(sender, events_for(sender, days_ago))
        asyncio.run(store.save(tracker))
    store.engine.dispose()


class Target:
    """One tracker store and how to run the commands against it."""

    def __init__(self, endpoints: str, env: Dict[str, str], count) -> None:
        self.endpoints = endpoints
        self.env = env
        self.count = count  # count(sql, *params) -> int

    def privacy(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "scripts/privacy.py", "--endpoints", self.endpoints, *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )

    def make(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-s", *args, f"ENDPOINTS={self.endpoints}"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )

    def senders(self) -> Dict[str, int]:
        return {sender: self.count("SELECT COUNT(*) FROM events WHERE sender_id = ?", sender) for sender in CONVERSATIONS}


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Target:
    import sqlite3

    db = tmp_path / "conversations.db"
    store_conversations(dialect="sqlite", db=str(db))

    def count(sql: str, *params) -> int:
        with sqlite3.connect(db) as connection:
            return connection.execute(sql, params).fetchone()[0]

    env = dict(os.environ, TRACKER_SQLITE_PATH=str(db), ACTION_SERVER_URL="http://localhost:1/webhook")
    target = Target("endpoints.yml", env, count)
    target.db_path = db
    return target


@pytest.fixture
def postgres_target(postgres, own_redis) -> Target:
    with postgres.scratch_database("privacy") as database:
        from tests.persistence.services import PG_ADMIN_DATABASE, PG_HOST, PG_PASSWORD, PG_PORT, PG_USER

        store_conversations(
            dialect="postgresql", host=PG_HOST, port=PG_PORT, username=PG_USER,
            password=PG_PASSWORD or None, db=database,
        )

        def count(sql: str, *params) -> int:
            return postgres.query(database, sql.replace("?", "%s"), *params)[0][0]

        env = dict(
            os.environ, ACTION_SERVER_URL="http://localhost:1/webhook",
            DB_HOST=PG_HOST, DB_PORT=str(PG_PORT), DB_USER=PG_USER, DB_PASSWORD=PG_PASSWORD,
            DB_DATABASE=database, DB_LOGIN_DATABASE=PG_ADMIN_DATABASE, DB_SSLMODE="prefer",
            REDIS_HOST="127.0.0.1", REDIS_PORT=str(own_redis.port), REDIS_PASSWORD="",
            REDIS_DB="0", REDIS_KEY_PREFIX="privacytest",
        )
        yield Target("endpoints.scale.yml", env, count)


@pytest.fixture(params=["sqlite", "postgres"])
def target(request) -> Target:
    return request.getfixturevalue(f"{request.param}_target")


def test_forget_erases_every_session_of_one_sender_and_nothing_else(target):
    before = target.senders()
    result = target.privacy("forget", "--", "alice")
    assert result.returncode == 0, result.stderr
    assert "12 events" in result.stdout
    assert target.senders() == {**before, "alice": 0}


@pytest.mark.parametrize("sender", ["rest:alice", "telegram:1111111", "slack:T123ABC456:U2147483697"])
def test_forget_takes_a_scoped_id_and_erases_that_channel_only(target, sender):
    before = target.senders()
    result = target.privacy("forget", "--", sender)
    assert result.returncode == 0, result.stderr
    assert "6 events" in result.stdout
    assert target.senders() == {**before, sender: 0}, "alice on the other channels stays"


def test_forget_of_a_bare_id_with_nothing_stored_says_how_ids_look(target):
    result = target.privacy("forget", "--", "1111111")
    assert result.returncode == 0 and "0 events" in result.stdout
    assert "telegram:<chat>" in result.stderr


@pytest.mark.parametrize("sender", ["a%", "o'brien"])
def test_forget_takes_the_sender_id_literally(target, sender):
    before = target.senders()
    assert target.privacy("forget", "--", sender).returncode == 0
    assert target.senders() == {**before, sender: 0}


def test_forget_of_an_unknown_sender_changes_nothing(target):
    before = target.senders()
    result = target.privacy("forget", "--", "nobody")
    assert result.returncode == 0 and "0 events" in result.stdout
    assert target.senders() == before


def test_purge_deletes_whole_conversations_idle_longer_than_the_retention(target):
    before = target.senders()
    dry = target.privacy("purge", "--days", "30", "--dry-run")
    assert "Would delete 2 conversations (12 events)" in dry.stdout, dry.stdout + dry.stderr
    assert target.senders() == before

    result = target.make("purge", "DAYS=30")
    assert result.returncode == 0, result.stderr
    assert "Deleted 2 conversations (12 events)" in result.stdout
    assert target.senders() == {**before, "old": 0, "just-outside": 0}


def documented_retention_days() -> str:
    """RETENTION_DAYS from .env if a developer set one, else the Makefile's 30."""
    env_file = ROOT / ".env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("RETENTION_DAYS="):
                return line.split("=", 1)[1].strip()
    return "30"


def test_purge_defaults_to_the_documented_retention(target):
    days = documented_retention_days()
    env = {name: value for name, value in target.env.items() if name not in ("DAYS", "RETENTION_DAYS")}
    result = subprocess.run(
        ["make", "-s", "purge", f"ENDPOINTS={target.endpoints}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"more than {days} days" in result.stdout
    if days == "30":
        assert "Deleted 2 conversations" in result.stdout


def test_make_forget_needs_a_sender(target):
    result = target.make("forget")
    assert result.returncode != 0
    assert "usage: make forget SENDER=" in result.stderr
    assert sum(target.senders().values()) > 0


def test_erased_text_is_overwritten_in_the_sqlite_file(sqlite_target):
    assert b"says alice 100" in sqlite_target.db_path.read_bytes()
    assert sqlite_target.make("forget", "SENDER=alice").returncode == 0
    raw = sqlite_target.db_path.read_bytes()
    assert b"says alice 100" not in raw and b"says alice 2" not in raw
    assert b"says alice2 1" in raw, "the others' conversations are still there"


def test_forget_waits_for_a_message_being_handled(postgres_target, own_redis):
    """With the Redis lock store, forget holds the conversation's lock: a
    message in progress finishes first and cannot write the conversation back."""
    from stores.lock_store import AtomicRedisLockStore

    locks = AtomicRedisLockStore(host="127.0.0.1", port=own_redis.port, db=0, key_prefix="privacytest")
    ticket = locks.issue_ticket("alice")  # a server is handling alice's message
    forget = subprocess.Popen(
        [sys.executable, "scripts/privacy.py", "--endpoints", "endpoints.scale.yml", "forget", "--", "alice"],
        cwd=ROOT, env=postgres_target.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(4)
        assert forget.poll() is None, "forget waits while the conversation is locked"
        assert postgres_target.senders()["alice"] == 12
    finally:
        locks.cleanup("alice", ticket)  # the message is done
    out, err = forget.communicate(timeout=60)
    assert forget.returncode == 0, err
    assert postgres_target.senders()["alice"] == 0
