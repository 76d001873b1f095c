#!/usr/bin/env python3
"""Keep the assistant's servers up: restart a part that exits, with back-off.

scripts/run.sh (`make run`) and scripts/run_scale.sh (`make run-scale`) start
their servers through this; standard library only. Example:

    python scripts/supervise.py \\
        --part actions:5055 --health http://localhost:5055/health \\
            -- .venv/bin/rasa run actions --actions actions --port 5055 \\
        --part rasa:5005 --health http://localhost:5005/webhooks/rest/ \\
            -- .venv/bin/rasa run --model models/assistant.tar.gz --port 5005

- A part that exits after start-up (a crash, the kernel's OOM killer,
  ``kill -9``, a stray SIGTERM) is started again: after 1 s, then 2, 4, 8 ...
  up to 30 s while it keeps failing; once it has stayed up for 60 s the delay
  is 1 s again. Every exit gets one line naming the part and its exit code::

      [supervise] actions:5055 exited with code -9 (SIGKILL) after 42 s; the other servers go on; restarting it in 1 s.
      [supervise] actions:5055 is up again (pid 4242).

  The other parts are not touched: the Rasa server keeps answering (red-flag
  advice, and the apology naming the emergency number) while the action
  server is down or restarting.
- ``--liveness SECONDS``: a part that is up but has not answered its health
  URL for that long (hung: deadlocked, stopped, swapped out) is killed with
  SIGKILL, and so restarted like any other. run.sh and run_scale.sh give the
  action server 15 s: a hung action server would otherwise hold each check-in
  turn for a minute (the Rasa server's response timeout) and, behind it, the
  same person's next message, red flags too. Rasa servers get none: one that
  is busy with a long turn is slow, not hung.
- A part that exits before its first start ever answered its ``--health``
  URL is a start-up error (a model that does not load, a port in use):
  everything is stopped and the supervisor exits 1, instead of retrying a
  mistake for ever.
- SIGTERM or SIGHUP stops every part (SIGTERM, SIGKILL after ``--grace``
  seconds) and exits 0; SIGINT (Ctrl-C) the same, exit 130. Nothing else
  stops everything.
- The parts stay in the supervisor's process group, so ``kill -- -PGID``
  reaches all of them, and get SIGTERM if the supervisor itself is killed
  (Linux ``PR_SET_PDEATHSIG``): no server outlives it.

``--prefix`` puts ``[name] `` before every line a part writes (run_scale.sh);
without it the parts write straight to the supervisor's stdout and stderr.
``--parts-from -`` reads the ``--part`` tokens from stdin, NUL-separated
(``printf '%s\\0' "${parts[@]}" | supervise.py --parts-from -``), which is
how the run scripts pass them.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Dict, List, Optional

FIRST_DELAY = 1.0  # seconds before the first restart
MAX_DELAY = 30.0  # the back-off doubles up to this
STABLE_AFTER = 60.0  # up this long: the next restart waits FIRST_DELAY again
UP_WITHOUT_HEALTH = 5.0  # a part with no --health URL counts as up after this
HEALTH_EVERY = 1.0  # seconds between health checks of a part not up yet
PROBE_EVERY = 5.0  # --liveness: seconds between health checks of a part that is up
PROBE_TIMEOUT = 3.0  # --liveness: how long one of those checks may take

PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: no parent-death signal
    _prctl = None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def describe(code: int) -> str:
    """'code 1', or 'code -9 (SIGKILL)' for a part ended by a signal."""
    if code < 0:
        try:
            return f"code {code} ({signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"code {code}"


@dataclass
class Part:
    name: str
    command: List[str]
    health: Optional[str] = None
    liveness: Optional[float] = None  # kill it after this long without a health answer
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    up: bool = False  # answered its health URL since this start
    ever_up: bool = False
    starts: int = 0
    delay: float = FIRST_DELAY  # wait before the next restart
    restart_at: Optional[float] = None
    checked_at: float = 0.0
    last_ok: float = 0.0  # --liveness: when it last answered
    probe_at: float = 0.0  # --liveness: next check
    buffers: Dict[int, bytes] = field(default_factory=dict)  # --prefix: fd -> partial line


class Supervisor:
    def __init__(self, parts: List[Part], prefix: bool, grace: float, probe_every: float = PROBE_EVERY) -> None:
        self.parts = parts
        self.prefix = prefix
        self.grace = grace
        self.probe_every = probe_every
        self.stop_signal: Optional[int] = None
        self.readers: Dict[int, Part] = {}  # --prefix: pipe fd -> part

    # -- output -----------------------------------------------------------

    @staticmethod
    def say(line: str) -> None:
        try:
            sys.stderr.write(f"[supervise] {line}\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # nobody reads the log any more: keep supervising
            pass

    def _emit(self, part: Part, data: bytes) -> None:
        try:
            out = sys.stdout.buffer
            for line in data.splitlines(keepends=True):
                out.write(f"[{part.name}] ".encode() + line + (b"" if line.endswith(b"\n") else b"\n"))
            out.flush()
        except (OSError, ValueError):
            pass

    def _read(self, fd: int) -> None:
        part = self.readers[fd]
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        pending = part.buffers.get(fd, b"") + data
        if not data:  # EOF: the process (or its last child) closed it
            if pending:
                self._emit(part, pending)
            part.buffers.pop(fd, None)
            del self.readers[fd]
            os.close(fd)
            return
        complete, newline, rest = pending.rpartition(b"\n")
        if newline:
            self._emit(part, complete + newline)
        part.buffers[fd] = rest

    # -- processes --------------------------------------------------------

    def start(self, part: Part) -> None:
        env = dict(os.environ)
        output = {}
        if self.prefix:
            env["PYTHONUNBUFFERED"] = "1"  # lines arrive as they are written
            read_end, write_end = os.pipe()
            output = {"stdout": write_end, "stderr": subprocess.STDOUT}
        try:
            part.process = subprocess.Popen(
                part.command, stdin=subprocess.DEVNULL, env=env,
                preexec_fn=_die_with_parent, **output,
            )
        except OSError:
            if self.prefix:
                os.close(read_end)
            raise
        finally:
            if self.prefix:
                os.close(write_end)
        if self.prefix:
            self.readers[read_end] = part
        part.started_at = time.monotonic()
        part.up = False
        part.checked_at = 0.0
        part.starts += 1
        part.restart_at = None

    def _healthy(self, part: Part, timeout: float = 1.0) -> bool:
        if part.health is None:
            return time.monotonic() - part.started_at >= UP_WITHOUT_HEALTH
        try:
            with urllib.request.urlopen(part.health, timeout=timeout) as response:
                return 200 <= response.status < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def check(self, part: Part) -> bool:
        """Look after one part; False when start-up failed and everything must stop."""
        if self.stop_signal is not None:
            return True  # stopping: an exit now is no crash
        now = time.monotonic()
        if part.process is None:
            if part.restart_at is not None and now >= part.restart_at:
                self.say(f"restarting {part.name} (start {part.starts + 1}).")
                try:
                    self.start(part)
                except OSError as error:  # e.g. out of memory or processes: try again later
                    part.restart_at = now + part.delay
                    self.say(f"could not start {part.name} ({error}); trying again in {part.delay:.0f} s.")
                    part.delay = min(part.delay * 2, MAX_DELAY)
            return True
        code = part.process.poll()
        if code is None:
            if not part.up and now - part.checked_at >= HEALTH_EVERY:
                part.checked_at = now
                if self._healthy(part):
                    part.up = True
                    part.last_ok, part.probe_at = now, now + self.probe_every
                    if part.ever_up:
                        self.say(f"{part.name} is up again (pid {part.process.pid}).")
                    part.ever_up = True
            elif part.up and part.liveness and now >= part.probe_at:
                # Blocks the loop for at most PROBE_TIMEOUT, and only while the
                # part is slow to answer: simpler than a thread, and fork-safe.
                if self._healthy(part, timeout=PROBE_TIMEOUT):
                    part.last_ok = time.monotonic()
                elif time.monotonic() - part.last_ok >= part.liveness:
                    self.say(
                        f"{part.name} has not answered {part.health} for "
                        f"{time.monotonic() - part.last_ok:.0f} s (hung?); killing it (SIGKILL)."
                    )
                    part.process.kill()  # its exit is handled, and it restarted, like any other
                part.probe_at = time.monotonic() + self.probe_every
            return True
        uptime = now - part.started_at
        part.process = None
        if not part.ever_up:
            self.say(f"error: {part.name} exited during start-up with {describe(code)}; see the log above.")
            return False
        if uptime >= STABLE_AFTER:
            part.delay = FIRST_DELAY
        wait = part.delay
        part.delay = min(part.delay * 2, MAX_DELAY)
        part.restart_at = now + wait
        self.say(
            f"{part.name} exited with {describe(code)} after {uptime:.0f} s; "
            f"the other servers go on; restarting it in {wait:.0f} s."
        )
        return True

    def stop_all(self) -> None:
        live = [part.process for part in self.parts if part.process and part.process.poll() is None]
        for process in live:
            for sig in (signal.SIGTERM, signal.SIGCONT):  # SIGCONT: a stopped one must see it
                try:
                    process.send_signal(sig)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(p.poll() is None for p in live):
            self._pump(0.1)
        for process in live:
            if process.poll() is None:
                self.say(f"pid {process.pid} did not stop within {self.grace:.0f} s; killing it.")
                process.kill()
                process.wait()
        while self.readers:  # the last lines they wrote
            if not self._pump(0.5):
                break

    def _pump(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for output (or a signal); False if none came."""
        fds = list(self.readers) + [self.wakeup_read]
        try:
            ready, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            return True
        for fd in ready:
            if fd == self.wakeup_read:
                try:
                    os.read(fd, 512)
                except BlockingIOError:
                    pass
            elif fd in self.readers:
                self._read(fd)
        return bool(ready)

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    def run(self) -> int:
        self.wakeup_read, wakeup_write = os.pipe()
        os.set_blocking(self.wakeup_read, False)
        os.set_blocking(wakeup_write, False)
        signal.set_wakeup_fd(wakeup_write)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        for part in self.parts:
            self.start(part)
        failed = False
        while self.stop_signal is None:
            self._pump(0.2)
            if self.stop_signal is not None:
                break
            if not all(self.check(part) for part in self.parts):
                failed = True
                break
        self.stop_all()
        if failed:
            return 1
        return 130 if self.stop_signal == signal.SIGINT else 0


