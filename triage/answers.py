"""Normalise free-text answers and button payloads to canonical slot values.

Pure functions, no spaCy, no Rasa. Each returns ``None`` when the text does not answer
the question (the form should ask again). Canonical values are accepted unchanged, so
button payloads that send the canonical value itself round-trip (idempotent).

    normalize_body_part(text)        -> 'calf' | 'thigh' | ... | None
    normalize_episode_duration(text) -> 'seconds' | 'minutes' | 'longer' | None
    normalize_pain(text)             -> 'none' | 'mild' | 'severe' | None
    normalize_yes_no(text)           -> True | False | None
    normalize_ongoing_for(text)      -> 'under_two_weeks' | 'over_two_weeks' | None
    normalize_triggers(text)         -> ['exercise', 'caffeine', ...] | ['none'] | None
"""
from __future__ import annotations

import re
from typing import Any, Iterable, List, Optional, Sequence, Tuple

BODY_PARTS: Tuple[str, ...] = (
    "calf", "thigh", "foot", "toe", "hand", "finger", "arm", "eyelid", "face", "back", "neck",
    "chest", "abdomen", "shoulder", "leg", "hip",
)
EPISODE_DURATIONS: Tuple[str, ...] = ("seconds", "minutes", "longer")
PAIN_LEVELS: Tuple[str, ...] = ("none", "mild", "severe")
ONGOING_FOR: Tuple[str, ...] = ("under_two_weeks", "over_two_weeks")
TRIGGERS: Tuple[str, ...] = (
    "exercise", "caffeine", "stress", "poor_sleep", "dehydration", "new_medicine", "none",
)

_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NUMBER_WORDS = {
    "zero": 0, "no": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "couple": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
    "few": 3, "several": 4, "half": 0.5,
}


def _clean(text: Any) -> Optional[str]:
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    text = text.translate(_APOS).lower().strip()
    # contractions people type without apostrophes, and "n't"
    text = re.sub(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|ca|wo)n'?t\b",
                  lambda m: {"ca": "can", "wo": "will"}.get(m.group(1), m.group(1)) + " not", text)
    text = re.sub(r"\b(can)n?'?t\b", "can not", text)
    text = re.sub(r"\bcannot\b", "can not", text)
    text = re.sub(r"\bdont\b", "do not", text)
    text = re.sub(r"\bi'?m\b", "i am", text)
    if not re.search(r"\d/\d", text):
        text = text.replace("/", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def _first(text: str, table: Sequence[Tuple[str, Any]]) -> Optional[Tuple[int, Any]]:
    """Earliest (position, value) among regex patterns in ``table``."""
    best = None
    for pattern, value in table:
        m = re.search(pattern, text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), value)
    return best


# =========================================================================== body part
# (pattern, canonical, specific?) -- specific parts win over the generic leg/arm/face.
_BODY_TABLE: Tuple[Tuple[str, str, bool], ...] = (
    (r"\b(eye ?lids?|eye-lids?|lids?|eyes?|under (my|the) eye|eyebrows?|brows?)\b", "eyelid", True),
    (r"\b(calf|calves|calfs|calf muscles?|gastrocnemius|soleus|back of (my|the) (lower )?leg)\b", "calf", True),
    (r"\b(thighs?|hamstrings?|quads?|quadriceps|upper legs?|groin)\b", "thigh", True),
    (r"\b(toes?|big toe)\b", "toe", True),
    (r"\b(feet|foot|arch(es)?|soles?|heels?|instep|ankles?)\b", "foot", True),
    (r"\b(fingers?|thumbs?|pinky|pinkie|index finger|knuckles?)\b", "finger", True),
    (r"\b(hands?|palms?|wrists?)\b", "hand", True),
    (r"\b(shoulders?|shoulder blades?|traps?|trapezius|deltoids?|delts?|rotator cuff)\b", "shoulder", True),
    (r"\b(neck|throat|nape)\b", "neck", True),
    (r"\b(chest|pecs?|pectorals?|ribs?|rib ?cage|sternum|breast ?bone)\b", "chest", True),
    (r"\b(abdomen|abdominals?|abs|stomach|tummy|belly|bellies|side of (my|the) (stomach|belly)|"
     r"waist|obliques?|core|midriff)\b", "abdomen", True),
    (r"\b(back|lower back|upper back|spine|lumbar|lats?|back muscles?)\b", "back", True),
    (r"\b(hips?|glutes?|buttocks?|butt|bum|backside)\b", "hip", True),
    (r"\b(face|cheeks?|lips?|mouth|jaw|chin|temples?|forehead|nose|facial)\b", "face", False),
    (r"\b(arms?|biceps?|triceps?|forearms?|upper arms?|elbows?)\b", "arm", False),
    (r"\b(legs?|shins?|knees?|lower legs?|hamstring)\b", "leg", False),
)


