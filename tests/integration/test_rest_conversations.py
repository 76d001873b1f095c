"""Whole conversations over the REST channel against the real servers.

The servers are started the way `make run` starts them (scripts/run.sh), on
free ports with their own SQLite file. Each test uses its own sender id.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict

import pytest

from tests.replies import CHECK_IN_OPENER, button_payload, custom, texts

pytestmark = pytest.mark.slow


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_smoke_a_question_gets_the_answer(servers):
    reply = servers.send(new_sender(), "What is the difference between a spasm and a twitch?")
    answer = texts(reply).lower()
    assert "spasm" in answer and "twitch" in answer
    assert reply[0].get("buttons"), "answers end with a next step"


def test_greeting_says_not_a_doctor_and_emergency_number(servers):
    reply = texts(servers.send(new_sender(), "hello"))
    assert "not a doctor" in reply
    assert "emergency number" in reply


def test_red_flag_in_the_first_message_escalates_in_the_same_reply(servers):
    reply = servers.send(new_sender(), "my neck is cramping and I can't breathe properly")
    assert "emergency number" in reply[0]["text"], "the emergency advice comes first"
    triage = custom(reply, "triage")
    assert triage == {"level": "emergency", "reasons": ["breathing_difficulty"]}


def test_negated_red_flag_does_not_escalate(servers):
    reply = servers.send(new_sender(), "no trouble breathing, my eyelid just keeps twitching")
    assert custom(reply, "triage") is None
    assert "call your local emergency number" not in texts(reply).lower()


def test_calf_cramp_check_in_ends_with_assessment_and_triage(servers):
    sender = new_sender()
    reply = servers.send(sender, "I get painful cramps in my calf at night")
    # body part came with the first message, so the first question is the duration
    assert "how long does one episode last" in texts(reply)
    answers = [
        "about five minutes",          # episode_duration
        "yes it hurts, but it's bearable",  # pain_level -> mild
        "yes",                          # stiffness
        "yes I can't straighten my leg",  # limited_motion
        "no",                           # visible_movement
        "no",                           # weakness
        "a few days",                   # ongoing_for
        "no",                           # multiple_places
        "after running",                # triggers
    ]
    for answer in answers:
        reply = servers.send(sender, answer)
    assessment = custom(reply, "assessment")
    triage = custom(reply, "triage")
    assert assessment is not None, texts(reply)
    assert assessment["likely"] == "spasm"
    assert assessment["is_diagnosis"] is False
    assert triage == {"level": "self_care", "reasons": []}
    said = texts(reply)
    assert "not a diagnosis" in said
    assert "spasm" in said


def test_eyelid_twitch_with_buttons(servers):
    sender = new_sender()
    reply = servers.send(sender, "my eyelid keeps twitching")
    for title in ["A few seconds", "No pain", "No", "No", "Yes", "No", "Days", "No, just there", "Caffeine"]:
        reply = servers.send(sender, button_payload(reply, title))
    assessment = custom(reply, "assessment")
    assert assessment["likely"] == "twitch", texts(reply)
    assert "less_caffeine" in assessment["tips"]
    assert custom(reply, "triage")["level"] == "self_care"


def test_red_flag_mid_check_in_stops_it_with_emergency_advice(servers):
    sender = new_sender()
    servers.send(sender, "can you check my symptoms?")
    reply = servers.send(sender, "my chest and now I have chest pain and feel faint")
    assert "emergency number" in reply[0]["text"]
    assert custom(reply, "triage")["level"] == "emergency"
    # the check-in stopped: a question is answered, not taken as an answer
    after = texts(servers.send(sender, "what is a muscle twitch?")).lower()
    assert "twitch" in after
    assert "how long does one episode last" not in after


def test_severe_pain_mid_check_in_gives_urgent_advice_and_carries_on(servers):
    sender = new_sender()
    reply = servers.send(sender, CHECK_IN_OPENER)
    reply = servers.send(sender, "a few minutes")
    assert "Does it hurt?" in texts(reply)
    reply = servers.send(sender, "the pain is unbearable")
    assert custom(reply, "triage") == {"level": "urgent", "reasons": ["severe_pain"]}
    assert "doctor today" in texts(reply)
    assert "tight or stiff" in texts(reply), "the check-in goes on with the next question"


def test_faq_mid_check_in_is_answered_then_the_question_is_asked_again(servers):
    sender = new_sender()
    servers.send(sender, CHECK_IN_OPENER)
    reply = texts(servers.send(sender, "what causes muscle cramps?"))
    assert "how long does one episode last" in reply


def test_stop_mid_check_in(servers):
    sender = new_sender()
    servers.send(sender, "check my symptoms")
    reply = texts(servers.send(sender, "stop"))
    assert "stopped the symptom check" in reply


def stored_slots(servers, sender: str) -> Dict[str, Any]:
    """The slot values stored for a REST sender (kept as rest:<sender>), read from the
    servers' SQLite file."""
    import sqlite3

    values: Dict[str, Any] = {}
    with sqlite3.connect(servers.db_path) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' "
                          "ORDER BY id", (f"rest:{sender}",)).fetchall()
    for (data,) in rows:
        event = json.loads(data)
        values[event["name"]] = event["value"]
    return values


