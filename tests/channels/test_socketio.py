"""The web widget's channel (socket.io, session_persistence on) against the real servers.

A python-socketio client over the polling transport (the websocket client of
the installed python-engineio needs a newer aiohttp than Rasa pins) plays the
widget: `session_request`, then `user_uttered` with the confirmed session id.
"""
from __future__ import annotations

import queue
import re
import time
from typing import List, Optional

import pytest
import socketio

pytestmark = pytest.mark.slow

GREETING = "not a doctor"
EMERGENCY = "call your local emergency number"


class Widget:
    """One browser tab: a socket plus everything the bot emitted to it."""

    def __init__(self, url: str, session_id: Optional[str] = None) -> None:
        self.replies: "queue.Queue" = queue.Queue()
        confirmed: "queue.Queue" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(url, transports=["polling"], socketio_path="/socket.io", wait_timeout=10)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = confirmed.get(timeout=10)

    def say(self, text: str, session_id: Optional[str] = None, custom_data: Optional[dict] = None) -> None:
        message = {"message": text, "session_id": session_id or self.session_id}
        if custom_data is not None:
            message["customData"] = custom_data  # as rasa-webchat sends it
        self.client.emit("user_uttered", message)

    def collect(self, until: str, timeout: float = 90) -> List[dict]:
        """Messages received until one whose text contains ``until``."""
        received: List[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.replies.get(timeout=0.5)
            except queue.Empty:
                continue
            received.append(message)
            if until in str(message.get("text", "")):
                return received
        raise AssertionError(f"no message with {until!r} within {timeout}s; got {received}")

    def quiet(self, seconds: float) -> List[dict]:
        """Whatever arrives within ``seconds``."""
        time.sleep(seconds)
        received = []
        while not self.replies.empty():
            received.append(self.replies.get_nowait())
        return received

    def close(self) -> None:
        # abort: do not wait up to 25 s for the pending long-poll to return
        self.client.eio.disconnect(abort=True)


@pytest.fixture
def open_widget(servers):
    opened: List[Widget] = []

    def open_(session_id: Optional[str] = None) -> Widget:
        widget = Widget(servers.base_url, session_id)
        opened.append(widget)
        return widget

    yield open_
    for widget in opened:
        widget.close()


def test_greeting_reaches_a_persistent_session_with_quick_replies(open_widget):
    widget = open_widget()
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}", widget.session_id), "a signed id"
    widget.say("/greet")
    messages = widget.collect(until="emergency number")
    assert GREETING in " ".join(m.get("text", "") for m in messages)
    titles = [reply["title"] for reply in messages[-1]["quick_replies"]]
    assert "Check my symptoms" in titles


def test_a_reconnected_tab_continues_the_same_session(open_widget):
    first = open_widget()
    first.say("hi")
    first.collect(until="emergency number")
    first.close()
    again = open_widget(first.session_id)
    assert again.session_id == first.session_id, "the server keeps a session it signed"
    again.say("thanks")
    again.collect(until="You're welcome")


def test_a_socket_cannot_speak_in_someone_elses_session(open_widget):
    victim = open_widget()
    intruder = open_widget()
    intruder.say("I can't breathe", session_id=victim.session_id)
    assert victim.quiet(3) == [] and intruder.quiet(0) == []
    victim.say("hi")
    victim.collect(until="emergency number")


@pytest.mark.parametrize(
    "bad", ["just a string", {"message": 5}, {"message": None}, {"metadata": "{not json"}]
)
def test_bad_messages_are_ignored_and_the_session_carries_on(open_widget, bad):
    widget = open_widget()
    if isinstance(bad, dict):
        bad = {**bad, "session_id": widget.session_id}
    widget.client.emit("user_uttered", bad)
    widget.say("hi")
    widget.collect(until="emergency number")


def test_red_flag_is_first_marked_emergency_and_the_triage_payload_passes_through(open_widget):
    widget = open_widget()
    widget.say("I can't breathe")
    first = widget.collect(until=EMERGENCY)
    assert len(first) == 1, "the emergency advice is the first message"
    assert first[0]["customCss"] == {"style": "class", "css": "triage-emergency"}
    rest = widget.quiet(2)
    triage = [m["triage"] for m in rest if "triage" in m]
    assert triage and triage[0]["level"] == "emergency"


def test_an_emergency_in_german_from_an_austrian_browser_names_austrias_numbers(open_widget):
    """The page sends navigator.language as customData; its region picks the number."""
    widget = open_widget()
    widget.say("ich kann nicht atmen, mein Nacken verkrampft", custom_data={"locale": "de-AT"})
    messages = widget.collect(until="emergency number")
    german = next(m["text"] for m in messages if "Notruf" in str(m.get("text", "")))
    assert "144 / 112" in german, german
    english = next(m["text"] for m in messages if "emergency number" in str(m.get("text", "")))
    assert "144 or 112 (the emergency numbers in Austria" in english, english
