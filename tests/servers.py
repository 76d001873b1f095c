"""The server-process helpers, kept importable under their old name.

They live in ``devtools/servers.py`` (shared with ``scripts/bench.py`` and
``scripts/profile_server.py``, which must not import the tests); the tests
import them from here, e.g. ``from tests.servers import AssistantServers``.
"""
from devtools.servers import (  # noqa: F401  (re-exported)
    CHANNEL_VARIABLES,
    MODEL,
    ROOT,
    AssistantServers,
    ServerGroup,
    free_port,
    processes_in_group,
)

import os  # noqa: E402  (the helpers below are the tests' own)
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Optional  # noqa: E402

import requests  # noqa: E402


class OneServer:
    """One server process in a process group of its own, its output in ``log``
    (for tests that stop and start one part: tests/observability, tests/deploy)."""

    def __init__(self, name: str, command: List[str], env: Dict[str, str], log: Path,
                 cwd: Path = ROOT) -> None:
        self.name, self.command, self.env, self.log, self.cwd = name, command, env, log, cwd
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=open(self.log, "ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        """SIGTERM to its group, SIGKILL after 30 s."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


    def wait_until_answering(self, url: str, timeout: float) -> None:
        """Until GET ``url`` answers 200; fails at once, with its log, if the server exits."""
        deadline = time.monotonic() + timeout
        while not answers(url):
            if self.process is None or self.process.poll() is not None:
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
                raise AssertionError(f"{self.name} exited; its log ends:\n{tail}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {url} not answering within {timeout} s")
            time.sleep(0.5)


def answers(url: str) -> bool:
    """GET ``url`` answers 200 within 2 s."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.5)
