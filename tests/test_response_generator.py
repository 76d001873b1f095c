"""The unsure reply offers the nearest FAQ topics; dosing questions are declined."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from addons.medicine_question import is_dose_question
from addons.response_generator import faq_topics, nearest_topic_buttons

ROOT = Path(__file__).resolve().parent.parent
TOPICS_IN_TRAINING = sorted(set(re.findall(r"faq/([a-z_]+)", (ROOT / "data/nlu/faq.yml").read_text())))


def test_every_faq_topic_has_a_button_and_no_other():
    assert sorted(faq_topics()) == TOPICS_IN_TRAINING


def test_nearest_topics_come_from_the_selector_ranking_in_order():
    parse = {"response_selector": {"faq": {"ranking": [
        {"intent_response_key": "faq/calf_cramp", "confidence": 0.4},
        {"intent_response_key": "faq/nonexistent", "confidence": 0.3},
        {"intent_response_key": "faq/when_to_see_doctor", "confidence": 0.2},
        {"intent_response_key": "faq/diagnosis", "confidence": 0.1},
        {"intent_response_key": "faq/eyelid_twitch", "confidence": 0.05},
    ]}}}
    buttons = nearest_topic_buttons(parse)
    assert [b["title"] for b in buttons] == ["Calf cramps (charley horse)", "When to see a doctor",
                                            "How it's diagnosed"]
    assert nearest_topic_buttons({}) == []


@pytest.mark.parametrize("text", [
    "how much ibuprofen should i take for a cramp",
    "what dose of quinine for leg cramps",
    "how much magnesium can I take for night cramps?",
    "is 400mg of magnesium safe to take",
])
def test_dose_questions_are_recognised(text):
    assert is_dose_question(text)


@pytest.mark.parametrize("text", [
    "can statins cause cramps?", "what causes cramps", "how much water should I drink",
    "how many times a day do twitches happen", "does magnesium help with cramps",
])
def test_other_questions_are_not_dose_questions(text):
    assert not is_dose_question(text)


@pytest.mark.slow
def test_each_topic_button_question_gets_that_topics_answer():
    """The button must lead where its title says (checked against the trained model)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(ROOT / "models" / "assistant.tar.gz"))

    async def topic_of(question):
        parse = await agent.parse_message(question)
        selected = parse.get("response_selector", {}).get("faq", {}).get("response", {})
        return parse["intent"]["name"], (selected.get("intent_response_key") or "").split("/")[-1]

    wrong = {}
    for topic, spec in faq_topics().items():
        intent, got = asyncio.run(topic_of(spec["question"]))
        if (intent, got) != ("faq", topic):
            wrong[topic] = (intent, got)
    assert not wrong, wrong
