"""Fake Slack Web API and Telegram Bot API on 127.0.0.1, recording every call.

Small aiohttp servers run in a background thread, so both the Rasa server
(pointed at them through SLACK_API_URL / TELEGRAM_API_URL) and in-process
tests can call them. Each call is recorded as a `Call`; tests wait for the
calls they expect with `wait_for`, e.g.::

    with FakePlatforms() as fakes:
        ...
        fakes.slack.wait_for(lambda c: c.method == "chat.postMessage" and c.params["channel"] == "D1")
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

SLACK_TOKEN = "xoxb-fake"  # a placeholder, not a real token
SLACK_SIGNING_SECRET = "test-signing-secret"
# The channel where the bot answers every message (SLACK_CHANNEL), as in
# payloads/slack_event_callback_app_mention__docs.slack.dev.json.
SLACK_CHANNEL = "C123ABC456"
TELEGRAM_TOKEN = "123456789:TEST-token_for-the-fake-api"
# The example secret from payloads/telegram_setWebhook_secret_token.json.
TELEGRAM_SECRET = "EXAMPLE_secret-123"
TELEGRAM_BOT_USERNAME = "spasm_test_bot"


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    auth: str = ""
    at: float = field(default_factory=time.monotonic)


class FakeApi:
    """One fake platform: an aiohttp app plus the calls it received."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self._lock = threading.Lock()
        self.port: Optional[int] = None

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def snapshot(self) -> List[Call]:
        with self._lock:
            return list(self.calls)

    def matching(self, predicate: Callable[[Call], bool]) -> List[Call]:
        return [call for call in self.snapshot() if predicate(call)]

    def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 60, count: int = 1
    ) -> List[Call]:
        """The first ``count`` calls matching ``predicate``; AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                recent = [(c.method, json.dumps(c.params)[:300]) for c in self.snapshot()[-8:]]
                raise AssertionError(
                    f"expected {count} matching call(s) within {timeout}s, got {len(found)}; "
                    f"last calls: {recent}"
                )
            time.sleep(0.1)

    def app(self) -> web.Application:
        raise NotImplementedError


class FakeSlack(FakeApi):
    """Slack Web API: ``POST /api/<method>`` with JSON or form parameters."""

    def __init__(self) -> None:
        super().__init__()
        self._ts = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        self.record(Call(method, params, request.headers.get("Authorization", "")))
        if request.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(
            {"ok": True, "channel": params.get("channel"), "ts": f"1700000000.{next(self._ts):06d}"}
        )

    def posts(self, channel: str) -> List[Call]:
        """chat.postMessage calls to ``channel``, in order."""
        return self.matching(
            lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel
        )


class FakeTelegram(FakeApi):
    """Telegram Bot API: ``POST /bot<token>/<method>`` with form or JSON parameters."""

    def __init__(self) -> None:
        super().__init__()
        self._message_ids = itertools.count(1000)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {key: value for key, value in (await request.post()).items()}
        if isinstance(params.get("reply_markup"), str):
            params["reply_markup"] = json.loads(params["reply_markup"])
        self.record(Call(method, params, token))
        if token != TELEGRAM_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "sendMessage":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": params.get("text", ""),
            }
        if method == "getWebhookInfo":
            return {"url": "https://bot.example.org/webhooks/telegram/webhook", "pending_update_count": 0}
        if method == "getMe":
            return {"id": 123456789, "is_bot": True, "first_name": "Test", "username": TELEGRAM_BOT_USERNAME}
        return True

    def messages(self, chat_id: int) -> List[Call]:
        """sendMessage calls to ``chat_id``, in order."""
        return self.matching(
            lambda c: c.method == "sendMessage" and str(c.params.get("chat_id")) == str(chat_id)
        )


class FakePlatforms:
    """Both fakes, served from one background event loop."""

    def __init__(self) -> None:
        self.slack = FakeSlack()
        self.telegram = FakeTelegram()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runners: List[web.AppRunner] = []

    def __enter__(self) -> "FakePlatforms":
        self._thread.start()
        for fake in (self.slack, self.telegram):
            fake.port = asyncio.run_coroutine_threadsafe(self._serve(fake), self._loop).result(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        async def cleanup() -> None:
            for runner in self._runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, fake: FakeApi) -> int:
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        return site._server.sockets[0].getsockname()[1]

    def channel_env(self) -> Dict[str, str]:
        """Environment for scripts/run.sh: both channels on, talking to the fakes."""
        return {
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_CHANNEL": SLACK_CHANNEL,
            "SLACK_API_URL": self.slack.api_url,
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_BOT_USERNAME": TELEGRAM_BOT_USERNAME,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
            "TELEGRAM_API_URL": self.telegram.api_url,
        }
