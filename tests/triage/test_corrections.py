"""parse_correction: which check-in answer a correction changes, and to what.

A table of corrections as people write them; yes/no answers must come out the
right way round ("it's not weak" is weakness: no).
"""
from __future__ import annotations

import pytest

from triage.corrections import parse_correction


@pytest.mark.parametrize(
    "text, updates",
    [
        ("actually it does hurt", {"pain_level": "mild"}),
        ("actually it doesn't hurt", {"pain_level": "none"}),
        ("actually it's agony", {"pain_level": "severe"}),
        ("actually it is weak", {"weakness": True}),
        ("it's not weak", {"weakness": False}),
        # Only the keyword's own clause counts: the "no" answers the bot.
        ("no, it IS weak", {"weakness": True}),
        ("it is stiff after all", {"stiffness": True}),
        ("actually it isn't stiff", {"stiffness": False}),
        # Movement is the other way round: "can't move it fully" is limited movement.
        ("I can't move it fully", {"limited_motion": True}),
        ("actually I can bend it fully", {"limited_motion": False}),
        ("I can see it flicker", {"visible_movement": True}),
        ("you can't see it", {"visible_movement": False}),
        ("actually I do have trouble breathing", {"breathing_trouble": True}),
        ("actually no trouble breathing", {"breathing_trouble": False}),
        ("actually it's in both legs", {"multiple_places": True}),
        ("it lasts minutes", {"episode_duration": "minutes"}),
        ("sorry, it's been going on for a month", {"ongoing_for": "over_two_weeks"}),
        ("it started after I began statins", {"triggers": ["new_medicine"]}),
        ("it hurts, but it is not weak", {"pain_level": "mild", "weakness": False}),
        ("nothing", {}),
    ],
)
def test_a_correction_changes_the_answer_it_names(text, updates):
    assert parse_correction(text, []) == updates


def test_a_corrected_place_is_the_one_not_denied():
    entities = [{"entity": "body_part", "value": "calf"}, {"entity": "body_part", "value": "thigh"}]
    assert parse_correction("it's my thigh, not my calf", entities) == {"body_part": "thigh"}
