"""make run listens on loopback only; the action server answers only calls with its token.

Real servers: scripts/run.sh on free ports (devtools/servers.py), and the action server
launcher (scripts/action_server.py) on its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.replies import CHECK_IN_OPENER, texts
from tests.servers import ROOT, AssistantServers, free_port

pytestmark = pytest.mark.slow


def listening_addresses(port: int):
    """The local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_make_run_listens_on_loopback_only(servers):
    for port in (servers.rasa_port, servers.action_port):
        addresses = listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert addresses <= {"0100007F", "00000000000000000000000001000000"}, (port, addresses)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    port = free_port()
    env = dict(os.environ, ACTION_SERVER_TOKEN="test-action-token-0000")
    log = open(tmp_path_factory.mktemp("actions") / "actions.log", "wb")
    process = subprocess.Popen([sys.executable, "scripts/action_server.py", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=20)


CALL = {"next_action": "action_assess_symptoms", "sender_id": "x", "version": "3.6.2",
        "tracker": {"sender_id": "x", "slots": {}, "latest_message": {}, "events": [],
                    "paused": False, "followup_action": None, "active_loop": {},
                    "latest_action_name": None},
        "domain": {}}


def test_the_action_server_refuses_calls_without_its_token(action_server):
    assert requests.post(f"{action_server}/webhook", json=CALL, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-it"}
    assert requests.post(f"{action_server}/webhook", json=CALL, headers=wrong, timeout=10).status_code == 401
    right = {"Authorization": "Bearer test-action-token-0000"}
    assert requests.post(f"{action_server}/webhook", json=CALL, headers=right, timeout=10).status_code != 401
    assert requests.get(f"{action_server}/health", timeout=10).ok, "health needs no token"


def test_the_action_server_will_not_listen_beyond_loopback_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    done = subprocess.run([sys.executable, "scripts/action_server.py", "--host", "0.0.0.0",
                           "--port", str(free_port())], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ACTION_SERVER_TOKEN" in done.stderr


def test_the_rasa_server_sends_the_token_so_a_check_in_works(tmp_path):
    group = AssistantServers(tmp_path, env={"ACTION_SERVER_TOKEN": "run-token-1234"})
    group.start()
    try:
        sender = f"test-{uuid.uuid4().hex[:8]}"
        group.send(sender, CHECK_IN_OPENER)
        reply = texts(group.send(sender, "a few minutes"))
        assert "Does it hurt?" in reply, reply  # the action server accepted the call
    finally:
        group.stop()
