"""The emergency net in other languages: the same reasons and levels as English,
with negation, written without accents but matching text with them."""
from __future__ import annotations

import pytest

from triage.language import language_of
from triage.red_flags import detect_text


def found(text):
    return [(h.reason, h.lang) for h in detect_text(text)]


@pytest.mark.parametrize("text, reason, lang", [
    # the messages from the issue, verbatim
    ("no puedo respirar y tengo un espasmo en el cuello", "breathing_difficulty", "es"),
    ("ich kann nicht atmen, mein Nacken verkrampft", "breathing_difficulty", "de"),
    ("je n'arrive pas à respirer, j'ai une crampe dans la poitrine", "breathing_difficulty", "fr"),
    ("não consigo respirar direito e estou com câimbras", "breathing_difficulty", "pt"),
    ("help, no puedo respirar", "breathing_difficulty", "es"),
    # each language: breathing, chest, stroke, fainting, seizure, severe pain
    ("me duele el pecho desde hace una hora", "chest_pain", "es"),
    ("mi madre se desmayó en la cocina", "loss_of_consciousness", "es"),
    ("tiene la cara torcida y no puede hablar", "stroke_signs", "es"),
    ("mon père a perdu connaissance", "loss_of_consciousness", "fr"),
    ("j'ai une douleur dans la poitrine", "chest_pain", "fr"),
    ("mein Mann ist bewusstlos", "loss_of_consciousness", "de"),
    ("starke Brustschmerzen seit heute Morgen", "chest_pain", "de"),
    ("ela teve uma convulsão", "seizure", "pt"),
    ("dor no peito e falta de ar", "chest_pain", "pt"),
    ("non riesco a respirare bene", "breathing_difficulty", "it"),
    ("mio figlio è svenuto", "loss_of_consciousness", "it"),
    ("nie mogę oddychać", "breathing_difficulty", "pl"),
    ("ból w klatce piersiowej", "chest_pain", "pl"),
    ("nao consigo respirar", "breathing_difficulty", "pt"),  # typed without accents
])
def test_a_sign_in_another_language_is_found_with_its_language(text, reason, lang):
    assert (reason, lang) in found(text), found(text)


@pytest.mark.parametrize("text", [
    "no tengo dolor en el pecho",
    "sin dolor de pecho, solo un calambre en la pierna",
    "ich habe keine Brustschmerzen",
    "je n'ai pas mal à la poitrine",
    "não tenho dor no peito",
    "non ho dolore al petto",
    "nie mam bólu w klatce",
    "tengo calambres en la pierna por la noche",
])
def test_denied_signs_and_plain_cramps_are_not_raised(text):
    assert found(text) == []


@pytest.mark.parametrize("text, lang", [
    ("tengo calambres en la pierna", "es"),
    ("j'ai une crampe au mollet", "fr"),
    ("ich habe einen Wadenkrampf", "de"),
    ("tenho cãibras na perna", "pt"),
    ("mam skurcz łydki", "pl"),
])
def test_a_message_in_another_language_is_recognised(text, lang):
    assert language_of(text) == lang


@pytest.mark.parametrize("text", ["caffeine", "hi", "purple elephant", "lorem ipsum dolor",
                                  "my calf cramps at night", "ok thanks", "statins and cramps"])
def test_english_and_short_messages_stay_english(text):
    known = {"caffeine", "statins", "calf", "cramps", "thanks", "ok"}
    assert language_of(text, known) == "en"