def normalize_body_part(text: Any) -> Optional[str]:
    """Free text ("my calf muscle", "left eye", "lower back") -> canonical body part."""
    t = _clean(text)
    if not t:
        return None
    if t in BODY_PARTS:
        return t
    specific, generic = [], []
    for pattern, value, is_specific in _BODY_TABLE:
        m = re.search(pattern, t)
        if m:
            (specific if is_specific else generic).append((m.start(), value))
    # "back of my leg" is a calf, not a back
    if specific and any(v == "calf" for _, v in specific):
        specific = [(p, v) for p, v in specific if v != "back"] or specific
    if specific:
        return min(specific)[1]
    if generic:
        return min(generic)[1]
    return None


# =========================================================================== durations
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"


def _num(token: str) -> Optional[float]:
    try:
        return float(token)
    except ValueError:
        return _NUMBER_WORDS.get(token)


_UNIT_SECONDS = r"(s|sec|secs|second|seconds|seconds?)"
_UNIT_MINUTES = r"(m|min|mins|minute|minutes|minuts|mns)"
_UNIT_HOURS = r"(h|hr|hrs|hour|hours|hrs?)"


def normalize_episode_duration(text: Any) -> Optional[str]:
    """How long one episode lasts: 'seconds' | 'minutes' | 'longer'."""
    t = _clean(text)
    if not t:
        return None
    if t in EPISODE_DURATIONS:
        return t
    t = re.sub(r"\bhalf (an|a) hour\b", "30 minutes", t)
    t = re.sub(r"\b(a )?quarter of an hour\b", "15 minutes", t)
    found = []  # ranks: 0 seconds, 1 minutes, 2 longer
    if _has(t, r"\b(hours?|hrs?|all day|all night|whole day|whole night|the entire day|"
               r"day long|days?|constant(ly)?|non ?stop|never stops?|does not stop|will not stop|"
               r"keeps going|ongoing|still going|permanent|all the time|longer|long time|"
               r"half a day|overnight|weeks?)\b", r"\d+\s*h(rs?|ours?)?\b"):
        found.append(2)
    if _has(t, r"\b(minutes?|mins?|minuts|a minute|couple of minutes|half an hour|"
               r"quarter of an hour|while|a bit|long-?ish)\b", r"\d+\s*m(in|ins|inutes?)?\b"):
        found.append(1)
    if _has(t, r"\b(seconds?|secs?|moments?|instant(ly)?|brief(ly)?|quick(ly)?|split second|"
               r"flash|blink|fleeting|momentary|second or two|few secs?|really short|very short|"
               r"short)\b", r"\d+\s*s(ec|ecs|econds?)?\b"):
        found.append(0)
    # numeric minutes: "90 minutes" -> longer; "less than a minute" -> seconds
    m = re.search(_NUM + r"\s*(\+|plus)?\s*(minutes?|mins?|min|m)\b", t)
    if m and (_num(m.group(1)) or 0) >= 60:
        found.append(2)
    if _has(t, r"\b(less than|under|not even|not quite|barely|shorter than) (a|one|1) min"):
        return "seconds"
    if _has(t, r"\b(more than|over|longer than|at least) (an|one|1) hour\b"):
        return "longer"
    if _has(t, r"\b(while|a bit)\b") and found == [1] and not _has(t, r"\bmin"):
        return None  # "a while" alone is too vague
    if not found:
        return None
    return EPISODE_DURATIONS[max(found)]


