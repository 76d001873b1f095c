"""``GET /metrics`` and ``GET /health/ready`` on the Rasa server.

``rasa run`` builds its Sanic app itself; the only code of ours it runs before
the server starts is the channels of credentials.yml, and Sanic 21.12 freezes
its routes before any server listener runs. So the routes come with an entry
of credentials.yml, ``observability.routes.ServerRoutes``: an input channel
nobody talks to, whose blueprint registers the two routes at the app's root
instead of under ``/webhooks/server_routes/`` (Rasa's own socket.io channel
also registers outside ``/webhooks/``, in ``SocketBlueprint.register``).

Both answer on every Rasa server for that server alone (with several, scrape
each one). Neither is meant to be public: the compose stack's nginx and the
Helm values keep them off the public address; Prometheus and the probes call
the servers directly.
"""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from observability import metrics
from observability.readiness import Readiness

METRICS_PATH = "/metrics"
READY_PATH = "/health/ready"
_ATTACHED = "assistant_server_routes"
_READINESS: Dict[int, Readiness] = {}


def readiness_of(app: Sanic) -> Readiness:
    key = id(app)
    if key not in _READINESS:
        _READINESS[key] = Readiness(lambda: getattr(app.ctx, "agent", None))
    return _READINESS[key]


def attach(app: Sanic) -> None:
    """Add the two routes to ``app`` (once)."""
    if getattr(app.ctx, _ATTACHED, False):
        return
    setattr(app.ctx, _ATTACHED, True)
    readiness = readiness_of(app)

    async def serve_metrics(_: Request) -> HTTPResponse:
        return response.raw(metrics.metrics_text(), content_type=metrics.CONTENT_TYPE_LATEST)

    async def serve_ready(_: Request) -> HTTPResponse:
        status, body = await readiness.report()
        return response.json(body, status=status, headers={"Cache-Control": "no-store"},
                             dumps=json.dumps)

    app.add_route(serve_metrics, METRICS_PATH, methods=["GET"], name="assistant_metrics")
    app.add_route(serve_ready, READY_PATH, methods=["GET"], name="assistant_ready")


class RootBlueprint(Blueprint):
    """A blueprint whose routes are registered at the app's root, whatever prefix
    ``rasa run`` gives channel blueprints (``/webhooks/<name>``)."""

    def register(self, app: Sanic, options: Dict[str, Any]) -> None:
        attach(app)
        super().register(app, {**options, "url_prefix": None})


class ServerRoutes(InputChannel):
    """Not a channel people talk to: how ``rasa run`` gets the two routes.

    Listed in credentials.yml as ``observability.routes.ServerRoutes:``.
    """

    #: no messages come in here, so none of the channel base's message handling applies
    handles_messages = False

    @classmethod
    def name(cls) -> Text:
        return "server_routes"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return RootBlueprint("assistant_server_routes", __name__)
