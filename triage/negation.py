"""Deterministic context rules for red-flag matches (a small NegEx, plus "is this a report?").

Works on plain lists of lower-cased token strings (the tokenisation of spaCy's blank
English tokenizer: "don't" -> "do", "n't"; "cant" -> "ca", "nt"; "I'm" -> "i", "'m"),
so it can be tested without spaCy. Two questions are answered for a matched span
``words[start:end]``:

1. ``negation_cue(...)`` -- is the symptom denied or reported absent?
   * pre-negation triggers within a window before the match ("no", "not", "n't",
     "never", "without", "denies", "free of", ...), unless the trigger is a
     pseudo-negation ("not only", "not sure", "no idea", "can't tell", "no longer") or
     a scope terminator lies in between ("but", "however", "and now", a full stop, a
     comma or "and" that starts a new clause, a new first-person subject);
   * post-negation after the match: "... is fine / normal / ok", "... isn't a problem",
     and checklist answers "chest pain? no".
   * "never ... like this / this bad" is a comparison, not a denial.
   Negation words *inside* the match belong to the symptom ("can't breathe",
   "no strength in my arm") and are never treated as cues.

2. ``is_general_question(...)`` -- is the match part of a general question ABOUT a red
   flag with no first-person or present report ("is chest pain a warning sign?")? Such
   questions are not flagged; first-person, possessive, third-person-specific, "this",
   and present-time reports inside questions are ("should I worry that I have trouble
   breathing?"). When in doubt the answer is False (flag it): a missed red flag is the
   worst failure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Optional, Sequence, Tuple

#: window (tokens) before the match in which a pre-negation trigger applies
PRE_WINDOW = 6
#: window (tokens) after the match in which a post-negation phrase applies
POST_WINDOW = 4

NEG_WORDS = frozenset({"no", "not", "n't", "nt", "never", "without", "w/o", "none", "nor",
                       "neither", "denies", "deny", "denied", "nothing"})

# single-token pre-negation triggers
PRE_TRIGGERS_1 = frozenset({"no", "not", "n't", "nt", "never", "without", "w/o", "nor",
                            "neither", "denies", "deny", "denied", "zero", "lack", "nothing",
                            "nothings"})
# multi-token pre-negation triggers (as tuples, matched at any position)
PRE_TRIGGERS_N: Tuple[Tuple[str, ...], ...] = (
    ("free", "of"),
    ("absence", "of"),
    ("negative", "for"),
    ("ruled", "out"),
    ("nothing", "like"),
)
# triggers whose scope crosses a new first-person subject: "I don't think I have ..."
CROSS_SUBJECT_AFTER_NEG = frozenset({"think", "believe", "feel", "reckon", "suppose"})

# pseudo-negations: contain a negation word but do not negate what follows
PSEUDO: Tuple[Tuple[str, ...], ...] = (
    ("not", "only"), ("not", "just"), ("not", "sure"), ("not", "certain"),
    ("n't", "know"), ("nt", "know"), ("not", "know"), ("no", "idea"), ("no", "clue"),
    ("n't", "tell"), ("nt", "tell"), ("not", "tell"), ("n't", "say"),
    ("n't", "understand"), ("nt", "understand"), ("n't", "explain"),
    ("no", "longer"), ("no", "doubt"), ("no", "matter"), ("not", "necessarily"),
    ("or", "not"), ("if", "not"), ("not", "to", "mention"), ("no", "wonder"),
    ("n't", "stop"), ("nt", "stop"), ("not", "stop"), ("n't", "help"), ("nt", "help"),
    ("n't", "wait"), ("n't", "figure"), ("not", "normal"), ("n't", "normal"), ("nt", "normal"),
    ("n't", "right"), ("nt", "right"), ("not", "right"), ("not", "good"), ("n't", "good"),
    ("nothing", "but"), ("n't", "sleep"), ("nt", "sleep"), ("not", "sleeping"),
    ("without", "noticing"), ("without", "realising"), ("without", "realizing"),
    ("without", "knowing"), ("without", "warning"), ("without", "feeling"),
    # "won't quit / let up / ease": the symptom persists, nothing is denied
    ("n't", "quit"), ("nt", "quit"), ("n't", "let"), ("nt", "let"), ("n't", "ease"),
    ("nt", "ease"), ("n't", "settle"), ("nt", "settle"), ("n't", "budge"), ("nt", "budge"),
    ("n't", "shift"), ("nt", "shift"), ("n't", "go", "away"), ("nt", "go", "away"),
    ("n't", "control"), ("nt", "control"), ("not", "control"),
)

# tokens that end a negation scope (between the trigger and the match)
TERMINATORS = frozenset({
    ".", "!", "?", ";", ":", "...", "\n", "but", "however", "although", "though", "yet",
    "except", "apart", "aside", "still", "whereas", "because", "cause", "coz", "cuz",
    "since", "when", "whenever", "while", "now", "then", "so", "which", "who", "why",
    "what", "how", "where", "until", "unless", "instead", "plus", "also", "anyway",
    "actually", "suddenly", "today", "tonight", "currently",
})
# a comma or "and" ends the scope only when a new clause starts after it
CLAUSE_JOINERS = frozenset({",", "and", "&", "-", "--", "–", "—"})
CLAUSE_STARTERS = frozenset({
    "i", "im", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "their",
    "his", "her", "this", "that", "there", "these", "those", "the", "now", "then", "also",
    "still", "suddenly", "just", "really", "can", "ca", "cannot", "could", "should", "would",
    "will", "wo", "do", "does", "did", "is", "are", "was", "were", "am", "have", "has", "had",
    "feel", "feels", "felt", "get", "got", "getting", "keep", "keeps", "started", "today",
    "tonight", "yesterday", "currently", "sometimes", "but", "so", "plus", "although",
})
FIRST_PERSON_SUBJECT = frozenset({"i", "im", "ive", "id", "we"})
INTERJECTION_NO = frozenset({"no", "nope", "nah"})

# post-negation: "<match> (is|feels|...)? (totally|...)? fine"
POST_COPULA = frozenset({"is", "'s", "s", "are", "'re", "was", "were", "has", "have", "been",
                         "feels", "feel", "felt", "seems", "seem", "seemed", "looks", "sounds",
                         "all", "totally", "completely", "perfectly", "absolutely", "pretty",
                         "quite", "really", "just", "now", "actually", "still", "doing"})
POST_FINE = frozenset({"fine", "ok", "okay", "normal", "good", "alright", "great", "perfect",
                       "unaffected", "clear", "absent"})
POST_NOT_PROBLEM = frozenset({"problem", "issue", "concern", "worry"})
ANSWER_NO = frozenset({"no", "none", "nope", "nah", "negative", "absent", "nil", "never"})
ANSWER_SEPARATORS = frozenset({"?", ":", "-", "=", "--", "–", "—", ","})
COMPARATIVE_AFTER_NEVER = (("like", "this"), ("like", "that"), ("this", "bad"), ("so", "bad"),
                           ("this", "much"), ("so", "much"), ("before", "like"))

SENTENCE_END = frozenset({".", "!", "?", ";", "...", "\n", "?!", "!?", "??", "!!"})


def is_sentence_end(word: str) -> bool:
    if word in SENTENCE_END:
        return True
    if "\n" in word:
        return True
    return bool(word) and all(ch in ".!?;" for ch in word)


#: a run-on "sentence" is looked at no further than this many tokens either side of a match
#: (keeps every check O(1) per match, so a huge message stays linear)
MAX_SENTENCE_REACH = 60


def sentence_bounds(words: Sequence[str], start: int, end: int) -> Tuple[int, int]:
    """(first, last+1) token index of the sentence containing words[start:end]."""
    s = start
    lo = max(0, start - MAX_SENTENCE_REACH)
    while s > lo and not is_sentence_end(words[s - 1]):
        s -= 1
    e = end
    hi = min(len(words), end + MAX_SENTENCE_REACH)
    while e < hi and not is_sentence_end(words[e]):
        e += 1
    if e < len(words) and is_sentence_end(words[e]):
        e += 1  # include the sentence-final punctuation
    return s, e


def _at(words: Sequence[str], i: int, phrase: Tuple[str, ...]) -> bool:
    return tuple(words[i:i + len(phrase)]) == phrase


def _pseudo_covering(words: Sequence[str], i: int) -> bool:
    """True if token i is part of a pseudo-negation phrase."""
    for phrase in PSEUDO:
        for offset in range(len(phrase)):
            j = i - offset
            if j >= 0 and _at(words, j, phrase):
                return True
    return False


@dataclass(frozen=True)
class NegationCue:
    kind: str  # 'pre' | 'post' | 'answer'
    start: int
    end: int
    text: str


def _pre_trigger_at(words: Sequence[str], i: int) -> Optional[Tuple[int, int]]:
    """If a pre-negation trigger covers token i return its (start, end)."""
    w = words[i]
    if w in PRE_TRIGGERS_1:
        if w == "lack" and not _at(words, i, ("lack", "of")):
            return None
        return i, i + 1
    for phrase in PRE_TRIGGERS_N:
        for offset in range(len(phrase)):
            j = i - offset
            if j >= 0 and _at(words, j, phrase):
                return j, j + len(phrase)
    return None


ONSET_WORDS = frozenset({"until", "till", "til", "untill"})
ONSET_BEFORE_NEXT = frozenset({"now", "today", "tonight", "this", "yesterday", "the", "a", "an",
                               "last", "recently", "lately"})


def _onset_after(words: Sequence[str], end: int, sent_end: int) -> bool:
    """'<denied symptom> until today / before the cramp': the denial is about the past."""
    for k in range(end, min(sent_end, end + POST_WINDOW)):
        w = words[k]
        nxt = words[k + 1] if k + 1 < len(words) else ""
        if w in ONSET_WORDS:
            return True
        if w == "before" and nxt in ONSET_BEFORE_NEXT:
            return True
    return False


def negation_cue(
    words: Sequence[str],
    start: int,
    end: int,
    *,
    ignore: AbstractSet[int] = frozenset(),
    extra_triggers: AbstractSet[str] = frozenset(),
) -> Optional[NegationCue]:
    """Return the cue that negates words[start:end], or None if the match stands.

    ``ignore``: token indices that belong to other (positive) red-flag matches; a
    negation word there belongs to that symptom ("can't breathe") and is no cue.
    ``extra_triggers``: negation words of the language the pattern is in ("sin", "kein").
    """
    sent_start, sent_end = sentence_bounds(words, start, end)

    # ---- pre-negation -------------------------------------------------------------
    crossed_subject = False
    i = start - 1
    lo = max(sent_start, start - PRE_WINDOW)
    while i >= lo:
        w = words[i]
        if w in TERMINATORS:
            break
        if w in CLAUSE_JOINERS and i + 1 < len(words) and words[i + 1] in CLAUSE_STARTERS:
            break
        if i in ignore:
            i -= 1
            continue
        if w in FIRST_PERSON_SUBJECT:
            crossed_subject = True
            i -= 1
            continue
        trig = _pre_trigger_at(words, i) or ((i, i + 1) if w in extra_triggers else None)
        if trig and not _pseudo_covering(words, i):
            t_start, t_end = trig
            # "no, I have ..." / "no my chest hurts": an answer word, not a negation
            if w in INTERJECTION_NO and t_end < len(words) and (
                words[t_end] in CLAUSE_STARTERS or words[t_end] in CLAUSE_JOINERS
            ) and t_end < start:
                i -= 1
                continue
            if crossed_subject and not (
                w in {"n't", "nt", "not"} and t_end < len(words)
                and words[t_end] in CROSS_SUBJECT_AFTER_NEG
            ):
                # a new clause with its own subject started after the trigger
                break
            if w == "never":
                between = set(words[t_end:end])  # includes the match: "pain like this"
                after = words[end:end + 3]
                if between & {"this", "so", "such", "that"} or any(
                    tuple(after[k:k + 2]) == c for c in COMPARATIVE_AFTER_NEVER for k in range(2)
                ):
                    i -= 1
                    continue
            if _onset_after(words, end, sent_end):
                # "I never had chest pain until this morning": it has started now
                break
            return NegationCue("pre", t_start, t_end, " ".join(words[t_start:t_end]))
        i -= 1

    # ---- checklist answer: "chest pain? no" / "trouble breathing: none" -----------
    j = end
    if j < len(words) and words[j] in ANSWER_SEPARATORS:
        j += 1
    if start == sent_start and j < len(words) and words[j] in ANSWER_NO:
        nxt = words[j + 1] if j + 1 < len(words) else "."
        if nxt in ANSWER_SEPARATORS or is_sentence_end(nxt) or nxt in {"and", "but"}:
            return NegationCue("answer", j, j + 1, words[j])

    # ---- post-negation: "<match> is fine", "<match> isn't a problem" --------------
    j = end
    hi = min(sent_end, end + POST_WINDOW)
    seen_copula = False
    while j < hi:
        w = words[j]
        if w in POST_FINE and seen_copula:
            return NegationCue("post", end, j + 1, " ".join(words[end:j + 1]))
        if w in {"not", "n't", "nt", "no"} and seen_copula:
            k = j + 1
            while k < min(len(words), j + 3) and words[k] in {"a", "an", "any", "really", "big"}:
                k += 1
            if k < len(words) and words[k] in POST_NOT_PROBLEM:
                return NegationCue("post", end, k + 1, " ".join(words[end:k + 1]))
            break
        if w in POST_COPULA:
            seen_copula = True
            j += 1
            continue
        break
    return None


# =============================================================================
# Distant history: "I had chest pain years ago, it was anxiety"
# =============================================================================
DISTANT_UNITS = frozenset({"years", "year", "yrs", "months", "decades", "decade"})
# ("back" is not here: it is a body part too -- "it's back" is in RECURRENCE_PHRASES)
PRESENT_AGAIN = frozenset({"now", "again", "still", "today", "tonight", "currently",
                           "returned", "recently", "lately", "since", "anymore", "rn", "morning",
                           "hours", "hour", "minutes", "yesterday", "week", "days"})


#: it has come back: the past mention is about now too
RECURRENCE = frozenset({"again", "returned", "returning", "recurred", "recurring", "still"})
RECURRENCE_PHRASES = (("'s", "back"), ("is", "back"), ("came", "back"), ("coming", "back"),
                      ("come", "back"), ("are", "back"), ("'re", "back"), ("has", "returned"))

#: words that start a contrasting part of a sentence ("..., but now ...")
CONTRAST_WORDS = frozenset({"but", "however", "whereas", "although", "though", "nowadays"})
PRESENT_STARTERS = frozenset({"now", "today", "currently", "lately", "recently", "nowadays"})


def _part_starts_at(words: Sequence[str], i: int) -> bool:
    w = words[i]
    if w in CONTRAST_WORDS:
        return True
    if w == "these" and i + 1 < len(words) and words[i + 1] == "days":
        return True
    return w in PRESENT_STARTERS and i > 0 and words[i - 1] in {",", "and", "-", ";"}


def _contrast_part(words: Sequence[str], s: int, e: int, start: int, end: int) -> Tuple[int, int]:
    """The part of the sentence words[s:e] that holds the match, cut at contrast
    words ("years ago I had X, it cleared up, now I get Y": the part with X)."""
    lo = start
    while lo > s and not _part_starts_at(words, lo):
        lo -= 1
    hi = end
    while hi < e and not _part_starts_at(words, hi):
        hi += 1
    return lo, hi


#: "as a ___" that places a memory in the past
CHILDHOOD_NOUNS = frozenset({"child", "kid", "teenager", "teen", "baby", "toddler", "boy", "girl",
                             "student", "youngster", "youth", "schoolboy", "schoolgirl", "young"})


def historical_cue(words: Sequence[str], start: int, end: int) -> Optional[str]:
    """A distant-past marker in the sentence ("years ago", "last year", "as a child", "in
    2019") with no sign that it is happening again now. Returns the marker or None."""
    s, e = sentence_bounds(words, start, end)
    # Only the part of the sentence the match is in counts: "I had chest pain as a
    # teenager, but now it's a twitch" -- "now" belongs to the twitch, not the pain.
    whole = list(words[s:e])
    if any(_at(whole, k, p) for k in range(len(whole))
           for p in (("never", "since"), ("not", "since"), ("nothing", "since"))):
        return "never since"  # "I fainted once when I was 14, never since"
    if any(w in RECURRENCE for w in whole) or any(
        _at(whole, k, p) for k in range(len(whole)) for p in RECURRENCE_PHRASES
    ):
        return None  # "... years ago and now it's back"
    s, e = _contrast_part(words, s, e, start, end)
    sent = list(words[s:e])
    if any(w in PRESENT_AGAIN for w in sent):
        return None
    for i, w in enumerate(sent):
        nxt = sent[i + 1] if i + 1 < len(sent) else ""
        prev = sent[i - 1] if i > 0 else ""
        if w in DISTANT_UNITS and nxt in {"ago", "back", "before"}:
            return f"{prev} {w} {nxt}"
        if w == "last" and nxt in {"year", "decade"}:
            return "last year"
        # "as a child", "as a teenager" -- not "stiff as a plank" or "white as a sheet"
        if w == "as" and (nxt in {"child", "kid", "kids", "teenager", "teen", "teens", "children"} or (
                nxt in {"a", "an"} and i + 2 < len(sent) and sent[i + 2] in CHILDHOOD_NOUNS)):
            return "as a child"
        if w == "in" and len(nxt) == 4 and nxt.isdigit() and nxt[:2] in {"19", "20"}:
            return f"in {nxt}"
        if w == "when" and nxt in {"i", "he", "she"} and i + 3 < len(sent) and sent[i + 2] in {
            "was", "were"
        } and (sent[i + 3] in {"young", "younger", "a", "little", "small", "pregnant", "child", "kid",
                               "teenager", "in", "at"} or sent[i + 3].isdigit()):
            return "when I was younger"
        if w in {"never", "not"} and nxt == "since":
            return "never since"
        # "always has since I was a kid", "since childhood", "all my life": lifelong, not new
        if w == "since" and nxt in {"childhood", "birth", "school"}:
            return "since childhood"
        if w == "since" and nxt in {"i", "he", "she"} and i + 3 < len(sent) and sent[i + 2] in {
                "was", "were"} and sent[i + 3] in {"a", "little", "small", "young", "kid", "child",
                                                   "teenager", "baby", "born"}:
            return "since childhood"
        if w in {"all", "whole"} and nxt == "my" and i + 2 < len(sent) and sent[i + 2] in {"life", "childhood"}:
            return "all my life"
        if w == "my" and nxt == "whole" and i + 2 < len(sent) and sent[i + 2] == "life":
            return "all my life"
        if w == "back" and nxt == "in" and i + 2 < len(sent) and (
                sent[i + 2] == "the" or sent[i + 2].isdigit()):
            return "back in"  # "back in the 90s", "back in 2009"
    return None


# =============================================================================
# General questions about red flags vs first-person / present reports
# =============================================================================
WH_OPENERS = frozenset({"what", "whats", "when", "why", "how", "which", "who", "where",
                        "whom", "whether", "wat", "wht"})
AUX_OPENERS = frozenset({"is", "are", "was", "were", "does", "do", "did", "can", "could",
                         "should", "would", "will", "shall", "may", "might", "must", "isnt",
                         "arent", "doesnt", "dont", "cant", "shouldnt", "wouldnt"})
AUX_OPENERS_NEED_QMARK = frozenset({"has", "have", "had"})
INFO_OPENERS = frozenset({"tell", "explain", "describe", "define", "info", "information",
                          "difference", "differences", "compare", "list", "any", "facts",
                          "learn", "curious", "wondering", "if", "in", "under"})
# "in what cases ...", "under which conditions ..." only count when a wh-word follows
NEEDS_WH_AFTER = frozenset({"in", "under"})
LEADING_FILLERS = frozenset({"so", "ok", "okay", "hi", "hello", "hey", "um", "umm", "uh", "well",
                             "and", "but", "also", "quick", "question", ":", ",", "-", "doc",
                             "doctor", "please", "sorry", "btw", "oh", "then", "just",
                             "bot", "yo", "thanks", "generally", "honestly", "kindly", "pls",
                             "plz", "plse", "pleas", "sir", "madam", "mam", "maam", "abeg"})
# first-person frames that are not reports: "I want to know ...", "I wonder ..."
FRAME_OPENERS: Tuple[Tuple[str, ...], ...] = (
    ("i", "want", "to", "know"), ("i", "wanna", "know"), ("i", "'d", "like", "to", "know"),
    ("i", "would", "like", "to", "know"), ("i", "d", "like", "to", "know"), ("i", "wonder"),
    ("i", "was", "wondering"), ("i", "am", "wondering"), ("i", "'m", "wondering"),
    ("i", "m", "wondering"), ("i", "'m", "curious"), ("i", "am", "curious"), ("i", "m", "curious"),
    ("i", "have", "a", "question"), ("i", "'ve", "got", "a", "question"), ("i", "read"),
    ("i", "heard"), ("i", "'ve", "heard"), ("i", "'ve", "read"), ("i", "saw"),
    ("i", "want", "to", "learn"), ("i", "'d", "like", "to", "learn"),
    ("i", "want", "to", "understand"), ("we", "were", "wondering"),
)
MODALS_BEFORE_I = frozenset({"should", "do", "can", "could", "would", "shall", "will", "must",
                             "may", "might", "need", "does", "ca", "wo"})
FRAME_VERBS_BEFORE_ME = frozenset({"tell", "show", "give", "help", "let", "teach", "remind",
                                   "to", "explain", "inform", "send"})
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "im", "ive", "id", "we", "us",
                          "our", "ours", "ourselves", "mines"})
