"""The README's commands work as shown: a contract test.

Every `make <target>` that README.md shows, in a code block or in inline code,
must be a real Makefile target and must have an entry in QUICK_FORMS (at the
end of this file): a quick form of the command, run from the repository root in
a subprocess of its own (its own session and process group, killed whole
afterwards), with a timeout, minimal input, free ports and throwaway stores.
A new command in the README therefore needs a quick check here.

The artefacts `make test` has just built (the trained model, the spaCy
pipeline) are passed to make as old files (`-o`), so an edit to data/ made by
someone mid-run cannot start a two-minute training inside a check with a
timeout; building them is `make train`'s contract, not these commands'.
Settings the test chooses (ports, paths, channel fakes) go on make's command
line, which wins over a developer's .env, so the checks never collide with
their `make run` or talk to the real Slack or Telegram.
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
import yaml

from tests.channels.fakes import (
    SLACK_SIGNING_SECRET,
    SLACK_TOKEN,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    FakePlatforms,
)
from tests.persistence.services import PG_ADMIN_DATABASE, PG_HOST, PG_PASSWORD, PG_PORT, PG_USER, Postgres, ScaleOut
from tests.replies import texts
from tests.servers import CHANNEL_VARIABLES, MODEL, ROOT, AssistantServers, free_port, processes_in_group

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
# Built by `make test` before this runs; never rebuilt by a check (see above).
BUILT = ("models/assistant.tar.gz", "models/spacy_pipeline/meta.json")
# Where `rasa shell` leaves its button menus for typing (rasa.cli.utils).
FREE_TEXT = "Type out your own message..."
PROMPT = "Your input ->"
UP_ENTER = "\x1b[A\r"  # arrow up (wraps to the menu's last choice, FREE_TEXT), Enter

# Seconds. Loading the model takes 15-60 s on a busy 2-core machine.
START_TIMEOUT = 300
QUICK_TIMEOUT = 420  # eval, bench, profile in quick mode: about a minute each


# --- What the README shows and what the Makefile has -------------------------

# `make <target>` at the start of a command (or after &&, ;, ||, or a $ prompt).
MAKE_COMMAND = re.compile(r"(?:^|&&|\|\||;|\$)\s*make\s+([a-z][a-z0-9-]*)")


def readme_commands(text: str) -> Dict[str, List[str]]:
    """target -> the README snippets that show `make <target>`."""
    shown: Dict[str, List[str]] = {}

    def add(snippet: str) -> None:
        for match in MAKE_COMMAND.finditer(snippet.strip()):
            shown.setdefault(match.group(1), []).append(snippet.strip())

    prose: List[str] = []
    in_block = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
            prose.append("")
            continue
        if in_block:
            add(re.split(r"\s#", line, maxsplit=1)[0])  # a shell comment is prose
        else:
            prose.append(line)
    for span in re.findall(r"`([^`]+)`", "\n".join(prose)):  # inline code, even across a line break
        add(" ".join(span.split()))
    return shown


def makefile_targets() -> set:
    """The rules make reads from the Makefile (its database, no built-in rules)."""
    result = subprocess.run(
        ["make", "-pRrq", "-f", str(MAKEFILE), "__no_such_target__"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60,
    )
    targets = set()
    previous = ""
    for line in result.stdout.splitlines():
        match = re.match(r"^([A-Za-z0-9][^$#\t=:]*):(?!=)", line)
        if match and previous != "# Not a target:":  # a prerequisite file, not a rule
            targets.update(match.group(1).split())
        previous = line
    targets.discard("__no_such_target__")
    return targets


def makefile_settings() -> set:
    """Variables the Makefile gives defaults (`X ?= ...`): a developer's shell
    may have them set, which a fresh clone does not."""
    return set(re.findall(r"^(?:export\s+)?([A-Z][A-Z0-9_]*)\s*\?=", MAKEFILE.read_text(), re.M))


def clean_env(**extra: str) -> Dict[str, str]:
    """The environment of a fresh shell on a fresh clone: no channel variables,
    none of the Makefile's settings, nothing from an outer make or pytest."""
    drop = set(CHANNEL_VARIABLES) | makefile_settings() | {
        "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST",
        "QUICK", "RESULTS_DIR", "NOTE", "SENDER", "MODEL", "CREDENTIALS", "CORS_ORIGIN",
    }
    env = {name: value for name, value in os.environ.items()
           if name not in drop and not name.startswith(("SLACK_", "TELEGRAM_"))}
    env.update(extra)
    return env


