"""Deterministic red-flag detection on a spaCy ``Doc``.

Patterns live in ``data/patterns/red_flags.jsonl`` (one JSON object per line):

    {"reason": "breathing_difficulty", "id": "...", "pattern": [<spaCy Matcher token pattern>]}
    {"reason": "chest_pain", "id": "...", "phrase": "heart attack"}          # PhraseMatcher, LOWER
    {"reason": "breathing_difficulty", "exception": true, "pattern": [...]}  # suppresses hits inside it
    {"comment": "free text for reviewers"}                                   # ignored

Patterns use LOWER / TEXT / REGEX token attributes only (no lemmas, no POS: the
pipeline is ``spacy.blank("en")``). Before matching, the Doc's text is case-folded,
typographic apostrophes are straightened and it is re-tokenised with the English
tokenizer on the Doc's own vocab ("CAN’T" -> "ca", "n't"; the tokenizer's exceptions are
case-sensitive), and in-word hyphens are dropped ("short-of-breath" -> "short of
breath"). Patterns therefore see lower-case words; hits carry character offsets into the
original ``doc.text``.

Every match then goes through ``triage.negation``: a denied symptom ("no trouble
breathing", "breathing is fine") and a general question about a symptom with no
personal report ("is chest pain a warning sign?") are not flagged. Hits are de-duplicated
per reason (the earliest mention is kept) and returned most urgent first.

No Rasa imports. spaCy only.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from . import negation
from .rules import load_rules

DEFAULT_PATTERNS_PATH = Path(__file__).resolve().parent.parent / "data" / "patterns" / "red_flags.jsonl"

_ALLOWED_TOKEN_ATTRS = {"LOWER", "TEXT", "ORTH", "OP", "LENGTH", "IS_PUNCT", "IS_DIGIT",
                        "LIKE_NUM", "IS_ALPHA", "IS_SPACE"}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_INWORD_HYPHENS = {"-", "‐", "‑"}
#: reasons about what is happening NOW: a distant-past mention ("years ago") is not flagged.
#: (Persistence and medication are about history by nature, so they are not in this set.)
HISTORY_SENSITIVE = frozenset({"breathing_difficulty", "chest_pain", "stroke_signs",
                               "severe_pain", "muscle_weakness"})


@dataclass(frozen=True)
class RedFlagHit:
    reason: str
    level: str
    text: str
    start_char: int
    end_char: int

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PatternEntry:
    line: int
    reason: str
    id: str
    exception: bool
    pattern: Optional[Tuple[Any, ...]] = None  # Matcher token pattern (list of dicts)
    phrase: Optional[str] = None


@dataclass(frozen=True)
class Candidate:
    """One pattern match and what became of it (for reviewing patterns)."""

    reason: str
    level: str
    pattern_id: str
    text: str
    start_char: int
    end_char: int
    status: str  # flagged | negated | historical | general_question | exception | duplicate
    detail: str = ""


class PatternError(ValueError):
    """red_flags.jsonl contains an invalid line."""


def _check_token_spec(spec: Any, where: str) -> None:
    if not isinstance(spec, dict) or not spec:
        raise PatternError(f"{where}: each token must be a non-empty object")
    for key, value in spec.items():
        if key not in _ALLOWED_TOKEN_ATTRS:
            raise PatternError(f"{where}: attribute {key!r} not allowed (use LOWER/TEXT/REGEX)")
        if key in {"LOWER", "TEXT", "ORTH"} and isinstance(value, str) and value != value.lower() \
                and key == "LOWER":
            raise PatternError(f"{where}: LOWER value {value!r} must be lower case")


def load_patterns(path: Union[str, Path, None] = None) -> Tuple[PatternEntry, ...]:
    """Read and validate the JSONL pattern file."""
    path = Path(path) if path else DEFAULT_PATTERNS_PATH
    reasons = load_rules().reasons
    entries: List[PatternEntry] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            raw = raw.strip()
            if not raw:
                continue
            where = f"{path.name}:{lineno}"
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise PatternError(f"{where}: invalid JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise PatternError(f"{where}: each line must be a JSON object")
            if set(obj) == {"comment"}:
                continue
            reason = obj.get("reason")
            if reason not in reasons:
                raise PatternError(f"{where}: unknown reason {reason!r}")
            has_pattern, has_phrase = "pattern" in obj, "phrase" in obj
            if has_pattern == has_phrase:
                raise PatternError(f"{where}: needs exactly one of 'pattern' or 'phrase'")
            unknown = set(obj) - {"reason", "pattern", "phrase", "id", "exception", "comment"}
            if unknown:
                raise PatternError(f"{where}: unknown keys {sorted(unknown)}")
            pid = str(obj.get("id") or f"{reason}@{lineno}")
            if has_pattern:
                pat = obj["pattern"]
                if not isinstance(pat, list) or not pat:
                    raise PatternError(f"{where}: 'pattern' must be a non-empty list")
                for k, spec in enumerate(pat):
                    _check_token_spec(spec, f"{where} token {k}")
                if all(spec.get("OP") in {"?", "*"} for spec in pat):
                    raise PatternError(f"{where}: pattern can match nothing")
                entries.append(PatternEntry(lineno, reason, pid, bool(obj.get("exception")),
                                            pattern=tuple(pat)))
            else:
                phrase = obj["phrase"]
                if not isinstance(phrase, str) or not phrase.strip():
                    raise PatternError(f"{where}: 'phrase' must be a non-empty string")
                entries.append(PatternEntry(lineno, reason, pid, bool(obj.get("exception")),
                                            phrase=phrase.strip().lower()))
    if not entries:
        raise PatternError(f"{path}: no patterns")
    return tuple(entries)


@lru_cache(maxsize=1)
def blank_nlp() -> Language:
    """Module-level cached ``spacy.blank("en")`` (tokenizer only)."""
    return spacy.blank("en")


def _normalise(word: str) -> str:
    if "\n" in word or "\r" in word:
        return "."
    return word


def _fold(text: str) -> str:
    """Lower-case and straighten apostrophes WITHOUT changing the length of the text, so
    character offsets stay valid ("CAN’T" -> "can't")."""
    out = []
    for ch in text:
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out).translate(_APOSTROPHES)


def _view(doc: Doc, tokenizer: Language) -> Tuple[List[str], List[Tuple[int, int]]]:
    """Normalised words of ``doc`` and the (start_char, end_char) of each in ``doc.text``.

    The text is re-tokenised after case folding because spaCy's tokenizer exceptions are
    case-sensitive ("CAN'T" stays one token, "can't" becomes "ca" + "n't")."""
    folded = tokenizer.make_doc(_fold(doc.text))
    words: List[str] = []
    spans: List[Tuple[int, int]] = []
    for tok in folded:
        text = tok.text
        if tok.is_space and "\n" not in text and "\r" not in text:
            continue
        if text in _INWORD_HYPHENS and tok.i > 0 and not folded[tok.i - 1].whitespace_ \
                and not tok.whitespace_ and tok.i + 1 < len(folded):
            continue  # "short-of-breath", "chest-pain"
        words.append(_normalise(text))
        spans.append((tok.idx, tok.idx + len(text)))
    return words, spans


class RedFlagDetector:
    """Find red flags in spaCy Docs.

    ``RedFlagDetector(nlp.vocab)``, ``RedFlagDetector(nlp)`` or ``RedFlagDetector()`` (a
    blank English vocab). Docs from any vocab are accepted: matchers are built per vocab
    on first use.
    """

    def __init__(
        self,
        vocab: Union[Vocab, Language, None] = None,
        patterns_path: Union[str, Path, None] = None,
    ) -> None:
        if isinstance(vocab, Language):
            self._nlp: Language = vocab
            self.vocab: Vocab = vocab.vocab
        else:
            self.vocab = vocab if vocab is not None else blank_nlp().vocab
            self._nlp = spacy.blank("en", vocab=self.vocab)
        self.patterns_path = Path(patterns_path) if patterns_path else DEFAULT_PATTERNS_PATH
        self.entries = load_patterns(self.patterns_path)
        self._rules = load_rules()
        self._by_key: Dict[str, PatternEntry] = {}
        self._matchers: Dict[int, Tuple[Vocab, Matcher, PhraseMatcher, Language]] = {}
        self._matchers_for(self.vocab)  # build now: fail fast on a bad pattern

    # ------------------------------------------------------------------ matchers
    def _matchers_for(self, vocab: Vocab) -> Tuple[Matcher, PhraseMatcher, Language]:
        cached = self._matchers.get(id(vocab))
        if cached is not None and cached[0] is vocab:
            return cached[1], cached[2], cached[3]
        matcher = Matcher(vocab)
        phrase_matcher = PhraseMatcher(vocab, attr="LOWER")
        tokenizer = self._nlp if vocab is self._nlp.vocab else spacy.blank("en", vocab=vocab)
        for entry in self.entries:
            key = f"{'!' if entry.exception else ''}{entry.reason}|{entry.line}"
            self._by_key[key] = entry
            if entry.pattern is not None:
                try:
                    matcher.add(key, [list(entry.pattern)])
                except Exception as exc:  # spaCy raises various errors for bad patterns
                    raise PatternError(f"{self.patterns_path.name}:{entry.line}: {exc}") from None
            else:
                words, _ = _view(tokenizer.make_doc(entry.phrase), tokenizer)
                phrase_matcher.add(key, [Doc(vocab, words=words)])
        if len(self._matchers) > 8:
            self._matchers.clear()
        self._matchers[id(vocab)] = (vocab, matcher, phrase_matcher, tokenizer)
        return matcher, phrase_matcher, tokenizer

    # ------------------------------------------------------------------ analysis
    def analyze(self, doc: Doc) -> List[Candidate]:
        """Every pattern match with its status; ``detect`` keeps the flagged ones."""
        matcher, phrase_matcher, tokenizer = self._matchers_for(doc.vocab)
        words, offsets = _view(doc, tokenizer)
        if not words:
            return []
        view = Doc(doc.vocab, words=words)
        raw = [(view.vocab.strings[m], s, e) for m, s, e in matcher(view)] if len(matcher) else []
        if len(phrase_matcher):
            raw += [(view.vocab.strings[m], s, e) for m, s, e in phrase_matcher(view)]

        positives = sorted({(k, s, e) for k, s, e in raw if not k.startswith("!")},
                           key=lambda x: (x[1], -(x[2] - x[1]), x[0]))
        exceptions = [(self._by_key[k].reason, s, e) for k, s, e in raw if k.startswith("!")]

        def excepted(key: str, s: int, e: int) -> bool:
            reason = self._by_key[key].reason
            return any(r == reason and xs <= s and e <= xe for r, xs, xe in exceptions)

        excepted_keys = {(k, s, e) for k, s, e in positives if excepted(k, s, e)}
        # tokens of real symptom mentions: a negation word there belongs to the symptom
        in_match = frozenset(i for k, s, e in positives if (k, s, e) not in excepted_keys
                             for i in range(s, e))

        full_text = doc.text

        def char_span(s: int, e: int) -> Tuple[int, int, str]:
            start_char, end_char = offsets[s][0], offsets[e - 1][1]
            return start_char, end_char, full_text[start_char:end_char]

        out: List[Candidate] = []
        for key, s, e in positives:
            entry = self._by_key[key]
            level = self._rules.reasons[entry.reason].level
            start_char, end_char, text = char_span(s, e)
            status, detail = "flagged", ""
            if (key, s, e) in excepted_keys:
                status = "exception"
            else:
                cue = negation.negation_cue(words, s, e, ignore=in_match)
                if cue is not None:
                    status, detail = "negated", f"{cue.kind}: {cue.text!r}"
                elif entry.reason in HISTORY_SENSITIVE and negation.historical_cue(words, s, e):
                    status = "historical"
                    detail = negation.historical_cue(words, s, e) or ""
                elif negation.is_general_question(words, s, e, in_match=in_match):
                    sent = negation.sentence_bounds(words, s, e)
                    if negation.other_sentence_report(words, *sent):
                        detail = "general question, but another sentence reports it"
                    else:
                        status = "general_question"
            out.append(Candidate(entry.reason, level, entry.id, text, start_char, end_char,
                                 status, detail))

        # de-duplicate per reason: keep the earliest (then longest) flagged mention
        seen = set()
        result: List[Candidate] = []
        for cand in sorted(out, key=lambda c: (c.start_char, -(c.end_char - c.start_char))):
            if cand.status == "flagged":
                if cand.reason in seen:
                    cand = Candidate(**{**asdict(cand), "status": "duplicate"})
                else:
                    seen.add(cand.reason)
            result.append(cand)
        return result

    def detect(self, doc: Doc) -> List[RedFlagHit]:
        """Red flags reported in ``doc``: one hit per reason, most urgent level first
        (then by position in the text)."""
        hits = [
            RedFlagHit(c.reason, c.level, c.text, c.start_char, c.end_char)
            for c in self.analyze(doc)
            if c.status == "flagged"
        ]
        rank = {name: i for i, name in enumerate(self._rules.level_names)}
        return sorted(hits, key=lambda h: (rank[h.level], h.start_char))

    def detect_text(self, text: str) -> List[RedFlagHit]:
        return self.detect(self._nlp.make_doc(text))

    def reasons(self, doc: Doc) -> List[str]:
        return [h.reason for h in self.detect(doc)]


@lru_cache(maxsize=1)
def default_detector() -> RedFlagDetector:
    """A cached detector on the module-level blank English pipeline."""
    return RedFlagDetector(blank_nlp())


def detect_text(text: str) -> List[RedFlagHit]:
    """Convenience for tests and the CLI: tokenise with a cached ``spacy.blank("en")``."""
    return default_detector().detect(blank_nlp().make_doc(text))


def highest_hit_level(hits: Sequence[RedFlagHit]) -> Optional[str]:
    """The most urgent level among hits, or None when there are none."""
    return hits[0].level if hits else None