# =========================================================================== pain
_SEVERE = (
    r"\b(unbearable|unbearably|excruciating|excruciatingly|agoni[sz]ing|agony|intolerable|"
    r"severe|severely|extreme|extremely|worst|terrible|horrible|awful|horrendous|killing me|"
    r"crippling|debilitating|screaming|crying|can not (stand|bear|take|cope)|terribly|horribly|"
    r"badly|awfully|sick from|was sick|threw up|"
    r"so (bad|much)|really (bad|painful)|very (bad|painful)|a lot|lots|loads|intense|"
    r"sharp and|10 out of 10|9 out of 10|8 out of 10|7 out of 10|bad bad|well well|"
    r"too much|can not tek|cyaan tek|cyan tek|no fit bear|no fit take|unreal|insane|"
    r"off the charts|through the roof|nothing (helps|touches it|works)|"
    r"painkillers? (do not|does not|are not|is not|are|is) (work|working|useless|helping|touching))\b",
)
_NONE = (
    r"^(no|nope|nah|none|nothing|zero|0|not at all|no pain|painless|not really|never|"
    r"not painful|no it does not|it does not|does not hurt|does not|nope it does not)\b",
    r"\b(does not|did not|do not|will not|is not|was not|never) (really |actually |even )?"
    r"(hurt|hurts|ache|painful|sore)\b",
    r"\b(no|zero|without|without any|not any) (pain|discomfort|hurting|soreness)\b",
    r"\b(painless|pain-free|pain free|not painful|not sore|does not hurt at all|not at all)\b",
    r"\bjust (annoying|weird|strange|a flicker|twitchy|a twitch)\b",
)
_MILD = (
    r"\b(yes|yeah|yep|yup|yea|y|sure|mild|mildly|a bit|a little|slight|slightly|somewhat|"
    r"sore|soreness|ache|aches|achy|aching|hurts|hurt|hurting|painful|tender|uncomfortable|"
    r"discomfort|moderate|moderately|some|kind of|kinda|sort of|bit|little|manageable|"
    r"tolerable|bearable|not too bad|not that bad|not bad|ok|okay|tight|twinge|stings?|"
    r"stinging|pain|cramps?|cramping|sharp|stabbing|burning|throbbing|dull)\b",
)


_WORD_NUMBERS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_SCORE_WORD = r"(\d{1,2}(?:\.\d)?|" + "|".join(_WORD_NUMBERS) + r")"
# "a solid 8 or 9", "call it a ten", "about a 7": a score said without "/10"; not a
# number of minutes, days or times ("about 5 minutes" is a duration)
_SPOKEN_SCORE = re.compile(
    r"\b(?:a|an|about|around|roughly|solid|like|maybe|its|it's|it is|give it|call it|rate it|"
    r"easily|at least|nearly|almost|probably|def|definitely)\s+" + _SCORE_WORD +
    r"(?:\s*(?:or|-|to|/)\s*" + _SCORE_WORD + r")?\b"
    r"(?!\s*(?:min|mins|minute|minutes|hour|hours|hrs?|days?|weeks?|months?|years?|times?|x\b|%|"
    r"am\b|pm\b|o'clock|mg|seconds?|secs?|nights?))")


def _score_value(word: str) -> float:
    return float(_WORD_NUMBERS.get(word, word))


def _pain_score(t: str) -> Optional[str]:
    m = re.search(r"\b" + _SCORE_WORD + r"\s*(?:/|out of|of)\s*(?:10|ten)\b", t) or re.fullmatch(
        r"(\d{1,2}(?:\.\d)?)", t)
    spoken = _SPOKEN_SCORE.search(t)
    if not m and spoken:
        score = max(_score_value(g) for g in spoken.groups() if g)
        if score > 10:
            return None
        return "none" if score == 0 else ("severe" if score >= 7 else "mild")
    if not m:
        return None
    score = _score_value(m.group(1))
    if score > 10:
        return None
    if score == 0:
        return "none"
    return "severe" if score >= 7 else "mild"


