"""Which check-in answer a correction changes, and to what.

Pure: no Rasa import. Used while the check-in runs and after the assessment.

    >>> parse_correction("actually it does hurt", [])
    {'pain_level': 'mild'}
    >>> parse_correction("sorry, it's been going on for a month", [])
    {'ongoing_for': 'over_two_weeks'}

Each rule names the slot, the words that say a correction is about it, and how
to read the new value. The first rules that match win, one value per slot.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from triage import answers

# "not", "n't", "no", "never" before the keyword flip a yes/no answer.
NEGATION = re.compile(r"\b(not|no|never|isn'?t|doesn'?t|don'?t|can'?t|cannot|won'?t|wasn'?t)\b|n't\b")


def _polarity(text: str, keyword: re.Pattern) -> Optional[bool]:
    """True if the keyword is affirmed, False if negated before it."""
    match = keyword.search(text)
    if not match:
        return None
    before = text[: match.start()]
    # Only the clause the keyword is in counts: "no, it IS weak" is affirmed.
    clause = re.split(r"[,.;!?]|\bbut\b", before)[-1]
    return not NEGATION.search(clause)


def _inverted(text: str, keyword: re.Pattern) -> Optional[bool]:
    polarity = _polarity(text, keyword)
    return None if polarity is None else not polarity


def _yes_no(keyword: str, invert: bool = False) -> Callable[[str], Optional[bool]]:
    pattern = re.compile(keyword)
    return (lambda text: _inverted(text, pattern)) if invert else (lambda text: _polarity(text, pattern))


def _pain(text: str) -> Optional[str]:
    value = answers.normalize_pain(text)
    if value is not None:
        return value
    polarity = _polarity(text, re.compile(r"\b(hurts?|hurting|pain(ful)?|sore|aches?|aching)\b"))
    if polarity is None:
        return None
    return "mild" if polarity else "none"


def _list_of(normalize: Callable[[str], Any]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        value = normalize(text)
        return value if value else None

    return read


# (slot, words that say the correction is about this slot, reader of the new value)
RULES: Tuple[Tuple[str, re.Pattern, Callable[[str], Any]], ...] = (
    ("breathing_trouble", re.compile(r"\bbreath"), _yes_no(r"\b(trouble|difficulty|hard|problems?)\b[\w\s]*\bbreath|\bbreath")),
    ("pain_level", re.compile(r"\b(hurts?|hurting|pain(ful)?|sore|aches?|aching|agony|unbearable|excruciating)\b"), _pain),
    ("weakness", re.compile(r"\bweak"), _yes_no(r"\bweak")),
    ("stiffness", re.compile(r"\b(stiff|tight)"), _yes_no(r"\b(stiff|tight)")),
    (
        "limited_motion",
        re.compile(r"\b(straighten|bend|range of motion|fully|hard to move|can'?t move|cannot move|unable to move)\b"),
        # "I can't move it fully" means movement IS limited: the answer inverts.
        _yes_no(r"\b(move|moving|straighten|bend)\b", invert=True),
    ),
    ("visible_movement", re.compile(r"\b(see|visible|flicker|ripple)"), _yes_no(r"\b(see|visible|flicker|ripple)")),
    ("multiple_places", re.compile(r"\b(both|several|other|more than one|many|all over|everywhere)\b"), lambda text: True),
    ("episode_duration", re.compile(r"\b(sec(ond)?s?|min(ute)?s?|hours?)\b"), answers.normalize_episode_duration),
    ("ongoing_for", re.compile(r"\b(days?|weeks?|months?|years?|since)\b"), answers.normalize_ongoing_for),
    ("triggers", re.compile(r"\b(medicine|medication|statins?|diuretics?|pills?|coffee|caffeine|exercise|running|gym|stress|sleep|water|dehydrat)"), _list_of(answers.normalize_triggers)),
)


def parse_correction(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> Dict[str, Any]:
    """Slot -> new canonical value for every answer the text corrects."""
    lowered = text.lower()
    updates: Dict[str, Any] = {}
    body_parts: List[str] = [
        str(e.get("value")) for e in entities if e.get("entity") == "body_part"
    ]
    if body_parts:
        # "it's my thigh, not my calf": the last place named after "not" is wrong.
        wrong = re.findall(r"\bnot (?:my |the |in my )?(\w+)", lowered)
        for place in body_parts:
            if place.lower() not in wrong:
                normalized = answers.normalize_body_part(place)
                if normalized:
                    updates["body_part"] = normalized
                    break
    for slot, about, read in RULES:
        if slot in updates or not about.search(lowered):
            continue
        value = read(lowered)
        if value is not None:
            updates[slot] = value
    return updates
