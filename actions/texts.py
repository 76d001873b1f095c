"""The check-in's wording, loaded once from ``check_in_texts.yml``.

Kept apart from the action classes so both the form validator and the
assessment use the same text, e.g. ``question("pain_level")`` ->
``{"text": "Does it hurt?", "buttons": [{"title": "No pain",
"payload": '/inform{"pain_level": "none"}'}, ...]}``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping

import yaml

TEXTS_PATH = Path(__file__).resolve().with_name("check_in_texts.yml")


@lru_cache(maxsize=1)
def texts() -> Dict[str, Any]:
    with TEXTS_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def inform_payload(slot: str, value: Any) -> str:
    """The button payload that answers ``slot`` with ``value``: '/inform{...}'."""
    return "/inform" + json.dumps({slot: value})


def question(slot: str, values: Mapping[str, Any]) -> Dict[str, Any]:
    """Text and buttons asking for ``slot``; {placeholders} from ``values``."""
    spec = texts()["questions"][slot]
    return {
        "text": spec["text"].format_map(_Blank(values)),
        "buttons": [
            {"title": button["title"], "payload": inform_payload(slot, button["value"])}
            for button in spec.get("buttons", [])
        ],
    }


def why(slot: str) -> str:
    return texts()["why"][slot]


def offer_skip(slot: str) -> Dict[str, Any]:
    spec = texts()["offer_skip"]
    return {
        "text": spec["text"],
        "buttons": [{"title": spec["button"], "payload": inform_payload(slot, "skipped")}],
    }


def phrase(kind: str, code: str) -> str:
    """Plain words for a factor or tip code; the code itself if none is written."""
    return texts()[kind].get(code, code.replace("_", " "))


def join_words(parts: Iterable[str]) -> str:
    """'a', 'b', 'c' -> 'a, b and c'."""
    items: List[str] = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def value_words(value: Any) -> str:
    """A stored answer in words: True -> 'yes', ['caffeine'] -> 'caffeine'."""
    words = texts()["values"]
    if isinstance(value, (list, tuple)):
        return join_words(value_words(item) for item in value)
    key = str(value).lower() if isinstance(value, bool) else str(value)
    return words.get(key, key.replace("_", " "))


class _Blank(dict):
    """format_map helper: unknown or empty placeholders become 'that area'."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__({k: v for k, v in values.items() if v not in (None, "")})

    def __missing__(self, key: str) -> str:
        return "that area"
