"""A whole symptom check-in, step by step, for tests that interrupt it.

Each step is (what the person says, what the bot asks next); the last step's
reply carries the assessment. The same answers as the calf-cramp conversation
in tests/integration/test_rest_conversations.py.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Callable, List

import yaml

from triage.emergency_numbers import GENERAL_ENGLISH

from tests.replies import custom, texts  # noqa: F401  (re-exported for the tests)
from tests.servers import ROOT

CALF_CHECK_IN = [
    ("I get painful cramps in my calf at night", "how long does one episode last"),
    ("about five minutes", "Does it hurt?"),
    ("yes it hurts, but it's bearable", "tight or stiff"),
    ("yes", "hard to move that part fully, or to bend"),
    ("yes I can't straighten my leg", "see the muscle move"),
    ("no", "feel weak"),
    ("no", "How long has this been going on"),
    ("a few days", "more than one place"),
    ("no", "did anything come before it"),
    ("after running", None),  # -> the assessment
]

# as the servers the tests start say it (EMERGENCY_COUNTRY unset: the general wording)
APOLOGY = yaml.safe_load(Path(ROOT / "channels" / "texts.yml").read_text())["service_unavailable"].replace(
    "{emergency_number}", GENERAL_ENGLISH)


def new_sender(prefix: str = "persist") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def is_apology(messages: List[dict]) -> bool:
    return any(message.get("text") == APOLOGY for message in messages)


def run_steps(
    send: Callable[[int, str], List[dict]], steps: list, first: int = 0
) -> List[dict]:
    """Send ``steps``; ``send(step_number, text)`` returns the reply. Checks
    that every reply asks the expected next question; returns the last reply."""
    reply: List[dict] = []
    for number, (text, expected) in enumerate(steps, start=first):
        reply = send(number, text)
        assert not is_apology(reply), f"step {number} ({text!r}) got the apology"
        if expected:
            assert expected.lower() in texts(reply).lower(), (
                f"step {number} ({text!r}): expected a question with {expected!r}, "
                f"got {json.dumps(reply)[:600]}"
            )
    return reply


def assert_calf_assessment(reply: List[dict]) -> None:
    assessment = custom(reply, "assessment")
    assert assessment is not None, f"no assessment in {json.dumps(reply)[:600]}"
    assert assessment["likely"] == "spasm"
    assert custom(reply, "triage") == {"level": "self_care", "reasons": []}
