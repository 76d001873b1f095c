"""Red-flag detection recall and false-alarm rate on the project's case files.

Usage: python scripts/red_flag_report.py [--out results/red_flags.json]
A positive counts as found when every expected reason is detected; a negative
is a false alarm when anything is detected.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.red_flags import detect_text  # noqa: E402

CASE_FILES = {
    "tuning": ROOT / "tests" / "triage" / "red_flag_cases.yml",
    "holdout": ROOT / "tests" / "triage" / "red_flag_holdout.yml",
}


def figures(path: Path) -> dict:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    positives, negatives = cases.get("positives", []), cases.get("negatives", [])
    misses = [c["text"] for c in positives if not set(c["reasons"]) <= {h.reason for h in detect_text(c["text"])}]
    alarms = [c["text"] if isinstance(c, dict) else c for c in negatives
              if detect_text(c["text"] if isinstance(c, dict) else c)]
    return {
        "positives": len(positives),
        "recall": 1 - len(misses) / len(positives) if positives else None,
        "missed": misses,
        "negatives": len(negatives),
        "false_alarm_rate": len(alarms) / len(negatives) if negatives else None,
        "false_alarms": alarms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "red_flags.json")
    args = parser.parse_args()
    report = {name: figures(path) for name, path in CASE_FILES.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    for name, f in report.items():
        print(f"red flags ({name}): recall {f['recall']:.1%} of {f['positives']}, "
              f"false alarms {f['false_alarm_rate']:.1%} of {f['negatives']}")


if __name__ == "__main__":
    main()