def make_argv(target: str, *args: str, settings: Optional[Dict[str, str]] = None) -> List[str]:
    keep = [f"--old-file={path}" for path in BUILT if (ROOT / path).exists()]
    assignments = [f"{name}={value}" for name, value in (settings or {}).items()]
    return ["make", "--no-print-directory", *keep, *args, target, *assignments]


def tail(text: str, chars: int = 3000) -> str:
    return text[-chars:]


# --- Running commands --------------------------------------------------------


def end_group(pgid: int, grace: float = 15) -> Dict[int, str]:
    """Wait up to ``grace`` s for the group to end; SIGKILL what is left, and say what it was."""
    deadline = time.monotonic() + grace
    while processes_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = processes_in_group(pgid)
    if left:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def run_make(target: str, *args: str, settings: Optional[Dict[str, str]] = None,
             env: Optional[Dict[str, str]] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``make [args] target [settings]`` in its own process group, stdin closed;
    fails the test on a timeout or on a process left running afterwards."""
    argv = make_argv(target, *args, settings=settings)
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env if env is not None else clean_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"`{' '.join(argv)}` did not finish within {timeout} s; output:\n{tail(output)}")
    finally:
        left = end_group(process.pid)
    assert not left, f"`{' '.join(argv)}` left processes running: {left}"
    return subprocess.CompletedProcess(argv, process.returncode, output, "")


ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\r")


class Terminal:
    """A command on a pseudo-terminal of its own, as for a person at a keyboard
    (`rasa shell` asks with prompt_toolkit menus, which need a terminal), in its
    own session and process group. ``expect`` reads until a text appears."""

    def __init__(self, argv: List[str], env: Dict[str, str], columns: int = 400) -> None:
        master, slave = pty.openpty()
        # A wide terminal, so replies are not wrapped in the middle of the text we look for.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        self.argv = argv
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # Ctrl-C works as on a terminal
        )
        os.close(slave)
        self.master = master
        self.raw = b""
        self.seen = 0  # how far expect() has read

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", errors="replace"))

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout`` s; False once the other side is closed."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every process holding the terminal has exited
            return False
        self.raw += data
        return bool(data)

    def expect(self, *needles: str, timeout: float = 120) -> str:
        """Wait for the first of ``needles`` after what was already read; return it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            found = [(text.find(n, self.seen), n) for n in needles if text.find(n, self.seen) >= 0]
            if found:
                at, needle = min(found)
                self.seen = at + len(needle)
                return needle
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needles!r} within {timeout} s from `{' '.join(self.argv)}`; "
                                     f"terminal:\n{tail(text)}")
            if not self._read(min(1.0, max(0.0, deadline - time.monotonic()))) and self.process.poll() is not None:
                raise AssertionError(f"`{' '.join(self.argv)}` exited ({self.process.returncode}) before "
                                     f"{needles!r}; terminal:\n{tail(self.text)}")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float) -> int:
        """Its exit status; AssertionError if it is still running after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.5)
        if self.process.poll() is None:
            raise AssertionError(f"`{' '.join(self.argv)}` still running after {timeout} s; "
                                 f"terminal:\n{tail(self.text)}")
        while self._read(0.1):  # the rest of its output
            pass
        return self.process.returncode

    def close(self) -> Dict[int, str]:
        """End the whole process group; what was still running."""
        left = end_group(self.process.pid, grace=0 if self.process.poll() is None else 15)
        if self.process.poll() is None:
            self.process.wait(10)
        os.close(self.master)
        return left


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def greetings() -> List[str]:
    """The first sentence of each of utter_greet's texts (the bot's answer to "hi")."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return [first_sentence(variation["text"]) for variation in domain["responses"]["utter_greet"]]


def check_in_start() -> str:
    """The first sentence the action server sends when a check-in starts."""
    return first_sentence(yaml.safe_load((ROOT / "actions" / "check_in_texts.yml").read_text())["start"])


# --- Quick forms: one function per check, grouped by target in QUICK_FORMS ----


