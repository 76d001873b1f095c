"""Web chat sessions the server mints and signs, and only the page's origins (items 2, 3).

A socket.io session id is a bearer token: whoever presents it gets the
session's replies and speaks in its conversation. The server now issues them
signed and gives a new one for any id it did not sign; and python-socketio
refuses sockets from origins outside ``CORS_ORIGIN`` on both transports (Rasa
set ``cors_allowed_origins=[]``, which switches the check off: any web site
could open a socket, browsers apply no CORS to websockets). Against the real
servers; tests/conftest.py sets CORS_ORIGIN to the page's two origins.
"""
from __future__ import annotations

import base64
import os
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.channels.test_socketio import Widget
from tests.security.helpers import marker, senders_ending_with, stored_texts

pytestmark = pytest.mark.slow

EVIL = "http://evil.example"


@pytest.fixture
def open_widget(servers):
    opened = []

    def open_(session_id=None) -> Widget:
        widget = Widget(servers.base_url, session_id)
        opened.append(widget)
        return widget

    yield open_
    for widget in opened:
        widget.close()


def forgeries(victim_id: str) -> list:
    """Ids an intruder can make without having been given one."""
    nonce, _, signature = victim_id.partition(".")
    flipped = signature[:-1] + ("A" if signature[-1:] != "A" else "B")
    return [
        "aaaaaaaaaaaaaaaa",  # guessable
        nonce or victim_id[:-1] + "0",  # the id without its signature
        f"{nonce}.{flipped}" if signature else victim_id.upper(),  # a signature changed
        f"{nonce}.{'A' * 43}" if signature else victim_id + "x",  # made up
    ]


def test_an_intruder_cannot_take_over_a_session_it_was_not_given(open_widget, servers):
    victim = open_widget()
    victim.say("hi")
    victim.collect(until="emergency number")
    (victim_conversation,) = senders_ending_with(servers.db_path, victim.session_id)

    said = marker()
    for forged in forgeries(victim.session_id):
        intruder = open_widget(forged)
        assert intruder.session_id not in (forged, victim.session_id), forged
        intruder.say(f"I can't breathe {said}")
        intruder.collect(until="emergency number")  # answered, in its own new session

    assert victim.quiet(2) == [], "the victim's tab got the intruder's replies"
    assert said not in stored_texts(servers.db_path, victim_conversation)
    # The victim's own id still works, and its conversation carries on.
    victim.close()
    again = open_widget(victim.session_id)
    assert again.session_id == victim.session_id
    again.say("thanks")
    again.collect(until="You're welcome")


def test_two_clients_asking_for_the_same_guessable_id_get_different_new_ones(open_widget):
    first, second = open_widget("aaaaaaaaaaaaaaaa"), open_widget("aaaaaaaaaaaaaaaa")
    assert first.session_id != "aaaaaaaaaaaaaaaa" and second.session_id != "aaaaaaaaaaaaaaaa"
    assert first.session_id != second.session_id


def websocket_upgrade_status(base_url: str, origin: str) -> str:
    """The status line the server answers a websocket upgrade from ``origin`` with."""
    parts = urlsplit(base_url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(request.encode())
        received = b""
        deadline = time.monotonic() + 10
        while b"\r\n" not in received and time.monotonic() < deadline:
            chunk = connection.recv(1024)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0].decode(errors="replace")


def page_origin(servers) -> str:
    return f"http://localhost:{servers.web_port}"


def test_a_websocket_from_another_site_is_refused(servers):
    assert " 101 " in websocket_upgrade_status(servers.base_url, page_origin(servers)) + " ", (
        "the page's own origin upgrades (so the check below means something)"
    )
    status = websocket_upgrade_status(servers.base_url, EVIL)
    assert " 101 " not in status + " " and status.split()[1] in {"400", "403"}, status


def test_polling_from_another_site_is_refused_and_the_page_gets_one_cors_header(servers):
    url = f"{servers.base_url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(url, headers={"Origin": EVIL}, timeout=10)
    assert refused.status_code in (400, 403), refused.status_code
    assert "Access-Control-Allow-Origin" not in refused.headers

    allowed = requests.get(url, headers={"Origin": page_origin(servers)}, timeout=10)
    assert allowed.status_code == 200
    # One header, not two (engine.io's and Rasa's --cors): browsers refuse two.
    assert allowed.headers["Access-Control-Allow-Origin"] == page_origin(servers)


def test_clients_without_an_origin_header_still_connect(open_widget):
    """Python clients (and the tests) send no Origin; only browsers do."""
    widget = open_widget()
    widget.say("hi")
    widget.collect(until="emergency number")


def test_the_random_session_key_is_announced_once(servers):
    log = servers.log_path.read_text(errors="replace")
    if "SOCKET_SESSION_SECRET" in os.environ:
        pytest.skip("SOCKET_SESSION_SECRET is set in this environment")
    assert log.count("SOCKET_SESSION_SECRET is not set") >= 1
    assert "will not survive a restart" in log
