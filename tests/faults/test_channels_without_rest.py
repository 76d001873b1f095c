"""A failing conversation store, with the REST channel not in credentials.yml.

Rasa wraps the tracker store so that, when the database fails, it goes on with
a blank conversation kept in memory (``stores/tracker_store.py``, point 3).
Every channel of ours must turn that off, not only REST: here the server has
the socket.io, Slack and Telegram channels only, and the web widget's user
must get the apology, never an answer from a blank conversation or a turn
that is silently not kept.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests
import yaml

from tests.channels.test_socketio import Widget
from tests.faults.conftest import row
from tests.persistence.check_in import APOLOGY, CALF_CHECK_IN
from tests.servers import ROOT, AssistantServers

pytestmark = pytest.mark.slow

REST = "channels.rest.SafeRestInput"


class WithoutRest(AssistantServers):
    """scripts/run.sh with a credentials.yml that has every channel but REST."""

    def __init__(self, workdir: Path, model: Path) -> None:
        credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
        credentials.pop(REST)
        path = workdir / "credentials.yml"
        path.write_text(yaml.safe_dump(credentials))
        super().__init__(workdir, env={"MODEL": str(model), "CREDENTIALS": str(path)})

    def _ready(self) -> bool:
        try:
            rest = requests.get(f"{self.base_url}/webhooks/rest/", timeout=2)
            socket = requests.get(f"{self.base_url}/webhooks/socketio/", timeout=2)
            actions = requests.get(f"http://localhost:{self.action_port}/health", timeout=2)
            return rest.status_code == 404 and socket.ok and actions.ok
        except requests.RequestException:
            return False


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, stable_model: Path):
    running = WithoutRest(tmp_path_factory.mktemp("without_rest"), stable_model)
    try:
        running.start(timeout=300)
        yield running
    finally:
        running.stop()


@pytest.fixture
def widget(servers):
    opened = Widget(servers.base_url)
    yield opened
    opened.close()


def texts(messages: List[Dict]) -> List[str]:
    return [m.get("text", "") for m in messages]


def stored_user_texts(servers, widget) -> List[str]:
    with sqlite3.connect(servers.db_path, timeout=10) as connection:
        return [text for (text,) in connection.execute(
            "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = ? AND type_name = 'user' "
            "ORDER BY id", (f"socketio:{widget.session_id}",))]


def start_check_in(widget) -> None:
    opener, question = CALF_CHECK_IN[0]
    widget.say(opener)
    widget.collect(until=question)


def replies_until_the_apology(widget, answer: str) -> List[str]:
    """What the widget shows for ``answer``, up to the apology and 2 s after it."""
    widget.say(answer)
    return texts(widget.collect(until=APOLOGY, timeout=30)) + texts(widget.quiet(2))


@row("conversation table unreadable, socket.io only (no REST channel)")
def test_an_unreadable_store_gets_the_apology_not_a_blank_conversation(servers, widget, note):
    start_check_in(widget)
    answer, next_question = CALF_CHECK_IN[1]
    with sqlite3.connect(servers.db_path, timeout=10) as connection:
        connection.execute("ALTER TABLE events RENAME TO events_away")
    try:
        started = time.monotonic()
        got = replies_until_the_apology(widget, answer)
        seconds = time.monotonic() - started
    finally:
        with sqlite3.connect(servers.db_path, timeout=10) as connection:
            connection.execute("ALTER TABLE events_away RENAME TO events")
    assert got == [APOLOGY], f"the apology only, nothing answered from a blank conversation: {got}"
    # Back: the check-in goes on at the question that was open.
    widget.say(answer)
    widget.collect(until=next_question)
    assert stored_user_texts(servers, widget) == [CALF_CHECK_IN[0][0], answer]
    note(f"the apology only, at once ({seconds:.1f} s, 2 s of it waiting for anything after it); "
         "once readable again, the check-in goes on")


@row("SQLite file locked by another writer, socket.io only (no REST channel)")
def test_a_store_that_cannot_save_gets_the_apology_not_a_lost_turn(servers, widget, note):
    start_check_in(widget)
    answer, next_question = CALF_CHECK_IN[1]
    blocker = sqlite3.connect(servers.db_path, isolation_level=None, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        got = replies_until_the_apology(widget, answer)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # The next question may already be on the page (the widget shows replies as
    # they come); the apology after it says the answer was not kept.
    assert got[-1] == APOLOGY and got.count(APOLOGY) == 1, got
    assert stored_user_texts(servers, widget) == [CALF_CHECK_IN[0][0]], "nothing of the failed turn"
    widget.say(answer)
    widget.collect(until=next_question)
    note(f"{' then '.join('the apology' if text == APOLOGY else repr(text) for text in got)} "
         "(SQLite's 5 s busy timeout); nothing of the turn stored; then the check-in goes on")


@pytest.mark.parametrize("name, title", [("slack", "Slack"), ("telegram", "Telegram")])
def test_a_channel_without_its_secrets_is_off_says_so_and_answers_503(servers, name, title):
    """The Slack and Telegram variables are empty here (tests/servers.py)."""
    health = requests.get(f"{servers.base_url}/webhooks/{name}/", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "not configured"}
    webhook = requests.post(f"{servers.base_url}/webhooks/{name}/webhook", json={"update_id": 1}, timeout=10)
    assert webhook.status_code == 503
    assert webhook.text == f"{title} is not configured on this server."


def test_the_channels_that_are_on_answer_their_health_route(servers):
    assert requests.get(f"{servers.base_url}/webhooks/socketio/", timeout=10).json() == {"status": "ok"}
    assert requests.get(f"{servers.base_url}/webhooks/rest/", timeout=10).status_code == 404
