"""The clinician summary says when it was made and by which version; the web page
gets the classes it needs to offer copy and print, and to show the disclaimer once."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker

from actions.assessment import SUMMARY_PURPOSE as ACTIONS_SUMMARY_PURPOSE
from triage.emergency_numbers import GENERAL_ENGLISH
from actions.assessment import made_at, made_words, summary_lines, time_zone
from actions.version import VERSION_PATH, version
from channels.message_output import PAGE_DISCLAIMER_RESPONSES, SUMMARY_PURPOSE, web_class
from triage.assessment import assess

ROOT = Path(__file__).resolve().parent.parent
# 2026-12-01 23:45:00 UTC
STAMP = datetime(2026, 12, 1, 23, 45, tzinfo=timezone.utc).timestamp()


def tracker_with(*events: dict) -> Tracker:
    return Tracker.from_dict({"sender_id": "rest:someone", "events": list(events)})


def user(metadata=None, timestamp=STAMP) -> dict:
    return {"event": "user", "text": "/inform", "timestamp": timestamp, "metadata": metadata or {}}


def test_the_version_is_written_once_in_the_version_file():
    assert VERSION_PATH == ROOT / "VERSION"
    assert re.fullmatch(r"\d+\.\d+\.\d+", version()), version()
    assert version() == VERSION_PATH.read_text().strip()


def test_the_summary_ends_with_when_and_by_which_version():
    answers = {"body_part": "calf", "pain_level": "mild", "episode_duration": "minutes"}
    made = datetime(2026, 12, 1, 23, 45, tzinfo=timezone.utc)
    lines = summary_lines(answers, assess(answers), made)
    assert lines[0] == "- Where: calf"
    assert lines[-2] == "- Made: 2026-12-01 at 23:45 (UTC)"
    assert lines[-1] == (
        f"- By: the spasm-vs-twitch assistant, version {version()} "
        "(general information, not a diagnosis)"
    )


@pytest.mark.parametrize(
    "metadata, expected",
    [
        ({}, "2026-12-01 at 23:45 (UTC)"),
        ({"timezone": "UTC"}, "2026-12-01 at 23:45 (UTC)"),
        ({"timezone": "Europe/Paris"}, "2026-12-02 at 00:45 (Europe/Paris, UTC+01:00)"),
        ({"timezone": "America/New_York"}, "2026-12-01 at 18:45 (America/New_York, UTC-05:00)"),
        ({"timezone": "Asia/Kolkata"}, "2026-12-02 at 05:15 (Asia/Kolkata, UTC+05:30)"),
        # not a zone: UTC, never an error
        ({"timezone": "Mars/Olympus_Mons"}, "2026-12-01 at 23:45 (UTC)"),
        ({"timezone": "../../etc/passwd"}, "2026-12-01 at 23:45 (UTC)"),
        ({"timezone": "x" * 500}, "2026-12-01 at 23:45 (UTC)"),
        ({"timezone": 5}, "2026-12-01 at 23:45 (UTC)"),
    ],
)
def test_the_time_is_the_last_message_s_in_the_browser_s_zone_or_utc(metadata, expected):
    tracker = tracker_with(user({"timezone": "Asia/Tokyo"}, STAMP - 3600), {"event": "action"}, user(metadata))
    assert made_words(made_at(tracker)) == expected


def test_without_a_user_message_the_time_is_now_in_utc():
    before = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    moment = made_at(tracker_with())
    assert moment.utcoffset().total_seconds() == 0 and moment >= before


def test_a_zone_is_only_ever_a_real_zone_name():
    assert time_zone("Europe/Berlin") is not None
    for bad in (None, "", "/etc/localtime", "Europe/../../etc/passwd", ["Europe/Paris"], "Nowhere/Land"):
        assert time_zone(bad) is None, bad


@pytest.mark.parametrize(
    "message, part, expected",
    [
        ({"text": "Call now.", "custom": {"triage": {"level": "emergency"}}}, "Call now.", "triage-emergency"),
        ({"text": "Today.", "custom": {"triage": {"level": "urgent"}}}, "Today.", "triage-urgent"),
        ({"text": "Book.", "custom": {"triage": {"level": "routine"}}}, "Book.", None),
        ({"text": "A summary:\n- Where: calf", "purpose": SUMMARY_PURPOSE}, "A summary:\n- Where: calf",
         "assessment-summary"),
        ({"text": "Hi.\n\nNot a doctor.", "utter_action": "utter_greet"}, "Not a doctor.", "page-disclaimer"),
        ({"text": "Hi.\n\nNot a doctor.", "utter_action": "utter_greet"}, "Hi.", None),
        ({"text": "Hi.", "utter_action": "utter_greet"}, "Hi.", None),  # never the only paragraph
        ({"text": "Hi.\n\nNot a doctor.", "utter_action": "utter_iamabot"}, "Not a doctor.", None),
        ({"text": "plain"}, "plain", None),
    ],
)
def test_web_classes(message, part, expected):
    assert web_class(message, part) == expected


class _Text(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def test_the_hidden_greeting_paragraph_is_the_disclaimer_the_page_shows():
    """The page hides the greeting's last paragraph (page-disclaimer) because its
    safety note says the same: both forms of the note must name what it names."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    parser = _Text("safety-note")
    parser.feed((ROOT / "web" / "index.html").read_text())
    note = " ".join(" ".join(parser.parts).split())
    for name in PAGE_DISCLAIMER_RESPONSES:
        for variation in responses[name]:
            paragraphs = variation["text"].split("\n\n")
            assert len(paragraphs) > 1, "the disclaimer is a paragraph of its own"
            # as sent when no country is known (the response generator fills the number)
            disclaimer = paragraphs[-1].replace("{emergency_number}", GENERAL_ENGLISH)
            for fact in ("not a doctor", "diagnose", "emergency number", "911", "999", "112",
                         "trouble breathing", "chest pain"):
                assert fact in disclaimer, (name, fact)
    for fact in ("Not for emergencies", "not a doctor", "cannot diagnose", "911, 999 or 112",
                 "trouble breathing", "chest pain", "sudden weakness on one side"):
        assert note.count(fact) == 2, f"{fact!r} in both the full and the compact note: {note}"


def test_the_action_server_and_the_channels_name_the_summary_alike():
    assert ACTIONS_SUMMARY_PURPOSE == SUMMARY_PURPOSE
