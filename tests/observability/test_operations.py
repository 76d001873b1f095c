"""Metrics, readiness and JSON logs on real servers, started as the images start them.

The Rasa server (``python -m observability.run_rasa run ...``, which is ``rasa
run`` with JSON logs from the first line) and the action server
(``scripts/action_server.py``) run on their own, without the supervisor, with
``LOG_FORMAT=json``, as in ``docker/`` and compose.yaml, so a test can stop and
start the action server and read each server's output whole:

- ``GET /metrics`` moves after messages (messages, turns, a check-in started,
  finished and abandoned, triage replies by level and reason, an unsure reply,
  action-server calls and their errors) and never holds the marker text a
  person sent nor their sender id;
- ``GET /health/ready`` is 200 with all four parts ok, 503 naming
  ``action_server`` while it is stopped and ``tracker_store`` while the SQLite
  file is not at its path, and 200 again when each is back; ``GET /`` (the
  liveness check) stays 200 throughout;
- every line both servers wrote is a JSON object, and none holds the marker.

PostgreSQL and Redis: tests/persistence/test_readiness.py.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from tests.persistence.check_in import CALF_CHECK_IN, run_steps
from tests.replies import CHECK_IN_OPENER, custom, texts
from tests.security.helpers import marker
from tests.servers import CHANNEL_VARIABLES, MODEL, ROOT, OneServer, answers, free_port, wait_until

pytestmark = pytest.mark.slow

PYTHON = str(ROOT / ".venv" / "bin" / "python")
METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def parse_metrics(text: str) -> Dict[str, float]:
    """``{'assistant_messages_total{channel="rest"}': 3.0, ...}``."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = METRIC_LINE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