SPECIFIC_OTHER_PERSON = frozenset({"he", "she", "him", "his", "her", "hers", "herself",
                                   "himself", "mum", "mom", "dad", "husband", "wife"})
PRESENT_MARKERS = frozenset({"now", "currently", "today", "tonight", "yesterday", "ago",
                             "lately", "recently", "this", "rn", "atm", "moment", "since"})
# phrases that are the clause-level start of a question
CLAUSE_BREAKS = frozenset({",", ";", ":", "-", "--", "–", "—", "but", "so"})
SOFT_CLAUSE_BREAKS = frozenset({"and", "or", "&"})


def _clause_break_before(words: Sequence[str], i: int) -> bool:
    """Does a clause boundary sit just before token i?"""
    prev = words[i - 1]
    if prev in CLAUSE_BREAKS:
        return True
    return prev in SOFT_CLAUSE_BREAKS and words[i] in CLAUSE_STARTERS


def _frame_pronoun(words: Sequence[str], i: int, opener_frame: range) -> bool:
    """True if the first-person token at i is part of a question/request frame."""
    if i in opener_frame:
        return True
    w = words[i]
    prev = words[i - 1] if i > 0 else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    nxt2 = words[i + 2] if i + 2 < len(words) else ""
    if w in {"i", "we"} and prev in MODALS_BEFORE_I:
        # "do I have ..." is a report; "do I have to ..." is a frame
        if nxt in {"have", "'ve", "feel", "got"} and nxt2 != "to":
            return False
        return True
    if w in {"me", "us"} and prev in FRAME_VERBS_BEFORE_ME:
        return True
    # "what are the signs I should look out for": a relative clause of the question
    if w in {"i", "we"} and nxt in {"should", "need", "must", "ought", "can", "could"} and nxt2 in {
            "look", "watch", "know", "be", "keep", "check", "worry", "recognise", "recognize", "spot"}:
        return True
    return False


