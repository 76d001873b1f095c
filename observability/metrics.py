"""Prometheus metrics of one Rasa server: counts and timings, never what was said.

``GET /metrics`` (``observability/routes.py``) serves them in Prometheus' text
format. Every label value comes from a closed list: channel names, triage
levels and reason codes from ``triage/rules.yml``, action names from the
domain, refusal and error codes written in this code. Nothing a person typed
and no conversation id can become a label, so neither can reach a scrape::

    assistant_messages_total{channel="rest"} 12.0
    assistant_triage_replies_total{level="emergency",reason="chest_pain"} 1.0
    assistant_turn_seconds_bucket{channel="rest",le="0.25"} 11.0

Where each is counted:

- messages, refusals and the turn latency: at each channel's edge
  (``channels/edge.py``, ``channels/rest.py``), for every channel;
- triage replies, fallbacks and check-ins: from the events a turn added, when
  the tracker store saves that turn (``stores/tracker_store.py``), so a turn
  whose conversation could not be saved (the person got the apology) is not
  counted as a finished check-in;
- calls to the action server: around Rasa's ``RemoteAction.run``
  (``instrument_action_calls``, applied at start-up for Rasa 3.6.21).

With several Rasa servers each one serves its own counts; Prometheus adds them
up (``sum by (level) (rate(assistant_triage_replies_total[5m]))``).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Dict, Iterable, Mapping, Tuple

from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported: routes.py answers /metrics with it)
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

logger = logging.getLogger(__name__)

#: the Rasa version whose RemoteAction.run is wrapped (see instrument_action_calls)
RASA_VERSION = "3.6.21"
CHECK_IN_FORM = "symptom_check_form"
ASSESSMENT_ACTION = "action_assess_symptoms"
CORE_FALLBACK_ACTION = "action_default_fallback"
UNSURE_RESPONSE = "utter_please_rephrase"
CHANNELS = ("rest", "socketio", "slack", "telegram")
REFUSALS = ("message_too_long", "rate_limited")
OTHER = "other"
# Seconds. A turn is 10-400 ms on a quiet server; the apology after a hung action
# server comes at ACTION_TIMEOUT (20 s); the REST channel gives up at 60 s.
TURN_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)
ACTION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "assistant_messages", "Messages a channel received (refused ones included).",
    ["channel"], registry=REGISTRY,
)
REFUSED = Counter(
    "assistant_messages_refused", "Messages refused before the NLU (too long, over the rate).",
    ["channel", "reason"], registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "assistant_turn_seconds", "Time from a message reaching the channel to its last reply.",
    ["channel"], buckets=TURN_BUCKETS, registry=REGISTRY,
)
APOLOGIES = Counter(
    "assistant_apologies", "Turns that got the apology because nothing could be answered.",
    ["channel"], registry=REGISTRY,
)
TRIAGE_REPLIES = Counter(
    "assistant_triage_replies",
    "Care advice sent, by triage level and reason (reason \"none\" for advice without one).",
    ["level", "reason"], registry=REGISTRY,
)
FALLBACKS = Counter(
    "assistant_fallbacks",
    "Unsure replies: kind=\"nlu\" (the message was not understood: utter_please_rephrase) "
    "or \"core\" (no next step: action_default_fallback).",
    ["kind"], registry=REGISTRY,
)
CHECK_INS = Counter(
    "assistant_check_ins",
    "Symptom check-ins: started; finished (assessed); abandoned (stopped before the "
    "assessment: asked to stop, an emergency, an erase).",
    ["outcome"], registry=REGISTRY,
)
ACTION_SECONDS = Histogram(
    "assistant_action_server_seconds", "Duration of calls to the action server, failed ones too.",
    ["action"], buckets=ACTION_BUCKETS, registry=REGISTRY,
)
ACTION_ERRORS = Counter(
    "assistant_action_server_errors",
    "Failed calls to the action server: kind = unreachable, timeout, http_error, rejected, other.",
    ["action", "kind"], registry=REGISTRY,
)

for _outcome in ("started", "finished", "abandoned"):
    CHECK_INS.labels(_outcome)
for _kind in ("nlu", "core"):
    FALLBACKS.labels(_kind)


@functools.lru_cache(maxsize=1)
def triage_vocabulary() -> Tuple[frozenset, frozenset]:
    """(levels, reason codes) of triage/rules.yml: the only label values allowed."""
    from triage.rules import load_rules

    rules = load_rules()
    levels = frozenset(level.name for level in rules.levels)
    return levels, frozenset(rules.reasons)


def channel_label(channel: Any) -> str:
    return channel if channel in CHANNELS else OTHER


def metrics_text() -> bytes:
    return generate_latest(REGISTRY)


# --- at the edge -------------------------------------------------------------


def message_received(channel: str) -> None:
    MESSAGES.labels(channel_label(channel)).inc()


def message_refused(channel: str, reason: str) -> None:
    REFUSED.labels(channel_label(channel), reason if reason in REFUSALS else OTHER).inc()


def turn_finished(channel: str, seconds: float) -> None:
    TURN_SECONDS.labels(channel_label(channel)).observe(seconds)


def apologised(channel: str) -> None:
    APOLOGIES.labels(channel_label(channel)).inc()


# --- from a turn's events ----------------------------------------------------


def observe_turn(events: Iterable[Any]) -> None:
    """Count what one turn's new events show; ``events`` are Rasa ``Event`` objects.

    Never raises: a metric must not cost a person their reply.
    """
    try:
        _observe_turn(list(events))
    except Exception:  # noqa: BLE001
        logger.warning("reason=metrics_failed", exc_info=False)


def _observe_turn(events: list) -> None:
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered

    deactivated = assessed = False
    for event in events:
        if isinstance(event, ActionExecuted):
            if event.action_name == UNSURE_RESPONSE:
                FALLBACKS.labels("nlu").inc()
            elif event.action_name == CORE_FALLBACK_ACTION:
                FALLBACKS.labels("core").inc()
            elif event.action_name == ASSESSMENT_ACTION:
                assessed = True
        elif isinstance(event, ActiveLoop):
            if event.name == CHECK_IN_FORM:
                CHECK_INS.labels("started").inc()
            elif event.name is None:
                deactivated = True
        elif isinstance(event, BotUttered):
            _observe_triage((event.data or {}).get("custom"))
    if deactivated:
        CHECK_INS.labels("finished" if assessed else "abandoned").inc()


def _observe_triage(custom: Any) -> None:
    triage = custom.get("triage") if isinstance(custom, Mapping) else None
    if not isinstance(triage, Mapping):
        return
    levels, reasons = triage_vocabulary()
    level = triage.get("level")
    level = level if isinstance(level, str) and level in levels else OTHER
    given = triage.get("reasons")
    given = [r for r in given if isinstance(r, str)] if isinstance(given, list) else []
    if not given:
        TRIAGE_REPLIES.labels(level, "none").inc()
    for reason in dict.fromkeys(given):
        TRIAGE_REPLIES.labels(level, reason if reason in reasons else OTHER).inc()


# --- calls to the action server ---------------------------------------------


def action_error_kind(error: BaseException) -> str:
    """A closed code for a failed call; never the error's message."""
    import aiohttp
    from rasa.core.actions.action import ActionExecutionRejection

    if isinstance(error, ActionExecutionRejection):
        return "rejected"
    if isinstance(error, asyncio.TimeoutError):
        return "timeout"
    cause = error.__cause__ or error.__context__
    for candidate in (error, cause):
        if isinstance(candidate, aiohttp.ClientResponseError):
            return "http_error"
        if isinstance(candidate, (aiohttp.ClientConnectionError, ConnectionError)):
            return "unreachable"
        if isinstance(candidate, asyncio.TimeoutError):
            return "timeout"
    return OTHER


