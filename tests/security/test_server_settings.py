"""The REST token, the rate limit, retention and the private SQLite file (items 1, 4, 8, 9).

These need settings of their own, so this module starts its own servers
(scripts/run.sh on free ports): a REST_API_TOKEN, 3 messages per 60 s, a
retention of 0.0002 days (about 17 s) purged every 2 s by the server itself,
and the conversations in a folder of their own (run.sh creates it 0755 before
Rasa starts; the store tightens it). Without a token, the shared servers
refuse a request a proxy forwarded (last test).
"""
from __future__ import annotations

import os
import socket
import stat

import pytest
import requests

from tests.security.helpers import event_count, marker, wait_until
from tests.servers import MODEL, AssistantServers

pytestmark = pytest.mark.slow

TOKEN = "test-token-" + "5" * 20
SETTINGS = {
    "REST_API_TOKEN": TOKEN,
    "RATE_LIMIT_MESSAGES": "3",
    "RATE_LIMIT_SECONDS": "60",
    "RETENTION_DAYS": "0.0002",
    "RETENTION_PURGE_INTERVAL_SECONDS": "2",
    "SOCKET_SESSION_SECRET": "a-fixed-secret-for-this-test",
}


@pytest.fixture(scope="module")
def configured(tmp_path_factory, fake_platforms):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    workdir = tmp_path_factory.mktemp("configured")
    env = {**fake_platforms.channel_env(), **SETTINGS,
           "TRACKER_SQLITE_PATH": str(workdir / "conversations" / "conversations.db")}
    servers = AssistantServers(workdir, env=env)
    servers.db_path = workdir / "conversations" / "conversations.db"
    servers.start()
    yield servers
    servers.stop()


def post(servers, sender: str, message: str, token: str = TOKEN, **headers) -> requests.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(servers.rest_url, json={"sender": sender, "message": message}, headers=headers, timeout=60)


def test_with_a_token_set_every_rest_request_needs_it(configured):
    for token in ("", "wrong", TOKEN + "x"):
        refused = post(configured, marker(), "hi", token=token)
        assert refused.status_code == 401, token
        assert refused.json()["reason"] == "unauthorized"
    assert post(configured, marker(), "hi").status_code == 200
    assert requests.get(f"{configured.base_url}/webhooks/rest/", timeout=10).ok, "health stays open"


def test_too_many_messages_get_429_with_a_reply_that_names_the_emergency_number(configured):
    sender = marker()
    assert [post(configured, sender, "hi").status_code for _ in range(3)] == [200, 200, 200]
    refused = post(configured, sender, "I can't breathe")
    assert refused.status_code == 429
    body = refused.json()
    assert body["reason"] == "rate_limited" and "emergency number" in body["text"]
    assert int(refused.headers["Retry-After"]) >= 1 and body["retry_after_seconds"] >= 1
    assert post(configured, marker(), "hi").status_code == 200, "other conversations go on"


def test_the_server_purges_idle_conversations_by_itself(configured):
    sender = marker()
    assert post(configured, sender, "hi").status_code == 200
    assert event_count(configured.db_path, f"rest:{sender}") > 0
    wait_until(lambda: event_count(configured.db_path, f"rest:{sender}") == 0, timeout=90,
               what="the idle conversation purged by the server")
    assert "reason=retention_purge" in configured.log_path.read_text(errors="replace")


def test_the_conversations_file_and_its_folder_are_private(configured):
    folder = configured.db_path.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_with_a_session_secret_set_no_random_key_is_made(configured):
    assert "SOCKET_SESSION_SECRET is not set" not in configured.log_path.read_text(errors="replace")


def this_machines_address() -> str:
    """A non-loopback address of this machine (no packet is sent), or ""."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only
            address = probe.getsockname()[0]
        except OSError:
            return ""
    return "" if address.startswith("127.") else address


def test_without_a_token_only_this_machine_may_call_rest(servers):
    """The shared servers have no REST_API_TOKEN (like `make run` on a laptop)."""
    if os.environ.get("REST_API_TOKEN"):
        pytest.skip("REST_API_TOKEN is set in this environment")
    assert servers.send(marker(), "hi"), "loopback, no token: answered"
    forwarded = requests.post(
        servers.rest_url, json={"sender": marker(), "message": "hi"},
        headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30,
    )
    assert forwarded.status_code == 401, "a request a proxy forwarded is not from this machine"
    address = this_machines_address()
    if address:
        try:
            remote = requests.post(
                f"http://{address}:{servers.rasa_port}/webhooks/rest/webhook",
                json={"sender": marker(), "message": "hi"}, timeout=30,
            )
        except requests.ConnectionError:
            return  # the server listens on loopback only: nothing to refuse
        assert remote.status_code == 401
