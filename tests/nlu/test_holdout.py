"""Held-out NLU examples (never used for training) through the trained model.

FAQ examples must reach the right answer: intent ``faq`` and the retrieval
intent ``faq/<topic>`` from the ResponseSelector. Fails below 90% accuracy and
prints the figure and every miss.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest
from rasa.shared.nlu.training_data.loading import load_data

HOLDOUT_DIR = Path(__file__).resolve().parent
MIN_ACCURACY = 0.90

pytestmark = pytest.mark.slow


def holdout_examples() -> List[Tuple[str, str]]:
    examples = []
    for path in sorted(HOLDOUT_DIR.glob("*_holdout.yml")):
        for message in load_data(str(path)).intent_examples:
            full = message.get("intent_response_key") or message.get("intent")
            examples.append((message.get("text"), full))
    return examples


def predicted_label(parse: dict) -> str:
    intent = parse["intent"]["name"]
    if intent == "faq":
        selected = parse.get("response_selector", {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


def test_holdout_files_are_not_in_training_data():
    training = set()
    for path in Path("data/nlu").glob("*.yml"):
        training |= {m.get("text").lower() for m in load_data(str(path)).intent_examples}
    overlap = [text for text, _ in holdout_examples() if text.lower() in training]
    assert overlap == []


def test_holdout_accuracy(nlu_parse):
    examples = holdout_examples()
    assert len(examples) >= 200
    misses = []
    for text, expected in examples:
        got = predicted_label(nlu_parse(text))
        if got != expected:
            misses.append((text, expected, got))
    accuracy = 1 - len(misses) / len(examples)
    print(f"\nheld-out intent accuracy: {accuracy:.1%} ({len(examples) - len(misses)}/{len(examples)})")
    for text, expected, got in misses:
        print(f"  MISS {text!r}: expected {expected}, got {got}")
    assert accuracy >= MIN_ACCURACY
