"""How the assistant answers questions real people asked (evaluation only).

Reads ``real_questions.tsv`` from the project's shared evaluation folder (never
copied into this repository, never trained on: see its README), parses each
question with the trained model in-process, and says what reply its rules give:

* ``answer``   -- an FAQ answer (intent faq, the response selector sure enough);
* ``check-in`` -- a symptom report or a request starts the check-in;
* ``care``     -- a warning sign: care advice first;
* ``redirect`` -- out of scope: what it can't help with and who can;
* ``rephrase`` -- nlu_fallback: only "please rephrase";
* ``other``    -- small talk and the rest.

    .venv/bin/python scripts/real_questions_report.py [--tsv PATH] [--out results/eval/real_questions.md]

The figure to watch is the share that gets only "please rephrase".
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_TSV = ROOT.parent / "shared" / "eval" / "real_questions.tsv"
CATEGORIES = ("answer", "check-in", "care", "redirect", "rephrase", "other")


def category(parse: Dict) -> str:
    entities = parse.get("entities") or []
    if any(e.get("entity") == "red_flag" for e in entities):
        return "care"
    intent = (parse.get("intent") or {}).get("name")
    if intent == "faq":
        return "answer"
    if intent in {"report_symptom", "request_symptom_check"}:
        return "check-in"
    if intent == "out_of_scope":
        return "redirect"
    if intent == "nlu_fallback":
        return "rephrase"
    return "other"


async def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug log would print every question; this report prints only counts.
    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--list", choices=CATEGORIES, help="print the questions of one category")
    args = parser.parse_args(argv)
    if not args.tsv.exists():
        print(f"no evaluation file at {args.tsv}: skipped")
        return 0
    with args.tsv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    texts = [row["text"] for row in rows]
    parses = asyncio.run(parse_all(args.model, texts))
    got = [category(p) for p in parses]
    counts = Counter(got)
    by_topic: Dict[str, Counter] = defaultdict(Counter)
    for row, cat in zip(rows, got):
        by_topic[row.get("topic_guess") or "?"][cat] += 1
    lines = [f"Real questions: {len(rows)} (evaluation only, never trained on)", "",
             "| reply | questions | share |", "|---|---|---|"]
    lines += [f"| {c} | {counts[c]} | {counts[c] / len(rows):.1%} |" for c in CATEGORIES]
    lines += ["", "| topic (unreviewed guess) | " + " | ".join(CATEGORIES) + " |",
              "|---|" + "---|" * len(CATEGORIES)]
    for topic in sorted(by_topic):
        lines.append(f"| {topic} | " + " | ".join(str(by_topic[topic][c]) for c in CATEGORIES) + " |")
    print("\n".join(lines))
    if args.list:
        for text, cat in zip(texts, got):
            if cat == args.list:
                print("-", text[:200])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
