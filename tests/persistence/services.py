"""PostgreSQL, Redis and the scale-out profile, for the persistence tests.

- ``Postgres``: the server at DB_HOST:DB_PORT (as user DB_USER) and throwaway
  databases on it; the tests skip with a clear message when it is unreachable.
- ``OwnRedis``: a ``redis-server`` of the test's own on a free port, so a test
  can restart it without touching anyone else's Redis.
- ``ScaleOut``: ``scripts/run_scale.sh`` (two Rasa servers, one action server)
  on free ports against a throwaway database and that Redis.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from tests.servers import CHANNEL_VARIABLES, ServerGroup, free_port

PG_HOST = os.environ.get("DB_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("DB_PORT", "5432"))
PG_USER = os.environ.get("DB_USER", "postgres")
PG_PASSWORD = os.environ.get("DB_PASSWORD", "")
PG_ADMIN_DATABASE = os.environ.get("DB_LOGIN_DATABASE") or "postgres"


class Postgres:
    """Admin connection to the PostgreSQL server; ``unavailable`` says why not."""

    def __init__(self) -> None:
        self.unavailable: Optional[str] = None
        try:
            self.connect(PG_ADMIN_DATABASE).close()
        except Exception as error:  # psycopg2.OperationalError and friends
            self.unavailable = (
                f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as {PG_USER!r} "
                f"(DB_HOST, DB_PORT, DB_USER): {str(error).strip()}"
            )

    @staticmethod
    def connect(database: str):
        import psycopg2

        connection = psycopg2.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD or None,
            dbname=database, connect_timeout=5,
        )
        connection.autocommit = True
        return connection

    def admin(self, sql: str, *params) -> List[tuple]:
        connection = self.connect(PG_ADMIN_DATABASE)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    @contextmanager
    def scratch_database(self, prefix: str = "persistence") -> Iterator[str]:
        """A new empty database, dropped afterwards whoever is still connected."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            self.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def query(self, database: str, sql: str, *params) -> List[tuple]:
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def drop_connections(self, database: str) -> int:
        """pg_terminate_backend on every session of ``database``; how many."""
        rows = self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            database,
        )
        return sum(1 for (terminated,) in rows if terminated)

    def set_available(self, database: str, available: bool) -> None:
        """Refuse (or allow again) every new connection to ``database``, superusers too."""
        self.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(available).lower()}')
        if not available:
            self.drop_connections(database)

    def events(self, database: str, sender_id: str) -> List[Tuple[str, Optional[str], Optional[str]]]:
        """(type_name, action_name, data) of a conversation's stored events, in order."""
        return self.query(
            database,
            "SELECT type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id",
            sender_id,
        )


class OwnRedis:
    """``redis-server`` on a free port, no persistence; stop() and start() at will."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.log_path = workdir / "redis.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 15) -> "OwnRedis":
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


class ScaleOut(ServerGroup):
    """``scripts/run_scale.sh`` on free ports; ``urls[i]`` is server i's REST webhook."""

    script = "run_scale.sh"

    def __init__(self, workdir: Path, database: str, redis_port: int, model: Path) -> None:
        super().__init__()
        self.workdir = workdir
        self.database = database
        self.redis_port = redis_port
        self.model = model
        self.rasa_ports = [free_port(), free_port()]
        self.action_port = free_port()
        self.log_path = workdir / "run_scale.log"

    @property
    def urls(self) -> List[str]:
        return [f"http://localhost:{port}/webhooks/rest/webhook" for port in self.rasa_ports]

    def environment(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update({name: "" for name in CHANNEL_VARIABLES})
        env.update(
            RASA_PORTS=" ".join(map(str, self.rasa_ports)),
            ACTION_PORT=str(self.action_port),
            ACTION_SERVER_URL=f"http://localhost:{self.action_port}/webhook",
            MODEL=str(self.model),
            ENDPOINTS="endpoints.scale.yml",
            DB_HOST=PG_HOST, DB_PORT=str(PG_PORT), DB_USER=PG_USER, DB_PASSWORD=PG_PASSWORD,
            DB_DATABASE=self.database, DB_LOGIN_DATABASE=PG_ADMIN_DATABASE, DB_SSLMODE="prefer",
            REDIS_HOST="127.0.0.1", REDIS_PORT=str(self.redis_port), REDIS_PASSWORD="",
            REDIS_DB="0", REDIS_KEY_PREFIX="persistencetest",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
        )
        return env

    def start(self, timeout: float = 360) -> "ScaleOut":
        return super().start(timeout)

    def _ready(self) -> bool:
        # run_scale.sh prints its banner once every server answers.
        with open(self.log_path, "rb") as log:
            log.seek(self._log_start)
            return b"scale-out profile is ready" in log.read()

    def pid_listening_on(self, port: int) -> int:
        """The server process started with ``--port <port>``."""
        for pid, command in self.group().items():
            if f"--port {port} " in command + " " and ("bin/rasa" in command
                                                   or "action_server.py" in command):
                return pid
        raise LookupError(f"no server with --port {port} in {self.group()}")

    def send(self, sender: str, message: str, server: int = 0, timeout: float = 60) -> List[dict]:
        return self.post(self.urls[server], sender, message, timeout)
