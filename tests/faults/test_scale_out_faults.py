"""Faults under `make run-scale` (scripts/run_scale.sh: two supervised Rasa
servers and one action server on PostgreSQL and Redis).

Everything the rows stop is the module's own: a PostgreSQL cluster made with
initdb in a tmp folder on a free port (the machine's PostgreSQL is never
touched; if the server binaries are missing, the system one is used and the
"PostgreSQL stopped" row skips) and a redis-server on a free port.
"""
from __future__ import annotations

import json
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import redis
import requests

from tests.faults.conftest import PrivatePostgres, answers, in_background, row, wait_for
from tests.persistence.check_in import (
    CALF_CHECK_IN,
    assert_calf_assessment,
    custom,
    is_apology,
    new_sender,
    run_steps,
    texts,
)
from tests.persistence.services import OwnRedis, Postgres, ScaleOut

pytestmark = pytest.mark.slow

RED_FLAG = "I can't breathe and my chest hurts"


class Database:
    """Where the cluster's conversations live: our own PostgreSQL if we can run one."""

    def __init__(self, workdir: Path) -> None:
        self.name = f"faults_{uuid.uuid4().hex[:10]}"
        self.private = PrivatePostgres(workdir)
        self.stoppable = self.private.unavailable is None
        self.why_not = self.private.unavailable
        if self.stoppable:
            self.private.init().start()
            self.port = self.private.port
        else:
            self.system = Postgres()
            if self.system.unavailable:
                pytest.skip(f"no PostgreSQL of our own ({self.why_not}) and {self.system.unavailable}")
            from tests.persistence.services import PG_PORT

            self.port = PG_PORT

    def query(self, sql: str, *params) -> List[tuple]:
        if self.stoppable:
            return self.private.query(self.name, sql, *params)
        return self.system.query(self.name, sql, *params)

    def user_texts(self, sender: str) -> List[str]:
        rows = self.query(
            "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id",
            f"rest:{sender}",
        )
        return [json.loads(data)["text"] for (data,) in rows]

    def close(self) -> None:
        if self.stoppable:
            self.private.destroy()
        else:
            self.system.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Cluster(ScaleOut):
    """run_scale.sh against ``Database`` (Rasa creates the database on first start)."""

    def __init__(self, workdir: Path, database: Database, redis_port: int, model: Path) -> None:
        super().__init__(workdir, database.name, redis_port, model)
        self.db = database

    def environment(self) -> Dict[str, str]:
        env = super().environment()
        if self.db.stoppable:
            env.update(DB_HOST="127.0.0.1", DB_PORT=str(self.db.port), DB_USER="postgres",
                       DB_PASSWORD="", DB_LOGIN_DATABASE="postgres")
        return env

    def log_mark(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, mark: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(mark)
            return log.read().decode(errors="replace")

    def alternating(self, sender: str):
        return lambda step, text: self.send(sender, text, server=step % 2)


@pytest.fixture(scope="module")
def database():
    # Not under pytest's tmp folder: that one is private to root, and the
    # server runs as the postgres user.
    db = Database(Path(tempfile.mkdtemp(prefix="faults-pg-")))
    yield db
    db.close()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory):
    server = OwnRedis(tmp_path_factory.mktemp("faults_redis"))
    if not server.binary:
        pytest.skip("redis-server is not installed; the scale-out rows start their own.")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, database, own_redis, stable_model) -> Cluster:
    stack = Cluster(tmp_path_factory.mktemp("faults_scale"), database, own_redis.port, stable_model)
    try:
        yield stack.start()
    finally:
        stack.stop()
        stack.kill()


@row("scale-out: Redis stopped, then started")
def test_redis_stopped_gets_the_apology_then_everything_works_again(cluster, database, own_redis, note):
    sender = new_sender("redis")
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[:2])

    own_redis.stop()
    try:
        started = time.monotonic()
        reply = cluster.send(sender, CALF_CHECK_IN[2][0], server=1, timeout=60)
        waited = time.monotonic() - started
        red_flag = cluster.send(new_sender("redis-flag"), RED_FLAG, server=0, timeout=60)
    finally:
        own_redis.start()

    assert is_apology(reply), texts(reply)
    assert waited < 15, f"answered after {waited:.1f} s"
    # No lock, no turn: even a red flag gets the apology, which names the emergency number.
    assert red_flag and "emergency number" in texts(red_flag), texts(red_flag)
    assert database.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:2]], "nothing of that turn stored"
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[2:5], first=2)
    assert database.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:5]]
    assert redis.Redis(port=own_redis.port).keys("persistencetest:lock:*") == [], "every lock released"
    flag = "the emergency advice" if custom(red_flag, "triage") else "the apology (it names the emergency number)"
    note(
        f"the apology after {waited:.2f} s; a red flag got {flag}; nothing of the turn stored; "
        "after the restart the check-in goes on, no lock left"
    )


