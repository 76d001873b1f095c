"""Start the real servers as processes, the way `make run` does, and stop them.

- ``AssistantServers``: ``scripts/run.sh`` (action server, Rasa server, chat
  page) on free ports with its own SQLite file, so it can run beside a
  developer's `make run`;
- ``ServerGroup``: the base for any such process group (a run script or one
  ``rasa run``): start, wait until ready, stop, kill, read the log, find its
  processes. ``tests/persistence`` builds the scale-out profile on it and
  ``scripts/bench.py`` Rasa's starter bot.

Used by the tests (``tests/conftest.py``), ``scripts/bench.py`` and
``scripts/profile_server.py``.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"


# Tests never talk to the real Slack or Telegram, whatever .env says: these are
# emptied (channel off) unless a test passes fakes in `env`.
CHANNEL_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNEL", "SLACK_API_URL",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_SECRET_TOKEN",
    "TELEGRAM_WEBHOOK_URL", "TELEGRAM_API_URL", "SOCKET_URL",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_in_group(pgid: int) -> Dict[int, str]:
    """pid -> command line of every process in process group ``pgid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ProcessLookupError):
            continue
    return found


class ServerGroup:
    """A run script started in its own process group, so stopping it ends every
    server it started. Subclasses give the script (or ``command()``), its
    environment and ``_ready()``; used by ``AssistantServers``, the scale-out
    tests and the benchmark."""

    script: str = ""
    log_path: Path
    cwd: Path = ROOT

    def __init__(self) -> None:
        self.process: Optional[subprocess.Popen] = None
        self._log_start = 0
        self.launched_at = 0.0  # time.perf_counter() when launch() started it

    def environment(self) -> Dict[str, str]:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError

    def command(self) -> List[str]:
        """What start() runs: the script; a subclass may start it another way
        (tests/test_readme_commands.py starts it through `make`)."""
        return [str(ROOT / "scripts" / self.script)]

    def launch(self) -> "ServerGroup":
        """Start the processes and return at once (``start`` also waits until ready)."""
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.launched_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() and kill() end everything
            )
        return self

    def start(self, timeout: float = 300):
        self.launch()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self._what()} exited early; log:\n{self.log_tail()}")
            if self._ready():
                return self
            time.sleep(1)
        self.kill()
        raise RuntimeError(f"{self._what()} not ready after {timeout}s; log:\n{self.log_tail()}")

    def _what(self) -> str:
        return self.script or Path(self.command()[0]).name

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), then SIGKILL after 30 s."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def kill(self) -> None:
        """Crash every server at once (SIGKILL, no clean shutdown), as a power cut would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def group(self) -> Dict[int, str]:
        """pid -> command line of every process in the script's group."""
        return processes_in_group(self.process.pid)

    def rasa_server_pid(self) -> Optional[int]:
        """The `rasa run` process of the group (not `rasa run actions`), or None."""
        for pid, command in sorted(self.group().items()):
            if "rasa run" in command and "actions" not in command:
                return pid
        return None

    def seconds_to_first_answer(self, url: str, message: str, timeout: float = 300) -> float:
        """Seconds from ``launch()`` until ``url`` (a REST webhook) first answers
        ``message`` with at least one message, polling every 0.5 s."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self._what()} exited during start-up; log:\n{self.log_tail()}")
            try:
                reply = requests.post(url, json={"sender": "warmup", "message": message}, timeout=30)
                if reply.status_code == 200 and reply.json():
                    return time.perf_counter() - self.launched_at
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"no answer within {timeout}s; log:\n{self.log_tail()}")

    @staticmethod
    def post(url: str, sender: str, message: str, timeout: float = 60) -> List[dict]:
        """POST one message to a REST channel; return the bot's messages."""
        response = requests.post(url, json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return response.json()


class AssistantServers(ServerGroup):
    """`scripts/run.sh` on free ports; `.rest_url` is the REST webhook, `.web_url` the page."""

    script = "run.sh"

    def __init__(self, workdir: Path, env: Optional[Dict[str, str]] = None) -> None:
        super().__init__()
        self.workdir = workdir
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.web_port = free_port()
        self.db_path = workdir / "conversations.db"
        self.log_path = workdir / "servers.log"
        self.extra_env = env or {}

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        """The chat page served by scripts/serve_web.py."""
        return f"http://localhost:{self.web_port}/"

    def environment(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update({name: "" for name in CHANNEL_VARIABLES})
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            WEB_PORT=str(self.web_port),
            CORS_ORIGIN=f"http://localhost:{self.web_port} http://127.0.0.1:{self.web_port}",
            ACTION_SERVER_URL=f"http://localhost:{self.action_port}/webhook",
            TRACKER_SQLITE_PATH=str(self.db_path),
            MODEL=str(MODEL),
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            EMERGENCY_COUNTRY="",  # the general wording unless a test sets a country
        )
        env.update(self.extra_env)
        return env

    def _ready(self) -> bool:
        try:
            rasa = requests.get(f"{self.base_url}/webhooks/rest/", timeout=2)
            actions = requests.get(f"http://localhost:{self.action_port}/health", timeout=2)
            web = requests.head(self.web_url, timeout=2)
            return rasa.ok and actions.ok and web.ok
        except requests.RequestException:
            return False

    def send(self, sender: str, message: str, timeout: float = 60) -> List[dict]:
        """POST one message to the REST channel; return the bot's messages."""
        return self.post(self.rest_url, sender, message, timeout)
