"""never_silent: an apology when nothing was sent or handling failed, nothing extra otherwise."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.never_silent import never_silent, service_unavailable_text


def run(handler, text="hello"):
    collector = CollectingOutputChannel()
    asyncio.run(never_silent(handler)(UserMessage(text, collector, "someone")))
    return [m.get("text") for m in collector.messages]


def test_a_reply_passes_through_alone():
    async def handler(message):
        await message.output_channel.send_response(message.sender_id, {"text": "hi there"})

    assert run(handler) == ["hi there"]


def test_direct_send_methods_are_forwarded_and_counted():
    async def handler(message):
        await message.output_channel.send_text_message(message.sender_id, "direct")

    assert run(handler) == ["direct"]


def test_nothing_sent_gets_the_apology_with_the_emergency_number():
    async def handler(message):
        return None

    replies = run(handler)
    assert replies == [service_unavailable_text()]
    assert "emergency number" in replies[0]


def test_an_exception_gets_the_apology_not_a_crash():
    async def handler(message):
        raise RuntimeError("tracker store down")

    assert run(handler) == [service_unavailable_text()]


def test_a_failure_after_a_reply_still_gets_the_apology():
    # e.g. the reply was ready but saving the conversation failed: the turn is lost.
    async def handler(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Does it hurt?"})
        raise RuntimeError("database is locked")

    assert run(handler) == ["Does it hurt?", service_unavailable_text()]


@pytest.mark.parametrize("command", ["/restart", "/session_start"])
def test_restart_is_silent_by_design(command):
    async def handler(message):
        return None

    assert run(handler, command) == []


def test_the_channel_name_is_the_real_one():
    seen = []

    async def handler(message):
        seen.append(message.output_channel.name())
        await message.output_channel.send_response(message.sender_id, {"text": "x"})

    run(handler)
    assert seen == [CollectingOutputChannel.name()]
