"""Which emergency number the advice names (triage/emergency_numbers.py and the
response generator that fills it into the domain's texts)."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from triage import emergency_numbers as numbers
from triage.emergency_numbers import Choice

ROOT = Path(__file__).resolve().parents[2]


def test_every_country_has_a_call_number_a_name_and_a_source():
    countries = numbers.countries()
    assert len(countries) >= 40
    for code, entry in countries.items():
        assert re.fullmatch(r"[A-Z]{2}", code), code
        assert entry["names"] and all(isinstance(name, str) for name in entry["names"]), code
        assert entry["call"] and all(re.fullmatch(r"\d{2,6}", n) for n in entry["call"]), code
        assert isinstance(entry["mobile_112"], bool), code
        assert str(entry["source"]).startswith("https://"), code


@pytest.mark.parametrize("code, expected", [
    ("AU", "000"), ("NZ", "111"), ("US", "911"), ("GB", "999"), ("FR", "15"),
    ("BR", "192"), ("JP", "119"), ("ZA", "10177"), ("NO", "113"),
])
def test_known_ambulance_numbers(code, expected):
    assert numbers.numbers(code)[0] == expected


@pytest.mark.parametrize("code, has_112", [("AU", True), ("GB", True), ("DE", True), ("US", False), ("JP", False)])
def test_112_is_added_where_it_works_from_mobile_phones(code, has_112):
    assert ("112" in numbers.numbers(code)) is has_112
    assert ("112" in numbers.english_phrase(Choice(code, "person"))) is has_112


@pytest.mark.parametrize("text, code", [
    ("I'm in Australia and my chest is tight", "AU"),
    ("im in australia", "AU"),
    ("I\u2019m in Germany", "DE"),
    ("we live in the UK", "GB"),
    ("here in Canada my leg keeps cramping", "CA"),
    ("I am currently in New Zealand on holiday", "NZ"),
    ("We are based in the Netherlands", "NL"),
    ("i am in the us", "US"),
    ("I live in Spain now, before that I was in Mexico", "ES"),  # "I was in": not where they are
    ("I'm in France this week, next week I'm in Italy", "IT"),  # the last one named
])
def test_a_country_the_person_says_they_are_in(text, code):
    assert numbers.country_from_text(text) == code


@pytest.mark.parametrize("text", [
    "I got cramps in Spain last summer",
    "I'm in so much pain in my calf",
    "my leg cramps in bed",
    "is the number 112 in Europe?",
    "",
])
def test_places_that_are_not_where_the_person_is(text):
    assert numbers.country_from_text(text) is None


@pytest.mark.parametrize("locale, code", [
    ("en-AU", "AU"), ("pt_BR", "BR"), ("pt-br", "BR"), ("zh-Hant-HK", "HK"), ("en-GB", "GB"),
    ("en-UK", "GB"), ("en", None), ("de", None), ("xx-ZZ", None), (None, None), (42, None),
])
def test_country_from_a_locale(locale, code):
    assert numbers.country_from_locale(locale) == code


def test_the_person_outranks_the_deployment_which_outranks_the_locale():
    turns = [("hello", {"locale": "en-US"}), ("I'm in Australia", None), ("my chest hurts", {"locale": "en-US"})]
    assert numbers.choose(turns, "GB") == Choice("AU", "person")
    assert numbers.choose([("hello", {"locale": "en-US"})], "gb") == Choice("GB", "deployment")
    assert numbers.choose([("hello", {"locale": "en-US"})], None) == Choice("US", "locale")
    assert numbers.choose([("hello", {"locale": "en-US"})], "ZZ") == Choice("US", "locale")
    assert numbers.choose([("hello", None)], "") == Choice(None)


def test_phrases():
    assert numbers.english_phrase(Choice(None)) == numbers.GENERAL_ENGLISH
    assert "911" in numbers.GENERAL_ENGLISH and "999" in numbers.GENERAL_ENGLISH and "112" in numbers.GENERAL_ENGLISH
    au = numbers.english_phrase(Choice("AU", "person"))
    assert au.startswith("000 ") and "Australia" in au and "112 also works from a mobile phone" in au
    assert numbers.english_phrase(Choice("FR", "deployment")).startswith("15 or 112 (the emergency numbers in France")
    # a locale is a weak sign: the reply says what to do elsewhere
    us = numbers.english_phrase(Choice("US", "locale"))
    assert us.startswith("911 ") and "somewhere else" in us
    assert numbers.short_phrase(Choice(None)) == "your local emergency number"
    assert numbers.short_phrase(Choice("AU", "person")) == "000 or 112"
    assert numbers.local_phrase(Choice("BR", "person"), "GENERAL") == "192"
    assert numbers.local_phrase(Choice("AU", "person"), "GENERAL") == "000 / 112"
    assert numbers.local_phrase(Choice("BR", "locale"), "GENERAL") == "192; GENERAL"
    assert numbers.local_phrase(Choice(None), "GENERAL") == "GENERAL"


# --- Filled into the domain's texts by the response generator, in the Rasa server ----

def _generator():
    from rasa.shared.core.domain import Domain

    from addons.response_generator import TypedSlotResponseGenerator

    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    return TypedSlotResponseGenerator(domain=domain), domain


def _tracker(domain, turns, slots):
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [UserUttered(text, metadata=metadata) for text, metadata in turns]
    events += [SlotSet(name, value) for name, value in slots.items()]
    return DialogueStateTracker.from_events("test", events, domain.slots)


def test_numbers_are_filled_after_the_agent_swaps_in_a_models_responses(monkeypatch):
    """Rasa's Agent builds the generator with no domain and sets .responses when a model loads."""

    from addons.response_generator import TypedSlotResponseGenerator

    _, domain = _generator()
    generator = TypedSlotResponseGenerator(domain=None)
    generator.responses = domain.responses
    text = _say(generator, domain, "utter_greet", [("hi", None)], {}, monkeypatch)
    assert "{" not in text and "911 in the US" in text


