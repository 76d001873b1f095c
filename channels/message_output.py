"""What every channel does with the bot's messages before a platform sees them.

Pure functions, e.g. ``split_long_text("a\\n\\nb", 3)`` -> ``["a", "b"]`` and
``text_already_says_it({"triage": {...}})`` -> ``True``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

# Custom payloads whose content the bot also sends as text (the escalation
# advice, the assessment summary, "I've erased this conversation"). Web pages
# and apps may act on them (the page clears its copy on {"erase": true});
# chat platforms must not show them as raw JSON.
TEXT_CARRIED_PAYLOADS = frozenset({"triage", "assessment", "erase"})

# Triage levels whose advice must stand out on screens that can style text.
EMPHASISED_LEVELS = ("emergency", "urgent")

# Responses whose last paragraph is the disclaimer ("not a doctor", "not for
# emergencies", the emergency number) that the chat page already shows above
# the chat. The text still goes to every channel and stays in the conversation;
# the page, and only a page that shows the disclaimer itself, hides the repeat.
PAGE_DISCLAIMER_RESPONSES = frozenset({"utter_greet"})

# What the assessment marks its clinician summary with (``purpose`` on the bot
# message, actions/assessment.py), so a page can offer to copy or print it.
SUMMARY_PURPOSE = "clinician_summary"


def text_already_says_it(json_message: Any) -> bool:
    """True for a custom payload that only repeats what the text said."""
    return isinstance(json_message, dict) and bool(TEXT_CARRIED_PAYLOADS & set(json_message))


def triage_level(message: Dict[str, Any]) -> Optional[str]:
    """The triage level a bot message carries in its custom payload, if any."""
    custom = message.get("custom")
    if not isinstance(custom, dict):
        return None
    triage = custom.get("triage")
    level = triage.get("level") if isinstance(triage, dict) else None
    return level if isinstance(level, str) else None


def web_class(message: Dict[str, Any], part: str) -> Optional[str]:
    """The class a web page gets on one paragraph (``part``) of a bot message.

    ``triage-emergency`` / ``triage-urgent`` on every paragraph of that advice,
    ``assessment-summary`` on the clinician summary, ``page-disclaimer`` on the
    greeting's last paragraph (see ``PAGE_DISCLAIMER_RESPONSES``), else None.
    E.g. ``web_class({"utter_action": "utter_greet", "text": "Hi.\n\nNot a
    doctor."}, "Not a doctor.")`` -> ``"page-disclaimer"``.
    """
    level = triage_level(message)
    if level in EMPHASISED_LEVELS:
        return f"triage-{level}"
    if message.get("purpose") == SUMMARY_PURPOSE:
        return "assessment-summary"
    if message.get("utter_action") in PAGE_DISCLAIMER_RESPONSES:
        paragraphs = str(message.get("text") or "").strip().split("\n\n")
        if len(paragraphs) > 1 and part.strip() == paragraphs[-1].strip():
            return "page-disclaimer"
    return None


def split_long_text(text: str, limit: int) -> List[str]:
    """``text`` in pieces of at most ``limit`` characters, nothing dropped.

    Splits at paragraph breaks first, then line breaks, then spaces, and cuts
    a word only when one word alone is longer than ``limit``. Platforms cut or
    reject longer messages (Telegram: 4096 characters; Slack: 3000 in a block).
    """
    text = text.strip()
    if not text:
        return []
    pieces: List[str] = []
    for paragraph in re.split(r"\n{2,}", text):
        pieces.extend(_fit(paragraph.strip(), limit, ["\n", " "]))
    return [piece for piece in pieces if piece]


def _fit(text: str, limit: int, separators: List[str]) -> List[str]:
    if len(text) <= limit:
        return [text]
    if not separators:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    separator, rest = separators[0], separators[1:]
    pieces: List[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part) <= limit:
            current = part
        else:
            *whole, current = _fit(part, limit, rest)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return pieces
