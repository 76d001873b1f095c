"""observability/ without servers: label values, the readiness cache, the JSON formatter.

The real servers are in tests/observability and tests/persistence/test_readiness.py.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered

from observability import logs, metrics
from observability.readiness import Readiness, action_server_health_url

SECRET = "my HIV test came back positive zebra1234"


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_triage_labels_come_only_from_the_rules():
    before_other = sample("assistant_triage_replies_total", level="emergency", reason="other")
    before_known = sample("assistant_triage_replies_total", level="urgent", reason="severe_pain")
    metrics.observe_turn([
        BotUttered("advice", {"custom": {"triage": {"level": "emergency", "reasons": [SECRET]}}}),
        BotUttered("advice", {"custom": {"triage": {"level": SECRET, "reasons": ["severe_pain"]}}}),
        BotUttered("advice", {"custom": {"triage": {"level": "urgent", "reasons": ["severe_pain", "severe_pain"]}}}),
        BotUttered("advice", {"custom": {"triage": "not a mapping"}}),
    ])
    assert sample("assistant_triage_replies_total", level="emergency", reason="other") == before_other + 1
    assert sample("assistant_triage_replies_total", level="urgent", reason="severe_pain") == before_known + 1
    assert sample("assistant_triage_replies_total", level="other", reason="severe_pain") >= 1
    text = metrics.metrics_text().decode()
    assert "zebra" not in text and "HIV" not in text


@pytest.mark.parametrize("events,outcome", [
    ([ActionExecuted("symptom_check_form"), ActiveLoop(None), ActionExecuted("action_assess_symptoms")], "finished"),
    ([ActionExecuted("utter_check_in_stopped"), ActionExecuted("action_deactivate_loop"), ActiveLoop(None)],
     "abandoned"),
    ([ActionExecuted("action_start_symptom_check"), ActiveLoop("symptom_check_form")], "started"),
])
def test_check_in_outcomes(events, outcome):
    before = {name: sample("assistant_check_ins_total", outcome=name) for name in ("started", "finished", "abandoned")}
    metrics.observe_turn([UserUttered("whatever"), *events])
    after = {name: sample("assistant_check_ins_total", outcome=name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        name: (1.0 if name == outcome else 0.0) for name in before}


def test_unsure_replies_are_counted_by_kind():
    nlu, core = (sample("assistant_fallbacks_total", kind=kind) for kind in ("nlu", "core"))
    metrics.observe_turn([ActionExecuted("utter_please_rephrase"), ActionExecuted("action_default_fallback"),
                          ActionExecuted("utter_greet")])
    assert sample("assistant_fallbacks_total", kind="nlu") == nlu + 1
    assert sample("assistant_fallbacks_total", kind="core") == core + 1


def test_a_broken_event_costs_no_reply():
    metrics.observe_turn([object(), BotUttered("x", {"custom": {"triage": {"reasons": 5}}})])


def test_unknown_channels_and_refusals_are_other():
    metrics.message_received(SECRET)
    metrics.message_refused("rest", SECRET)
    assert sample("assistant_messages_total", channel="other") >= 1
    assert sample("assistant_messages_refused_total", channel="rest", reason="other") >= 1
    assert "zebra" not in metrics.metrics_text().decode()


def test_action_health_url():
    class Endpoint:
        url = "http://actions:5055/webhook"

    class Agent:
        action_endpoint = Endpoint()

    assert action_server_health_url(Agent()) == "http://actions:5055/health"
    Endpoint.url = "https://bot.example.org/actions/webhook/"
    assert action_server_health_url(Agent()) == "https://bot.example.org/actions/health"
    Agent.action_endpoint = None
    assert action_server_health_url(Agent()) is None


def test_readiness_runs_one_check_however_many_ask(monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_SECONDS", "1")
    now = [100.0]
    calls = []

    async def check(agent):
        calls.append(agent)
        await asyncio.sleep(0.05)
        return {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "action_server": "timeout"}

    readiness = Readiness(lambda: "agent", check=check, clock=lambda: now[0])

    async def scenario():
        first = await asyncio.gather(*(readiness.report() for _ in range(50)))
        cached = await readiness.report()
        now[0] += 1.5
        fresh = await readiness.report()
        return first, cached, fresh

    first, cached, fresh = asyncio.run(scenario())
    assert len(calls) == 2, "50 requests at once and one within the second share a check; then one more"
    status, body = first[0]
    assert status == 503 and body["status"] == "not_ready" and body["action_server"] == "timeout"
    assert all(result == first[0] for result in first) and cached == first[0] and fresh == first[0]


def test_readiness_is_200_only_when_every_part_is_ok():
    async def check(_):
        return {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "action_server": "ok"}

    status, body = asyncio.run(Readiness(lambda: None, check=check).report())
    assert status == 200 and body["status"] == "ready"


def record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("channels.edge", logging.ERROR, __file__, 1, message, args, exc_info)


def test_json_lines_never_quote_an_error_message():
    try:
        {}[SECRET]
    except KeyError:
        line = logs.JsonFormatter().format(record("Handling a message failed: reason=%s", "handler_failed",
                                                  exc_info=sys.exc_info()))
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "error" and entry["logger"] == "channels.edge"
    assert entry["message"] == "Handling a message failed: reason=handler_failed"
    assert entry["error"].startswith("KeyError at tests/test_observability.py:")
    assert "zebra" not in line and "HIV" not in line


def test_structured_lines_are_merged_not_quoted():
    line = logs.JsonFormatter().format(record(json.dumps({"event": "model.load", "level": "info", "path": "m"})))
    entry = json.loads(line)
    assert entry["message"] == "model.load" and entry["path"] == "m" and entry["level"] == "error"
    multiline = json.loads(logs.JsonFormatter().format(record("first\nsecond {not json}")))
    assert multiline["message"] == "first\nsecond {not json}"


def test_apply_only_with_log_format_json(monkeypatch):
    logger = logging.getLogger("tests.observability.apply")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
        assert logs.apply([logger]) is False and not isinstance(handler.formatter, logs.JsonFormatter)
        monkeypatch.setenv("LOG_FORMAT", "json")
        assert logs.apply([logger]) is True and isinstance(handler.formatter, logs.JsonFormatter)
    finally:
        logger.removeHandler(handler)
