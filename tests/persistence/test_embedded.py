"""The embedded default (`make run`): conversations in a SQLite file.

One set of servers (scripts/run.sh, like `make run`) for the module, crashed
and started again on the same file. The last test reads every line the servers
logged during the module for the text the tests sent.
"""
from __future__ import annotations

import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.replies import CHECK_IN_OPENER
import requests

from tests.persistence.check_in import (
    CALF_CHECK_IN,
    assert_calf_assessment,
    is_apology,
    new_sender,
    run_steps,
    texts,
)
from tests.servers import ROOT, AssistantServers

pytestmark = pytest.mark.slow

# Unusual words that must never reach a log line (see the last test).
MARKER = f"quokka{uuid.uuid4().hex[:8]}"
FAILED_MARKER = f"wombat{uuid.uuid4().hex[:8]}"


class Embedded:
    """The module's servers; ``restart_after_crash`` keeps the SQLite file."""

    def __init__(self, workdir: Path, model: Path) -> None:
        self.workdir = workdir
        self.model = model
        self.servers = AssistantServers(workdir, env={"MODEL": str(model)}).start()

    @property
    def db_path(self) -> Path:
        return self.servers.db_path

    def restart_after_crash(self) -> None:
        self.servers.kill()
        self.servers = AssistantServers(self.workdir, env={"MODEL": str(self.model)}).start()

    def send(self, sender: str, text: str) -> list:
        return self.servers.send(sender, text)

    def rows(self, sql: str, *params) -> list:
        with sqlite3.connect(self.db_path) as connection:
            return connection.execute(sql, params).fetchall()

    def user_texts(self, sender: str) -> list:
        return [
            row[0]
            for row in self.rows(
                "SELECT json_extract(data, '$.text') FROM events "
                "WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                f"rest:{sender}",  # REST conversations are stored under rest:<sender>
            )
        ]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, stable_model: Path) -> Embedded:
    running = Embedded(tmp_path_factory.mktemp("embedded"), stable_model)
    yield running
    running.servers.stop()


def test_a_crash_mid_check_in_loses_nothing(embedded):
    sender = new_sender()
    run_steps(lambda _, text: embedded.send(sender, text), CALF_CHECK_IN[:4])

    embedded.restart_after_crash()

    reply = run_steps(lambda _, text: embedded.send(sender, text), CALF_CHECK_IN[4:], first=4)
    assert_calf_assessment(reply)
    assert embedded.user_texts(sender) == [text for text, _ in CALF_CHECK_IN]


def test_a_locked_database_gets_the_apology_quickly_and_the_conversation_resumes(embedded):
    sender = new_sender()
    run_steps(lambda _, text: embedded.send(sender, text), CALF_CHECK_IN[:2])
    stored_before = embedded.user_texts(sender)

    # Another process holds the SQLite file's write lock: with the write-ahead
    # log the server can still read, but cannot save the turn.
    blocker = sqlite3.connect(embedded.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        reply = embedded.send(sender, f"it hurts a bit {FAILED_MARKER}")
        waited = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert is_apology(reply), texts(reply)
    assert waited < 20, f"answered only after {waited:.1f}s"
    assert embedded.user_texts(sender) == stored_before, "nothing of the failed turn is stored"
    # Back to normal: the question that was open is still open.
    run_steps(lambda _, text: embedded.send(sender, text), CALF_CHECK_IN[2:4], first=2)


def test_make_forget_erases_one_running_conversation_and_nothing_else(embedded):
    forgotten, kept = new_sender("forget"), new_sender("keep")
    for sender in (forgotten, kept):
        embedded.send(sender, "hello")
        embedded.send(sender, "what is a muscle twitch?")
    kept_events = embedded.rows("SELECT id, data FROM events WHERE sender_id = ? ORDER BY id", f"rest:{kept}")

    result = subprocess.run(
        ["make", "-s", "forget", f"SENDER=rest:{forgotten}", f"TRACKER_SQLITE_PATH={embedded.db_path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "events" in result.stdout
    assert embedded.rows("SELECT COUNT(*) FROM events WHERE sender_id = ?", f"rest:{forgotten}") == [(0,)]
    assert embedded.rows("SELECT id, data FROM events WHERE sender_id = ? ORDER BY id", f"rest:{kept}") == kept_events
    # The server kept no copy: the person starts afresh.
    reply = embedded.send(forgotten, "hello")
    assert "not a doctor" in texts(reply)
    assert embedded.user_texts(forgotten) == ["hello"]


def test_no_message_text_or_slot_value_reaches_the_logs(embedded):
    sender = new_sender()
    embedded.send(sender, f"what is a muscle twitch {MARKER}?")
    # A free-text answer of the check-in becomes a slot value.
    embedded.send(sender, CHECK_IN_OPENER)
    embedded.send(sender, f"{MARKER} minutes")
    # Refused input (400) and a message the length guard cuts short.
    requests.post(embedded.servers.rest_url, json={"sender": sender, "message": MARKER, "metadata": 1}, timeout=30)
    embedded.send(sender, f"{MARKER} " + "cramp " * 3000)  # under the 20,000-character limit

    stored = embedded.rows("SELECT COUNT(*) FROM events WHERE data LIKE ?", f"%{MARKER}%")[0][0]
    assert stored > 0, "the marker was processed and stored, so its absence from the log means something"
    log = embedded.servers.log_path.read_text(errors="replace")
    assert "Rasa server is up and running" in log
    for word in (MARKER, FAILED_MARKER):
        leaked = [line for line in log.splitlines() if word in line]
        assert not leaked, f"message text in the server log: {leaked[:3]}"