def training_words():
    """Every word of every NLU training example (what IntentEvidenceGuard knows)."""
    import yaml

    from addons.intent_evidence import words_of
    from tests.servers import ROOT

    found = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples", "")).splitlines():
                found.update(words_of(line))
    return found


# Words no training example uses: by design (IntentEvidenceGuard) no intent can claim
# them, so what happens does not depend on what the classifier guesses for them.
NONSENSE = ["purple elephant", "lorem ipsum dolor", "zxq vbnm"]


def test_the_nonsense_inputs_share_no_word_with_the_training_data():
    known = training_words()
    for text in NONSENSE:
        from addons.intent_evidence import words_of
        assert not set(words_of(text)) & known, text


def test_nonsense_answer_is_reasked_with_why_then_skip_is_offered(servers):
    sender = new_sender()
    servers.send(sender, CHECK_IN_OPENER)
    first = servers.send(sender, NONSENSE[0])
    assert "twitches are usually over in seconds" in texts(first)
    second = servers.send(sender, NONSENSE[1])
    assert button_payload(second, "Skip this question")
    reply = servers.send(sender, button_payload(second, "Skip this question"))
    assert "Does it hurt?" in texts(reply)


def test_a_stray_greeting_mid_check_in_is_reasked_not_the_full_greeting(servers):
    sender = new_sender()
    servers.send(sender, CHECK_IN_OPENER)
    reply = texts(servers.send(sender, "hi"))
    assert "I'm the spasm-vs-twitch assistant" not in reply
    assert "how long does one episode last" in reply


def test_nonsense_outside_a_check_in_asks_to_rephrase(servers):
    reply = texts(servers.send(new_sender(), NONSENSE[2]))
    assert "I'm not sure I understood" in reply


def test_yes_to_the_breathing_question_is_an_emergency_in_that_turn(servers):
    sender = new_sender()
    servers.send(sender, "/request_symptom_check")
    reply = servers.send(sender, '/inform{"body_part": "neck"}')  # as the button sends it
    assert "trouble breathing during these episodes" in texts(reply)
    assert custom(reply, "triage") is None
    reply = servers.send(sender, "yes")
    assert "emergency number" in reply[0]["text"], "the emergency advice comes first"
    assert custom(reply, "triage") == {"level": "emergency", "reasons": ["breathing_difficulty"]}
    assert "how long does one episode last" not in texts(reply), "the check-in stopped"


def test_a_warning_sign_instead_of_an_answer_escalates_and_keeps_the_answers(servers):
    sender = new_sender()
    servers.send(sender, CHECK_IN_OPENER)
    servers.send(sender, "a few minutes")
    reply = servers.send(sender, "then I passed out and shook all over")
    triage = custom(reply, "triage")
    assert triage["level"] == "emergency"
    assert {"loss_of_consciousness", "seizure"} <= set(triage["reasons"])
    assert "Let's look at what you're feeling" not in texts(reply), "no restart of the check-in"
    slots = stored_slots(servers, sender)
    assert slots["body_part"] == "calf" and slots["episode_duration"] == "minutes"


def test_a_skipped_warning_sign_question_is_named_in_the_assessment(servers):
    sender = new_sender()
    reply = servers.send(sender, "my eyelid keeps twitching")
    reply = servers.send(sender, button_payload(reply, "A few seconds"))
    reply = servers.send(sender, "not sure")   # the pain question: skipped, not "no"
    assert "skipping" in texts(reply)
    for title in ["No", "No", "Yes", "No", "Days", "No, just there", "Nothing"]:
        reply = servers.send(sender, button_payload(reply, title))
    said = texts(reply)
    assert "You didn't answer whether you have severe pain" in said
    assert "Nothing you've told me is a warning sign" not in said


