"""Triage of one turn: what the person wrote, read as a report and, mid check-in,
as the answer to the question just asked.

One function for every place that decides a turn's level: ``RedFlagPolicy`` in
the Rasa server (so an emergency never waits for the action server or the end
of the check-in) and the vignette evaluation (``scripts/vignette_report.py``).

Example: triage_turn("yes", asked="breathing_trouble")
-> TurnTriage(level="emergency", reasons=("breathing_difficulty",))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .assessment import canonical_answers, condition_holds
from .rules import highest_level, load_rules, order_reasons


@dataclass(frozen=True)
class TurnTriage:
    level: str
    reasons: Tuple[str, ...]


def answer_reasons(slot: Optional[str], value: Any) -> Tuple[str, ...]:
    """Reasons that ``value``, as the answer to ``slot``'s question, fires on its own
    (rules.yml ``answers:`` conditions on that slot alone).

    answer_reasons("pain_level", "agony") -> ("severe_pain",); an answer that can't be
    read fires nothing here (and is never taken as a "no")."""
    if not slot or value is None:
        return ()
    try:
        values = canonical_answers({slot: value})
    except KeyError:
        return ()
    if values.get(slot) is None:
        return ()
    fired = [
        reason.code
        for reason in load_rules().reasons.values()
        if reason.answers
        and all(cond_slot == slot for cond_slot, _ in reason.answers)
        and condition_holds(reason.answers, values)
    ]
    return order_reasons(fired)


def triage_turn(text: str, asked: Optional[str] = None) -> TurnTriage:
    """The most urgent level among the red flags in ``text`` and, when ``asked`` names
    the question being answered, the reasons the answer fires."""
    from .red_flags import detect_text  # spaCy only when text is read

    reasons = [hit.reason for hit in detect_text(text)] if text else []
    reasons += answer_reasons(asked, text)
    ordered = order_reasons(reasons)
    return TurnTriage(highest_level(ordered), ordered)