def help_lists_every_readme_target(tmp_path: Path) -> None:
    result = run_make("help", timeout=60)
    assert result.returncode == 0, result.stdout
    listed = set(re.findall(r"^\s*make\s+(\S+)", result.stdout, re.M))
    missing = sorted(set(readme_commands(README.read_text())) - listed)
    assert not missing, f"`make help` does not list {missing}:\n{result.stdout}"
    for target in ("eval", "bench", "profile"):
        line = next(line for line in result.stdout.splitlines() if re.match(rf"\s*make {target}\s", line))
        assert "QUICK=1" in line, f"`make help` does not say {target} has a quick mode: {line!r}"


def shell_settings(tmp_path: Path) -> Dict[str, str]:
    rasa_port, action_port = free_port(), free_port()
    return {
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "ACTION_SERVER_URL": f"http://localhost:{action_port}/webhook",
        "TRACKER_SQLITE_PATH": str(tmp_path / "conversations.db"),
        "ACTION_LOG": str(tmp_path / "action-server.log"),
    }


def chat_in_shell(tmp_path: Path, env: Dict[str, str], check_in: bool) -> None:
    """`make shell` on a terminal: "hi" gets the greeting; with ``check_in``,
    "check my symptoms" gets the action server's first words; "/stop" ends it
    and everything it started. Each reply ends in a button menu, left for a
    typed message with arrow up and Enter, as a person would."""
    env = dict(env, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    terminal = Terminal(make_argv("shell", settings=shell_settings(tmp_path)), env)
    try:
        terminal.expect(PROMPT, timeout=START_TIMEOUT)
        terminal.send("hi\r")
        terminal.expect(*greetings(), timeout=120)
        if terminal.expect(FREE_TEXT, PROMPT, timeout=60) == FREE_TEXT:
            terminal.send(UP_ENTER)
            terminal.expect(PROMPT, timeout=60)
        if check_in:  # the check-in runs in the action server shell.sh starts
            terminal.send("check my symptoms\r")
            terminal.expect(check_in_start(), timeout=120)
            if terminal.expect(FREE_TEXT, PROMPT, timeout=60) == FREE_TEXT:
                terminal.send(UP_ENTER)
                terminal.expect(PROMPT, timeout=60)
        terminal.send("/stop\r")
        status = terminal.wait(timeout=90)
        assert status == 0, f"`make shell` exited with {status}; terminal:\n{tail(terminal.text)}"
    finally:
        left = terminal.close()
    assert not left, f"`make shell` left processes running after /stop: {left}"


def shell_without_channel_variables(tmp_path: Path) -> None:
    """A fresh clone: no .env, no SLACK_*/TELEGRAM_* variables (issue 19)."""
    chat_in_shell(tmp_path, clean_env(), check_in=True)


def shell_with_slack_and_telegram_set(tmp_path: Path) -> None:
    """Slack and Telegram configured (fakes; the other channel variables unset).
    `rasa shell` only talks on the terminal; the API URLs point nowhere, to be sure."""
    env = clean_env(
        SLACK_BOT_TOKEN=SLACK_TOKEN, SLACK_SIGNING_SECRET=SLACK_SIGNING_SECRET,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/", TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    chat_in_shell(tmp_path, env, check_in=False)


def shell_without_a_terminal_says_so(tmp_path: Path) -> None:
    """`rasa shell` needs a terminal (its menus; on end of input it hangs): with
    stdin not a terminal `make shell` says so at once instead."""
    started = time.monotonic()
    result = run_make("shell", settings=shell_settings(tmp_path), timeout=60)
    assert result.returncode != 0, result.stdout
    assert "needs a terminal" in result.stdout, result.stdout
    assert time.monotonic() - started < 30, "it should not load the model first"


class MakeRun(AssistantServers):
    """`make run` (not run.sh) on free ports, started like the suite's servers."""

    def command(self) -> List[str]:
        return make_argv("run", settings={
            "RASA_PORT": str(self.rasa_port), "ACTION_PORT": str(self.action_port),
            "WEB_PORT": str(self.web_port), "ACTION_SERVER_URL": f"http://localhost:{self.action_port}/webhook",
            "TRACKER_SQLITE_PATH": str(self.db_path),
        })

    def environment(self) -> Dict[str, str]:
        return clean_env()


def stop_with(group, signum: int, what: str) -> None:
    """Send ``signum`` to the process group (Ctrl-C sends SIGINT to it); it must exit, all of it."""
    os.killpg(group.process.pid, signum)
    try:
        group.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"`{what}` still running 60 s after {signal.Signals(signum).name}; "
                             f"log:\n{group.log_tail()}") from None
    left = end_group(group.process.pid)
    assert not left, f"`{what}` left processes running after {signal.Signals(signum).name}: {left}"


def run_answers_rest_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    servers = MakeRun(tmp_path)
    try:
        servers.start(timeout=START_TIMEOUT)
        reply = texts(servers.send("readme-run", "hi"))
        assert any(greeting in reply for greeting in greetings()), reply
        stop_with(servers, signal.SIGINT, "make run")
    finally:
        servers.kill()


def reachable_redis() -> Optional[str]:
    """Why Redis at 127.0.0.1:6379 cannot be used, or None."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at 127.0.0.1:6379: {error}"
    return None


class MakeRunScale(ScaleOut):
    """`make run-scale` on free ports, a throwaway database and the Redis on 6379."""

    def command(self) -> List[str]:
        return make_argv("run-scale", settings={
            "RASA_PORTS": " ".join(map(str, self.rasa_ports)), "ACTION_PORT": str(self.action_port),
            "ACTION_SERVER_URL": f"http://localhost:{self.action_port}/webhook", "WEB_PORT": str(free_port()),
            "DB_HOST": PG_HOST, "DB_PORT": str(PG_PORT), "DB_USER": PG_USER, "DB_PASSWORD": PG_PASSWORD,
            "DB_DATABASE": self.database, "DB_LOGIN_DATABASE": PG_ADMIN_DATABASE,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis_port), "REDIS_KEY_PREFIX": "readmetest",
        })

    def environment(self) -> Dict[str, str]:
        return clean_env()


def run_scale_answers_on_both_servers_then_stops(tmp_path: Path) -> None:
    postgres = Postgres()
    if postgres.unavailable:
        pytest.skip(f"{postgres.unavailable}; `make run-scale` not checked.")
    why_not = reachable_redis()
    if why_not:
        pytest.skip(f"{why_not}; `make run-scale` not checked.")
    with postgres.scratch_database("readme") as database:
        cluster = MakeRunScale(tmp_path, database, 6379, MODEL)
        try:
            cluster.start(timeout=START_TIMEOUT)
            for server in (0, 1):
                reply = texts(cluster.send(f"readme-scale-{server}", "hi", server=server))
                assert any(greeting in reply for greeting in greetings()), reply
                assert postgres.events(database, f"rest:readme-scale-{server}"), "stored in PostgreSQL"
            stop_with(cluster, signal.SIGTERM, "make run-scale")
        finally:
            cluster.kill()


def stored_conversations(tmp_path: Path) -> Path:
    """A throwaway SQLite tracker store with tests/persistence/test_privacy.py's conversations."""
    from tests.persistence.test_privacy import store_conversations

    db = tmp_path / "conversations.db"
    store_conversations(dialect="sqlite", db=str(db))
    return db


def events_of(db: Path, sender: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def forget_one_sender(tmp_path: Path) -> None:
    db = stored_conversations(tmp_path)
    result = run_make("forget", settings={"SENDER": "alice", "TRACKER_SQLITE_PATH": str(db)})
    assert result.returncode == 0, result.stdout
    assert "Erased the conversation of sender id 'alice'" in result.stdout, result.stdout
    assert events_of(db, "alice") == 0 and events_of(db, "alice2") > 0


def purge_default_retention(tmp_path: Path) -> None:
    db = stored_conversations(tmp_path)
    result = run_make("purge", settings={"TRACKER_SQLITE_PATH": str(db)})
    assert result.returncode == 0, result.stdout
    assert re.search(r"Deleted \d+ conversations .* more than 30 days", result.stdout), result.stdout
    assert events_of(db, "old") == 0 and events_of(db, "just-inside") > 0


def purge_days_7(tmp_path: Path) -> None:
    db = stored_conversations(tmp_path)
    result = run_make("purge", settings={"DAYS": "7", "TRACKER_SQLITE_PATH": str(db)})
    assert result.returncode == 0, result.stdout
    assert re.search(r"Deleted \d+ conversations .* more than 7 days", result.stdout), result.stdout
    assert events_of(db, "just-inside") == 0 and events_of(db, "long-running") > 0


def results_snapshot() -> Dict[str, float]:
    """Every file under results/ and when it changed: a quick run must touch none."""
    results = ROOT / "results"
    return {str(path): path.stat().st_mtime for path in results.rglob("*") if path.is_file()} if results.exists() else {}


def eval_quick(tmp_path: Path) -> None:
    before = results_snapshot()
    result = run_make("eval", settings={"QUICK": "1", "RESULTS_DIR": str(tmp_path)}, timeout=QUICK_TIMEOUT)
    assert result.returncode == 0, tail(result.stdout)
    summary = (tmp_path / "eval" / "summary.md").read_text()
    assert "held-out intent accuracy" in summary and "test-story action accuracy" in summary, summary
    assert "quick" in summary.lower(), "the summary says it is a quick run"
    assert results_snapshot() == before, "a quick run must not write to results/"


def bench_quick(tmp_path: Path) -> None:
    """No RESULTS_DIR: the quick run picks a temporary directory of its own and says which."""
    before = results_snapshot()
    result = run_make("bench", settings={"QUICK": "1"}, timeout=QUICK_TIMEOUT)
    assert result.returncode == 0, tail(result.stdout)
    match = re.search(r"^Report: (\S+)$", result.stdout, re.M)
    assert match, tail(result.stdout)
    report = Path(match.group(1))
    try:
        assert ROOT not in report.parents, f"the quick report went to {report}"
        lines = report.read_text().splitlines()
        assert "| errors | 0 |" in lines and "| empty replies | 0 |" in lines, "\n".join(lines)
    finally:
        if report.parent.name.startswith("spasm-quick-"):
            for path in sorted(report.parent.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            report.parent.rmdir()
    assert results_snapshot() == before, "a quick run must not write to results/ (results/bench.md is tracked)"


def profile_quick(tmp_path: Path) -> None:
    before = results_snapshot()
    result = run_make("profile", settings={"QUICK": "1", "RESULTS_DIR": str(tmp_path)}, timeout=QUICK_TIMEOUT)
    if result.returncode != 0 and "ptrace" in result.stdout.lower():
        pytest.skip(f"py-spy may not read the Rasa server here (ptrace): {tail(result.stdout, 500)}")
    assert result.returncode == 0, tail(result.stdout)
    summary = (tmp_path / "profile" / "summary.md").read_text()
    assert "| stage | share of CPU | ms per message |" in summary, summary
    assert results_snapshot() == before, "a quick run must not write to results/"


def make_test_resolves_without_running_itself(tmp_path: Path) -> None:
    """`make test` runs this file, so only check that make can plan it."""
    result = run_make("test", "-n", timeout=60)
    assert result.returncode == 0, result.stdout
    assert "scripts/test_all.sh" in result.stdout, result.stdout
    script = (ROOT / "scripts" / "test_all.sh").read_text()
    assert "pytest" in script and "test_stories.sh" in script and "validate" in script and "lint" in script


def lint_passes_and_catches_an_unused_import(tmp_path: Path) -> None:
    result = run_make("lint", timeout=120)
    assert result.returncode == 0, tail(result.stdout)
    # The same rules on a file with an unused import and a mutable default: both reported.
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f(items=[]):\n    return items\n")
    found = subprocess.run([str(ROOT / ".venv" / "bin" / "ruff"), "check", "--no-cache",
                            "--config", str(ROOT / "pyproject.toml"), str(bad)],
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "F401" in found.stdout and "B006" in found.stdout, found.stdout


def train_is_planned_with_onednn_off(tmp_path: Path) -> None:
    """`make train` is what `make run` and `make test` do first; only check its plan:
    training itself takes minutes and the model is already built for this run."""
    # -n: nothing runs; -B: plan it as if every input had changed
    result = subprocess.run(["make", "--no-print-directory", "-n", "-B", "train"], cwd=ROOT,
                            env=clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert "TF_ENABLE_ONEDNN_OPTS=0" in result.stdout and "rasa train" in result.stdout, result.stdout


def fast_tests_run_one_small_test(tmp_path: Path) -> None:
    env = clean_env(PYTEST_ADDOPTS="-k test_spacy_pipeline -p no:cacheprovider")
    result = run_make("test-fast", env=env, timeout=300)
    assert result.returncode == 0, tail(result.stdout)
    assert re.search(r"\b\d+ passed\b", result.stdout) and " failed" not in result.stdout, tail(result.stdout)


def web_is_installed(tmp_path: Path) -> None:
    result = run_make("web", timeout=300)
    assert result.returncode == 0, result.stdout


def telegram_webhook_against_fake_api(tmp_path: Path) -> None:
    url = "https://bot.example.org/webhooks/telegram/webhook"
    with FakePlatforms() as fakes:
        result = run_make("telegram-webhook", settings={
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_API_URL": fakes.telegram.api_url,
        })
        calls = fakes.telegram.matching(lambda call: call.method == "setWebhook")
    assert result.returncode == 0, result.stdout
    assert "Webhook set:" in result.stdout, result.stdout
    assert len(calls) == 1, calls
    assert calls[0].params["url"] == url and calls[0].params["secret_token"] == TELEGRAM_SECRET


def container_daemon() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def container_target_without_a_daemon(target: str) -> Callable[[Path], None]:
    """Where no container daemon answers (these machines), the target says so and
    fails; where one does, building and starting the stack is not a quick check."""

    def check(tmp_path: Path) -> None:
        if container_daemon():
            pytest.skip(f"a container daemon answers here: run `make {target}` by hand")
        result = run_make(target, timeout=120)
        assert result.returncode != 0, result.stdout
        assert "no container daemon answers" in result.stdout or "docker is not installed" in result.stdout, \
            result.stdout
        assert "tests/deploy" in result.stdout or "docker is not installed" in result.stdout

    check.__name__ = f"{target.replace('-', '_')}_says_no_daemon_answers"
    return check


# target -> its quick checks. Every `make <target>` in the README needs an entry.
QUICK_FORMS: Dict[str, List[Callable[[Path], None]]] = {
    "help": [help_lists_every_readme_target],
    "shell": [shell_without_channel_variables, shell_with_slack_and_telegram_set,
              shell_without_a_terminal_says_so],
    "run": [run_answers_rest_then_stops_on_ctrl_c],
    "run-scale": [run_scale_answers_on_both_servers_then_stops],
    "forget": [forget_one_sender],
    "purge": [purge_default_retention, purge_days_7],
    "eval": [eval_quick],
    "bench": [bench_quick],
    "profile": [profile_quick],
    "test": [make_test_resolves_without_running_itself],
    "train": [train_is_planned_with_onednn_off],
    "test-fast": [fast_tests_run_one_small_test],
    "lint": [lint_passes_and_catches_an_unused_import],
    "web": [web_is_installed],
    "telegram-webhook": [telegram_webhook_against_fake_api],
    "images": [container_target_without_a_daemon("images")],
    "compose-up": [container_target_without_a_daemon("compose-up")],
    "compose-down": [container_target_without_a_daemon("compose-down")],
}
CASES = [(target, form) for target, forms in QUICK_FORMS.items() for form in forms]


# --- The tests ---------------------------------------------------------------


def test_readme_shows_make_commands():
    assert {"run", "test", "shell", "help"} <= set(readme_commands(README.read_text()))


def test_readme_shows_only_real_make_targets():
    real = makefile_targets()
    assert {"run", "help"} <= real, f"could not read the Makefile's targets: {sorted(real)}"
    shown = readme_commands(README.read_text())
    unknown = {target: shown[target] for target in shown if target not in real}
    assert not unknown, f"the README shows make targets the Makefile does not have: {unknown}"


def test_every_readme_command_has_a_quick_form():
    shown = readme_commands(README.read_text())
    missing = {target: shown[target] for target in shown if target not in QUICK_FORMS}
    assert not missing, f"README commands without a quick check in QUICK_FORMS: {missing}"
    stale = sorted(set(QUICK_FORMS) - set(shown))
    assert not stale, f"QUICK_FORMS has checks for commands the README no longer shows: {stale}"


@pytest.mark.parametrize("target,form", CASES, ids=[f"{target}:{form.__name__}" for target, form in CASES])
def test_readme_command_quick_form(target: str, form: Callable[[Path], None], tmp_path: Path):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    form(tmp_path)