def _first_content(words: Sequence[str], lo: int, hi: int) -> int:
    i = lo
    while i < hi:
        if words[i] in LEADING_FILLERS or words[i] in CLAUSE_BREAKS:
            i += 1
        elif _at(words, i, ("out", "of", "curiosity")):
            i += 3
        else:
            break
    return i


def _is_opener(words: Sequence[str], i: int, hi: int, has_qmark: bool) -> Tuple[bool, range]:
    """Is token i the opener of a question / information request? Returns (yes, frame)."""
    if i >= hi:
        return False, range(0)
    w = words[i]
    for frame in FRAME_OPENERS:
        if _at(words, i, frame):
            return True, range(i, i + len(frame))
    if w in WH_OPENERS or w in AUX_OPENERS:
        return True, range(0)
    if w in AUX_OPENERS_NEED_QMARK and has_qmark:
        return True, range(0)
    if w in INFO_OPENERS:
        if w in NEEDS_WH_AFTER:
            return (i + 1 < hi and words[i + 1] in WH_OPENERS), range(0)
        return True, range(0)
    return False, range(0)


def report_marker(words: Sequence[str], lo: int, hi: int, frame: range = range(0)) -> Optional[int]:
    """Index of the first token in words[lo:hi] that marks a personal / present report."""
    for i in range(lo, hi):
        w = words[i]
        if w in FIRST_PERSON and not _frame_pronoun(words, i, frame):
            return i
        if w in SPECIFIC_OTHER_PERSON or w in PRESENT_MARKERS:
            return i
        if w == "the" and i + 1 < hi and words[i + 1] in {"new", "same"} and not (
                i + 2 < hi and words[i + 2] == "as"):
            return i  # "the new tablets": something specific to the writer ("the same as" is not)
        if w in {"right", "at"} and i + 1 < hi and words[i + 1] in {"now", "the"}:
            if w == "right" or (i + 2 < hi and words[i + 2] == "moment"):
                return i
    return None


