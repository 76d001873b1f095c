"""Faults under `make run` (scripts/run.sh: supervised action server, Rasa
server and chat page; conversations in a SQLite file).

One run.sh for the module, on free ports, its SQLite file in a size-limited
tmpfs (for the disk-full row; a plain folder if mounting is not allowed).
Rows run in file order; each says what the person gets over REST and what is
stored, and leaves every server up for the next (the last stops them).
"""
from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import List

import pytest
import requests

from tests.faults.conftest import (
    SizeLimitedFolder,
    answers,
    in_background,
    refuses,
    row,
    server_pid,
    wait_for,
)
from tests.persistence.check_in import (
    CALF_CHECK_IN,
    assert_calf_assessment,
    custom,
    is_apology,
    new_sender,
    run_steps,
    texts,
)
from tests.servers import AssistantServers

pytestmark = pytest.mark.slow

RED_FLAG = "I can't breathe and my chest hurts"
CHECK_IN = "my calf keeps cramping"
FIRST_QUESTION = "how long does one episode last"


class Stack:
    """run.sh and its SQLite file; helpers to hurt it and to look inside."""

    def __init__(self, workdir: Path, model: Path) -> None:
        self.folder = SizeLimitedFolder(workdir / "db", size="16m")
        self.db_path = self.folder.path / "conversations.db"
        self.servers = AssistantServers(
            workdir, env={"MODEL": str(model), "TRACKER_SQLITE_PATH": str(self.db_path)}
        )
        self.servers.db_path = self.db_path

    @property
    def action_health(self) -> str:
        return f"http://localhost:{self.servers.action_port}/health"

    @property
    def rasa_health(self) -> str:
        return f"{self.servers.base_url}/webhooks/rest/"

    def send(self, sender: str, text: str, timeout: float = 90) -> List[dict]:
        return self.servers.send(sender, text, timeout=timeout)

    def steps(self, sender: str, steps: list, first: int = 0) -> List[dict]:
        return run_steps(lambda _, text: self.send(sender, text), steps, first)

    def pid(self, port: int) -> int:
        return server_pid(self.servers, port)

    def log_mark(self) -> int:
        return self.servers.log_path.stat().st_size

    def log_since(self, mark: int) -> str:
        with open(self.servers.log_path, "rb") as log:
            log.seek(mark)
            return log.read().decode(errors="replace")

    def rows(self, sql: str, *params) -> list:
        connection = sqlite3.connect(self.db_path, timeout=10)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def events(self, sender: str) -> list:
        # REST conversations are stored under rest:<sender>
        return self.rows("SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id",
                         f"rest:{sender}")

    def user_texts(self, sender: str) -> List[str]:
        return [
            text
            for (text,) in self.rows(
                "SELECT json_extract(data, '$.text') FROM events "
                "WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                f"rest:{sender}",
            )
        ]

    def wait_action_server_up(self, mark: int, timeout: float = 90) -> None:
        """Until the supervisor says the restarted action server answers (and it does)."""
        line = f"actions:{self.servers.action_port} is up again"
        wait_for(lambda: line in self.log_since(mark), timeout, f"'{line}' in the log")
        assert answers(self.action_health)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stable_model: Path) -> Stack:
    running = Stack(tmp_path_factory.mktemp("faults_embedded"), stable_model)
    try:
        running.servers.start(timeout=300)
        yield running
    finally:
        running.servers.stop()
        if running.servers.process and running.servers.process.poll() is None:
            running.servers.kill()
        running.folder.unmount()


def result_of(box: dict, timeout: float) -> List[dict]:
    box["thread"].join(timeout)
    assert not box["thread"].is_alive(), f"no answer within {timeout:.0f} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def assert_emergency_advice(reply: List[dict]) -> None:
    assert reply, "silence"
    assert "emergency number" in reply[0]["text"], f"the emergency advice comes first: {texts(reply)[:300]}"
    assert custom(reply, "triage")["level"] == "emergency"


