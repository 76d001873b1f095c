"""``GET /health/ready`` of the scale-out profile names PostgreSQL and Redis.

One Rasa server of ``scripts/run_scale.sh`` (and its action server) on a
throwaway database and a Redis of the module's own: ready (200, every part
"ok"); PostgreSQL refusing connections -> 503 with ``tracker_store`` named,
200 again once it takes them; Redis stopped -> 503 with ``lock_store``
named, 200 again once it is back. ``GET /`` (liveness) stays 200 throughout:
restarting the server would not bring its database back.
"""
from __future__ import annotations

import time
from typing import Dict, Tuple

import pytest
import requests

from tests.persistence.services import ScaleOut
from tests.servers import free_port

pytestmark = pytest.mark.slow


class OneRasaServer(ScaleOut):
    """The scale-out profile with one Rasa server; readiness never reused."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rasa_ports = [free_port()]

    def environment(self) -> Dict[str, str]:
        env = super().environment()
        env["READINESS_CACHE_SECONDS"] = "0"
        return env

    def ready(self) -> Tuple[int, dict]:
        response = requests.get(f"http://localhost:{self.rasa_ports[0]}/health/ready", timeout=15)
        return response.status_code, response.json()

    def alive(self) -> bool:
        return requests.get(f"http://localhost:{self.rasa_ports[0]}/", timeout=15).status_code == 200


@pytest.fixture(scope="module")
def database(postgres):
    with postgres.scratch_database("readiness") as name:
        yield name


@pytest.fixture(scope="module")
def server(tmp_path_factory, postgres, database, own_redis, stable_model) -> OneRasaServer:
    stack = OneRasaServer(tmp_path_factory.mktemp("readiness"), database, own_redis.port, stable_model)
    yield stack.start()
    stack.stop()


def wait_for_status(server: OneRasaServer, status: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        code, body = server.ready()
        if code == status:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"readiness stayed {code} {body}, expected {status}")
        time.sleep(0.5)


def test_ready_with_postgresql_and_redis(server):
    code, body = server.ready()
    assert code == 200, body
    assert body == {"status": "ready", "model": "ok", "tracker_store": "ok", "lock_store": "ok",
                    "action_server": "ok"}


def test_not_ready_while_postgresql_refuses_connections(server, postgres, database):
    postgres.set_available(database, False)
    try:
        started = time.monotonic()
        code, body = server.ready()
        seconds = time.monotonic() - started
        assert code == 503, body
        assert body["tracker_store"] == "unreachable", body
        assert body["lock_store"] == body["action_server"] == body["model"] == "ok", body
        assert seconds < 5, f"the check took {seconds:.1f} s (READINESS_TIMEOUT is 2 s)"
        assert server.alive()
    finally:
        postgres.set_available(database, True)
    wait_for_status(server, 200)


def test_not_ready_while_redis_is_down(server, own_redis):
    own_redis.stop()
    try:
        body = wait_for_status(server, 503, timeout=20)
        assert body["lock_store"] == "unreachable", body
        assert body["tracker_store"] == "ok", body
        assert server.alive()
    finally:
        own_redis.start()
    body = wait_for_status(server, 200)
    assert body["lock_store"] == "ok"