#: "is it normal / ok / common that ...": people ask this about what is happening to them
NORMALITY_WORDS = frozenset({"normal", "ok", "okay", "common", "usual", "alright", "fine"})


def _asks_if_own_experience_is_normal(words: Sequence[str], first: int, hi: int) -> bool:
    """'is it normal that|to|if|when ...' (or 'is this|that normal')."""
    if first + 2 >= hi or words[first] not in {"is", "isnt", "are", "arent"}:
        return False
    if words[first + 1] in {"it", "this", "that"}:
        k = first + 2
        return words[k] in NORMALITY_WORDS and k + 1 < hi and words[k + 1] in {
            "that", "to", "if", "when", "for", "after"}
    # "is a numb bum normal with sciatica?"
    return any(w in {"normal", "ok", "okay"} for w in words[first + 2:hi])


def is_general_question(
    words: Sequence[str],
    start: int,
    end: int,
    *,
    in_match: AbstractSet[int] = frozenset(),
    serious: bool = False,
) -> bool:
    """True when words[start:end] sits in a general question ABOUT a symptom.

    ``serious``: the symptom is an emergency or urgent sign; then "is it normal
    that/to ..." is read as a report (people ask it about what is happening to them).

    ``in_match``: indices of tokens inside any positive red-flag match; a sentence or
    clause that *begins* with a symptom ("can't breathe, what do I do?") is a report.
    """
    sent_start, sent_end = sentence_bounds(words, start, end)
    has_qmark = any("?" in w for w in words[sent_start:sent_end])

    # clause containing the match
    c = start
    while c > sent_start and not _clause_break_before(words, c):
        c -= 1
    clause_first = _first_content(words, c, start + 1)
    if clause_first >= start:
        # the clause begins with the symptom itself: a report ("..., can't breathe")
        return False

    first = _first_content(words, sent_start, sent_end)
    sent_opener, frame = (False, range(0))
    if first < sent_end and first not in in_match:
        sent_opener, frame = _is_opener(words, first, sent_end, has_qmark)
    clause_opener = False
    if clause_first != first and clause_first not in in_match:
        clause_opener, clause_frame = _is_opener(words, clause_first, start, has_qmark)
        if clause_opener and clause_frame:
            frame = clause_frame
    if not (sent_opener or clause_opener):
        return False
    if serious and _asks_if_own_experience_is_normal(words, first, sent_end):
        return False  # "is it normal that every breath is a fight?": a report
    # any personal or present report in the sentence turns it into a report
    return report_marker(words, sent_start, sent_end, frame) is None