def _say(generator, domain, action, turns, slots, monkeypatch, country=None):
    if country is None:
        monkeypatch.delenv("EMERGENCY_COUNTRY", raising=False)
    else:
        monkeypatch.setenv("EMERGENCY_COUNTRY", country)
    tracker = _tracker(domain, turns, slots)
    return asyncio.run(generator.generate(action, tracker, "rest"))["text"]


def test_no_placeholder_is_left_unfilled_in_any_response(monkeypatch):
    generator, domain = _generator()
    names = [name for name, variations in domain.responses.items() if "{emergency_number" in str(variations)]
    assert {"utter_care_advice", "utter_care_advice_translated", "utter_greet"} <= set(names)
    for name in names:
        for level in ("emergency", "urgent", "routine", "self_care", None):
            for language in ("en", "es", "fr", "de", "pt", "it", "pl", "xx"):
                text = _say(generator, domain, name, [("hi", None)],
                            {"triage_level": level, "reply_language": language}, monkeypatch)
                assert "{" not in text, (name, level, language, text)


def test_emergency_advice_names_the_country_the_person_gave(monkeypatch):
    generator, domain = _generator()
    slots = {"triage_level": "emergency"}
    general = _say(generator, domain, "utter_care_advice", [("I can't breathe", None)], slots, monkeypatch)
    assert "911 in the US, 999 in the UK, 112 in Europe" in general
    au = _say(generator, domain, "utter_care_advice", [("I'm in Australia", None), ("I can't breathe", None)],
              slots, monkeypatch, country="GB")
    assert "call 000 (the emergency number in Australia; 112 also works from a mobile phone) now" in au
    assert "999" not in au
    deployment = _say(generator, domain, "utter_care_advice", [("I can't breathe", {"locale": "en-US"})],
                      slots, monkeypatch, country="NZ")
    assert "call 111 " in deployment and "911" not in deployment
    locale = _say(generator, domain, "utter_care_advice", [("I can't breathe", {"locale": "en-AU"})],
                  slots, monkeypatch)
    assert "call 000 " in locale and "somewhere else" in locale


def test_translated_advice_uses_the_number_of_the_locale(monkeypatch):
    generator, domain = _generator()
    slots = {"triage_level": "emergency", "reply_language": "pt"}
    general = _say(generator, domain, "utter_care_advice_translated", [("não consigo respirar", None)],
                   slots, monkeypatch)
    assert "112 em Portugal" in general and "192" in general
    brazil = _say(generator, domain, "utter_care_advice_translated", [("não consigo respirar", None)],
                  slots, monkeypatch, country="BR")
    assert "(192)" in brazil and "Portugal" not in brazil


def test_later_mentions_use_the_short_form(monkeypatch):
    generator, domain = _generator()
    urgent = _say(generator, domain, "utter_care_advice", [("I'm in Australia", None)],
                  {"triage_level": "urgent"}, monkeypatch)
    assert "call 000 or 112 at once" in urgent
