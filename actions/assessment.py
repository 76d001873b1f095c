"""The end of the check-in: which it sounds like, why, what helps, a summary.

Thin glue over ``triage.assessment.assess``; the wording comes from
``check_in_texts.yml`` and the care advice for the level is the domain's
``utter_care_advice`` (the rule after this action sends it).
"""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.version import version
from actions.symptom_check import ALL_QUESTIONS, SKIPPED
from triage.assessment import Assessment, assess, canonical_answers
from triage.corrections import parse_correction
from triage.turn import answer_reasons

#: marks the clinician summary for the channels (the web page offers copy and print);
#: channels/message_output.py reads the same value (a test checks they agree). A constant
#: here, not an import: the action server's image carries no channel code.
SUMMARY_PURPOSE = "clinician_summary"


def answers_from(tracker: Tracker) -> Dict[Text, Any]:
    """The check-in's answers as ``assess`` expects them (skipped -> None)."""
    answers: Dict[Text, Any] = {}
    for slot in ALL_QUESTIONS:
        value = tracker.get_slot(slot)
        answers[slot] = None if value == SKIPPED else value
    answers["red_flag_reasons"] = list(tracker.get_slot("red_flags_seen") or [])
    return answers


def made_at(tracker: Tracker) -> datetime:
    """When the summary is made: the time of the person's last message, in the
    time zone the page sent with it (``{"timezone": "Europe/Paris"}``, the
    browser's) or UTC. A zone that is not a valid IANA name is ignored."""
    last = tracker.get_last_event_for("user") or {}
    stamp = last.get("timestamp")
    moment = (
        datetime.fromtimestamp(stamp, timezone.utc)
        if isinstance(stamp, (int, float))
        else datetime.now(timezone.utc)
    )
    metadata = last.get("metadata")
    zone = time_zone(metadata.get("timezone") if isinstance(metadata, dict) else None)
    return moment.astimezone(zone) if zone else moment


def time_zone(name: Any) -> Optional[tzinfo]:
    """``"Europe/Paris"`` -> its zone; anything else (None, "Mars/Base", "../x") -> None."""
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        return None
    try:
        return ZoneInfo(name)  # refuses paths ("../x") with a ValueError
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


def made_words(moment: datetime) -> Text:
    """``2026-12-01 at 23:45 (UTC)``, or ``... (Europe/Paris, UTC+01:00)``."""
    name = getattr(moment.tzinfo, "key", None)
    if name in (None, "UTC", "Etc/UTC"):
        zone = "UTC"
    else:
        offset = moment.strftime("%z")
        zone = f"{name}, UTC{offset[:3]}:{offset[3:]}"
    return texts.texts()["summary_made"].format(
        date=moment.strftime("%Y-%m-%d"), time=moment.strftime("%H:%M"), zone=zone
    )


def summary_lines(
    answers: Dict[Text, Any], result: Assessment, made: Optional[datetime] = None
) -> List[Text]:
    """The summary's lines: each answer given, the outcome, when and by what.

    ``made`` defaults to now (UTC)."""
    labels = texts.texts()["summary"]
    lines = []
    for slot in ALL_QUESTIONS:
        if answers.get(slot) is not None:
            lines.append(f"- {labels[slot]}: {texts.value_words(answers[slot])}")
    if answers.get("red_flag_reasons"):
        lines.append(
            f"- {labels['red_flag_reasons']}: {texts.value_words(answers['red_flag_reasons'])}"
        )
    lines.append(f"- {labels['likely']}: {result.likely}")
    lines.append(f"- {labels['level']}: {texts.value_words(result.level)}")
    lines.append(f"- {labels['made']}: {made_words(made or datetime.now(timezone.utc))}")
    by = texts.texts()["summary_version"].format(version=version())
    lines.append(f"- {labels['version']}: {by}")
    return lines


def warning_sign_lines(tracker: Tracker) -> List[Text]:
    """What the check-in asked about warning signs: the ones the person said they
    don't have, and the ones asked and not answered -- never counted as a "no".

    [] when no warning-sign question was asked. A sign that fired is in the care
    advice already, so it is in neither list."""
    spec = texts.texts()["warning_checks"]
    denied: List[Text] = []
    unanswered: List[Text] = []
    for slot in spec["signs"]:
        value = tracker.get_slot(slot)
        if value is None and slot not in ALWAYS_ASKED:
            continue  # not asked in this check-in (the breathing question is for the chest and neck)
        readable = None if value in (None, SKIPPED) else canonical_answers({slot: value})[slot]
        if readable is None:
            unanswered.append(slot)
        elif not answer_reasons(slot, readable):
            denied.append(slot)
    lines = []
    if denied:
        lines.append(spec["denied"].format(
            signs=texts.join_words(spec["signs"][s] for s in denied)))
    if unanswered:
        lines.append(spec["unanswered"].format(
            signs=texts.join_words(spec["signs"][s] for s in unanswered),
            advice=" ".join(spec["advice"][s] for s in unanswered)))
    return lines


#: warning-sign questions every check-in asks (breathing only for the chest and neck)
ALWAYS_ASKED = frozenset({"pain_level", "weakness"})


class ActionAssessSymptoms(Action):
    """Tell spasm from twitch with the deciding answers; set the triage level."""

    def name(self) -> Text:
        return "action_assess_symptoms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        words = texts.texts()
        answers = answers_from(tracker)
        result = assess(answers)

        factors = texts.join_words(texts.phrase("factors", f) for f in result.deciding_factors)
        sentence = words["likely"][result.likely].format(factors=factors or words["no_factors"])
        dispatcher.utter_message(text=f"{words['intro']} {sentence}")
        if result.tips:
            tips = texts.join_words(texts.phrase("tips", t) for t in result.tips)
            dispatcher.utter_message(text=words["tips_intro"].format(tips=tips))
        for line in warning_sign_lines(tracker):
            dispatcher.utter_message(text=line)
        summary = "\n".join(
            [words["summary_intro"], *summary_lines(answers, result, made_at(tracker))]
        )
        # `purpose` marks it for the web page (copy, print): channels/message_output.py
        dispatcher.utter_message(text=summary, purpose=SUMMARY_PURPOSE)
        dispatcher.utter_message(
            json_message={
                "assessment": {
                    "likely": result.likely,
                    "deciding_factors": list(result.deciding_factors),
                    "tips": list(result.tips),
                    "answers": {k: v for k, v in answers.items() if v not in (None, [])},
                    "is_diagnosis": False,
                }
            }
        )
        return [
            SlotSet("triage_level", result.level),
            SlotSet("triage_reasons", list(result.reasons)),
        ]


class ActionApplyCorrection(Action):
    """After the assessment: "actually it does hurt" -> update, assess again."""

    def name(self) -> Text:
        return "action_apply_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        words = texts.texts()
        if all(tracker.get_slot(slot) is None for slot in ALL_QUESTIONS):
            dispatcher.utter_message(text=words["nothing_to_assess"])
            return []
        updates = parse_correction(
            tracker.latest_message.get("text") or "",
            tracker.latest_message.get("entities", []),
        )
        if not updates:
            dispatcher.utter_message(text=words["nothing_to_correct"])
            return []
        dispatcher.utter_message(text=words["correction_noted"])
        events: List[EventType] = [SlotSet(slot, value) for slot, value in updates.items()]
        return events + [FollowupAction("action_assess_symptoms")]
