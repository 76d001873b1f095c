#!/usr/bin/env python3
"""Serve the chat page (web/) and the one widget file it needs from node_modules.

Standard library only; started by scripts/run.sh (`make run`). Example:

    WEB_PORT=8080 RASA_PORT=5005 python scripts/serve_web.py
    # -> http://localhost:8080/ talks to the socket.io channel on port 5005

Only files under web/ and the widget bundle are served; nothing else in the
project is reachable. The Content-Security-Policy lets the page load scripts
and styles from this server only and connect only to the Rasa server, so the
widget's built-in Google Fonts import (and anything else remote) is never
fetched: nothing leaves for a CDN.

Settings (environment): WEB_PORT (8080), WEB_HOST (127.0.0.1), RASA_PORT
(5005), SOCKET_URL (default: the page's host name on RASA_PORT).
"""
from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
# URL path -> file outside web/ that the page needs.
VENDOR = {
    "/vendor/rasa-webchat.js": ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js",
}
HOSTNAME = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$")


def socket_origin(host_header: str, rasa_port: int, socket_url: str) -> str:
    """Where the widget connects, e.g. ("localhost:8080", 5005, "") -> "http://localhost:5005"."""
    if socket_url:
        parts = urlsplit(socket_url)
        return f"{parts.scheme}://{parts.netloc}"
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if not HOSTNAME.match(host or ""):
        host = "localhost"
    return f"http://{host}:{rasa_port}"


def content_security_policy(origin: str) -> str:
    websocket = re.sub(r"^http", "ws", origin)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # the widget injects its own <style> elements
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {origin} {websocket}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "serve_web"
    rasa_port = 5005
    socket_url = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head_only=True)

    def _respond(self, head_only: bool) -> None:
        path = urlsplit(self.path).path
        origin = socket_origin(self.headers.get("Host", ""), self.rasa_port, self.socket_url)
        if path == "/config.js":
            config = {"socketUrl": origin, "socketPath": "/socket.io/"}
            body = f"window.ASSISTANT_CONFIG = {json.dumps(config)};\n".encode()
            found: Optional[Tuple[bytes, str]] = (body, "text/javascript")
        else:
            found = self._file(path)
        if found is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain", origin, head_only)
            return
        self._send(HTTPStatus.OK, found[0], found[1], origin, head_only)

    def _file(self, path: str) -> Optional[Tuple[bytes, str]]:
        if path in VENDOR:
            file = VENDOR[path]
        else:
            relative = path.lstrip("/") or "index.html"
            file = (WEB / relative).resolve()
            if WEB.resolve() not in file.parents:
                return None
        if not file.is_file():
            return None
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return file.read_bytes(), content_type

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, origin: str, head_only: bool
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Security-Policy", content_security_policy(origin))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # Paths only (no query strings, no bodies): conversations stay out of logs.
        if os.environ.get("WEB_ACCESS_LOG"):
            super().log_message(format, *args)


def main() -> int:
    port = int(os.environ.get("WEB_PORT", "8080"))
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    Handler.rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    Handler.socket_url = os.environ.get("SOCKET_URL", "")
    missing = [str(path.relative_to(ROOT)) for path in VENDOR.values() if not path.is_file()]
    if missing:
        # The servers still start; only the page lacks its widget until then.
        print(f"warning: {', '.join(missing)} missing: run `make web` (npm ci).", file=sys.stderr)
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
