"""Which language a message is in: English, or one the emergency net speaks.

The assistant answers in English, but a frightened person writes in their own
language. Emergency and urgent signs in Spanish, French, German, Portuguese,
Italian and Polish are patterns like the English ones (data/patterns, "lang");
for any other message this says whether it is one of those languages, so the
reply can say, in it, that the assistant answers in English, with the emergency
number.

py3langid's model ships inside the package (nothing downloads). On short texts it
guesses wildly ("caffeine" -> German), so a message counts as another language only
when the model is sure AND most of its words are neither English function words nor
words of the assistant's own English training data (``known_words``).

Example: language_of("tengo calambres en la pierna") -> "es"; language_of("caffeine") -> "en".
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Tuple

from .text import fold_text

#: the languages the emergency net speaks, English first
LANGUAGES: Tuple[str, ...] = ("en", "es", "fr", "de", "pt", "it", "pl")
MIN_CONFIDENCE = 0.9
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


@lru_cache(maxsize=1)
def english_function_words() -> frozenset:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def language_of(text: str, known_words: Iterable[str] = ()) -> str:
    """"en", or the code of another language in ``LANGUAGES`` the text is clearly in.

    ``known_words``: English words the assistant knows (its training data's words)."""
    words = [w.lower() for w in _WORD.findall(fold_text(text or ""))]
    if len(words) < 2:
        return "en"
    english = english_function_words()
    known = known_words if isinstance(known_words, (set, frozenset)) else set(known_words)
    if sum(w in english or w in known for w in words) * 2 >= len(words):
        return "en"
    code, confidence = _identifier().classify(" ".join(words))
    return code if code != "en" and confidence >= MIN_CONFIDENCE else "en"