@row("action server stopped (SIGTERM), the issue")
def test_action_server_sigterm_is_restarted_and_the_rasa_server_keeps_answering(stack, note):
    sender = new_sender("sigterm")
    stack.steps(sender, CALF_CHECK_IN[:1])
    mark, port = stack.log_mark(), stack.servers.action_port
    os.kill(stack.pid(port), signal.SIGTERM)
    wait_for(lambda: refuses(port), 30, "the action server to stop")

    started = time.monotonic()
    reply = stack.send(sender, RED_FLAG)
    seconds = time.monotonic() - started
    still_down = refuses(port)

    assert_emergency_advice(reply)
    assert still_down, "the advice came while the action server was down"
    assert stack.servers.process.poll() is None, "run.sh is still running"
    wait_for(lambda: f"actions:{port} exited with code" in stack.log_since(mark), 10, "the supervisor's line")
    stack.wait_action_server_up(mark)
    log = stack.log_since(mark)
    assert "A server stopped" not in log
    assert f"actions:{port} is up again" in log
    assert answers(stack.rasa_health), "the Rasa server never stopped"
    exit_line = next(line for line in log.splitlines() if "exited with code" in line)
    note(f"emergency advice in {seconds:.2f} s while down; {exit_line.split('] ', 1)[-1].split(';')[0]}; restarted")


@row("action server killed (SIGKILL)")
def test_action_server_sigkill_red_flags_still_get_advice_then_check_ins_work_again(stack, note):
    sender, other = new_sender("kill"), new_sender("kill-other")
    stack.steps(sender, CALF_CHECK_IN[:2])
    mark, port = stack.log_mark(), stack.servers.action_port
    killed_at = time.monotonic()
    os.kill(stack.pid(port), signal.SIGKILL)
    wait_for(lambda: refuses(port), 30, "the action server to be gone")

    started = time.monotonic()
    reply = stack.send(sender, RED_FLAG)  # mid check-in, the same turn
    advice_seconds = time.monotonic() - started
    still_down = refuses(port)
    during = stack.send(other, CHECK_IN)  # a check-in needs the action server

    assert_emergency_advice(reply)
    assert still_down, "the advice came while the action server was down"
    assert during and "emergency number" in texts(during), f"not silent, names the number: {during}"
    wait_for(
        lambda: f"actions:{port} exited with code -9 (SIGKILL)" in stack.log_since(mark), 10, "the supervisor's line"
    )
    stack.wait_action_server_up(mark)
    back_after = time.monotonic() - killed_at

    after = stack.send(new_sender("kill-after"), CHECK_IN)
    assert FIRST_QUESTION in texts(after).lower(), texts(after)
    assert stack.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:2]] + [RED_FLAG]
    what = "the apology" if is_apology(during) else repr(texts(during)[:50] + "...")
    note(
        f"emergency advice in {advice_seconds:.2f} s while down; a new check-in meanwhile got {what}; "
        f"back after {back_after:.1f} s, then the check-in works; all answers stored"
    )


@row("action server hung 5 s (SIGSTOP, SIGCONT)")
def test_action_server_hung_briefly_red_flags_answered_and_the_check_in_resumes(stack, note):
    sender, other = new_sender("pause"), new_sender("pause-other")
    stack.steps(sender, CALF_CHECK_IN[:2])
    mark, pid = stack.log_mark(), stack.pid(stack.servers.action_port)

    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        advice = stack.send(other, RED_FLAG, timeout=30)
        advice_seconds = time.monotonic() - started
        answer = in_background(stack.send, sender, CALF_CHECK_IN[2][0])
        time.sleep(5)
    finally:
        os.kill(pid, signal.SIGCONT)
    reply = result_of(answer, 60)

    assert_emergency_advice(advice)
    assert advice_seconds < 10, f"emergency advice took {advice_seconds:.1f} s"
    assert not is_apology(reply) and CALF_CHECK_IN[2][1] in texts(reply), texts(reply)
    stack.steps(sender, CALF_CHECK_IN[3:5], first=3)
    assert stack.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:5]], "no answer lost"
    assert stack.pid(stack.servers.action_port) == pid, "a short pause is not a restart"
    assert "has not answered" not in stack.log_since(mark)
    note(
        f"emergency advice (another person) in {advice_seconds:.2f} s while hung; the answer sent "
        f"while hung got the next question {answer['seconds']:.1f} s later (after SIGCONT); all stored"
    )


