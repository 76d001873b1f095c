"""``GET /health/ready``: can this Rasa server answer a message right now?

200 only when all four parts answer, 503 naming what failed::

    {"status": "ready", "model": "ok", "tracker_store": "ok",
     "lock_store": "ok", "action_server": "ok"}
    {"status": "not_ready", "model": "ok", "tracker_store": "unreachable",
     "lock_store": "ok", "action_server": "ok"}

- ``model``: the agent has loaded its model;
- ``tracker_store``: the conversation database answers a query. SQLite: a new
  connection opens the file at its path, read-write without creating it, and
  reads the ``events`` table (the server's own kept connection would carry on
  with a file moved or deleted under it, and the next restart would start an
  empty one; see the fault matrix). PostgreSQL: ``SELECT 1`` on the store's
  own pool (a dead connection is replaced first, ``pool_pre_ping``);
- ``lock_store``: Redis answers ``PING`` (the in-memory lock store is part of
  the process: always ok);
- ``action_server``: its ``GET /health`` answers 200.

A failed part is named by a code, never by its error message (which can hold a
host name, a path or, for SQL, a statement): ``unreachable``, ``timeout``,
``not_loaded``, ``not_configured``, ``http_<status>``.

It is cheap, and cannot be used to make this server hammer its databases: each
check gives up after ``READINESS_TIMEOUT`` seconds (default 2, below the
chart's 5 s probe timeout), all four run at once, and a result is reused for
``READINESS_CACHE_SECONDS`` (default 1); requests arriving while a check runs
wait for that same check. So however many requests come, this server makes
at most one round of four checks per second. ``GET /`` stays the liveness
check: a server whose database is down is not ready, but restarting it would
not help.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple
from urllib.parse import quote

logger = logging.getLogger(__name__)

OK = "ok"
PARTS = ("model", "tracker_store", "lock_store", "action_server")
DEFAULT_TIMEOUT = 2.0
DEFAULT_CACHE_SECONDS = 1.0


def _seconds(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        value = default
    return max(low, min(value, high))


def check_timeout() -> float:
    return _seconds("READINESS_TIMEOUT", DEFAULT_TIMEOUT, 0.1, 30.0)


def cache_seconds() -> float:
    return _seconds("READINESS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS, 0.0, 60.0)


def failure_code(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "timeout"
    return "unreachable"


# --- the four checks ---------------------------------------------------------


def check_model(agent: Any) -> str:
    if agent is None or not agent.is_ready():
        return "not_loaded"
    return OK


def _sqlite_probe(path: str, timeout: float) -> None:
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=rw"
    connection = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        connection.execute("SELECT 1 FROM events LIMIT 1").fetchall()
    finally:
        connection.close()


def _sql_probe(engine: Any) -> None:
    import sqlalchemy as sa

    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1")).fetchall()


def tracker_store_probe(agent: Any, timeout: float) -> Optional[Callable[[], None]]:
    """The blocking check for the agent's tracker store, or None if it needs none."""
    from stores.tracker_store import unwrapped

    store = unwrapped(getattr(agent, "tracker_store", None))
    engine = getattr(store, "engine", None)
    if engine is None:
        return None  # in memory: part of this process
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return None
        return lambda: _sqlite_probe(url.database, timeout)
    return lambda: _sql_probe(engine)


def lock_store_probe(agent: Any) -> Optional[Callable[[], None]]:
    client = getattr(getattr(agent, "lock_store", None), "red", None)
    if client is None:
        return None  # in memory: part of this process
    return lambda: _ping(client)


def _ping(client: Any) -> None:
    if not client.ping():
        raise ConnectionError("no PONG")


def action_server_health_url(agent: Any) -> Optional[str]:
    """``http://actions:5055/webhook`` -> ``http://actions:5055/health``."""
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    base = url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


async def check_action_server(agent: Any, timeout: float) -> str:
    import aiohttp

    url = action_server_health_url(agent)
    if url is None:
        return "not_configured"
    try:
        limits = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limits) as session:
            async with session.get(url, allow_redirects=False) as response:
                return OK if response.status == 200 else f"http_{response.status}"
    except Exception as error:  # noqa: BLE001 - named by a code
        return failure_code(error)


async def _blocking(probe: Optional[Callable[[], None]], timeout: float) -> str:
    if probe is None:
        return OK
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, probe), timeout)
        return OK
    except Exception as error:  # noqa: BLE001 - named by a code
        return failure_code(error)


async def check_all(agent: Any, timeout: Optional[float] = None) -> Dict[str, str]:
    """Every part's code, checked at once; ``{"model": "ok", ...}``."""
    timeout = check_timeout() if timeout is None else timeout
    model = check_model(agent)
    if agent is None:
        return {part: (model if part == "model" else "not_loaded") for part in PARTS}
    tracker, lock, actions = await asyncio.gather(
        _blocking(tracker_store_probe(agent, timeout), timeout),
        _blocking(lock_store_probe(agent), timeout),
        check_action_server(agent, timeout),
    )
    return {"model": model, "tracker_store": tracker, "lock_store": lock, "action_server": actions}


class Readiness:
    """One server's readiness, checked at most once per ``cache_seconds``."""

    def __init__(
        self,
        agent_of: Callable[[], Any],
        check: Callable[[Any], Awaitable[Dict[str, str]]] = check_all,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.agent_of = agent_of
        self.check = check
        self.clock = clock
        self._result: Optional[Tuple[float, Dict[str, str]]] = None
        self._running: Optional[asyncio.Future] = None
        self.checks_run = 0

    async def report(self) -> Tuple[int, Dict[str, str]]:
        """(HTTP status, body) for ``GET /health/ready``."""
        parts = await self._parts()
        ready = all(value == OK for value in parts.values())
        body = {"status": "ready" if ready else "not_ready", **parts}
        return (200 if ready else 503), body

    async def _parts(self) -> Dict[str, str]:
        now = self.clock()
        if self._result is not None and now - self._result[0] < cache_seconds():
            return self._result[1]
        if self._running is None:
            self._running = asyncio.ensure_future(self._run())
        return await asyncio.shield(self._running)

    async def _run(self) -> Dict[str, str]:
        try:
            self.checks_run += 1
            parts = await self.check(self.agent_of())
            failed = sorted(part for part, value in parts.items() if value != OK)
            previous = self._result[1] if self._result else None
            if failed and parts != previous:
                logger.warning("reason=not_ready %s",
                               " ".join(f"{part}={parts[part]}" for part in failed))
            self._result = (self.clock(), parts)
            return parts
        finally:
            self._running = None
