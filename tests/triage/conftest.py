"""Fixtures for the triage tests (pure Python; no Rasa)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # spaCy's thinc may import TensorFlow

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

#: figures reported at the end of the run (recall / false alarms per case file)
FIGURES: Dict[str, str] = {}


@pytest.fixture(scope="session")
def detector():
    from triage.red_flags import default_detector

    return default_detector()


@pytest.fixture(scope="session")
def nlp():
    from triage.red_flags import blank_nlp

    return blank_nlp()


@pytest.fixture(scope="session")
def figures() -> Dict[str, str]:
    """Tests record recall / false-alarm figures here; printed in the terminal summary."""
    return FIGURES


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # pragma: no cover
    if FIGURES:
        terminalreporter.write_sep("-", "red-flag detection figures")
        for name, line in FIGURES.items():
            terminalreporter.write_line(f"{name}: {line}")