@row("action server hung for good (SIGSTOP)")
def test_action_server_hung_for_good_is_killed_and_restarted(stack, note):
    sender = new_sender("hung")
    stack.steps(sender, CALF_CHECK_IN[:2])
    mark, port = stack.log_mark(), stack.servers.action_port
    pid = stack.pid(port)

    os.kill(pid, signal.SIGSTOP)
    try:
        answer = in_background(stack.send, sender, CALF_CHECK_IN[2][0])
        time.sleep(1)
        # The same person, behind their own answer that waits on the hung server.
        advice = in_background(stack.send, sender, RED_FLAG)
        reply = result_of(answer, 60)
        advice_reply = result_of(advice, 60)
        wait_for(lambda: "has not answered" in stack.log_since(mark), 30, "the supervisor's liveness line")
    finally:
        try:
            os.kill(pid, signal.SIGCONT)  # if it is still there, never leave it stopped
        except ProcessLookupError:
            pass

    assert is_apology(reply), f"the answer held by the hung server: {texts(reply)[:300]}"
    assert_emergency_advice(advice_reply)
    assert advice["seconds"] < 35, f"emergency advice took {advice['seconds']:.1f} s"
    wait_for(
        lambda: f"actions:{port} exited with code -9 (SIGKILL)" in stack.log_since(mark), 10, "the supervisor's line"
    )
    stack.wait_action_server_up(mark)
    after = stack.send(new_sender("hung-after"), CHECK_IN)
    assert FIRST_QUESTION in texts(after).lower(), texts(after)
    stored = stack.user_texts(sender)
    assert stored[:2] == [text for text, _ in CALF_CHECK_IN[:2]] and stored[-1] == RED_FLAG, stored
    note(
        f"the answer sent while hung got the apology after {answer['seconds']:.1f} s (supervisor killed it: "
        f"no health answer for 15 s); the same person's red flag behind it got emergency advice after "
        f"{advice['seconds']:.1f} s; restarted; earlier answers kept"
    )


@row("SQLite file locked by another writer")
def test_locked_sqlite_gets_the_apology_nothing_half_written_then_resumes(stack, note):
    sender, newcomer = new_sender("locked"), new_sender("locked-new")
    stack.steps(sender, CALF_CHECK_IN[:2])
    before = stack.events(sender)

    blocker = sqlite3.connect(stack.db_path, isolation_level=None, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        reply = stack.send(sender, CALF_CHECK_IN[2][0])
        seconds = time.monotonic() - started
        first = stack.send(newcomer, "hi")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert is_apology(reply), texts(reply)
    assert is_apology(first), f"a new conversation gets the apology, not a blank reply: {texts(first)[:200]}"
    assert seconds < 20, f"answered after {seconds:.1f} s"
    assert stack.events(sender) == before, "nothing of the failed turn is stored"
    assert stack.events(newcomer) == [], "nothing half-written for the new conversation"
    stack.steps(sender, CALF_CHECK_IN[2:4], first=2)
    assert stack.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:4]]
    note(f"the apology after {seconds:.1f} s (new conversations too); nothing of the turn stored; resumes after release")


@row("disk full (16 MB tmpfs filled)")
def test_disk_full_gets_the_apology_nothing_half_written_then_resumes(stack, note):
    if stack.folder.unavailable:
        pytest.skip(stack.folder.unavailable)
    sender, newcomer = new_sender("full"), new_sender("full-new")
    stack.steps(sender, CALF_CHECK_IN[:2])
    before = stack.events(sender)

    filler = stack.folder.fill()
    try:
        started = time.monotonic()
        reply = stack.send(sender, CALF_CHECK_IN[2][0])
        seconds = time.monotonic() - started
        first = stack.send(newcomer, "hi")
    finally:
        filler.unlink()

    assert is_apology(reply), texts(reply)
    assert is_apology(first), texts(first)[:200]
    assert stack.events(sender) == before, "nothing of the failed turn is stored"
    assert stack.events(newcomer) == []
    assert stack.rows("PRAGMA integrity_check") == [("ok",)]
    stack.steps(sender, CALF_CHECK_IN[2:4], first=2)
    assert stack.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:4]]
    note(f"the apology after {seconds:.2f} s; nothing of the turn stored, file intact; resumes once there is space")