#: "... ? happened at work this morning": a time that makes the question a report
RECENT_TIMES = (("this", "morning"), ("this", "afternoon"), ("this", "evening"),
                ("last", "night"), ("earlier", "today"), ("just", "now"), ("an", "hour", "ago"),
                ("minutes", "ago"), ("mins", "ago"), ("hours", "ago"), ("it", "happened"),
                ("'s", "been"), ("has", "been"), ("'ve", "been"), ("have", "been"),
                ("it", "'s", "been"), ("its", "been"), ("been", "creeping"), ("since", "yesterday"))


def other_sentence_report(words: Sequence[str], sent_start: int, sent_end: int) -> bool:
    """True if another sentence refers back to the symptom as the writer's own
    ("Is chest pain a warning sign? I have it right now")."""
    anaphora = (("i", "have", "it"), ("i", "have", "that"), ("i", "'ve", "got", "it"),
                ("i", "got", "it"), ("i", "have", "this"), ("i", "'m", "having", "it"),
                ("i", "am", "having", "it"), ("i", "m", "having", "it"), ("i", "feel", "it"),
                ("i", "get", "it"), ("i", "get", "that"), ("i", "have", "those"),
                ("happening", "to", "me"), ("i", "'m", "having", "that"),
                ("that", "'s", "what", "i"), ("thats", "what", "i"), ("like", "mine"),
                ("i", "have", "both"), ("i", "do", "have"), ("i", "'ve", "had", "it"),
                ("happened", "to", "me"), ("happens", "to", "me"), ("up", "on", "me"),
                ("mine", "is"), ("mine", "'s"), ("it", "'s", "happening"), ("that", "happened"))
    lo = max(0, sent_start - 2 * MAX_SENTENCE_REACH)
    hi = min(len(words), sent_end + 2 * MAX_SENTENCE_REACH)
    for i in range(lo, hi):
        if sent_start <= i < sent_end:
            continue
        for phrase in anaphora:
            if _at(words, i, phrase):
                return True
        if words[i] in {"rn", "currently"} or _at(words, i, ("right", "now")) or _at(
            words, i, ("at", "the", "moment")
        ) or any(_at(words, i, p) for p in RECENT_TIMES):
            return True
    return False
