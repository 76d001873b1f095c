"""Conversation ids that carry their channel, so one channel cannot address another's.

Rasa files every conversation under one string, the sender id. The stock
channels use the platform's id as it is, so a REST client that sends
``{"sender": "<a widget's session id>"}`` or ``{"sender": "1111111"}`` (a
Telegram chat) reads and writes that person's conversation. Ours store it
under ``<channel>:<platform id>``::

    scoped("rest", "me")                     -> "rest:me"
    scoped("socketio", "4f0c...9a.Xk3...")   -> "socketio:4f0c...9a.Xk3..."
    scoped("slack", "T123ABC456", "U061F7AUR") -> "slack:T123ABC456:U061F7AUR"
    scoped("telegram", 1111111)              -> "telegram:1111111"
    platform_id("slack:T123ABC456:U061F7AUR") -> "U061F7AUR"

Whatever a client puts in its own id stays inside its channel's prefix
(``{"sender": "socketio:x"}`` on REST is ``rest:socketio:x``). Replies go to
the platform's id: ``platform_id`` gives it back to the output channels.
"""
from __future__ import annotations

from typing import Any

from channels.message_input import MAX_SENDER_ID_LENGTH, InvalidInput

SEPARATOR = ":"
CHANNELS = ("rest", "socketio", "slack", "telegram")


def scoped(channel: str, *parts: Any) -> str:
    """The stored conversation id for ``parts`` on ``channel``; InvalidInput if too long."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    pieces = [str(part) for part in parts if part not in (None, "")]
    if not pieces:
        raise InvalidInput("'sender' must not be empty")
    conversation_id = SEPARATOR.join([channel, *pieces])
    if len(conversation_id) > MAX_SENDER_ID_LENGTH:
        room = MAX_SENDER_ID_LENGTH - len(conversation_id) + len(pieces[-1])
        raise InvalidInput(f"'sender' must be at most {room} characters")
    return conversation_id


def channel_of(conversation_id: str) -> str:
    """``"rest:me"`` -> ``"rest"``; an id from before scoping -> ``""``."""
    channel, separator, _ = conversation_id.partition(SEPARATOR)
    return channel if separator and channel in CHANNELS else ""


def platform_id(conversation_id: str) -> str:
    """The id the platform knows the person by (what replies are addressed to).

    Slack's is the last part (the team is only there to keep workspaces apart);
    the others' is everything after the channel, as the client sent it.
    """
    channel = channel_of(conversation_id)
    if not channel:
        return conversation_id
    rest = conversation_id[len(channel) + 1 :]
    if channel == "slack":
        return rest.rsplit(SEPARATOR, 1)[-1]
    return rest