def parse(argv: List[str]) -> argparse.Namespace:
    """Options, then ``--part NAME [--health URL [--liveness S]] -- COMMAND...`` per part."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Then, once per part: --part NAME [--health URL [--liveness SECONDS]] -- COMMAND...",
    )
    parser.add_argument("--prefix", action="store_true", help="prefix each output line with [name]")
    parser.add_argument("--grace", type=float, default=25.0, help="seconds between SIGTERM and SIGKILL on stop")
    parser.add_argument(
        "--probe-every", type=float, default=PROBE_EVERY,
        help="seconds between the health checks of a part with --liveness",
    )
    parser.add_argument(
        "--parts-from", metavar="FILE",
        help="read the --part ... tokens from FILE ('-': stdin), each ended by a NUL byte",
    )
    first = argv.index("--part") if "--part" in argv else len(argv)
    options = parser.parse_args(argv[:first])
    rest = argv[first:]
    if options.parts_from:
        # The run scripts pass the parts this way, so that the supervisor's own
        # command line names no server (`ps`, and tests that look for a server
        # by its command line, find the server, not the supervisor).
        if options.parts_from == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(options.parts_from, "rb") as handle:
                data = handle.read()
        rest = [token.decode() for token in data.split(b"\0")[:-1]] + rest
    if not rest:
        parser.error("give at least one --part NAME [--health URL] -- COMMAND...")
    options.parts = []
    while rest:
        if rest[0] != "--part" or len(rest) < 2:
            parser.error(f"expected --part NAME, got {rest[:2]}")
        name, rest = rest[1], rest[2:]
        health, liveness = None, None
        while rest[:1] in (["--health"], ["--liveness"]) and len(rest) >= 2:
            if rest[0] == "--health":
                health = rest[1]
            else:
                liveness = float(rest[1])
            rest = rest[2:]
        if liveness and not health:
            parser.error(f"--part {name}: --liveness needs --health")
        if rest[:1] != ["--"]:
            parser.error(f"--part {name}: expected -- COMMAND...")
        rest = rest[1:]
        end = rest.index("--part") if "--part" in rest else len(rest)
        command, rest = rest[:end], rest[end:]
        if not command:
            parser.error(f"--part {name}: no command")
        options.parts.append(Part(name=name, command=command, health=health, liveness=liveness))
    return options


def main(argv: Optional[List[str]] = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    return Supervisor(options.parts, options.prefix, options.grace, options.probe_every).run()


if __name__ == "__main__":
    sys.exit(main())
