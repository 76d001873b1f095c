"""scripts/supervise.py on its own, with tiny parts instead of the Rasa servers:
back-off, start-up failures, liveness, output prefixes, and how it stops."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from tests.faults.conftest import processes_in_group, refuses, wait_for
from tests.servers import ROOT, free_port

pytestmark = pytest.mark.slow

SUPERVISE = [sys.executable, str(ROOT / "scripts" / "supervise.py")]


def web_part(name: str, port: int, *options: str) -> List[str]:
    """A part that serves HTTP on ``port`` (its own health URL)."""
    return ["--part", name, "--health", f"http://127.0.0.1:{port}/", *options, "--",
            sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def serving(port: int) -> None:
    """Until the part on ``port`` serves and the supervisor has seen it answer
    (it checks every second; a part never seen up is a start-up failure)."""
    wait_for(lambda: not refuses(port), 15, "the part to serve")
    time.sleep(1.5)


class Supervised:
    def __init__(self, tmp_path: Path, arguments: List[str], stdin: bytes = b"") -> None:
        self.log_path = tmp_path / "supervise.log"
        self.process = subprocess.Popen(
            SUPERVISE + arguments, cwd=tmp_path, stdin=subprocess.PIPE,
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.process.stdin.write(stdin)
        self.process.stdin.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> dict:
        return {pid: command for pid, command in processes_in_group(self.process.pid).items()
                if pid != self.process.pid}

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        for pid in processes_in_group(self.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def supervised(tmp_path):
    started: List[Supervised] = []

    def start(arguments: List[str], stdin: bytes = b"") -> Supervised:
        started.append(Supervised(tmp_path, arguments, stdin))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_a_part_that_keeps_exiting_is_restarted_with_growing_delays_and_the_others_go_on(supervised):
    port = free_port()
    flaky = ["--part", "flaky", "--health", f"http://127.0.0.1:{port}/", "--",
             sys.executable, "-c", "import sys, time; time.sleep(2); sys.exit(3)"]
    run = supervised(web_part("web", port) + flaky)

    wait_for(lambda: "restarting it in 4 s" in run.log(), 30, "the third restart's delay")
    log = run.log()
    assert "[supervise] flaky exited with code 3 after 2 s; the other servers go on; restarting it in 1 s." in log
    assert "restarting it in 2 s" in log
    assert "[supervise] restarting flaky (start 2)." in log
    assert run.process.poll() is None and not refuses(port), "the supervisor and the other part go on"
    assert "web exited" not in log


def test_a_part_killed_by_a_signal_is_named_with_its_signal(supervised):
    port = free_port()
    run = supervised(web_part("web", port))
    serving(port)
    (pid,) = run.children()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: "web is up again" in run.log(), 15, "the restart")
    assert "web exited with code -9 (SIGKILL)" in run.log()


def test_a_part_failing_during_start_up_stops_everything_with_exit_1(supervised):
    port = free_port()
    broken = ["--part", "broken", "--health", f"http://127.0.0.1:{free_port()}/", "--",
              sys.executable, "-c", "import sys; sys.exit(2)"]
    run = supervised(web_part("web", port) + broken)
    assert run.process.wait(30) == 1
    assert "error: broken exited during start-up with code 2" in run.log()
    wait_for(lambda: run.children() == {}, 10, "the other part to be stopped")


def test_a_hung_part_with_liveness_is_killed_and_restarted(supervised):
    port = free_port()
    run = supervised(["--probe-every", "0.5"] + web_part("web", port, "--liveness", "2"))
    serving(port)
    (pid,) = run.children()
    os.kill(pid, signal.SIGSTOP)
    wait_for(lambda: "web is up again" in run.log(), 30, "the hung part killed and restarted")
    log = run.log()
    assert "web has not answered" in log and "killing it (SIGKILL)" in log
    assert "web exited with code -9 (SIGKILL)" in log
    assert pid not in run.children()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_sigterm_or_sigint_stops_every_part(supervised, signum, code):
    ports = [free_port(), free_port()]
    tokens = web_part("one", ports[0]) + web_part("two", ports[1])
    run = supervised(["--prefix", "--parts-from", "-"], stdin=b"".join(t.encode() + b"\0" for t in tokens))
    wait_for(lambda: not any(refuses(port) for port in ports), 15, "both parts to serve")
    assert "http.server" not in Path(f"/proc/{run.process.pid}/cmdline").read_text(), "no part on its command line"

    started = time.monotonic()
    run.process.send_signal(signum)
    assert run.process.wait(30) == code
    assert time.monotonic() - started < 10
    assert run.children() == {} and all(refuses(port) for port in ports)
    assert "exited with" not in run.log(), "a requested stop is not reported as a crash"
    assert "[one] " in run.log() or "[two] " in run.log(), "--prefix names each part's lines"


def test_parts_do_not_outlive_a_killed_supervisor(supervised):
    port = free_port()
    run = supervised(web_part("web", port))
    serving(port)
    (pid,) = run.children()
    os.kill(run.process.pid, signal.SIGKILL)  # the supervisor alone, not its group
    run.process.wait(10)
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or refuses(port), 10, "the part to get SIGTERM")
