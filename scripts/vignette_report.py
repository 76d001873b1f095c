"""Vignette evaluation of warning-sign triage, in the manner of the symptom-checker
studies (Semigran et al., BMJ 2015; Gilbert et al., BMJ Open 2020).

Each case is a message (optionally the answer to a check-in question, ``asked``)
with the level a careful clinician would give: emergency, urgent, routine or none.
The assistant's level is ``triage.turn.triage_turn`` -- exactly what the Rasa
server decides in that turn. Reported per set:

* recall per level: the share of cases of that level given that level or higher;
* exact level: the share given exactly the right level;
* under-triage: given a lower level; over-triage: given a higher level;
* safe advice: the right level or a more cautious one.

    .venv/bin/python scripts/vignette_report.py                 # both sets, a table
    .venv/bin/python scripts/vignette_report.py --misses tuning  # the tuning set's misses
    .venv/bin/python scripts/vignette_report.py --out results/eval/vignettes.md

The held-out set (tests/triage/vignettes_holdout.yml) was written before any
tuning by someone who had not seen the patterns; its misses are reported, never
used to change a pattern.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.turn import triage_turn  # noqa: E402

SETS = {
    "tuning": ROOT / "tests" / "triage" / "vignettes.yml",
    "tuning-2": ROOT / "tests" / "triage" / "vignettes_more.yml",
    "tuning-3": ROOT / "tests" / "triage" / "vignettes_third.yml",
    "tuning-4": ROOT / "tests" / "triage" / "vignettes_fourth.yml",
    "tuning-5": ROOT / "tests" / "triage" / "vignettes_fifth.yml",
    "held-out": ROOT / "tests" / "triage" / "vignettes_holdout.yml",
    "held-out-2": ROOT / "tests" / "triage" / "vignettes_holdout_2.yml",
}
ORDER = {"none": 0, "self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}
LEVELS = ("emergency", "urgent", "routine", "none")


def load(path: Path) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def run(cases: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out = []
    for case in cases:
        result = triage_turn(case["text"], asked=case.get("asked"))
        got = "none" if result.level == "self_care" else result.level
        out.append({**case, "got": got, "got_reasons": list(result.reasons)})
    return out


def metrics(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    n = len(results)
    m: Dict[str, Any] = {"cases": n}
    for level in LEVELS:
        of_level = [r for r in results if r["level"] == level]
        if level == "none":
            m["none_kept_none"] = (sum(r["got"] == "none" for r in of_level), len(of_level))
        else:
            hit = sum(ORDER[r["got"]] >= ORDER[level] for r in of_level)
            m[f"recall_{level}"] = (hit, len(of_level))
    m["exact"] = (sum(r["got"] == r["level"] for r in results), n)
    m["under"] = (sum(ORDER[r["got"]] < ORDER[r["level"]] for r in results), n)
    m["over"] = (sum(ORDER[r["got"]] > ORDER[r["level"]] for r in results), n)
    m["safe"] = (sum(ORDER[r["got"]] >= ORDER[r["level"]] for r in results), n)
    return m


def pct(pair) -> str:
    k, n = pair
    return f"{100.0 * k / n:.1f}% ({k}/{n})" if n else "n/a"


ROWS = [
    ("recall, emergency", "recall_emergency"),
    ("recall, urgent (urgent or higher)", "recall_urgent"),
    ("recall, routine (routine or higher)", "recall_routine"),
    ("no warning sign kept at none", "none_kept_none"),
    ("exact level", "exact"),
    ("under-triage", "under"),
    ("over-triage", "over"),
    ("safe advice (right level or more cautious)", "safe"),
]


def table(all_metrics: Dict[str, Dict[str, Any]]) -> str:
    names = list(all_metrics)
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, key in ROWS:
        lines.append(f"| {label} | " + " | ".join(pct(all_metrics[s][key]) for s in names) + " |")
    return "\n".join(lines)


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", choices=sorted(name for name in SETS if name.startswith("tuning")),
                        help="list the misses of one tuning set (never of a held-out set)")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) here")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--only", choices=sorted(SETS),
                        help="evaluate one set (while tuning: --only tuning)")
    args = parser.parse_args(argv)

    chosen = {args.only: SETS[args.only]} if args.only else SETS
    results = {name: run(load(path)) for name, path in chosen.items()}
    all_metrics = {name: metrics(r) for name, r in results.items()}
    if args.json:
        print(json.dumps(all_metrics))
    else:
        print(table(all_metrics))
    if args.misses:
        for r in results[args.misses]:
            if r["got"] != r["level"]:
                asked = f" [asked {r['asked']}]" if r.get("asked") else ""
                print(f"{r['id']} want {r['level']}/{r.get('reason')} got {r['got']} "
                      f"{r['got_reasons']}{asked}: {r['text']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Warning-sign vignettes\n\n" + table(all_metrics) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
