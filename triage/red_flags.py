"""Deterministic red-flag detection on a spaCy ``Doc``.

Patterns live in ``data/patterns/red_flags.jsonl`` (one JSON object per line):

    {"reason": "breathing_difficulty", "id": "...", "pattern": [<spaCy Matcher token pattern>]}
    {"reason": "chest_pain", "id": "...", "phrase": "heart attack"}          # PhraseMatcher, LOWER
    {"reason": "breathing_difficulty", "exception": true, "pattern": [...]}  # suppresses hits inside it
    {"reason": "*", "exception": true, "match": "in my novel"}  # every sign after it in the sentence
    {"comment": "free text for reviewers"}                                   # ignored
    {"reason": "seizure", "id": "...", "match": "whole|entire body ~2 jerk*|shak*"}  # compact form
    {"define": "cant", "as": "ca|can|could n't|nt|not"}                       # a macro: @cant
    {"concept": "fever", "match": "fever*|feverish"}                          # context, no reason
    {"reason": "meningitis_signs", "match": "stiff neck", "with": ["fever"]}  # needs the concept too

``match`` is a compact way to write token patterns: words separated by spaces;
``a|b|c`` one word of several; ``stem*`` any word starting with ``stem``; a trailing
``?`` makes a word optional; ``~N`` allows up to N other words in between (not across
a sentence end, and not a negation); ``[loss of|lost|no control of]`` one of several word
sequences (groups nest, and ``[...]?`` is optional); ``@name`` expands a ``define``
(defined earlier in the file). Words are as the tokenizer splits them: "can't" is
``ca n't``, "mum's" is ``mum 's``.

A ``concept`` (fever, a wound, a new medicine, heat, ...) is matched and put through
the same negation rules as a reason, but raises nothing by itself; a reason entry
with ``with: [concepts]`` is flagged only when every one of them is also present,
not negated, in the same message ("stiff neck and a high fever" is meningitis_signs;
"stiff neck, no fever" is not).

Patterns use LOWER / TEXT / REGEX token attributes only (no lemmas, no POS: the
pipeline is ``spacy.blank("en")``). Before matching, the text goes through
``triage.text.fold_text`` (invisible characters, full-width letters), is case-folded,
typographic apostrophes are straightened and it is re-tokenised with the English
tokenizer on the Doc's own vocab ("CAN’T" -> "ca", "n't"; the tokenizer's exceptions are
case-sensitive), and in-word hyphens are dropped ("short-of-breath" -> "short of
breath"). A word that is neither a pattern word nor a common English word is read as
the pattern word one typing slip away, if there is one ("chesst" -> "chest",
"unconcious" -> "unconscious"). Patterns therefore see lower-case words; hits carry
character offsets into the folded text.

Every match then goes through ``triage.negation``: a denied symptom ("no trouble
breathing", "breathing is fine") and a general question about a symptom with no
personal report ("is chest pain a warning sign?") are not flagged. Hits are de-duplicated
per reason (the earliest mention is kept) and returned most urgent first.

No Rasa imports. spaCy only.
"""
from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from . import negation
from .rules import load_rules
from .text import fold_text

DEFAULT_PATTERNS_PATH = Path(__file__).resolve().parent.parent / "data" / "patterns" / "red_flags.jsonl"

_ALLOWED_TOKEN_ATTRS = {"LOWER", "TEXT", "ORTH", "OP", "LENGTH", "IS_PUNCT", "IS_DIGIT",
                        "LIKE_NUM", "IS_ALPHA", "IS_SPACE"}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_INWORD_HYPHENS = {"-", "‐", "‑"}
#: reasons about what is happening NOW: a distant-past mention ("years ago") is not flagged.
#: (Persistence and medication are about history by nature, so they are not in this set.)
HISTORY_SENSITIVE_LEVELS = frozenset({"emergency", "urgent"})
#: an exception for every reason: ``{"reason": "*", "exception": true, ...}`` covers the
#: rest of its sentence ("in my novel the hero gets lockjaw" is not a report)
ANY_REASON = "*"
#: the longest text read at once; a longer message is read in overlapping windows
#: (spaCy refuses texts of a million characters, and a window keeps time linear)
WINDOW_CHARS = 20_000
WINDOW_OVERLAP = 400