@row("Rasa server restarted mid check-in (SIGKILL)")
def test_rasa_server_killed_mid_check_in_is_restarted_and_the_check_in_continues(stack, note):
    sender = new_sender("rasa")
    stack.steps(sender, CALF_CHECK_IN[:4])
    mark, port = stack.log_mark(), stack.servers.rasa_port
    killed_at = time.monotonic()
    os.kill(stack.pid(port), signal.SIGKILL)
    wait_for(lambda: refuses(port), 30, "the Rasa server to be gone")
    with pytest.raises(requests.ConnectionError):  # one Rasa server: nobody to answer meanwhile
        stack.send(sender, CALF_CHECK_IN[4][0], timeout=10)

    wait_for(lambda: f"rasa:{port} exited with code -9 (SIGKILL)" in stack.log_since(mark), 10, "the supervisor's line")
    wait_for(lambda: answers(stack.rasa_health), 240, "the Rasa server to answer again", every=0.5)
    back_after = time.monotonic() - killed_at

    reply = stack.steps(sender, CALF_CHECK_IN[4:], first=4)
    assert_calf_assessment(reply)
    assert stack.user_texts(sender) == [text for text, _ in CALF_CHECK_IN]
    assert answers(stack.action_health) and answers(stack.servers.web_url), "the other parts were not touched"
    note(
        f"connection refused while it restarts ({back_after:.0f} s to load the model), then the check-in "
        "continues at the next question to the assessment; every answer stored"
    )


@row("SQLite file removed while running")
def test_removed_sqlite_file_goes_unnoticed_until_a_restart_then_conversations_start_afresh(stack, note):
    sender = new_sender("removed")
    stack.steps(sender, CALF_CHECK_IN[:2])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{stack.db_path}{suffix}").unlink(missing_ok=True)

    reply = stack.send(sender, CALF_CHECK_IN[2][0])
    went_on = CALF_CHECK_IN[2][1] in texts(reply)
    assert reply and (went_on or is_apology(reply)), f"never silent: {reply}"
    recreated = stack.db_path.exists()

    # The next restart of the Rasa server (a crash, a deploy) opens the path again.
    mark, port = stack.log_mark(), stack.servers.rasa_port
    os.kill(stack.pid(port), signal.SIGKILL)
    wait_for(lambda: f"rasa:{port} exited with code" in stack.log_since(mark), 30, "the supervisor's line")
    wait_for(lambda: answers(stack.rasa_health), 240, "the Rasa server to answer again", every=0.5)

    after = stack.send(sender, CALF_CHECK_IN[3][0])
    assert after, "never silent"
    fresh = stack.user_texts(sender) == [CALF_CHECK_IN[3][0]]
    continued = CALF_CHECK_IN[3][1] in texts(after)
    assert fresh or is_apology(after), f"a fresh conversation or the apology: {texts(after)[:300]}"
    note(
        ("the server went on with the deleted file (it keeps it open): the next question, no error"
         if went_on else "the apology")
        + ("" if recreated else "; no new file until a restart")
        + "; after a restart the path holds a new empty database and the conversation starts afresh "
        + ("(continued!)" if continued else "(its earlier answers are gone)")
    )


@row("SIGTERM to run.sh (stop)")
def test_sigterm_stops_every_server_and_exits_0(stack, note):
    servers = stack.servers
    assert len(servers.group()) >= 4, "run.sh, the supervisor and three servers"
    started = time.monotonic()
    servers.process.send_signal(signal.SIGTERM)  # what Ctrl-C in `make run`, systemd or docker stop do
    code = servers.process.wait(timeout=60)
    wait_for(lambda: servers.group() == {}, 15, "every process of the group to end")
    seconds = time.monotonic() - started
    assert code == 0
    for port in (servers.rasa_port, servers.action_port, servers.web_port):
        assert refuses(port)
    note(f"exit code 0 after {seconds:.1f} s; no process of the group left, no port open")
