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


# ------------------------------------------------------------------ action-call timeout
def test_the_action_call_timeout_is_shorter_than_the_lock_lifetime():
    import rasa.core.actions.action as rasa_action
    from rasa.core.lock_store import DEFAULT_LOCK_LIFETIME

    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == rasa_patches.action_timeout() == 20
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT < DEFAULT_LOCK_LIFETIME


@pytest.mark.parametrize("value, expected", [("5", 5.0), ("", 20), ("junk", 20), ("9999", 300.0)])
def test_action_timeout_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("ACTION_TIMEOUT", value)
    assert rasa_patches.action_timeout() == expected


def test_a_hung_action_server_fails_the_call_after_the_timeout(domain, monkeypatch):
    """Through the patched path: RemoteAction.run against a server that never answers."""
    import asyncio
    import socket
    import time

    import rasa.core.actions.action as rasa_action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers: a hung server
    port = listener.getsockname()[1]
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 1)
    remote = RemoteAction("validate_symptom_check_form",
                          EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    tracker = DialogueStateTracker.from_events("x", [], domain.slots)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(remote.run(CollectingOutputChannel(),
                               TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain))
    assert time.monotonic() - started < 10
    listener.close()