@dataclass(frozen=True)
class RedFlagHit:
    reason: str
    level: str
    text: str
    start_char: int
    end_char: int
    #: the language of the pattern that matched ("en", "es", ...): the advice is given in it
    lang: str = "en"

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PatternEntry:
    line: int
    reason: str
    id: str
    exception: bool
    #: Matcher token patterns (each a tuple of token dicts); several for a ``match`` line
    patterns: Tuple[Tuple[Any, ...], ...] = ()
    phrase: Optional[str] = None
    #: concepts that must also be present (un-negated) in the message
    needs: Tuple[str, ...] = ()
    #: the language the phrasing is in
    lang: str = "en"

    @property
    def is_concept(self) -> bool:
        return self.reason.startswith("@")


@dataclass(frozen=True)
class Candidate:
    """One pattern match and what became of it (for reviewing patterns)."""

    reason: str
    level: str
    pattern_id: str
    text: str
    start_char: int
    end_char: int
    status: str  # flagged | negated | historical | general_question | exception | duplicate | needs_context
    detail: str = ""
    lang: str = "en"


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


_GAP = re.compile(r"^~([1-9])$")
_MACRO = re.compile(r"@([a-z_]+)")
#: a word of the gap ``~N``: anything but a sentence end
#: (and not a negation: "my face isn't drooping" must not read as "face ... drooping")
_GAP_TOKEN = {"TEXT": {"REGEX": r"^(?!(?:n't|nt|not|no|never|without|nor)$)[^.!?;\n]+$"}, "OP": "?"}
#: one ``match`` line may stand for at most this many token patterns
MAX_EXPANSIONS = 400


def _word_spec(word: str, where: str) -> List[Dict[str, Any]]:
    """One word of the ``match`` syntax -> token specs (a gap ``~N`` gives N)."""
    gap = _GAP.match(word)
    if gap:
        return [dict(_GAP_TOKEN) for _ in range(int(gap.group(1)))]
    optional = len(word) > 1 and word.endswith("?")
    if optional:
        word = word[:-1]
    alternatives = [a for a in word.split("|") if a]
    if not alternatives:
        raise PatternError(f"{where}: empty word")
    if any(a != a.lower() for a in alternatives):
        raise PatternError(f"{where}: {word!r} must be lower case")
    if any(a.endswith("*") for a in alternatives):
        parts = [re.escape(a[:-1]) + ".*" if a.endswith("*") else re.escape(a) for a in alternatives]
        spec: Dict[str, Any] = {"LOWER": {"REGEX": "^(" + "|".join(parts) + ")$"}}
    elif len(alternatives) == 1:
        spec = {"LOWER": alternatives[0]}
    else:
        spec = {"LOWER": {"IN": alternatives}}
    if optional:
        spec["OP"] = "?"
    return [spec]


def _units(text: str, where: str) -> List[str]:
    """Split at top-level spaces, keeping ``[...]`` groups (nested ones too) whole."""
    units, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise PatternError(f"{where}: unbalanced ']'")
        if ch.isspace() and depth == 0:
            if current:
                units.append(current)
            current = ""
        else:
            current += ch
    if depth:
        raise PatternError(f"{where}: unbalanced '['")
    if current:
        units.append(current)
    return units


