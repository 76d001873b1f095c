"""Load and validate ``triage/rules.yml`` (once) and give a typed, read-only view of it.

Pure Python: no Rasa imports. The YAML is the single source of truth for care levels,
reason codes, their citations, the spasm/twitch point system and the self-care tips.

Public API::

    LEVELS                      # ('emergency', 'urgent', 'routine', 'self_care')
    REASONS                     # reason codes in rules.yml order
    load_rules(path=None) -> Rules          # cached (lru_cache); validated
    level_of(reason) -> str                 # 'breathing_difficulty' -> 'emergency'
    level_rank(level) -> int                # 0 = highest priority
    highest_level(reasons) -> str           # 'self_care' when reasons is empty
    order_reasons(reasons) -> tuple[str, ...]   # by level, then rules.yml order, unique
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

import yaml

RULES_PATH = Path(__file__).resolve().with_name("rules.yml")

#: Slots an ``answers:``/``when:`` condition may refer to, and the values each accepts.
#: ``None`` means "any string" (checked elsewhere); the assessment's own result is ``likely``.
CONDITION_SLOTS: Mapping[str, Optional[frozenset]] = MappingProxyType(
    {
        "body_part": None,
        "episode_duration": frozenset({"seconds", "minutes", "longer"}),
        "pain_level": frozenset({"none", "mild", "severe"}),
        "stiffness": frozenset({True, False}),
        "limited_motion": frozenset({True, False}),
        "visible_movement": frozenset({True, False}),
        "weakness": frozenset({True, False}),
        "ongoing_for": frozenset({"under_two_weeks", "over_two_weeks"}),
        "multiple_places": frozenset({True, False}),
        "triggers": frozenset(
            {"exercise", "caffeine", "stress", "poor_sleep", "dehydration", "new_medicine", "none"}
        ),
        "breathing_trouble": frozenset({True, False}),
        "likely": frozenset({"spasm", "twitch", "unclear"}),
    }
)

TIP_CODES = frozenset(
    {
        "hydration",
        "stretching",
        "diet_minerals",
        "posture",
        "stress_reduction",
        "less_caffeine",
        "more_sleep",
        "review_medicine_with_doctor",
    }
)


class RulesError(ValueError):
    """rules.yml is missing something or contradicts itself."""


# --------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class Citation:
    ref: str
    title: str
    publisher: Optional[str]
    url: Optional[str]
    year: Optional[int]
    section: Optional[str]

    def __str__(self) -> str:  # handy in summaries
        who = f"{self.publisher}: " if self.publisher else ""
        where = f" - {self.section}" if self.section else ""
        link = f" <{self.url}>" if self.url else (f" ({self.year})" if self.year else "")
        return f'{who}"{self.title}"{link}{where}'


@dataclass(frozen=True)
class Level:
    name: str
    rank: int  # 0 = highest priority
    description: str


@dataclass(frozen=True)
class Reason:
    code: str
    level: str
    description: str
    sources: Tuple[Citation, ...]
    #: answers that fire this reason in an assessment: ((slot, (values...)), ...)
    answers: Tuple[Tuple[str, Tuple[Any, ...]], ...]


@dataclass(frozen=True)
class Feature:
    code: str
    when: Tuple[Tuple[str, Tuple[Any, ...]], ...]
    spasm: int
    twitch: int
    why: str

    @property
    def weight(self) -> int:
        return max(self.spasm, self.twitch)


@dataclass(frozen=True)
class Likelihood:
    decision_margin: int
    min_points: int
    features: Tuple[Feature, ...]


@dataclass(frozen=True)
class TipRule:
    code: str
    #: any of these conditions; each condition is ((slot, (values...)), ...) all of which must hold
    when_any: Tuple[Tuple[Tuple[str, Tuple[Any, ...]], ...], ...]


@dataclass(frozen=True)
class Tips:
    max_tips: int
    suppress_at_levels: Tuple[str, ...]
    default: Tuple[str, ...]
    rules: Tuple[TipRule, ...]


@dataclass(frozen=True)
class Rules:
    path: str
    levels: Tuple[Level, ...]
    reasons: Mapping[str, Reason]  # insertion order = rules.yml order
    likelihood: Likelihood
    tips: Tips

    @property
    def level_names(self) -> Tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    @property
    def default_level(self) -> str:
        return self.levels[-1].name

    def level(self, name: str) -> Level:
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(f"unknown care level {name!r}; known: {', '.join(self.level_names)}")

    def reason(self, code: str) -> Reason:
        try:
            return self.reasons[code]
        except KeyError:
            # the code itself is not quoted: it may be text a person typed
            raise KeyError(f"unknown reason code; known: {', '.join(self.reasons)}") from None


# --------------------------------------------------------------------------- validation
def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise RulesError(msg)


def _nonempty_str(value: Any, where: str) -> str:
    _require(isinstance(value, str) and value.strip() != "", f"{where}: must be a non-empty string")
    return value.strip()


def _condition(raw: Any, where: str) -> Tuple[Tuple[str, Tuple[Any, ...]], ...]:
    _require(isinstance(raw, Mapping) and raw, f"{where}: must be a non-empty mapping slot -> [values]")
    out = []
    for slot, values in raw.items():
        _require(slot in CONDITION_SLOTS, f"{where}: unknown slot {slot!r}")
        if not isinstance(values, list):
            values = [values]
        _require(values != [], f"{where}.{slot}: needs at least one value")
        allowed = CONDITION_SLOTS[slot]
        for v in values:
            if allowed is None:
                _require(isinstance(v, str), f"{where}.{slot}: {v!r} must be a string")
            else:
                _require(v in allowed and type(v) in {type(a) for a in allowed},
                         f"{where}.{slot}: {v!r} is not one of {sorted(map(str, allowed))}")
        out.append((slot, tuple(values)))
    return tuple(out)


def _parse(data: Any, path: str) -> Rules:
    _require(isinstance(data, Mapping), f"{path}: top level must be a mapping")
    for key in ("references", "levels", "reasons", "likelihood", "tips"):
        _require(key in data, f"{path}: missing top-level key {key!r}")

    # references
    refs = data["references"]
    _require(isinstance(refs, Mapping) and refs, "references: must be a non-empty mapping")
    for ref_id, ref in refs.items():
        _require(isinstance(ref, Mapping), f"references.{ref_id}: must be a mapping")
        _nonempty_str(ref.get("title"), f"references.{ref_id}.title")
        _require(ref.get("url") or ref.get("year"),
                 f"references.{ref_id}: needs a url or a year")
        if ref.get("url"):
            _require(str(ref["url"]).startswith("https://"), f"references.{ref_id}.url: must be https")

    # levels
    raw_levels = data["levels"]
    _require(isinstance(raw_levels, list) and raw_levels, "levels: must be a non-empty list")
    levels = []
    for rank, raw in enumerate(raw_levels):
        _require(isinstance(raw, Mapping), f"levels[{rank}]: must be a mapping")
        name = _nonempty_str(raw.get("name"), f"levels[{rank}].name")
        levels.append(
            Level(
                name=name,
                rank=rank,
                description=_nonempty_str(raw.get("description"), f"levels.{name}.description"),
            )
        )
    names = [lv.name for lv in levels]
    _require(len(set(names)) == len(names), "levels: duplicate level names")

    # reasons
    raw_reasons = data["reasons"]
    _require(isinstance(raw_reasons, Mapping) and raw_reasons, "reasons: must be a non-empty mapping")
    reasons = {}
    for code, raw in raw_reasons.items():
        where = f"reasons.{code}"
        _require(isinstance(raw, Mapping), f"{where}: must be a mapping")
        level = raw.get("level")
        _require(level in names, f"{where}.level: {level!r} is not one of {names}")
        _require(level != names[-1], f"{where}.level: the default level {names[-1]!r} needs no reason")
        description = _nonempty_str(raw.get("description"), f"{where}.description")
        _require("\n" not in description, f"{where}.description: must be one line")
        raw_sources = raw.get("sources")
        _require(isinstance(raw_sources, list) and raw_sources, f"{where}.sources: needs at least one source")
        cites = []
        for i, src in enumerate(raw_sources):
            _require(isinstance(src, Mapping) and src.get("ref") in refs,
                     f"{where}.sources[{i}]: needs `ref:` naming one of the references")
            ref = refs[src["ref"]]
            section = src.get("section")
            if src["ref"] == "article":
                _nonempty_str(section, f"{where}.sources[{i}].section (the article's section name)")
            cites.append(
                Citation(
                    ref=src["ref"],
                    title=ref["title"],
                    publisher=ref.get("publisher"),
                    url=ref.get("url"),
                    year=ref.get("year"),
                    section=section,
                )
            )
        answers = _condition(raw["answers"], f"{where}.answers") if raw.get("answers") else ()
        reasons[code] = Reason(code, level, description, tuple(cites), answers)

    # likelihood
    raw_lk = data["likelihood"]
    _require(isinstance(raw_lk, Mapping), "likelihood: must be a mapping")
    margin = raw_lk.get("decision_margin")
    min_points = raw_lk.get("min_points")
    _require(isinstance(margin, int) and margin >= 1, "likelihood.decision_margin: positive integer")
    _require(isinstance(min_points, int) and min_points >= 1, "likelihood.min_points: positive integer")
    raw_features = raw_lk.get("features")
    _require(isinstance(raw_features, Mapping) and raw_features, "likelihood.features: non-empty mapping")
    features = []
    for code, raw in raw_features.items():
        where = f"likelihood.features.{code}"
        _require(isinstance(raw, Mapping), f"{where}: must be a mapping")
        spasm, twitch = raw.get("spasm", 0), raw.get("twitch", 0)
        _require(isinstance(spasm, int) and isinstance(twitch, int) and spasm >= 0 and twitch >= 0,
                 f"{where}: spasm/twitch points must be non-negative integers")
        _require(spasm + twitch > 0, f"{where}: gives no points")
        _require(not (spasm and twitch), f"{where}: a feature points to one side only")
        features.append(
            Feature(code, _condition(raw.get("when"), f"{where}.when"), spasm, twitch,
                    _nonempty_str(raw.get("why"), f"{where}.why"))
        )

    # tips
    raw_tips = data["tips"]
    _require(isinstance(raw_tips, Mapping), "tips: must be a mapping")
    max_tips = raw_tips.get("max_tips")
    _require(isinstance(max_tips, int) and max_tips >= 1, "tips.max_tips: positive integer")
    suppress = tuple(raw_tips.get("suppress_at_levels") or ())
    for lv in suppress:
        _require(lv in names, f"tips.suppress_at_levels: unknown level {lv!r}")
    default = tuple(raw_tips.get("default") or ())
    raw_rules = raw_tips.get("rules")
    _require(isinstance(raw_rules, Mapping) and raw_rules, "tips.rules: non-empty mapping")
    tip_rules = []
    for code, raw in raw_rules.items():
        _require(code in TIP_CODES, f"tips.rules.{code}: unknown tip code; known: {sorted(TIP_CODES)}")
        when_any = raw.get("when_any") if isinstance(raw, Mapping) else None
        _require(isinstance(when_any, list) and when_any, f"tips.rules.{code}.when_any: non-empty list")
        tip_rules.append(
            TipRule(code, tuple(_condition(c, f"tips.rules.{code}.when_any[{i}]")
                                for i, c in enumerate(when_any)))
        )
    for code in default:
        _require(code in TIP_CODES, f"tips.default: unknown tip code {code!r}")

    return Rules(
        path=path,
        levels=tuple(levels),
        reasons=MappingProxyType(reasons),
        likelihood=Likelihood(margin, min_points, tuple(features)),
        tips=Tips(max_tips, suppress, default, tuple(tip_rules)),
    )


@lru_cache(maxsize=8)
def _load(path: str) -> Rules:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return _parse(data, path)


def load_rules(path: Union[str, Path, None] = None) -> Rules:
    """Load and validate rules.yml (cached per path). Raises RulesError if invalid."""
    return _load(str(Path(path).resolve()) if path else str(RULES_PATH))


# --------------------------------------------------------------------------- module API
LEVELS: Tuple[str, ...] = load_rules().level_names
REASONS: Tuple[str, ...] = tuple(load_rules().reasons)


def level_of(reason: str) -> str:
    """Care level of a reason code. Raises KeyError for an unknown code."""
    return load_rules().reason(reason).level


def level_rank(level: str) -> int:
    """0 for the highest-priority level. Raises KeyError for an unknown level."""
    return load_rules().level(level).rank


def highest_level(reasons: Iterable[str]) -> str:
    """The highest-priority level among the reasons' levels; the default level if none."""
    rules = load_rules()
    best = rules.default_level
    for code in reasons:
        lv = rules.reason(code).level
        if rules.level(lv).rank < rules.level(best).rank:
            best = lv
    return best


def order_reasons(reasons: Iterable[str]) -> Tuple[str, ...]:
    """Unique reason codes ordered by level priority, then by their order in rules.yml."""
    rules = load_rules()
    order = {code: i for i, code in enumerate(rules.reasons)}
    unique = {rules.reason(code).code for code in reasons}
    return tuple(sorted(unique, key=lambda c: (rules.level(rules.reasons[c].level).rank, order[c])))


