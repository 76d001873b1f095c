"""The fault matrix: fixtures, and the results table printed at the end of the run.

Each test of tests/faults is one row, named with ``@row("...")``; its
``note(...)`` calls say what the person got and what was stored. The table
(row, outcome, seconds, what was seen) is printed after the test summary:

    .venv/bin/pytest tests/faults -q
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
import requests

from tests.servers import MODEL, free_port

RESULTS: Dict[str, dict] = {}  # nodeid -> row, outcome, seconds, notes
SETUP_SECONDS: Dict[str, float] = {}  # module -> time its first test waited for fixtures


def row(name: str) -> Callable:
    """Name a test's row in the results table."""

    def mark(function: Callable) -> Callable:
        function.fault_row = name
        return function

    return mark


@pytest.fixture
def note(request) -> Callable[[str], None]:
    """note("emergency advice in 0.1 s"): a line for this row's table entry."""
    entry = RESULTS.setdefault(request.node.nodeid, {"notes": []})

    def add(text: str) -> None:
        entry["notes"].append(text)

    return add


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    name = getattr(getattr(item, "function", None), "fault_row", None)
    if name is None:
        return
    entry = RESULTS.setdefault(item.nodeid, {"notes": []})
    entry["row"] = name
    module = item.nodeid.split("::")[0]
    if report.when == "setup":
        if report.duration > 1 and module not in SETUP_SECONDS:
            SETUP_SECONDS[module] = report.duration
        if report.skipped:
            entry.update(outcome="skipped", seconds=0.0, reason=_reason(report))
        elif report.failed:
            entry.update(outcome="error", seconds=0.0)
    elif report.when == "call":
        entry["seconds"] = report.duration
        if report.skipped:
            entry.update(outcome="skipped", reason=_reason(report))
        else:
            entry["outcome"] = "passed" if report.passed else "FAILED"


def _reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "")
    return str(longrepr)[:200]


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault matrix (tests/faults)")
    width = max(len(entry.get("row", "")) for entry in RESULTS.values())
    write(f"{'row':<{width}}  {'outcome':<8} {'seconds':>7}  what was seen")
    for entry in RESULTS.values():
        if "row" not in entry:
            continue
        seen = "; ".join(entry["notes"]) or entry.get("reason", "")
        if entry.get("outcome") == "skipped" and entry.get("reason"):
            seen = f"skipped: {entry['reason']}"
        write(
            f"{entry['row']:<{width}}  {entry.get('outcome', '?'):<8} "
            f"{entry.get('seconds', 0.0):>7.1f}  {seen}"
        )
    for module, seconds in SETUP_SECONDS.items():
        write(f"(starting the servers for {module}: {seconds:.1f} s)")


# --- shared fixtures and helpers -------------------------------------------


@pytest.fixture(scope="session")
def stable_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained model: a training that rewrites it mid-run cannot
    change what a restarted server loads."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    deadline = time.monotonic() + 600
    while time.time() - MODEL.stat().st_mtime < 5 and time.monotonic() < deadline:
        time.sleep(1)  # being written right now
    copy = tmp_path_factory.mktemp("model") / MODEL.name
    shutil.copy2(MODEL, copy)
    return copy


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.2):
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def in_background(function: Callable, *args) -> dict:
    """Run ``function(*args)`` in a thread; the dict gets "result" or "error", and "seconds"."""
    box: dict = {"started": time.monotonic()}

    def target() -> None:
        try:
            box["result"] = function(*args)
        except Exception as error:  # noqa: BLE001 - the test looks at it
            box["error"] = error
        box["seconds"] = time.monotonic() - box["started"]

    box["thread"] = threading.Thread(target=target, daemon=True)
    box["thread"].start()
    return box


def answers(url: str, timeout: float = 2) -> bool:
    try:
        return requests.get(url, timeout=timeout).ok
    except requests.RequestException:
        return False


def refuses(port: int) -> bool:
    """Nothing listens on the loopback port (connection refused)."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def server_pid(group, port: int) -> int:
    """The pid of the server started with ``--port <port>`` in a run script's group."""
    for pid, command in group.group().items():
        if f"--port {port} " in command + " " and ("bin/rasa" in command
                                                   or "action_server.py" in command):
            return pid
    raise LookupError(f"no server with --port {port} in {group.group()}")


def processes_in_group(pgid: int) -> Dict[int, str]:
    """pid -> command line of every process in process group ``pgid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ProcessLookupError):
            continue
    return found


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a tmp dir, free port),
    so a test can stop and start it; never the machine's own server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.data = workdir / "data"
        self.log = workdir / "postgres.log"
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        self.bin = Path(bins[-1]).parent if bins else None
        self.unavailable: Optional[str] = None
        if self.bin is None:
            self.unavailable = "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
        elif os.geteuid() == 0 and not shutil.which("runuser"):
            self.unavailable = "running as root and runuser is missing (initdb refuses root)"

    def _run(self, *command: str, timeout: float = 60) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, timeout=timeout, capture_output=True)

    def init(self) -> "PrivatePostgres":
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        if self.pid() is not None:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def pid(self) -> Optional[int]:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except (subprocess.SubprocessError, OSError):
            pid = self.pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.workdir, ignore_errors=True)

    def query(self, database: str, sql: str, *params) -> List[tuple]:
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=5
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()


class SizeLimitedFolder:
    """A tmpfs of ``size`` mounted on ``path`` (needs root); ``unavailable`` says why not."""

    def __init__(self, path: Path, size: str = "8m") -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.mounted = False
        self.unavailable: Optional[str] = None
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True, text=True, timeout=30,
        )
        if result.returncode == 0:
            self.mounted = True
        else:
            self.unavailable = (
                f"cannot mount a size-limited tmpfs here ({(result.stderr or result.stdout).strip()}); "
                "the disk-full row needs root (mount -t tmpfs)"
            )

    def fill(self) -> Path:
        """Write a file until the folder is full (ENOSPC); return it."""
        filler = self.path / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            for size in (1 << 20, 1 << 16, 1 << 12, 1):
                chunk = b"\0" * size
                while True:
                    try:
                        if os.write(fd, chunk) == 0:
                            break
                    except OSError:  # ENOSPC
                        break
        finally:
            os.close(fd)
        return filler

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True, timeout=30)
            self.mounted = False
