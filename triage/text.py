"""The one text normaliser: what every reader of a person's text sees first.

Copied text is full of characters that look like nothing or like something else:
a zero-width space inside "can't​ breathe", a soft hyphen, full-width letters
("ｃａｎ'ｔ"), typographic apostrophes and dashes, non-breaking spaces. Patterns,
answer parsers and the intent model must not be fooled by them, so the Rasa
server rewrites each message with ``fold_text`` before anything else reads it
(``addons.text_normalizer``), and the pure readers in ``triage`` call it too, so
they give the same answer when used on their own.

Example: fold_text("I can\u2019t\u200b ｂｒｅａｔｈｅ") -> "I can't breathe".
"""
from __future__ import annotations

import unicodedata

# Apostrophes and quotes people's keyboards produce, straightened.
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
                "\u2032": "'", "\u201b": "'"}
_QUOTES = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
# Hyphens and dashes that NFKC leaves alone.
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
           "\u2212": "-"}
_TABLE = str.maketrans({**_APOSTROPHES, **_QUOTES, **_DASHES})


def fold_text(text: str) -> str:
    """NFKC, invisible format characters (Unicode category Cf) removed, apostrophes,
    quotes and dashes straightened. Case and line breaks are kept.

    >>> fold_text("can\u00adt\u200b ｂｒｅａｔｈｅ \u2014 it\u2019s bad")
    "cant breathe - it's bad"
    """
    if not text:
        return text
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_TABLE)
