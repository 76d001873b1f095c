"""The speed fixes in addons/rasa_patches.py keep Rasa's behaviour."""
from __future__ import annotations

from unittest import mock

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import addons  # noqa: F401  (importing addons applies the fixes)
from addons import rasa_patches

VALID = {
    "events": [
        {"event": "slot", "name": "body_part", "value": "calf"},
        {"event": "slot", "name": "requested_slot", "value": "episode_duration"},
    ],
    "responses": [{"text": "How long does it last?"}],
}
INVALID = [
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": "not a list"},
    {"responses": [42]},
    {"events": [{"event": "no_such_event"}]},
]


def action() -> RemoteAction:
    return RemoteAction("validate_symptom_check_form", None)


def test_importing_addons_installs_the_fixes():
    from rasa.shared.core.events import Event

    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result
    assert Event.resolve_by_type is rasa_patches.resolve_event_by_type


def test_valid_response_passes_without_rechecking_the_schema():
    action()._validate_action_result(VALID)  # builds the validator on first use
    with mock.patch.object(jsonschema, "validate") as one_shot, mock.patch.object(
        type(rasa_patches.action_response_validator()), "check_schema"
    ) as check_schema:
        for _ in range(5):
            assert action()._validate_action_result(VALID) is True
    one_shot.assert_not_called()
    check_schema.assert_not_called()


@pytest.mark.parametrize("response", INVALID)
def test_invalid_response_raises_the_same_error_as_rasa(response):
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        action()._validate_action_result(response)
    assert ours.value.message.startswith(stock.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(stock.value.path)


def test_apply_twice_is_harmless():
    rasa_patches.apply()
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_event_classes_resolve_as_in_rasa_without_walking_subclasses():
    from rasa.shared.core import events
    from rasa.shared.utils import common

    stored = [
        {"event": "user", "text": "my calf cramps", "parse_data": {"intent": {"name": "describe_symptom"}}},
        {"event": "slot", "name": "body_part", "value": "calf"},
        {"event": "action", "name": "action_listen"},
        {"event": "active_loop", "name": "symptom_check_form"},
    ]
    first = [events.Event.from_parameters(event) for event in stored]
    with mock.patch.object(common, "all_subclasses", side_effect=AssertionError("walked")):
        again = [events.Event.from_parameters(event) for event in stored]
    assert [type(event) for event in again] == [type(event) for event in first] == [
        events.UserUttered, events.SlotSet, events.ActionExecuted, events.ActiveLoop]
    assert again == first


def test_unknown_event_names_behave_as_in_rasa():
    from rasa.shared.core.events import Event, SlotSet

    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
