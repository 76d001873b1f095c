"""Bad input over REST gets a sensible reply or a clean 4xx: never a 500,
a crash or silence. After all of it, the server still answers."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.replies import texts

pytestmark = pytest.mark.slow


def sender() -> str:
    return f"bad-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t ",
        "😀🙃💪",
        "¿Qué es un espasmo muscular?",
        "Was ist der Unterschied zwischen Krampf und Zucken?",
        "<script>alert('x')</script>",
        "hi\x00there\x07",
        "a" * 20_000,
        "my calf cramps " * 1_300,  # 19,500 characters: just under the 20,000 limit
    ],
    ids=["empty", "whitespace", "emoji", "spanish", "german", "script", "control-chars", "20k-chars", "19k-words"],
)
def test_odd_messages_get_a_reply(servers, message):
    started = time.monotonic()
    response = requests.post(servers.rest_url, json={"sender": sender(), "message": message}, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text[:300]
    reply = response.json()
    assert reply and texts(reply).strip(), "never silent"
    # the length cap keeps a huge message from tying up the server
    assert elapsed < 20


def test_script_text_is_not_echoed_as_markup(servers):
    reply = servers.send(sender(), "<script>alert('x')</script>")
    assert "<script>" not in texts(reply)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"null", "application/json"),
        (b'{"sender": "x"}', "application/json"),
        (b'{"message": "hi"}', "application/json"),
        (b'{"sender": "x", "message": 42}', "application/json"),
        (b'{"sender": "", "message": "hi"}', "application/json"),
        (b'{"sender": ["x"], "message": "hi"}', "application/json"),
        (b'{"sender": "x", "message": "hi", "metadata": "nope"}', "application/json"),
        (b"\xff\xfe\xfa invalid utf-8", "application/json"),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
    ids=[
        "malformed", "array", "string", "null", "no-message", "no-sender", "number-message",
        "empty-sender", "list-sender", "bad-metadata", "invalid-utf8", "form-encoded", "empty-body",
    ],
)
def test_malformed_requests_get_a_clean_400(servers, body, content_type):
    response = requests.post(servers.rest_url, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 400, (response.status_code, response.text[:300])


def test_a_sender_id_of_10000_characters_is_refused(servers):
    response = requests.post(servers.rest_url, json={"sender": "x" * 10_000, "message": "hi"}, timeout=30)
    assert response.status_code == 400


def test_client_cannot_claim_another_input_channel(servers):
    # input_channel is ignored; the reply is the normal REST reply
    response = requests.post(
        servers.rest_url,
        json={"sender": sender(), "message": "hi", "input_channel": "slack"},
        timeout=30,
    )
    assert response.status_code == 200
    assert "not a doctor" in texts(response.json())


def test_server_still_answers_after_bad_input(servers):
    assert "not a doctor" in texts(servers.send(sender(), "hello"))