def normalize_pain(text: Any) -> Optional[str]:
    """'none' | 'mild' | 'severe'. "no", "it doesn't hurt" -> none; "a bit sore", "yes it
    hurts" -> mild; "unbearable", "excruciating", 7-10/10 -> severe."""
    t = _clean(text)
    if not t:
        return None
    if t in PAIN_LEVELS:
        return t
    if t in {"moderate", "medium"}:
        return "mild"
    score = _pain_score(t)
    if score:
        return score
    severe = any(re.search(p, t) for p in _SEVERE)
    negated_severe = _has(t, r"\b(not|never|isn't|no)\b (that |so |too |very |really )?"
                             r"(severe|unbearable|excruciating|extreme|terrible|bad|a lot|intense|"
                             r"agoni[sz]ing|awful|horrible)\b",
                          r"\bnot (that|too|so) (much|bad)\b")
    if severe and not negated_severe:
        return "severe"
    if any(re.search(p, t) for p in _NONE):
        # "no, but it's a bit sore" -> mild
        if _has(t, r"\b(but|except|although|though)\b.*\b(sore|ache|aches|hurts|a bit|a little|"
                   r"twinge|tender|mild|painful)\b"):
            return "mild"
        return "none"
    if any(re.search(p, t) for p in _MILD) or negated_severe:
        return "mild"
    return None


# =========================================================================== yes / no
_YES = (
    r"\b(yes|yeah|yea|yep|yup|ya|yah|yas|y|yh|yeh|ye|yus|aye|sure|definitely|absolutely|"
    r"certainly|correct|true|affirmative|indeed|of course|i think so|i believe so|think so|probably|"
    r"only when|only in|only during|only with|when it (cramps|spasms|happens|starts|comes)|"
    r"during (them|it|the cramps|the spasms)|"
    r"maybe|possibly|perhaps|a little|a bit|a tad|slightly|somewhat|sometimes|occasionally|"
    r"kind of|kinda|sort of|sorta|now and then|on and off|once in a while|here and there|"
    r"from time to time|a few times|it does|it is|i do|i am|i have|it did|they do|they are|"
    r"there is|quite|very|often|yess+|yesh|ok yes|uh huh|mhm|mm hmm|a lot|loads)\b",
    r"^(yes|yeah|yep|y)\W*$",
    # "right" is a yes only on its own: "only my right thumb" is not
    r"^(right|that'?s right|that is right)\W*$",
)
_NO = (
    r"\b(no|nope|nah|naw|nay|n|none|never|not really|not at all|not that i know|"
    r"not that i (noticed|can tell|have noticed)|i do not think so|do not think so|"
    r"i do not|i am not|it does not|it is not|it did not|they do not|they are not|"
    r"i have not|i haven't|not|negative|false|nothing|no way|not much|hardly|barely|"
    r"nothing like that|neither|nada|nopes?|noo+|not particularly|not especially|"
    r"wrong|incorrect|(absolutely|definitely|certainly|of course|surely|totally) not)\b",
)
_UNSURE = r"\b(not sure|unsure|do not know|idk|dunno|no idea|can not tell|not certain|no clue|" \
          r"hard to (say|tell)|who knows|don't know|i am not sure)\b"


def normalize_yes_no(text: Any) -> Optional[bool]:
    """True for yes/yeah/a little/sometimes/maybe; False for no/nope/not really/none/
    "I don't think so"; None when unsure or unrelated."""
    if isinstance(text, bool):
        return text
    t = _clean(text)
    if not t:
        return None
    if t in {"true", "yes", "affirm", "/affirm", "1"}:
        return True
    if t in {"false", "no", "deny", "/deny", "0"}:
        return False
    if re.search(_UNSURE, t):
        return None
    spans = []
    for p in _YES:
        for m in re.finditer(p, t):
            spans.append((m.start(), m.end(), True))
    for p in _NO:
        for m in re.finditer(p, t):
            spans.append((m.start(), m.end(), False))
    if not spans:
        return None
    # drop spans inside a longer span ("think so" inside "i do not think so")
    kept = [s for s in spans
            if not any(o is not s and o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0])
                       for o in spans)]
    kept.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    return kept[0][2]


# =========================================================================== limited movement
_CANT_MOVE = (r"\b(can not|unable to|hard to|difficult to|struggle to|struggling to|trouble) "
              r"(\w+ )?(bend|straighten|move|stretch|flex|extend|turn|lift|open|close|point|use|walk)\b",
              r"\b(stuck|locked|seized|seizes|frozen|locks up|won'?t (move|bend|straighten))\b",
              r"\b(only|just) (partly|halfway|half way|a bit)\b")
