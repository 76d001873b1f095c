"""Write results/eval/summary.md from the reports `make eval` produced.

Usage: python scripts/eval_summary.py results/eval [--quick]

--quick: a quick run (`make eval QUICK=1`), without cross-validation; the
summary says so.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Optional


def load(path: Path) -> Optional[dict]:
    return json.loads(path.read_text()) if path.exists() else None


def pct(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(out: Path, quick: bool = False) -> None:
    holdout = load(out / "holdout" / "intent_report.json")
    selection = load(out / "holdout" / "response_selection_report.json")
    cv = load(out / "cross_validation" / "intent_report.json")
    stories = load(out / "stories" / "story_report.json")
    flags = load(out / "red_flags.json") or {}

    lines = [f"# Evaluation summary (commit {commit()})", ""]
    if quick:
        lines += ["Quick run (`make eval QUICK=1`): no cross-validation; `make eval` measures everything.", ""]
    lines.append("| measure | value |")
    lines.append("|---|---|")
    if holdout:
        lines.append(f"| held-out intent accuracy | {pct(holdout.get('accuracy'))} |")
        lines.append(f"| held-out intent macro F1 | {pct(holdout.get('macro avg', {}).get('f1-score'))} |")
    if selection:
        lines.append(f"| held-out FAQ answer accuracy (response selector) | {pct(selection.get('accuracy'))} |")
    if cv:
        lines.append(f"| cross-validation intent accuracy | {pct(cv.get('accuracy'))} |")
    if stories:
        lines.append(f"| test-story action accuracy | {pct(stories.get('accuracy'))} |")
    for name, f in flags.items():
        lines.append(f"| red flags ({name}): recall | {pct(f.get('recall'))} of {f.get('positives')} |")
        lines.append(f"| red flags ({name}): false alarms | {pct(f.get('false_alarm_rate'))} of {f.get('negatives')} |")
    lines.append("")
    if holdout:
        lines += ["## Held-out intents: precision / recall / F1", "", "| intent | precision | recall | F1 | n |", "|---|---|---|---|---|"]
        for intent, r in sorted(holdout.items()):
            if isinstance(r, dict) and "precision" in r and intent not in ("macro avg", "weighted avg", "micro avg"):
                lines.append(f"| {intent} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1-score']:.2f} | {r['support']} |")
        lines.append("")
    if selection:
        weakest = sorted(
            ((k, v) for k, v in selection.items() if isinstance(v, dict) and "f1-score" in v and "avg" not in k),
            key=lambda kv: kv[1]["f1-score"],
        )[:8]
        lines += ["## Weakest FAQ topics (held-out F1)", "", "| topic | F1 | n |", "|---|---|---|"]
        lines += [f"| {k} | {v['f1-score']:.2f} | {v['support']} |" for k, v in weakest]
        lines.append("")
    vignettes = out / "vignettes.md"
    if vignettes.exists():
        lines += ["## Warning-sign vignettes", "", *vignettes.read_text().splitlines()[2:], ""]
    real = out / "real_questions.md"
    if real.exists():
        lines += ["## Real questions", "", *real.read_text().splitlines(), ""]
    lines += [
        "Files: `holdout/` (reports, `intent_confusion_matrix.png`, `intent_histogram.png`), "
        "`cross_validation/`, `stories/`, `red_flags.json`, `vignettes.md`.",
        "",
    ]
    (out / "summary.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--quick"]
    main(Path(arguments[0] if arguments else "results/eval"), quick="--quick" in sys.argv[1:])