_ACTION_NAMES: Dict[str, str] = {}


def _action_label(name: Any, domain: Any) -> str:
    """The action's name if the domain has it (bounded), else "other"."""
    name = str(name)
    if name not in _ACTION_NAMES:
        known = name in set(getattr(domain, "action_names_or_texts", []) or [])
        if len(_ACTION_NAMES) < 500:
            _ACTION_NAMES[name] = name if known else OTHER
        else:
            return name if known else OTHER
    return _ACTION_NAMES[name]


def instrument_action_calls() -> bool:
    """Time every call to the action server and count its failures.

    Wraps ``RemoteAction.run`` of Rasa 3.6.21 (checked: another version is left
    alone, with a warning). Returns whether it is in place.
    """
    import rasa
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction.run, "_assistant_metrics", False):
        return True
    if rasa.__version__ != RASA_VERSION:
        logger.warning("reason=metrics_not_installed: action-server metrics need Rasa %s, found %s",
                       RASA_VERSION, rasa.__version__)
        return False
    rasa_run = RemoteAction.run

    @functools.wraps(rasa_run)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        label = _action_label(self.name(), domain)
        started = time.perf_counter()
        try:
            return await rasa_run(self, output_channel, nlg, tracker, domain)
        except BaseException as error:
            if not isinstance(error, asyncio.CancelledError):
                ACTION_ERRORS.labels(label, action_error_kind(error)).inc()
            raise
        finally:
            ACTION_SECONDS.labels(label).observe(time.perf_counter() - started)

    run._assistant_metrics = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[assignment]
    return True