_MOVES_FINE = r"\b(can|could) (still )?(move|bend|straighten|use) (it |them )?(fine|normally|freely|ok|okay|all the way)\b"


def normalize_limited_motion(text: Any) -> Optional[bool]:
    """The answer to "is it hard to move that part fully?": "I can't bend it", "I can't
    straighten my leg until it eases", "it locks up" -> True; "I can move it fine" ->
    False; otherwise a yes or a no ("I can't" alone is a yes: it is hard)."""
    if isinstance(text, bool):
        return text
    t = _clean(text)
    if not t:
        return None
    if re.search(_MOVES_FINE, t):
        return False
    if any(re.search(p, t) for p in _CANT_MOVE) or re.fullmatch(r"(i |no,? i )?can not\W*", t):
        return True
    return normalize_yes_no(t)


# =========================================================================== more than one place
_ONE_PLACE = r"^(only|just|mostly just|purely) \b|\b(one place|one spot|same place|same spot|just there|only there|only that|just that)\b"


def body_parts_in(text: Any) -> List[str]:
    """The distinct body parts a text names, specific ones first: "legs and lower back"
    -> ["leg", "back"] (order of the body-part table)."""
    t = _clean(text) or ""
    found: List[str] = []
    for pattern, canonical, _specific in _BODY_TABLE:
        if re.search(pattern, t) and canonical not in found:
            found.append(canonical)
    return found


def normalize_multiple_places(text: Any) -> Optional[bool]:
    """The answer to "does it happen in more than one place?": two or more body parts
    named -> True ("legs and lower back"); "only/just" one part -> False ("only my right
    thumb", "just my lower back"); otherwise a yes or a no."""
    if isinstance(text, bool):
        return text
    t = _clean(text)
    if not t:
        return None
    parts = body_parts_in(t)
    if len(parts) >= 2 or re.search(r"\b(both|all over|several|multiple|various|different) ", t):
        return True
    if re.search(_ONE_PLACE, t):
        return False
    answer = normalize_yes_no(t)
    if answer is None and len(parts) == 1:
        return False  # "my left eyelid": one place named
    return answer


# =========================================================================== ongoing for
_UNDER = "under_two_weeks"
_OVER = "over_two_weeks"


def normalize_ongoing_for(text: Any) -> Optional[str]:
    """How long the problem has been going on: 'under_two_weeks' | 'over_two_weeks'.
    Exactly two weeks counts as over (it is still going on)."""
    t = _clean(text)
    if not t:
        return None
    if t in ONGOING_FOR:
        return t
    if t in {"under", "less", "under 2 weeks", "less than 2 weeks"}:
        return _UNDER
    if t in {"over", "more", "over 2 weeks", "more than 2 weeks"}:
        return _OVER
    less = _has(t, r"\b(less than|under|fewer than|not even|almost|nearly|just under|not quite|"
                   r"shy of|within)\b")
    results = []
    # (?<![a-z]): a unit is a word of its own or follows a number ("3d"), never the end
    # of a word ("and" is not "d", "only" is not "y")
    for m in re.finditer(_NUM + r"?\s*-?\s*(?:to|or|-)?\s*" + _NUM + r"?\s*(?:of\s+)?"
                         r"(?<![a-z])(days?|d|weeks?|wks?|w|months?|mos?|mths?|years?|yrs?|y|hours?|hrs?|nights?|"
                         r"fortnights?)\b", t):
        n1, n2, unit = m.group(1), m.group(2), m.group(3)
        nums = [x for x in (_num(n1) if n1 else None, _num(n2) if n2 else None) if x is not None]
        n = max(nums) if nums else None
        if n is None and not unit.endswith("s"):
            n = 1  # "since last week", "a day"
        if unit.startswith(("month", "mo", "mth", "year", "yr")) or unit == "y":
            if n is not None and n < 0.5:
                continue
            results.append(_OVER)
        elif unit.startswith("fortnight"):
            results.append(_UNDER if less else _OVER)
        elif unit.startswith(("week", "wk")) or unit == "w":
            if n is None:  # "weeks", "for weeks"
                results.append(_OVER if not less else _UNDER)
            elif n > 2 or (n == 2 and not less):
                results.append(_OVER if not (less and n <= 2) else _UNDER)
            else:
                results.append(_UNDER)
        elif unit.startswith(("day", "night")) or unit == "d":
            if n is None:  # "days"
                results.append(_UNDER)
            elif n >= 14 and not (less and n <= 14):
                results.append(_OVER)
            else:
                results.append(_UNDER)
        elif unit.startswith(("hour", "hr")):
            results.append(_UNDER)
    if _has(t, r"\bweek or two\b", r"\b(one|1) or (two|2) weeks\b"):
        results.append(_OVER)  # up to two weeks and still going: counts as over
    if _OVER in results:
        return _OVER
    if results:
        return _UNDER
    if _has(t, r"\b(ages|forever|years|long time|long while|ever since|as long as i can remember|"
               r"since (about |around |roughly |maybe |early |late |mid |the start of |the end of )?(last )?(month|year|summer|winter|spring|autumn|fall|christmas|"
               r"january|february|march|april|may|june|july|august|september|october|november|"
               r"december))\b"):
        return _OVER
    if _has(t, r"\b(today|yesterday|this morning|this afternoon|this evening|tonight|last night|"
               r"just (started|now|began|happened)|since (yesterday|monday|tuesday|wednesday|"
               r"thursday|friday|saturday|sunday|the weekend|last week|this week)|this week|"
               r"last week|the other day|recently|a day|a week|a few days|couple of days|"
               r"couple days|few days|days|a moment ago|an hour ago|new|first time|just once)\b"):
        return _UNDER
    return None


