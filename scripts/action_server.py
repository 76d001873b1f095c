"""The action server, as `rasa run actions` starts it, plus what ours needs.

* It listens on ``ACTION_HOST`` (default 127.0.0.1: on a laptop nothing else on the
  network can reach it) and ``ACTION_PORT`` (default 5055).
* ``LOG_FORMAT=json`` makes every log line one JSON object (``observability/logs.py``).
* With ``ACTION_SERVER_TOKEN`` set, every call but ``GET /health`` must carry
  ``Authorization: Bearer <token>`` (the Rasa server adds it: addons/rasa_patches.py),
  or gets a 401. Listening beyond loopback without a token is refused at start-up:
  anyone who could reach it could have a made-up conversation assessed.

    ACTION_SERVER_TOKEN=... .venv/bin/python scripts/action_server.py --host 0.0.0.0 --port 5055
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_accepted(header: str, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def create_app(token: str):
    from rasa_sdk.endpoint import create_app as rasa_sdk_app
    from sanic import response

    app = rasa_sdk_app("actions", cors_origins=os.environ.get("CORS_ORIGIN") or None)

    @app.middleware("request")
    async def require_token(request):
        if token and request.path != "/health" and not token_accepted(
                request.headers.get("Authorization", ""), token):
            return response.json({"error": "missing or wrong action server token"}, status=401)

    return app


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="The action server (see the module docstring).")
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT") or 5055))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    from observability import logs

    logs.apply()  # LOG_FORMAT=json: one JSON object per line (observability/logs.py)
    host, port = args.host, args.port
    token = os.environ.get("ACTION_SERVER_TOKEN") or ""
    if not token and not is_loopback(host):
        print(f"error: the action server would listen on {host} without a token; set "
              "ACTION_SERVER_TOKEN (the Rasa server sends it) or ACTION_HOST=127.0.0.1.",
              file=sys.stderr)
        return 2
    app = create_app(token)
    app.register_listener(logs.apply_on_start, "before_server_start")  # Sanic's own loggers
    logging.getLogger(__name__).info("Action server on http://%s:%s (token %s)", host, port,
                                     "required" if token else "not required on loopback")
    app.run(host, port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
