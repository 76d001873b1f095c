"""The scale-out profile (`make run-scale`): two Rasa servers and one action
server sharing PostgreSQL (tracker store) and Redis (lock store).

One scripts/run_scale.sh for the module, on free ports, against a throwaway
database (created by Rasa itself, as on a first start) and a Redis of the
module's own. Tests run in file order: the faults come last, then a crash of
everything, the action server going down, the log check, and a clean stop.
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import pytest
import redis
import requests

from tests.persistence.check_in import (
    CALF_CHECK_IN,
    assert_calf_assessment,
    custom,
    is_apology,
    new_sender,
    run_steps,
    texts,
)
from tests.persistence.services import ScaleOut

pytestmark = pytest.mark.slow

MARKER = f"numbat{uuid.uuid4().hex[:8]}"  # must never reach a log line


@pytest.fixture(scope="module")
def database(postgres):
    # Not created here: run_scale.sh's servers create it (DB_LOGIN_DATABASE).
    name = f"persistence_{uuid.uuid4().hex[:10]}"
    yield name
    postgres.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres, database, own_redis, stable_model) -> ScaleOut:
    stack = ScaleOut(tmp_path_factory.mktemp("scale_out"), database, own_redis.port, stable_model)
    yield stack.start()
    stack.kill()


def alternating(cluster: ScaleOut, sender: str):
    """send(step, text) for run_steps: step n goes to server n % 2."""
    return lambda step, text: cluster.send(sender, text, server=step % 2)


def stored_user_texts(postgres, database, sender) -> List[str]:
    return [json.loads(data)["text"] for kind, _, data in postgres.events(database, f"rest:{sender}") if kind == "user"]


def words(text: str) -> List[str]:
    return text.split()


def test_one_conversation_alternating_between_the_servers_stays_coherent(cluster, postgres, database):
    sender = new_sender()
    reply = run_steps(alternating(cluster, sender), CALF_CHECK_IN)
    assert_calf_assessment(reply)
    assert stored_user_texts(postgres, database, sender) == [text for text, _ in CALF_CHECK_IN]


def test_twenty_messages_at_once_are_all_handled_one_after_another(cluster, postgres, database):
    sender = new_sender()
    cluster.send(sender, "hello")
    messages = [f"what is a muscle twitch? {MARKER} {number}" for number in range(20)]

    def post(number: int):
        response = requests.post(
            cluster.urls[number % 2], json={"sender": sender, "message": messages[number]}, timeout=120
        )
        return number, response, time.monotonic()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(post, range(20)))

    for number, response, _ in results:
        assert response.status_code == 200, response.text[:300]
        assert response.json() and not is_apology(response.json()), f"message {number}: {response.text[:300]}"
    events = postgres.events(database, f"rest:{sender}")
    user_texts = [json.loads(data)["text"] for kind, _, data in events if kind == "user"]
    assert sorted(user_texts) == sorted(["hello"] + messages), "every message stored once"
    # One after another: each message found the bot done with the one before.
    last_action = None
    for kind, action, _ in events:
        if kind == "action":
            last_action = action
        elif kind == "user":
            assert last_action == "action_listen", "two messages were handled at the same time"
    # In order: the tracker has them in the order their replies came back.
    replied_at = {messages[number]: at for number, _, at in results}
    times = [replied_at[text] for text in user_texts if text in replied_at]
    assert all(later >= earlier - 0.05 for earlier, later in zip(times, times[1:]))
    # Every reply the person saw is in the tracker, in the same order.
    sent = [
        message.get("text", "")
        for _, response, _ in sorted(results, key=lambda result: result[2])
        for message in response.json()
    ]
    bot_texts, users_seen = [], 0
    for kind, _, data in events:
        users_seen += kind == "user"
        if kind == "bot" and users_seen > 1:  # after the "hello" turn
            bot_texts.append(json.loads(data).get("text") or "")
    assert words(" ".join(bot_texts)) == words(" ".join(sent))


def test_load_fifty_conversations_of_ten_messages_across_both_servers(cluster, postgres, database, capsys):
    # For comparison: one conversation alone on an idle cluster.
    alone, alone_sender = [], new_sender("alone")
    for step, (text, _) in enumerate(CALF_CHECK_IN):
        started = time.monotonic()
        cluster.send(alone_sender, text, server=step % 2)
        alone.append(time.monotonic() - started)

    senders = [new_sender("load") for _ in range(50)]
    latencies: List[float] = []
    errors: List[str] = []
    seen = {sender: [] for sender in senders}

    def converse(index: int) -> None:
        sender = senders[index]
        for step, (text, _) in enumerate(CALF_CHECK_IN):
            started = time.monotonic()
            try:
                response = requests.post(
                    cluster.urls[(index + step) % 2], json={"sender": sender, "message": text}, timeout=120
                )
                reply = response.json() if response.status_code == 200 else None
            except (requests.RequestException, ValueError) as error:
                errors.append(f"{sender} step {step}: {error}")
                return
            latencies.append(time.monotonic() - started)
            if not reply or is_apology(reply):
                errors.append(f"{sender} step {step}: HTTP {response.status_code} {response.text[:200]}")
                return
            seen[sender].append(reply)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(converse, range(50)))
    wall = time.monotonic() - started

    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [0.0] * 19
    with capsys.disabled():
        print(
            f"\n[load] {len(latencies)} messages, 50 conversations x 10, two Rasa servers: "
            f"p50 {statistics.median(latencies):.2f}s, p95 {quantiles[18]:.2f}s, "
            f"max {max(latencies):.2f}s, {len(latencies) / wall:.1f} messages/s, {wall:.0f}s in all; "
            f"one conversation alone: p50 {statistics.median(alone):.2f}s"
        )
    assert not errors, errors[:5]

    rows = postgres.query(
        database,
        "SELECT sender_id, type_name, data FROM events WHERE sender_id = ANY(%s) ORDER BY id",
        [f"rest:{sender}" for sender in senders],
    )
    for sender in senders:
        mine = [(kind, json.loads(data)) for sender_id, kind, data in rows if sender_id == f"rest:{sender}"]
        assert [event["text"] for kind, event in mine if kind == "user"] == [text for text, _ in CALF_CHECK_IN]
        stored_bot = " ".join(event.get("text") or "" for kind, event in mine if kind == "bot")
        replied = " ".join(message.get("text", "") for reply in seen[sender] for message in reply)
        assert words(stored_bot) == words(replied), f"{sender}: a reply is missing from the tracker"
        assert_calf_assessment(seen[sender][-1])


def test_dropped_database_connections_are_replaced_without_a_hitch(cluster, postgres, database):
    sender = new_sender()
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[:3])

    assert postgres.drop_connections(database) >= 2, "both servers held pooled connections"

    run_steps(alternating(cluster, sender), CALF_CHECK_IN[3:6], first=3)
    assert stored_user_texts(postgres, database, sender) == [text for text, _ in CALF_CHECK_IN[:6]]


def test_database_down_gets_the_apology_quickly_and_the_conversation_resumes(cluster, postgres, database):
    sender = new_sender()
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[:2])

    postgres.set_available(database, False)
    try:
        replies, waited = [], []
        for server in (0, 1):
            started = time.monotonic()
            replies.append(cluster.send(sender, f"it hurts a bit {MARKER}", server=server, timeout=60))
            waited.append(time.monotonic() - started)
    finally:
        postgres.set_available(database, True)

    assert all(is_apology(reply) for reply in replies), [texts(reply) for reply in replies]
    assert max(waited) < 15, f"answers took {waited}"
    # Nothing of the failed turns is stored; the open question is still open.
    assert stored_user_texts(postgres, database, sender) == [text for text, _ in CALF_CHECK_IN[:2]]
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[2:4], first=2)


def test_redis_restart_gets_the_apology_then_everything_works_again(cluster, postgres, database, own_redis):
    sender = new_sender()
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[:2])

    own_redis.stop()
    try:
        started = time.monotonic()
        reply = cluster.send(sender, f"it hurts a bit {MARKER}", server=1, timeout=60)
        waited = time.monotonic() - started
    finally:
        own_redis.start()

    assert is_apology(reply), texts(reply)
    assert waited < 15
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[2:5], first=2)
    assert stored_user_texts(postgres, database, sender) == [text for text, _ in CALF_CHECK_IN[:5]]
    locks = redis.Redis(port=own_redis.port).keys("persistencetest:lock:*")
    assert locks == [], "every lock was released"


def test_a_crash_of_every_server_mid_check_in_loses_nothing(cluster, postgres, database):
    sender = new_sender()
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[:4])

    cluster.kill()  # SIGKILL to run_scale.sh and all its servers
    cluster.start()

    reply = run_steps(alternating(cluster, sender), CALF_CHECK_IN[4:], first=4)
    assert_calf_assessment(reply)
    assert stored_user_texts(postgres, database, sender) == [text for text, _ in CALF_CHECK_IN]


def test_action_server_down_gets_the_apology_and_red_flags_still_get_emergency_advice(cluster):
    sender = new_sender()
    run_steps(alternating(cluster, sender), CALF_CHECK_IN[:3])

    os.kill(cluster.pid_listening_on(cluster.action_port), signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://localhost:{cluster.action_port}/health", timeout=1)
            time.sleep(0.2)
        except requests.RequestException:
            break

    reply = cluster.send(sender, "yes", server=0)
    assert is_apology(reply), texts(reply)
    reply = cluster.send(sender, "now I have chest pain and I can't breathe", server=1)
    assert "emergency number" in reply[0]["text"], "the emergency advice comes first"
    assert custom(reply, "triage")["level"] == "emergency"
    time.sleep(1)
    assert "the other servers go on" in cluster.log_tail()
    assert all(
        cluster.pid_listening_on(port) for port in cluster.rasa_ports
    ), "both Rasa servers kept running"


def test_no_message_text_reaches_the_logs(cluster, postgres, database):
    stored = postgres.query(database, "SELECT COUNT(*) FROM events WHERE data LIKE %s", f"%{MARKER}%")
    assert stored[0][0] >= 20, "the marker was processed and stored"
    log = Path(cluster.log_path).read_text(errors="replace")
    assert "Rasa server is up and running" in log
    leaked = [line for line in log.splitlines() if MARKER in line]
    assert not leaked, f"message text in the logs: {leaked[:3]}"


def test_sigterm_stops_every_server_cleanly(cluster, capsys):
    assert len(cluster.group()) >= 3, "run_scale.sh and its two Rasa servers are running"
    started = time.monotonic()
    cluster.process.send_signal(signal.SIGTERM)  # what Ctrl-C, systemd or docker stop do
    assert cluster.process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while cluster.group() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cluster.group() == {}, "no process of the group is left"
    with capsys.disabled():
        print(f"\n[run_scale] stopped cleanly in {time.monotonic() - started:.1f}s")
    for url in cluster.urls:
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"sender": "x", "message": "hi"}, timeout=5)
