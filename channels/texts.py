"""What a channel says itself, from ``channels/texts.yml``: ``text("message_too_long")``.

These are the few replies that come from the edge of the server, before (or
instead of) the assistant: a refusal, the apology when nothing could be
answered. Everything the assistant itself says is in the domain.

``{emergency_number}`` is the deployment's (``EMERGENCY_COUNTRY``), else the general
wording: these replies have no conversation to learn the person's country from.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

from triage import emergency_numbers

TEXTS_PATH = Path(__file__).resolve().with_name("texts.yml")


@lru_cache(maxsize=1)
def _texts() -> Dict[str, str]:
    with TEXTS_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def text(name: str) -> str:
    choice = emergency_numbers.choose([], os.environ.get("EMERGENCY_COUNTRY"))
    return _texts()[name].replace("{emergency_number}", emergency_numbers.english_phrase(choice))
