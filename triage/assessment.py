"""Symptom check-in assessment: likely spasm or twitch, care level, reasons and tips.

Pure Python, no Rasa. Everything clinical comes from ``triage/rules.yml``:

* the spasm/twitch point system (``likelihood:``) -- each feature whose condition holds
  adds points; the side that leads by ``decision_margin`` with at least ``min_points``
  wins, otherwise "unclear";
* the care level -- every reason whose ``answers:`` condition holds fires, plus any
  red-flag reason codes already detected in free text; the highest level wins;
* the tips (``tips:``).

It never diagnoses: ``likely`` is "what the answers look more like".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Tuple

from . import answers as norm
from .rules import Rules, load_rules, order_reasons

SLOTS: Tuple[str, ...] = (
    "body_part", "episode_duration", "pain_level", "stiffness", "limited_motion",
    "visible_movement", "weakness", "ongoing_for", "multiple_places", "triggers",
    "breathing_trouble",
)
BOOL_SLOTS = frozenset({"stiffness", "limited_motion", "visible_movement", "weakness",
                        "multiple_places", "breathing_trouble"})


@dataclass(frozen=True)
class Assessment:
    likely: str  # 'spasm' | 'twitch' | 'unclear'
    deciding_factors: Tuple[str, ...]
    level: str
    reasons: Tuple[str, ...]
    tips: Tuple[str, ...]
    summary: Dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    #: points per side, for transparency ({'spasm': 8, 'twitch': 1})
    points: Dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def needs_care(self) -> bool:
        return bool(self.reasons)


def canonical_answers(answers: Mapping[str, Any]) -> Dict[str, Any]:
    """Canonical slot values (normalisers are idempotent on canonical values)."""
    get = answers.get
    out: Dict[str, Any] = {
        "body_part": norm.normalize_body_part(get("body_part")),
        "episode_duration": norm.normalize_episode_duration(get("episode_duration")),
        "pain_level": norm.normalize_pain(get("pain_level")),
        "ongoing_for": norm.normalize_ongoing_for(get("ongoing_for")),
        "triggers": norm.normalize_triggers(get("triggers")),
    }
    for slot in BOOL_SLOTS:
        value = get(slot)
        out[slot] = value if isinstance(value, bool) or value is None else norm.normalize_yes_no(value)
    out["multiple_places"] = norm.normalize_multiple_places(get("multiple_places"))
    out["limited_motion"] = norm.normalize_limited_motion(get("limited_motion"))
    return {slot: out[slot] for slot in SLOTS}


def condition_holds(condition: Iterable[Tuple[str, Tuple[Any, ...]]], values: Mapping[str, Any]) -> bool:
    """All (slot, accepted values) pairs hold; list slots hold when they contain any value."""
    for slot, accepted in condition:
        value = values.get(slot)
        if value is None:
            return False
        if isinstance(value, (list, tuple)):
            if not any(v in accepted for v in value):
                return False
        elif isinstance(value, bool) or any(isinstance(a, bool) for a in accepted):
            if not any(isinstance(a, bool) and a is value for a in accepted):
                return False
        elif value not in accepted:
            return False
    return True


def _likelihood(values: Mapping[str, Any], rules: Rules) -> Tuple[str, Tuple[str, ...], Dict[str, int]]:
    lk = rules.likelihood
    fired = [f for f in lk.features if condition_holds(f.when, values)]
    spasm = sum(f.spasm for f in fired)
    twitch = sum(f.twitch for f in fired)
    order = {f.code: i for i, f in enumerate(lk.features)}

    def top(features: List[Any], n: int = 3) -> Tuple[str, ...]:
        ranked = sorted(features, key=lambda f: (-f.weight, order[f.code]))
        return tuple(f.code for f in ranked[:n])

    if spasm - twitch >= lk.decision_margin and spasm >= lk.min_points:
        likely, factors = "spasm", top([f for f in fired if f.spasm])
    elif twitch - spasm >= lk.decision_margin and twitch >= lk.min_points:
        likely, factors = "twitch", top([f for f in fired if f.twitch])
    else:
        likely, factors = "unclear", top(fired)
    return likely, factors, {"spasm": spasm, "twitch": twitch}


def _tips(values: Mapping[str, Any], likely: str, level: str, rules: Rules) -> Tuple[str, ...]:
    cfg = rules.tips
    if level in cfg.suppress_at_levels:
        return ()
    context = dict(values, likely=likely)
    chosen = [rule.code for rule in cfg.rules if any(condition_holds(c, context) for c in rule.when_any)]
    if not chosen:
        chosen = list(cfg.default)
    return tuple(chosen[: cfg.max_tips])


def assess(answers: Mapping[str, Any]) -> Assessment:
    """Assess the symptom check-in answers (slot name -> value; any may be None).

    ``answers['red_flag_reasons']``: reason codes already detected in free text during the
    conversation (unknown codes raise KeyError -- a programming error in the caller).
    """
    rules = load_rules()
    values = canonical_answers(answers)

    likely, factors, points = _likelihood(values, rules)

    fired: List[str] = []
    for code, reason in rules.reasons.items():
        if reason.answers and condition_holds(reason.answers, values):
            fired.append(code)
    red_flags = list(answers.get("red_flag_reasons") or ())
    for code in red_flags:
        rules.reason(code)  # validate
    reasons = order_reasons(fired + red_flags)
    level = rules.reasons[reasons[0]].level if reasons else rules.default_level

    tips = _tips(values, likely, level, rules)
    summary = dict(values)
    summary["red_flag_reasons"] = list(order_reasons(red_flags))
    summary["likely"] = likely
    summary["level"] = level
    summary["reasons"] = list(reasons)
    return Assessment(likely, factors, level, reasons, tips, summary, points)


def reason_descriptions(assessment: Assessment) -> List[Dict[str, Any]]:
    """Reasons with their description and citations, for a clinician summary."""
    rules = load_rules()
    out = []
    for code in assessment.reasons:
        r = rules.reasons[code]
        out.append({"reason": code, "level": r.level, "description": r.description,
                    "sources": [str(s) for s in r.sources]})
    return out




def explain_points(assessment_answers: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Which likelihood features fired, with their points and rationale (for review)."""
    rules = load_rules()
    values = canonical_answers(assessment_answers)
    return [
        {"feature": f.code, "spasm": f.spasm, "twitch": f.twitch, "why": f.why}
        for f in rules.likelihood.features
        if condition_holds(f.when, values)
    ]


__all__ = ["Assessment", "assess", "reason_descriptions", "explain_points",
           "SLOTS"]