def _split_top(text: str, sep: str = "|") -> List[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _expand(text: str, where: str) -> List[List[Dict[str, Any]]]:
    sequences: List[List[Dict[str, Any]]] = [[]]
    for unit in _units(text, where):
        if "[" in unit and not unit.startswith("["):
            unit = f"[{unit}]"  # "faint*|[passed out|blacked out]": one group of alternatives
        if unit.startswith("["):
            optional = unit.endswith("]?")
            inner = unit[1:-2] if optional else unit[1:-1]
            alternatives = [a.strip() for a in _split_top(inner)]
            options: List[List[Dict[str, Any]]] = []
            single = [a for a in alternatives if a and " " not in a and "[" not in a
                      and not _GAP.match(a)]
            if single:  # one-word alternatives are one token spec, not one pattern each
                options.append(_word_spec("|".join(single), where))
            for alternative in alternatives:
                if alternative in single:
                    continue
                options.extend(_expand(alternative, where) if alternative else [[]])
            if optional:
                options.append([])
        else:
            options = [_word_spec(unit, where)]
        sequences = [seq + opt for seq in sequences for opt in options]
        if len(sequences) > MAX_EXPANSIONS:
            raise PatternError(f"{where}: expands to more than {MAX_EXPANSIONS} patterns")
    return sequences


def compile_match(match: str, macros: Dict[str, str], where: str) -> List[List[Dict[str, Any]]]:
    """The compact ``match`` syntax -> spaCy Matcher token patterns.

    >>> compile_match("[ca n't|unable to] breath*", {}, "x")
    [[{'LOWER': 'ca'}, {'LOWER': "n't"}, {'LOWER': {'REGEX': '^(breath.*)$'}}],
     [{'LOWER': 'unable'}, {'LOWER': 'to'}, {'LOWER': {'REGEX': '^(breath.*)$'}}]]
    """
    def expand_macro(m: "re.Match[str]") -> str:
        name = m.group(1)
        if name not in macros:
            raise PatternError(f"{where}: unknown macro @{name}")
        return macros[name]

    text = match
    for _ in range(5):  # macros may use macros
        text = _MACRO.sub(expand_macro, text)
    patterns = [p for p in _expand(text, where) if p]
    if not patterns:
        raise PatternError(f"{where}: empty match")
    for pattern in patterns:
        if all(spec.get("OP") == "?" for spec in pattern):
            raise PatternError(f"{where}: {match!r} can match nothing")
    return patterns


def load_patterns(path: Union[str, Path, None] = None) -> Tuple[PatternEntry, ...]:
    """Read and validate the JSONL pattern file."""
    path = Path(path) if path else DEFAULT_PATTERNS_PATH
    reasons = load_rules().reasons
    entries: List[PatternEntry] = []
    macros: Dict[str, str] = {}
    concepts: set = set()
    wanted: List[Tuple[str, str]] = []
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
            if "language" in obj:
                if set(obj) - {"language", "negations", "comment"} or not isinstance(
                        obj.get("negations"), list):
                    raise PatternError(f"{where}: a language line needs 'language' and 'negations'")
                NEGATIONS_BY_LANGUAGE[str(obj["language"])] = frozenset(
                    _strip_accents(w.lower()) for w in obj["negations"])
                continue
            if "define" in obj:
                if set(obj) - {"define", "as", "comment"} or not isinstance(obj.get("as"), str):
                    raise PatternError(f"{where}: a define needs 'define' and 'as' only")
                macros[str(obj["define"])] = obj["as"]
                continue
            if "concept" in obj:
                if "reason" in obj:
                    raise PatternError(f"{where}: a line is a reason or a concept, not both")
                reason = "@" + str(obj["concept"])
                concepts.add(reason)
            else:
                reason = obj.get("reason")
                if reason == ANY_REASON and not obj.get("exception"):
                    raise PatternError(f"{where}: reason '*' is for exceptions only")
                if reason not in reasons and reason != ANY_REASON:
                    raise PatternError(f"{where}: unknown reason {reason!r}")
            compiled: List[List[Dict[str, Any]]] = []
            if "match" in obj:
                if "pattern" in obj:
                    raise PatternError(f"{where}: needs exactly one of 'pattern', 'match' or 'phrase'")
                compiled = compile_match(str(obj["match"]), macros, where)
                obj = {**{k: v for k, v in obj.items() if k != "match"}, "pattern": compiled[0]}
            has_pattern, has_phrase = "pattern" in obj, "phrase" in obj
            if has_pattern == has_phrase:
                raise PatternError(f"{where}: needs exactly one of 'pattern', 'match' or 'phrase'")
            unknown = set(obj) - {"reason", "concept", "pattern", "phrase", "id", "exception",
                                  "comment", "with", "lang"}
            if unknown:
                raise PatternError(f"{where}: unknown keys {sorted(unknown)}")
            needs = obj.get("with") or []
            if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
                raise PatternError(f"{where}: 'with' must be a list of concept names")
            needs = tuple("@" + n for n in needs)
            wanted.extend((where, n) for n in needs)
            pid = str(obj.get("id") or f"{reason}@{lineno}")
            if has_pattern:
                pat = obj["pattern"]
                if not isinstance(pat, list) or not pat:
                    raise PatternError(f"{where}: 'pattern' must be a non-empty list")
                for k, spec in enumerate(pat):
                    _check_token_spec(spec, f"{where} token {k}")
                if all(spec.get("OP") in {"?", "*"} for spec in pat):
                    raise PatternError(f"{where}: pattern can match nothing")
                entries.append(PatternEntry(
                    lineno, reason, pid, bool(obj.get("exception")),
                    patterns=tuple(tuple(p) for p in (compiled or [pat])), needs=needs,
                    lang=str(obj.get("lang") or "en")))
            else:
                phrase = obj["phrase"]
                if not isinstance(phrase, str) or not phrase.strip():
                    raise PatternError(f"{where}: 'phrase' must be a non-empty string")
                entries.append(PatternEntry(lineno, reason, pid, bool(obj.get("exception")),
                                            phrase=phrase.strip().lower(), needs=needs,
                                            lang=str(obj.get("lang") or "en")))
    if not entries:
        raise PatternError(f"{path}: no patterns")
    for where, need in wanted:
        if need not in concepts:
            raise PatternError(f"{where}: 'with' names an unknown concept {need[1:]!r}")
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


#: a word this common in English is taken as typed, never "corrected"
COMMON_WORD_LOG_PROB = -15.0


@lru_cache(maxsize=1)
def common_english_words() -> Dict[str, float]:
    """About 53,000 common English word forms and their log probabilities, from
    spacy-lookups-data (installed with the pipeline; nothing is downloaded)."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).resolve().parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probs = json.load(handle)
    return {w: p for w, p in probs.items() if p > COMMON_WORD_LOG_PROB and w.isalpha()}


def _deletions(word: str) -> List[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


class Speller:
    """Reads a word one typing slip (a letter missing, extra, swapped or wrong) away
    from a pattern word as that word; common English words stay as typed.

    A missing or extra letter is tried first, then a swapped or wrong one; among
    several candidates of the same kind the more common English word wins.
    Speller({"chest", "breathing"}).correct("chesst") -> "chest"
    """

    MIN_LENGTH = 4

    def __init__(self, lexicon: Iterable[str], common: Optional[Dict[str, float]] = None) -> None:
        self.lexicon = frozenset(w for w in lexicon if w.isalpha())
        self.common = common if common is not None else common_english_words()
        self._by_deletion: Dict[str, set] = {}
        for word in self.lexicon:
            if len(word) >= self.MIN_LENGTH:
                for d in _deletions(word):
                    self._by_deletion.setdefault(d, set()).add(word)

    @staticmethod
    def _one_edit(a: str, b: str) -> bool:
        """a and b differ by one letter added, dropped, changed, or two swapped."""
        if a == b or abs(len(a) - len(b)) > 1:
            return False
        if len(a) == len(b):
            diff = [i for i in range(len(a)) if a[i] != b[i]]
            return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                      and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
        short, long_ = (a, b) if len(a) < len(b) else (b, a)
        return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))

    def _best(self, candidates: set) -> str:
        return max(sorted(candidates), key=lambda w: self.common.get(w, COMMON_WORD_LOG_PROB - 5))

    def correct(self, word: str) -> str:
        if len(word) < self.MIN_LENGTH or not word.isalpha() or word in self.lexicon \
                or word in self.common:
            return word
        deletions = _deletions(word)
        found = set(self._by_deletion.get(word, ()))            # a letter missing
        found.update(d for d in deletions if d in self.lexicon)   # a letter too many
        if found:
            return self._best(found)
        if len(word) >= 5:
            for d in deletions:                                   # swapped or wrong letter
                found.update(w for w in self._by_deletion.get(d, ()) if self._one_edit(word, w))
        return self._best(found) if found else word


#: negation words of the other languages the patterns are written in (from the
#: {"language": ..., "negations": [...]} lines of the pattern file)
NEGATIONS_BY_LANGUAGE: Dict[str, frozenset] = {}
_NOT_DECOMPOSED = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "đ": "d", "ı": "i"})
#: French and Italian elisions the English tokenizer keeps whole: "n'arrive", "l'aria"
_ELISION = re.compile(r"^(n|j|l|d|s|c|m|t|qu|un|dell|all|nell|sull)'([^\W\d_]{2,})$")


def _strip_accents(word: str) -> str:
    """'respiração' -> 'respiracao', 'mogę' -> 'moge': patterns in other languages
    are written without accents, so 'nao consigo respirar' matches either way."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word.translate(_NOT_DECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _view(doc: Doc, tokenizer: Language, speller: Optional[Speller] = None
          ) -> Tuple[List[str], List[Tuple[int, int]]]:
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
        word = _strip_accents(_normalise(text))
        elided = _ELISION.match(word)
        if elided:  # "n'arrive" -> "n'", "arrive"
            cut = len(elided.group(1)) + 1
            words += [word[:cut], elided.group(2)]
            spans += [(tok.idx, tok.idx + cut), (tok.idx + cut, tok.idx + len(text))]
            continue
        words.append(speller.correct(word) if speller is not None else word)
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
        self.speller = Speller(self._lexicon())
        self._by_key: Dict[str, PatternEntry] = {}
        self._matchers: Dict[int, Tuple[Vocab, Matcher, PhraseMatcher, Language]] = {}
        self._matchers_for(self.vocab)  # build now: fail fast on a bad pattern

    def _lexicon(self) -> set:
        """Every literal word the patterns look for (and the stems of ``stem*``)."""
        words: set = set()
        for entry in self.entries:
            if entry.phrase:
                words.update(entry.phrase.split())
            for spec in (spec for p in entry.patterns for spec in p):
                value = spec.get("LOWER")
                if isinstance(value, str):
                    words.add(value)
                elif isinstance(value, dict) and "IN" in value:
                    words.update(value["IN"])
                elif isinstance(value, dict) and "REGEX" in value:
                    words.update(w.replace(".*", "") for w in
                                 re.findall(r"[a-z]+(?:\.\*)?", value["REGEX"].replace("\\", ""))
                                 if w.endswith(".*") and len(w) >= 6)
        return words

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
            if entry.patterns:
                try:
                    matcher.add(key, [list(p) for p in entry.patterns])
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
        words, offsets = _view(doc, tokenizer, self.speller)
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
            if any(r == reason and xs <= s and e <= xe for r, xs, xe in exceptions):
                return True
            # '*': a story, a scene, an "if I ever": every sign after it in its sentence
            sentence = negation.sentence_bounds(words, s, e)
            return any(r == ANY_REASON and xs <= s and negation.sentence_bounds(words, xs, xe) == sentence
                       for r, xs, xe in exceptions)

        excepted_keys = {(k, s, e) for k, s, e in positives if excepted(k, s, e)}
        # tokens of real symptom mentions: a negation word there belongs to the symptom
        in_match = frozenset(i for k, s, e in positives if (k, s, e) not in excepted_keys
                             for i in range(s, e))

        full_text = doc.text
        needs_of: Dict[Tuple[str, int, int], Tuple[str, ...]] = {}

        def char_span(s: int, e: int) -> Tuple[int, int, str]:
            start_char, end_char = offsets[s][0], offsets[e - 1][1]
            return start_char, end_char, full_text[start_char:end_char]

        out: List[Candidate] = []
        for key, s, e in positives:
            entry = self._by_key[key]
            level = "" if entry.is_concept else self._rules.reasons[entry.reason].level
            start_char, end_char, text = char_span(s, e)
            status, detail = "flagged", ""
            if (key, s, e) in excepted_keys:
                status = "exception"
            else:
                cue = negation.negation_cue(words, s, e, ignore=in_match,
                                            extra_triggers=NEGATIONS_BY_LANGUAGE.get(entry.lang,
                                                                                     frozenset()))
                if cue is not None:
                    status, detail = "negated", f"{cue.kind}: {cue.text!r}"
                elif entry.lang != "en":
                    pass  # the past-tense and question rules read English only: flag it
                elif (entry.is_concept or level in HISTORY_SENSITIVE_LEVELS) \
                        and negation.historical_cue(words, s, e):
                    status = "historical"
                    detail = negation.historical_cue(words, s, e) or ""
                elif not entry.is_concept and negation.is_general_question(
                        words, s, e, in_match=in_match,
                        serious=level in HISTORY_SENSITIVE_LEVELS):
                    # (a concept is context: the reason it supports decides report or question)
                    sent = negation.sentence_bounds(words, s, e)
                    if negation.other_sentence_report(words, *sent):
                        detail = "general question, but another sentence reports it"
                    else:
                        status = "general_question"
            out.append(Candidate(entry.reason, level, entry.id, text, start_char, end_char,
                                 status, detail, entry.lang))
            if entry.needs:
                needs_of[(entry.id, start_char, end_char)] = entry.needs

        # a reason that needs context (a fever with a stiff neck) without it is not flagged
        present = {c.reason for c in out if c.reason.startswith("@") and c.status == "flagged"}
        for i, cand in enumerate(out):
            needs = needs_of.get((cand.pattern_id, cand.start_char, cand.end_char))
            if needs and cand.status == "flagged" and not set(needs) <= present:
                missing = ", ".join(n[1:] for n in needs if n not in present)
                out[i] = Candidate(**{**asdict(cand), "status": "needs_context",
                                      "detail": f"without {missing}"})

        # de-duplicate per reason: keep the earliest (then longest) flagged mention
        seen = set()
        result: List[Candidate] = []
        # earliest, then longest; at a tie the other language wins ("convulsão": pt, not en)
        for cand in sorted(out, key=lambda c: (c.start_char, -(c.end_char - c.start_char),
                                               c.lang == "en")):
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
            RedFlagHit(c.reason, c.level, c.text, c.start_char, c.end_char, c.lang)
            for c in self.analyze(doc)
            if c.status == "flagged" and not c.reason.startswith("@")
        ]
        rank = {name: i for i, name in enumerate(self._rules.level_names)}
        return sorted(hits, key=lambda h: (rank[h.level], h.start_char))

    def detect_text(self, text: str) -> List[RedFlagHit]:
        """Red flags in a text of any length (offsets into ``fold_text(text)``)."""
        text = fold_text(text)
        if len(text) <= WINDOW_CHARS:
            return self.detect(self._nlp.make_doc(text))
        found: Dict[str, RedFlagHit] = {}
        for start in range(0, len(text), WINDOW_CHARS - WINDOW_OVERLAP):
            for hit in self.detect(self._nlp.make_doc(text[start:start + WINDOW_CHARS])):
                if hit.reason not in found:
                    found[hit.reason] = RedFlagHit(hit.reason, hit.level, hit.text,
                                                   hit.start_char + start, hit.end_char + start,
                                                   hit.lang)
        rank = {name: i for i, name in enumerate(self._rules.level_names)}
        return sorted(found.values(), key=lambda h: (rank[h.level], h.start_char))


@lru_cache(maxsize=1)
def default_detector() -> RedFlagDetector:
    """A cached detector on the module-level blank English pipeline."""
    return RedFlagDetector(blank_nlp())


def detect_text(text: str) -> List[RedFlagHit]:
    """Convenience for tests and the CLI: tokenise with a cached ``spacy.blank("en")``."""
    return default_detector().detect_text(text)
