"""The assistant's version, written once in the repository's ``VERSION`` file.

The clinician summary names it, so a printed summary says which assistant (and
so which triage rules) made it; the chat page shows it too
(``scripts/serve_web.py``). Example: ``version()`` -> ``"0.1.0"``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

VERSION_PATH = Path(__file__).resolve().parent.parent / "VERSION"


@lru_cache(maxsize=1)
def version() -> str:
    return VERSION_PATH.read_text(encoding="utf-8").strip()