def test_correction_after_the_assessment_recomputes_it(servers):
    sender = new_sender()
    reply = servers.send(sender, "my eyelid keeps twitching")
    for title in ["A few seconds", "No pain", "No", "No", "Yes", "No", "Days", "No, just there", "Nothing"]:
        reply = servers.send(sender, button_payload(reply, title))
    assert custom(reply, "assessment")["likely"] == "twitch"
    reply = servers.send(sender, "actually it has been going on for over a month")
    assert custom(reply, "triage")["level"] == "routine", texts(reply)
    assert "persistent_or_frequent" in custom(reply, "triage")["reasons"]


# ------------------------------------------------------------------ other languages
@pytest.mark.parametrize("message, words", [
    ("no puedo respirar y tengo un espasmo en el cuello", "Llama ahora mismo"),
    ("je n'arrive pas à respirer, j'ai une crampe dans la poitrine", "Appelez tout de suite"),
    ("ich kann nicht atmen, mein Nacken verkrampft", "Rufen Sie sofort"),
    ("não consigo respirar direito e estou com câimbras", "Ligue agora"),
    ("non riesco a respirare", "Chiama subito"),
    ("nie mogę oddychać", "Zadzwoń natychmiast"),
])
def test_an_emergency_in_another_language_is_answered_in_it_then_in_english(servers, message, words):
    reply = servers.send(new_sender(), message)
    said = [m.get("text") or "" for m in reply]
    assert words in said[0], said
    assert any("Please call your local emergency number" in t for t in said[1:]), said
    assert custom(reply, "triage")["level"] == "emergency"


@pytest.mark.parametrize("message, locale, local_numbers, english", [
    ("no puedo respirar y tengo un espasmo en el cuello", "es-MX", "(911)", "911 (the emergency number in Mexico"),
    ("je n'arrive pas à respirer", "fr-CH", "(144 / 112)", "144 or 112 (the emergency numbers in Switzerland"),
    ("ich kann nicht atmen", "de-AT", "(144 / 112)", "144 or 112 (the emergency numbers in Austria"),
    ("não consigo respirar", "pt-BR", "(192)", "192 (the emergency number in Brazil"),
    ("non riesco a respirare", "it-IT", "(112 / 118)", "112 or 118 (the emergency numbers in Italy"),
    ("nie mogę oddychać", "pl-PL", "(112 / 999)", "112 or 999 (the emergency numbers in Poland"),
])
def test_an_emergency_in_each_language_names_the_number_of_the_locale(
        servers, message, locale, local_numbers, english):
    import requests

    body = {"sender": new_sender(), "message": message, "metadata": {"locale": locale}}
    reply = requests.post(servers.rest_url, json=body, timeout=60).json()
    said = [m.get("text") or "" for m in reply]
    # a locale alone is a weak sign: its numbers first, then the language's usual list
    assert local_numbers.rstrip(")") + ";" in said[0], said[0]
    assert any(english in t for t in said[1:]), said


def test_a_message_in_another_language_gets_the_language_note_not_please_rephrase(servers):
    reply = texts(servers.send(new_sender(), "tengo calambres en la pierna por la noche"))
    assert "solo puedo responder en inglés" in reply
    assert "112" in reply
    assert "say it another way" not in reply


def test_a_typed_erase_mid_check_in_stops_it_asks_then_erases(servers):
    sender = new_sender()
    servers.send(sender, "my eyelid keeps twitching")
    question = servers.send(sender, "delete my conversation")
    assert "erase this conversation" in texts(question), texts(question)
    assert "how long does one episode last" not in texts(question)
    done = servers.send(sender, "yes")
    assert custom(done, "erase") is True or "erased" in texts(done).lower(), texts(done)
    assert stored_slots(servers, sender) == {}, "nothing of the conversation is left"


def test_the_emergency_advice_names_the_country_the_person_is_in(servers):
    sender = new_sender()
    servers.send(sender, "hi, I'm in Australia")
    reply = servers.send(sender, "my chest is tight and I can't get my breath")
    assert custom(reply, "triage")["level"] == "emergency"
    assert "call 000 (the emergency number in Australia; 112 also works from a mobile phone) now" in reply[0]["text"]
    assert "911" not in reply[0]["text"]


def test_a_locale_in_the_metadata_names_its_number_and_says_what_to_do_elsewhere(servers):
    import requests

    body = {"sender": new_sender(), "message": "I can't breathe", "metadata": {"locale": "en-NZ"}}
    reply = requests.post(servers.rest_url, json=body, timeout=60).json()
    expected = ("call 111 (the emergency number in New Zealand; 112 also works from a mobile phone; "
                "if you are somewhere else, your local emergency number) now")
    assert expected in reply[0]["text"], reply[0]["text"]