# =========================================================================== triggers
_TRIGGER_TABLE: Tuple[Tuple[str, str], ...] = (
    ("exercise", r"\b(exercis\w*|work(ing|ed)? ?out|workouts?|gym|run|runs|running|ran|jog\w*|"
                 r"sports?|training|trained|lifting|lifted|weights|cycling|bik(e|ing)|cycle|"
                 r"swim\w*|hik(e|ing)|walk(s|ing|ed)?|long walk|football|soccer|tennis|"
                 r"basketball|rugby|hockey|marathon|sprint\w*|cardio|crossfit|hiit|yoga|pilates|"
                 r"squats?|leg day|physical activity|overexert\w*|over-?use|overdid it|"
                 r"overdoing it|strain(ed)?|climbing|dancing|danced|match|game|practice|race)\b"),
    ("caffeine", r"\b(caffeine|caffeinated|coffees?|espressos?|lattes?|cappuccinos?|americanos?|"
                 r"energy drinks?|red ?bull|monster|cola|coke|pepsi|tea|teas|pre-?workout|"
                 r"mountain dew|double shot|cups? of (joe|coffee|tea))\b"),
    ("stress", r"\b(stress\w*|anxi\w*|worr\w*|nervous|panic\w*|tense|tension|overwhelm\w*|"
               r"pressure|exams?|deadlines?|burn ?out|burnt out|upset|grief|grieving|"
               r"busy at work|work is crazy|hectic)\b"),
    ("poor_sleep", r"\b(poor sleep|bad sleep|no sleep|lack of sleep|little sleep|not enough sleep|"
                   r"not sleeping|can not sleep|could not sleep|did not sleep|have not slept|"
                   r"have not been sleeping|sleep deprived|sleep-deprived|sleepless|insomnia|"
                   r"tired|tiredness|exhausted|exhaustion|fatigue|fatigued|late nights?|"
                   r"up all night|staying up|stayed up|all-?nighter|night shifts?|jet ?lag|"
                   r"sleeping badly|slept badly|slept poorly|barely slept|hardly slept|"
                   r"(\d|two|three|four|five) hours of sleep|sleep)\b"),
    ("dehydration", r"\b(dehydrat\w*|not drinking (enough )?(water|fluids?)|"
                    r"did not drink (enough )?(water|fluids?)|forgot to drink|thirsty|"
                    r"hot (weather|day|days)|heat ?wave|heat|sweat\w*|hangover|hung ?over|"
                    r"alcohol|drinking (last night|a lot)|drunk|booze|beers?|wine|"
                    r"not enough (water|fluids?)|little water|low on (water|fluids)|"
                    r"electrolytes?|diarrh\w*|vomit\w*|sick)\b"),
    ("new_medicine", r"\b(statins?|atorvastatin|simvastatin|rosuvastatin|pravastatin|lipitor|"
                     r"crestor|zocor|diuretics?|water pills?|water tablets?|furosemide|lasix|"
                     r"hydrochlorothiazide|hctz|bendroflumethiazide|new (medicine|medication|"
                     r"meds?|pills?|tablets?|drugs?|prescription|dose|treatment)|"
                     r"(started|starting|began|changed|switched|increased) (\w+ ){0,3}"
                     r"(medicine|medication|meds?|pills?|tablets?|drugs?|dose|prescription|"
                     r"statins?|diuretics?)|started taking|side effects?|medicines?|"
                     r"medications?|meds|prescription|put me on)\b"),
)
_TRIGGER_NONE = (
    r"^(none|nothing|no|nope|nah|n/a|na|not really|nothing really|no idea|idk|dunno|"
    r"not sure|unsure|nothing in particular|nothing specific|no reason|no trigger|"
    r"nothing that i know of|nothing i can think of|i do not know|do not know|"
    r"can not think of anything|none of those|none of these|none of the above|no clue)\b",
    r"\b(out of nowhere|out of the blue|for no reason|no (obvious|apparent|clear|real) "
    r"(reason|cause|trigger)|randomly|at random|just happens|no idea|not sure|"
    r"nothing really|nothing specific|nothing in particular|can not think of)\b",
)
# negation before a trigger keyword within the same clause ("I don't drink coffee")
_NEG_BEFORE = re.compile(
    r"\b(no|not|never|without|nor|none|haven't|hasn't|barely|hardly|zero|quit|stopped|avoid)\b"
    r"(?:(?!\b(but|and|although|though|however|except)\b)[^,.;!?])*$"
)
# these trigger phrases contain their own negation ("not sleeping", "not drinking water")
_SELF_NEGATED = {"poor_sleep", "dehydration", "stress"}


