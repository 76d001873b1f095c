"""A tiny run of the benchmark, so its code cannot rot (the full run is `make bench`)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow


def test_quick_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "bench.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = out.read_text()
    assert "| p95 latency, 2 users (s) |" in report
    errors_row = next(line for line in report.splitlines() if line.startswith("| errors |"))
    assert errors_row == "| errors | 0 |"
    assert "| empty replies | 0 |" in report.splitlines()
    # the detectors' cost per message is measured, not assumed
    language = next(line for line in report.splitlines() if line.startswith("| language identification"))
    median = float(language.split("|")[2])
    assert 0 < median < 1000, language
    assert any(line.startswith("| warning-sign detection") for line in report.splitlines())
