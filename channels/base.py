"""What every channel of ours shares, whatever platform it speaks to.

``ChannelBase`` is mixed into each of our input channels before Rasa's own
class (``class SafeSlackInput(ChannelBase, SlackInput)``) and gives all four
(REST, socket.io, Slack, Telegram) the same:

- on or off: ``configured``. REST and socket.io are always on; Slack and
  Telegram are off while their token and secret are unset, and the server
  still starts;
- the health route, ``GET /webhooks/<name>/``: ``{"status": "ok"}``, or
  ``{"status": "not configured"}`` for a channel that is off (REST and
  socket.io keep Rasa's own route, which answers the same);
- 503 when off: ``refusal_when_off()`` is the webhook's answer while the
  channel is off, e.g. "Slack is not configured on this server.";
- the message path: ``handler(on_new_message)`` (``channels/edge.py``:
  replies to the platform's id, the limits, payloads Rasa can read, the erase
  command, and never silent: an apology when nothing could be answered);
- the server-wide hooks, whichever of our channels are in credentials.yml:
  the request size limit and the retention purge (``Edge.install``), and
  tracker-store errors that raise instead of Rasa answering from a blank
  conversation (``stores.tracker_store.raise_tracker_store_errors``), so that
  the apology comes on every channel when the database fails, with or without
  REST.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.edge import Edge
from stores.tracker_store import raise_tracker_store_errors


class ChannelBase:
    """The shared part of our input channels; see the module docstring."""

    #: the platform as a person names it, for the 503 text ("Slack")
    title: Text = ""

    @property
    def configured(self) -> bool:
        """False while the channel lacks what it needs to run (its webhook answers 503)."""
        return True

    @property
    def edge(self) -> Edge:
        """This channel's edge (``channels/edge.py``), made on first use."""
        edge = self.__dict__.get("_edge")
        if edge is None:
            edge = self.__dict__["_edge"] = Edge(self.name())  # type: ignore[attr-defined]
        return edge

    def handler(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        check_limits: bool = True,
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """What the channel gives its messages to (``Edge.handler``)."""
        return self.edge.handler(on_new_message, check_limits=check_limits)

    def health(self) -> Dict[Text, Text]:
        return {"status": "ok" if self.configured else "not configured"}

    def refusal_when_off(self) -> Optional[HTTPResponse]:
        """The 503 for a webhook of a channel that is off; None while it is on."""
        if self.configured:
            return None
        return response.text(
            f"{self.title or self.name()} is not configured on this server.",  # type: ignore[attr-defined]
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )

    def webhook_blueprint(self) -> Blueprint:
        """A new ``<name>_webhook`` blueprint with the health route and the hooks
        (for channels that build their own; REST and socket.io extend Rasa's)."""
        blueprint = Blueprint(f"{self.name()}_webhook", type(self).__module__)  # type: ignore[attr-defined]

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json(self.health())

        return self.install(blueprint)

    def install(self, blueprint: Blueprint) -> Blueprint:
        """The server-wide hooks (see the module docstring) on ``blueprint``."""
        blueprint.listener(raise_tracker_store_errors, "after_server_start")
        return self.edge.install(blueprint)
