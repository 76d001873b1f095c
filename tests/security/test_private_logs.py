"""No personal text in the servers' logs, on normal and failing paths (issue 12, item 6).

One marker goes through every path we can reach from outside: ordinary
messages on each channel, the payload from the issue that made the dialogue
fail (``/inform{"red_flag": "my HIV test came back positive zebra..."}``, logged
inside a KeyError, and the person got the apology), payloads Rasa cannot read
(it quotes them whole in a warning), refusals and malformed requests. Then the
servers' log (all three servers' output) since the test began must not contain
it. The unit test of ``channels/private_logs.py`` covers a handler that raises.
"""
from __future__ import annotations

import json

import pytest
import requests

from tests.channels.helpers import slack_message, slack_post, telegram_message, telegram_post
from tests.channels.test_socketio import Widget
from tests.replies import texts
from tests.security.helpers import log_since, log_size, marker

pytestmark = pytest.mark.slow

APOLOGY = "part of me isn't working"


def test_a_marker_sent_every_way_never_reaches_the_logs(servers, fake_platforms):
    said = marker()
    secret = f"my HIV test came back positive {said}"
    start = log_size(servers.log_path)
    rest = servers.rest_url
    sender = marker()

    # The example: the value is ignored, the person is answered (no apology).
    reply = servers.send(sender, "/inform" + json.dumps({"red_flag": secret}))
    assert reply and APOLOGY not in texts(reply), texts(reply)
    # Ordinary messages, and ones mid check-in.
    for message in (f"my calf cramps at night, {secret}", f"about a minute {secret}", secret):
        assert servers.send(sender, message)
    # Payloads Rasa cannot read would be quoted whole in its warnings.
    for message in (f"/inform{{{secret}", f"/inform{{{secret}}}", f"/help {secret}", f'/inform{{"colour": "{secret}"}}',
                    f"/affirm@{secret}", f'/inform{{"pain_level": "{secret}"}}'):
        assert servers.send(sender, message)
    # Refused or malformed requests.
    for body in ({"sender": marker(), "message": secret * 1000},
                 {"sender": secret * 20, "message": secret},
                 {"sender": marker(), "message": secret, "metadata": secret}):
        assert requests.post(rest, json=body, timeout=60).status_code in (400, 413)
    requests.post(rest, data=f'{{"sender": "{secret}", "message": ', timeout=30)

    widget = Widget(servers.base_url)
    try:
        widget.say(secret)
        widget.collect(until="")
        widget.client.emit("user_uttered", {"message": {"text": secret}, "session_id": widget.session_id})
        widget.client.emit("user_uttered", {"message": secret, "session_id": f"{secret}-not-mine"})
        widget.client.emit("user_uttered", {"message": "hi", "session_id": widget.session_id, "metadata": f"{{{secret}"})
        # a red flag gets the emergency advice in any state (the secret may have started a
        # check-in, where a "hi" is taken as an answer and re-asked)
        widget.say("I can't breathe")
        widget.collect(until="emergency number")
    finally:
        widget.close()

    slack_url = f"{servers.base_url}/webhooks/slack/webhook"
    body, channel = slack_message(secret)
    slack_post(slack_url, body)
    fake_platforms.slack.wait_for(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel)
    slack_post(slack_url, f'{{"event": "{secret}"'.encode())
    telegram_url = f"{servers.base_url}/webhooks/telegram/webhook"
    update, _ = telegram_message(secret)
    assert telegram_post(telegram_url, update).status_code == 200
    telegram_post(telegram_url, None, raw=f'{{"update_id": "{secret}"}}'.encode())

    log = log_since(servers.log_path, start)
    # The paths were taken, and their log lines name them by reason code.
    for reason in ("server_entity_dropped", "payload_not_an_intent", "payload_arguments_unparsable",
                   "message_too_long"):
        assert f"reason={reason}" in log, reason
    assert said not in log, [line for line in log.splitlines() if said in line][:5]
    assert "HIV" not in log