@row("scale-out: PostgreSQL stopped, then started")
def test_postgres_stopped_gets_the_apology_then_the_conversation_resumes(cluster, database, note):
    if not database.stoppable:
        pytest.skip(f"cannot run a PostgreSQL of our own to stop: {database.why_not}")
    sender = new_sender("pg")
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[:2])

    database.private.stop("fast")
    try:
        replies, waited = [], []
        for server in (0, 1):
            started = time.monotonic()
            replies.append(cluster.send(sender, CALF_CHECK_IN[2][0], server=server, timeout=60))
            waited.append(time.monotonic() - started)
        red_flag = cluster.send(new_sender("pg-flag"), RED_FLAG, server=0, timeout=60)
    finally:
        database.private.start()

    assert all(is_apology(reply) for reply in replies), [texts(reply) for reply in replies]
    assert max(waited) < 15, f"answers took {waited}"
    assert red_flag and "emergency number" in texts(red_flag), texts(red_flag)
    assert database.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:2]], "nothing of that turn stored"
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[2:5], first=2)
    assert database.user_texts(sender) == [text for text, _ in CALF_CHECK_IN[:5]]
    flag = "the emergency advice" if custom(red_flag, "triage") else "the apology (it names the emergency number)"
    note(
        f"the apology from both servers in at most {max(waited):.2f} s; a red flag got {flag}; nothing of "
        "the turn stored; once it is back the next message works (dead pooled connections replaced)"
    )


@row("scale-out: one Rasa server killed mid-conversation")
def test_one_rasa_server_killed_the_other_carries_on_and_nothing_is_lost(cluster, database, note):
    sender = new_sender("one-down")
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[:4])
    mark, port = cluster.log_mark(), cluster.rasa_ports[1]
    killed_at = time.monotonic()
    os.kill(cluster.pid_listening_on(port), signal.SIGKILL)

    started = time.monotonic()
    reply = run_steps(lambda _, text: cluster.send(sender, text, server=0), CALF_CHECK_IN[4:], first=4)
    carried_on = time.monotonic() - started
    assert_calf_assessment(reply)
    assert database.user_texts(sender) == [text for text, _ in CALF_CHECK_IN]

    wait_for(lambda: f"rasa:{port} exited with code -9 (SIGKILL)" in cluster.log_since(mark), 10, "the supervisor's line")
    wait_for(lambda: f"rasa:{port} is up again" in cluster.log_since(mark), 240, "the killed server back", every=0.5)
    back_after = time.monotonic() - killed_at
    correction = cluster.send(sender, "actually it's been going on for over a month", server=1)
    assert custom(correction, "triage") == {"level": "routine", "reasons": ["persistent_or_frequent"]}, texts(correction)
    note(
        f"the other server took the remaining 6 messages ({carried_on:.1f} s) to the assessment; every "
        f"answer stored; the killed one was back after {back_after:.0f} s and knew the whole conversation"
    )


@row("scale-out: one Rasa server killed mid-turn")
def test_one_rasa_server_killed_mid_turn_its_lock_holds_the_conversation_until_it_expires(cluster, database, note):
    sender = new_sender("mid-turn")
    run_steps(cluster.alternating(sender), CALF_CHECK_IN[:2])
    mark, port = cluster.log_mark(), cluster.rasa_ports[1]
    actions = cluster.pid_listening_on(cluster.action_port)
    rasa = cluster.pid_listening_on(port)

    # Hold a turn on server 1 (it waits on the paused action server, holding
    # the conversation's lock in Redis), then kill server 1.
    os.kill(actions, signal.SIGSTOP)
    try:
        in_flight = in_background(lambda: cluster.send(sender, CALF_CHECK_IN[2][0], server=1, timeout=60))
        wait_for(lambda: redis_locks(cluster), 10, "the turn to take its lock")
        os.kill(rasa, signal.SIGKILL)
    finally:
        os.kill(actions, signal.SIGCONT)
    in_flight["thread"].join(30)
    assert isinstance(in_flight.get("error"), requests.ConnectionError), "the request in flight fails"

    # The person sends it again, then a red flag, both to the other server.
    again = in_background(lambda: cluster.send(sender, CALF_CHECK_IN[2][0], server=0, timeout=120))
    time.sleep(0.5)
    flag = in_background(lambda: cluster.send(sender, RED_FLAG, server=0, timeout=120))
    again["thread"].join(120)
    flag["thread"].join(120)
    assert CALF_CHECK_IN[2][1] in texts(again["result"]), texts(again["result"])
    assert "emergency number" in flag["result"][0]["text"]
    assert custom(flag["result"], "triage")["level"] == "emergency"
    assert flag["seconds"] < 75, f"the red flag waited {flag['seconds']:.0f} s"
    stored = database.user_texts(sender)
    assert stored == [text for text, _ in CALF_CHECK_IN[:3]] + [RED_FLAG], "the lost turn is not stored; nothing else lost"
    wait_for(lambda: f"rasa:{port} exited with code -9 (SIGKILL)" in cluster.log_since(mark), 10, "the supervisor's line")
    note(
        f"the request in flight failed (connection closed); the dead server's lock kept the conversation "
        f"waiting: the resent answer came after {again['seconds']:.0f} s, the red flag behind it after "
        f"{flag['seconds']:.0f} s (lock lifetime 60 s); then all normal, nothing lost or doubled"
    )


def redis_locks(cluster: Cluster) -> list:
    return redis.Redis(port=cluster.redis_port).keys("persistencetest:lock:*")


@row("SIGINT to run_scale.sh (Ctrl-C)")
def test_sigint_stops_every_server_and_exits_130(cluster, note):
    assert len(cluster.group()) >= 4, "run_scale.sh, the supervisor and three servers"
    started = time.monotonic()
    cluster.process.send_signal(signal.SIGINT)
    code = cluster.process.wait(timeout=60)
    wait_for(lambda: cluster.group() == {}, 15, "every process of the group to end")
    seconds = time.monotonic() - started
    assert code == 130
    for url in cluster.urls:
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"sender": "x", "message": "hi"}, timeout=5)
    assert not answers(f"http://localhost:{cluster.action_port}/health")
    note(f"exit code 130 after {seconds:.1f} s; no process of the group left")