class ContainerLikeServers:
    """The two servers as the images run them, on free ports with their own SQLite file."""

    def __init__(self, workdir: Path) -> None:
        self.rasa_port, self.action_port = free_port(), free_port()
        self.folder = workdir / "var"
        self.db_path = self.folder / "conversations.db"
        env = dict(os.environ)
        env.update({name: "" for name in CHANNEL_VARIABLES})
        env.update(
            ACTION_SERVER_URL=f"http://localhost:{self.action_port}/webhook",
            TRACKER_SQLITE_PATH=str(self.db_path), LOG_FORMAT="json",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1",
            READINESS_CACHE_SECONDS="0",
        )
        self.rasa = OneServer("rasa", [
            PYTHON, "-m", "observability.run_rasa", "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
            "--credentials", "credentials.yml", "--port", str(self.rasa_port), "--interface", "127.0.0.1",
        ], env, workdir / "rasa.log")
        self.actions = OneServer("actions", [
            PYTHON, "scripts/action_server.py", "--host", "127.0.0.1", "--port", str(self.action_port),
        ], env, workdir / "actions.log")

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def start(self) -> "ContainerLikeServers":
        self.actions.start()
        self.rasa.start()
        self.actions.wait_until_answering(f"http://localhost:{self.action_port}/health", 120)
        self.rasa.wait_until_answering(f"{self.base_url}/", 300)
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def send(self, sender: str, message: str) -> List[dict]:
        reply = requests.post(f"{self.base_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def metrics(self) -> Dict[str, float]:
        response = requests.get(f"{self.base_url}/metrics", timeout=10)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain"), response.headers
        return parse_metrics(response.text)

    def ready(self):
        response = requests.get(f"{self.base_url}/health/ready", timeout=10)
        return response.status_code, response.json()


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    servers = ContainerLikeServers(tmp_path_factory.mktemp("ops")).start()
    yield servers
    servers.stop()


def delta(after: Dict[str, float], before: Dict[str, float], key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_move_after_messages_and_hold_no_text_or_sender(ops):
    said = marker()
    sender = "person-" + marker()
    before = ops.metrics()

    assert ops.send(sender, f"hi {said}")
    run_steps(lambda _n, text: ops.send(sender, text), CALF_CHECK_IN)  # finished
    ops.send(sender, CHECK_IN_OPENER)  # started again ...
    assert "stopped" in texts(ops.send(sender, "stop")).lower()  # ... and abandoned
    emergency = ops.send(sender, f"I can't breathe and my chest hurts {said}")
    assert custom(emergency, "triage")["level"] == "emergency"
    ops.send(sender, "purple elephant lorem ipsum")  # not understood: the unsure reply

    response = requests.get(f"{ops.base_url}/metrics", timeout=10)
    after = parse_metrics(response.text)
    assert delta(after, before, 'assistant_messages_total{channel="rest"}') >= 15
    assert delta(after, before, 'assistant_turn_seconds_count{channel="rest"}') >= 15
    assert delta(after, before, 'assistant_check_ins_total{outcome="started"}') == 2
    assert delta(after, before, 'assistant_check_ins_total{outcome="finished"}') == 1
    assert delta(after, before, 'assistant_check_ins_total{outcome="abandoned"}') == 1
    for reason in ("breathing_difficulty", "chest_pain"):
        assert delta(after, before, f'assistant_triage_replies_total{{level="emergency",reason="{reason}"}}') == 1
    assert delta(after, before, 'assistant_triage_replies_total{level="self_care",reason="none"}') >= 1
    assert delta(after, before, 'assistant_fallbacks_total{kind="nlu"}') >= 1
    calls = 'assistant_action_server_seconds_count{action="validate_symptom_check_form"}'
    assert delta(after, before, calls) >= 9
    assert delta(after, before, 'assistant_action_server_seconds_count{action="action_assess_symptoms"}') == 1
    assert said not in response.text and sender not in response.text
    assert "person-" not in response.text and "zebra" not in response.text


def test_action_server_errors_are_counted_and_make_the_server_not_ready(ops):
    status, body = ops.ready()
    assert status == 200, body
    assert body == {"status": "ready", "model": "ok", "tracker_store": "ok", "lock_store": "ok",
                    "action_server": "ok"}
    before = ops.metrics()
    ops.actions.stop()
    try:
        status, body = ops.ready()
        assert status == 503, body
        assert body["status"] == "not_ready" and body["action_server"] == "unreachable", body
        assert body["model"] == body["tracker_store"] == body["lock_store"] == "ok", body
        assert answers(f"{ops.base_url}/"), "GET / is the liveness check: it stays 200"
        ops.send("person-" + marker(), CHECK_IN_OPENER)  # needs the action server
        after = ops.metrics()
        errors = sum(value - before.get(key, 0.0) for key, value in after.items()
                     if key.startswith("assistant_action_server_errors_total") and 'kind="unreachable"' in key)
        assert errors >= 1, {k: v for k, v in after.items() if "errors" in k}
    finally:
        ops.actions.start()
    wait_until(lambda: ops.ready()[0] == 200, 120, "ready again after the action server is back")
    assert ops.ready()[1]["action_server"] == "ok"


def test_not_ready_while_the_sqlite_file_is_not_at_its_path(ops):
    assert ops.ready()[0] == 200
    moved = ops.folder.with_name("var-moved")
    ops.folder.rename(moved)
    try:
        status, body = ops.ready()
        assert status == 503, body
        assert body["tracker_store"] == "unreachable" and body["action_server"] == "ok", body
        assert str(ops.db_path) not in json.dumps(body)
        assert answers(f"{ops.base_url}/")
    finally:
        moved.rename(ops.folder)
    status, body = ops.ready()
    assert status == 200, body


def test_every_log_line_is_a_json_object_without_personal_text(ops):
    said = marker()
    sender = "person-" + marker()
    ops.send(sender, f"my calf cramps at night, {said}")
    ops.send(sender, f"/inform{{{said}")  # a payload Rasa cannot read: it would quote it
    requests.post(f"{ops.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": said * 2000},
                  timeout=30)  # refused as too long
    time.sleep(1)
    for server in (ops.rasa, ops.actions):
        lines = server.log.read_text(errors="replace").splitlines()
        assert len(lines) > 10, f"{server.name} wrote {len(lines)} lines"
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                raise AssertionError(f"{server.name} line {number} is not JSON: {line[:300]!r}") from None
            assert isinstance(entry, dict) and {"time", "level", "logger", "message"} <= set(entry), line
        text = "\n".join(lines)
        assert said not in text and sender not in text, [line for line in lines if said in line or sender in line]
    rasa_lines = ops.rasa.log.read_text()
    assert "reason=message_too_long channel=rest" in rasa_lines
    assert '"logger": "rasa.core.processor"' in rasa_lines  # Rasa's own lines are JSON too
