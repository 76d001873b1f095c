"""The pieces that must agree across files: triage rules, domain, check-in text."""
from __future__ import annotations

import pytest

from actions import texts
from actions.symptom_check import ALL_QUESTIONS
from triage.rules import LEVELS


def care_variations(domain):
    return domain.responses["utter_care_advice"]


def test_care_advice_has_one_variation_per_triage_level(domain):
    conditioned = {
        variation["condition"][0]["value"]
        for variation in care_variations(domain)
        if variation.get("condition")
    }
    assert conditioned == set(LEVELS)


def test_care_advice_is_never_silent(domain):
    # an unconditioned variation answers if the level were ever missing
    assert any(not v.get("condition") for v in care_variations(domain))


@pytest.mark.parametrize("level", ["urgent", "routine", "emergency"])
def test_escalations_carry_the_triage_payload(domain, level):
    variation = next(v for v in care_variations(domain) if v.get("condition", [{}])[0].get("value") == level)
    assert variation["custom"] == {"triage": {"level": "{triage_level}", "reasons": "{triage_reasons}"}}


def test_emergency_advice_says_call_the_emergency_number_first(domain):
    variation = next(v for v in care_variations(domain) if v.get("condition", [{}])[0].get("value") == "emergency")
    assert variation["text"].lstrip("⚠️ ").startswith("Please call {emergency_number} now")


def test_every_question_of_the_form_has_text_buttons_and_a_why(domain):
    form_slots = domain.forms["symptom_check_form"]["required_slots"]
    assert set(form_slots) == set(ALL_QUESTIONS)
    for slot in ALL_QUESTIONS:
        assert f"action_ask_{slot}" in domain.action_names_or_texts
        question = texts.question(slot, {"body_part": "chest"})
        assert question["text"] and question["buttons"], slot
        assert texts.why(slot), slot


def test_button_values_are_canonical_answers():
    from actions.symptom_check import NORMALIZERS

    for slot in ALL_QUESTIONS:
        for button in texts.texts()["questions"][slot]["buttons"]:
            value = button["value"]
            assert NORMALIZERS[slot](value) == value, (slot, value)


def test_every_factor_and_tip_code_has_words():
    from triage.rules import load_rules

    rules = load_rules()
    for feature in rules.likelihood.features:
        assert feature.code in texts.texts()["factors"], feature.code
    for tip in rules.tips.rules:
        assert tip.code in texts.texts()["tips"], tip.code


def test_no_words_for_codes_the_rules_never_produce():
    from triage.rules import load_rules

    rules = load_rules()
    assert set(texts.texts()["factors"]) == {f.code for f in rules.likelihood.features}
    assert set(texts.texts()["tips"]) == {t.code for t in rules.tips.rules}


# No default reassurance (DESIGN.md, safety principle 4b): a level below urgent means
# nothing fired, not that nothing is wrong.
FALSE_REASSURANCE = ("isn't an emergency", "is not an emergency", "nothing you've told me",
                     "nothing you told me", "no warning sign", "nothing to worry about")


def _all_check_in_texts():
    def walk(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    return list(walk(texts.texts()))


@pytest.mark.parametrize("level", ["routine", "self_care", None])
def test_no_care_text_below_urgent_reassures_by_default(domain, level):
    variation = next(v for v in care_variations(domain)
                     if (v.get("condition") or [{}])[0].get("value") == level)
    said = variation["text"].lower()
    assert not [p for p in FALSE_REASSURANCE if p in said], said
    # and it lists what to act on now
    assert "{emergency_number" in said and "today" in said


def test_no_check_in_text_reassures_by_default():
    said = [t.lower() for t in _all_check_in_texts()]
    assert not [t for t in said for p in FALSE_REASSURANCE if p in t]
