"""Fixes to Rasa 3.6.21 internals, applied when ``addons`` is imported.

Every Rasa server that loads this project's model imports ``addons`` (the
pipeline starts with ``addons.red_flag_detector``), so the fixes are in place
before the first message. Each one keeps Rasa's behaviour and only removes
repeated work; tests/test_rasa_patches.py checks both.

1. The action server's answer is checked against Rasa's JSON schema on every
   call with the one-shot ``jsonschema.validate``, which first checks the large
   event schema against the JSON Schema meta-schema and then builds a new
   validator. That took 14 ms of the server's CPU per action call (0.4 ms with a
   validator built once), and a check-in turn makes two or three calls
   (``validate_symptom_check_form``, ``action_ask_*``): in the profile of 20
   concurrent users it was 30% of all CPU time (`make profile`). The schema is a
   constant, so the validator is built once, at first use.
2. Every event read from the tracker store is turned back into its class by
   ``Event.resolve_by_type``, which walks all of ``Event``'s subclasses and
   checks each for abstract methods, for every event of every stored
   conversation on every message (3% of the CPU in the same profile). The
   answer for a type name never changes once found, so it is remembered; an
   unknown name still goes through Rasa's own lookup (default, error).
3. A call to the action server waits up to 300 s (``DEFAULT_REQUEST_TIMEOUT``,
   hard-coded: ``endpoints.yml`` cannot change it), while the conversation's lock
   expires after 60 s and the REST channel gives up after 60 s. A hung action
   server then meant silence, or two turns of one conversation at once. The
   timeout is ``ACTION_TIMEOUT`` seconds (default 20, less than the lock's
   lifetime); when it passes, the turn fails and the channel's never-silent
   wrapper sends the apology with the emergency line.
4. With ``ACTION_SERVER_TOKEN`` set, every call to the action server carries
   ``Authorization: Bearer <token>``, which scripts/action_server.py requires
   (Rasa's endpoint config can only send a token as a URL parameter, where it
   ends up in access logs).
"""
from __future__ import annotations

import functools
import os
from typing import Any, Dict, Optional, Text, Type

import rasa.core.actions.action as rasa_action
from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_PATCHED = "_spasm_twitch_patched"
#: seconds a call to the action server may take (see 3. above)
DEFAULT_ACTION_TIMEOUT = 20


def action_timeout() -> float:
    """ACTION_TIMEOUT from the environment, or 20 s; never more than Rasa's own 300 s."""
    try:
        value = float(os.environ.get("ACTION_TIMEOUT") or DEFAULT_ACTION_TIMEOUT)
    except ValueError:
        value = DEFAULT_ACTION_TIMEOUT
    return max(1.0, min(value, 300.0))


@functools.lru_cache(maxsize=None)
def action_response_validator() -> Any:
    """Rasa's action-response schema, checked once and compiled once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once.

    Same result and the same error as Rasa's: ``jsonschema.validate`` raises
    the best-matching error, with Rasa's hint appended to its message.
    """
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your "
        "response from the Action endpoint is valid. For more information about "
        f"the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def resolve_event_by_type(
    type_name: Text, default: Optional[Type[Event]] = None
) -> Optional[Type[Event]]:
    """``Event.resolve_by_type``, remembering each class it has found."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    found = _rasa_resolve_by_type(type_name, default)
    if found is not None and getattr(found, "type_name", None) == type_name:
        _event_classes[type_name] = found
    return found


_rasa_remote_action_init = RemoteAction.__init__


def _remote_action_init(self: RemoteAction, name: Text, action_endpoint: Any) -> None:
    """``RemoteAction.__init__``, adding the action server token to the endpoint's headers."""
    _rasa_remote_action_init(self, name, action_endpoint)
    token = os.environ.get("ACTION_SERVER_TOKEN")
    if token and action_endpoint is not None:
        headers = dict(action_endpoint.headers or {})
        headers["Authorization"] = f"Bearer {token}"
        action_endpoint.headers = headers


def apply() -> None:
    """Install the fixes once; importing ``addons`` calls this."""
    if getattr(RemoteAction, _PATCHED, False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
    Event.resolve_by_type = staticmethod(resolve_event_by_type)  # type: ignore[assignment]
    RemoteAction.__init__ = _remote_action_init  # type: ignore[assignment]
    # RemoteAction.run reads the module-level name at each call
    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()
    setattr(RemoteAction, _PATCHED, True)
