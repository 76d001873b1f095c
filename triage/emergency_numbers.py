"""Which emergency number to give: the person's country, else the deployment's, else all.

The emergency advice names a number. Which one, in order of trust:

1. the country the person names ("I'm in Australia", "we live in Canada"): they know
   where they are;
2. ``EMERGENCY_COUNTRY``, the operator's setting for the country the service is for;
3. the region of the channel's locale (the browser's ``en-AU``, Telegram's
   ``pt-br``): a weak sign, since many people keep a foreign locale, so the reply
   says the number is for that country and tells anyone elsewhere to use their own;
4. nothing known: the general wording (911 in the US, 999 in the UK, 112 in Europe).

112 is added wherever it is known to work from a mobile phone. The numbers and their
sources are data (``emergency_numbers.yml``).

    >>> english_phrase(Choice("AU", "person"))
    "000 (the emergency number in Australia; 112 also works from a mobile phone)"
    >>> local_phrase(Choice("AU", "person"))
    "000 / 112"
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

from .text import fold_text

DATA_PATH = Path(__file__).resolve().with_name("emergency_numbers.yml")

GENERAL_ENGLISH = "your local emergency number (for example 911 in the US, 999 in the UK, 112 in Europe)"

#: how sure we are of the country: the person said it, the operator set it, or a locale hinted it
SOURCES = ("person", "deployment", "locale")


@dataclass(frozen=True)
class Choice:
    country: Optional[str]  # ISO 3166-1 alpha-2, or None when nothing is known
    source: Optional[str] = None  # one of SOURCES


@lru_cache(maxsize=1)
def countries() -> Dict[str, Dict[str, Any]]:
    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    return {code.upper(): entry for code, entry in data["countries"].items()}


def numbers(country: str) -> List[str]:
    """The numbers to call in a country, 112 added where it works from mobiles."""
    entry = countries()[country]
    call = list(entry["call"])
    if entry.get("mobile_112") and "112" not in call:
        call.append("112")
    return call


def country_name(country: str) -> str:
    return countries()[country]["names"][0]


# --- Where the country comes from -------------------------------------------------

_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})\b")


def country_from_locale(locale: Any) -> Optional[str]:
    """The region of a BCP 47 / POSIX locale, if it is a known country.

    "en-AU" -> "AU"; "pt_BR" -> "BR"; "zh-Hant-HK" -> "HK"; "en" -> None; "en-GB" -> "GB"."""
    if not isinstance(locale, str):
        return None
    match = _LOCALE.match(locale.strip())
    code = match.group(1).upper() if match else None
    if code == "UK":
        code = "GB"
    return code if code in countries() else None


def country_from_setting(value: Any) -> Optional[str]:
    """EMERGENCY_COUNTRY: an ISO code ("AU", "gb"; "UK" accepted), else None."""
    code = str(value or "").strip().upper()
    if code == "UK":
        code = "GB"
    return code if code in countries() else None


# "I'm in Australia", "we live in the UK", "here in Canada", "I am currently in Spain",
# "im based in NZ" -- the person saying where they are, not where something happened.
_PLACE_CUES = (
    r"(?:i\s*'?\s*m|i\s+am|we\s*'?\s*re|we\s+are|i\s+live|we\s+live|living|based|staying|here|"
    r"currently|right\s+now|at\s+the\s+moment)"
)


@lru_cache(maxsize=1)
def _country_mention() -> Tuple[re.Pattern, Dict[str, str]]:
    by_name: Dict[str, str] = {}
    for code, entry in countries().items():
        for name in entry["names"]:
            by_name[fold_text(name).lower()] = code
    names = sorted(by_name, key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in names)
    pattern = re.compile(
        rf"\b{_PLACE_CUES}(?:\s+\w+){{0,3}}?\s+in\s+(?P<name>{alternatives})(?![\w-])", re.IGNORECASE
    )
    return pattern, by_name


def country_from_text(text: Any) -> Optional[str]:
    """The country a person says they are in, the last one named.

    "I'm in Australia, my calf..." -> "AU"; "we live in the UK" -> "GB";
    "I got cramps in Spain last summer" -> None (where it happened, not where they are)."""
    if not isinstance(text, str) or not text:
        return None
    pattern, by_name = _country_mention()
    found = None
    for match in pattern.finditer(fold_text(text).lower()):
        found = by_name.get(match.group("name").lower())
    return found


def choose(
    user_turns: Iterable[Tuple[Optional[str], Optional[Dict[str, Any]]]],
    deployment_country: Any = None,
) -> Choice:
    """The country to give the number for, from the conversation's user turns.

    ``user_turns``: (text, metadata) of each user message, oldest first. The latest
    country the person named wins; then the deployment's; then the latest locale."""
    said, hinted = None, None
    for text, metadata in user_turns:
        said = country_from_text(text) or said
        if isinstance(metadata, dict):
            hinted = country_from_locale(metadata.get("locale")) or hinted
    if said:
        return Choice(said, "person")
    deployment = country_from_setting(deployment_country)
    if deployment:
        return Choice(deployment, "deployment")
    if hinted:
        return Choice(hinted, "locale")
    return Choice(None)


# --- What the reply says -----------------------------------------------------------


def _or_list(items: List[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def english_phrase(choice: Choice) -> str:
    """What follows "call" in the English advice.

    AU said by the person -> "000 (the emergency number in Australia; 112 also works from a mobile phone)";
    US from a locale -> "911 (the emergency number in the US; if you are somewhere else, your local emergency number)"."""
    if not choice.country:
        return GENERAL_ENGLISH
    entry = countries()[choice.country]
    call = list(entry["call"])
    noun = "number" if len(call) == 1 else "numbers"
    notes = [f"the emergency {noun} in {country_name(choice.country)}"]
    if entry.get("mobile_112") and "112" not in call:
        notes.append("112 also works from a mobile phone")
    if choice.source == "locale":
        notes.append("if you are somewhere else, your local emergency number")
    return f"{_or_list(call)} ({'; '.join(notes)})"


def local_phrase(choice: Choice, general: str) -> str:
    """The numbers for a reply in another language: "000 / 112", else ``general``,
    that language's usual list. A locale alone keeps the general list beside it."""
    if not choice.country:
        return general
    listed = " / ".join(numbers(choice.country))
    return f"{listed}; {general}" if choice.source == "locale" else listed


def short_phrase(choice: Choice) -> str:
    """The brief form, after the first mention: "000 or 112", else "your local emergency number"."""
    if not choice.country:
        return "your local emergency number"
    listed = _or_list(numbers(choice.country))
    return f"{listed} (or your local number if you are elsewhere)" if choice.source == "locale" else listed