def normalize_triggers(text: Any) -> Optional[List[str]]:
    """Likely triggers from free text or button payloads, in canonical order, or ['none'].
    Canonical values (also a list of them, or "exercise,caffeine") pass through."""
    if text is None:
        return None
    if isinstance(text, (list, tuple, set, frozenset)):
        out: List[str] = []
        for item in text:
            got = normalize_triggers(item)
            for g in got or ():
                if g not in out:
                    out.append(g)
        return _canonical_order(out) if out else None
    t = _clean(text)
    if not t:
        return None
    parts = [p.strip() for p in re.split(r"[,;|]", t) if p.strip()]
    if parts and all(p in TRIGGERS for p in parts):
        return _canonical_order(parts)
    found: List[str] = []
    negated_mention = False
    for code, pattern in _TRIGGER_TABLE:
        for m in re.finditer(pattern, t):
            before = t[: m.start()]
            phrase = m.group(0)
            self_neg = code in _SELF_NEGATED and re.match(
                r"(not|no|did not|have not|can not|could not|lack|little|poor|bad)\b", phrase)
            if not self_neg and _NEG_BEFORE.search(before[-40:]):
                # "not coffee", "I don't drink coffee": a denied trigger
                negated_mention = True
                continue
            if code == "poor_sleep" and phrase == "sleep" and not _has(
                    t, r"\b(bad|poor|little|no|not|lack|without|less|badly|barely|hardly|"
                       r"trouble|problems?|issues?|deprived|short)\b[^.]*\bsleep"):
                continue  # "sleep" alone is not a trigger ("it happens in my sleep")
            if code == "exercise" and phrase in {"match", "game", "practice", "race"} and not _has(
                    t, r"\b(after|during|played|playing|from|before)\b"):
                continue
            if code not in found:
                found.append(code)
            break
    if found:
        return _canonical_order(found)
    if negated_mention or any(re.search(p, t) for p in _TRIGGER_NONE):
        return ["none"]
    return None


def _canonical_order(codes: Iterable[str]) -> List[str]:
    codes = [c for c in codes if c in TRIGGERS]
    real = [c for c in TRIGGERS if c in codes and c != "none"]
    return real or (["none"] if "none" in codes else [])
