"""Benchmark: our assistant against Rasa's starter bot, same machine, same load.

Usage:
    python scripts/bench.py                 # full run, writes results/bench.md
    python scripts/bench.py --quick         # a few messages against ours only (make bench QUICK=1)

Reports go to $RESULTS_DIR (default results/; for --quick, a new temporary
directory), so a partial run never overwrites the tracked results/bench.md.

For each bot: train (the starter bot is created with `rasa init --no-prompt` in
a temporary folder and trained there; ours is `make train`'s model), start the
servers, time from start to first answer, then drive the REST webhook with the
same load generator: 1 user sending messages one after another, then N
concurrent users x M messages. Reports p50/p95/p99 latency, messages per second,
errors (no HTTP 200), empty replies (200 with no message), the Rasa server's
peak RSS, training time and model size, and ratios ours/starter.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

from devtools.servers import AssistantServers, ServerGroup, free_port  # noqa: E402

# Rasa's starter ("moodbot") conversations, in its own words.
STARTER_CONVERSATION = ["hello", "I am sad", "yes", "that helped, thanks", "bye"]
# Ours: questions from the article and a symptom check-in answered in words.
OUR_CONVERSATIONS = [
    ["hi", "what is the difference between a spasm and a twitch?", "what causes muscle twitches?",
     "how can I prevent cramps?", "thanks"],
    ["my calf cramps at night", "about five minutes", "yes it hurts a bit", "yes", "no"],
    ["why does my eyelid twitch?", "can caffeine cause twitching?", "when should I see a doctor?",
     "how is it diagnosed?", "bye"],
    ["check my symptoms", "my eyelid", "a few seconds", "no pain", "no"],
]


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0  # no HTTP 200 answer (refused, timed out, 4xx/5xx)
    empty_replies: int = 0  # HTTP 200 with no message in it
    wall_seconds: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
        return ordered[index]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_seconds if self.wall_seconds else 0.0


@dataclass
class BotFigures:
    name: str
    train_seconds: Optional[float] = None
    model_mb: Optional[float] = None
    start_to_first_answer: Optional[float] = None
    sequential: Optional[LoadResult] = None
    concurrent: Optional[LoadResult] = None
    peak_rss_mb: Optional[float] = None


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def drive(url: str, users: int, conversations: List[List[str]], messages_per_user: int, label: str) -> LoadResult:
    result = LoadResult()
    total = users * messages_per_user
    done = 0
    timeout = aiohttp.ClientTimeout(total=120)

    async def user(index: int, session: aiohttp.ClientSession) -> None:
        nonlocal done
        conversation = conversations[index % len(conversations)]
        sender = f"bench-{label}-{index}-{time.time_ns()}"
        for n in range(messages_per_user):
            text = conversation[n % len(conversation)]
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    body = await response.json()
                    if response.status != 200:
                        result.errors += 1
                    else:
                        result.latencies.append(time.perf_counter() - started)
                        # Answered, but with nothing to show: the bot's own behaviour
                        # (the starter bot has no reply for some turns), not a failure.
                        result.empty_replies += 0 if body else 1
            except Exception:
                result.errors += 1
            done += 1
            progress(done, total, label)

    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(user(i, session) for i in range(users)))
    result.wall_seconds = time.perf_counter() - started
    return result


def peak_rss_mb(pid: int) -> Optional[float]:
    """VmHWM (peak resident set) of a process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class StarterBot(ServerGroup):
    """``rasa run`` of the starter bot's model, in its own folder, on ``port``."""

    def __init__(self, model: Path, folder: Path, port: int, log_path: Path) -> None:
        super().__init__()
        self.model, self.cwd, self.port, self.log_path = model, folder, port, log_path

    def command(self) -> List[str]:
        return [str(VENV_BIN / "rasa"), "run", "--model", str(self.model), "--port", str(self.port)]

    def environment(self) -> Dict[str, str]:
        return base_env()

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.port}/webhooks/rest/webhook"


def stop_and_peak_rss(server: ServerGroup) -> Optional[float]:
    """Stop ``server``; the Rasa server's peak RSS (MB) measured just before."""
    pid = server.rasa_server_pid() if server.process else None
    rss = peak_rss_mb(pid) if pid else None
    server.stop()
    return rss


def base_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return env


def measure(bot: BotFigures, server: ServerGroup, conversations: List[List[str]], args: argparse.Namespace) -> None:
    """Launch ``server`` (it has a ``rest_url``), time its first answer, then drive it."""
    server.launch()
    bot.start_to_first_answer = server.seconds_to_first_answer(server.rest_url, conversations[0][0])
    bot.sequential = asyncio.run(
        drive(server.rest_url, 1, conversations, args.sequential_messages, f"{bot.name}: 1 user"))
    bot.concurrent = asyncio.run(
        drive(server.rest_url, args.users, conversations, args.messages, f"{bot.name}: {args.users} users"))


def bench_starter(args: argparse.Namespace, workdir: Path) -> BotFigures:
    bot = BotFigures("starter")
    starter_dir = workdir / "starter"
    starter_dir.mkdir(parents=True)  # `rasa init` wants the folder to exist
    started = time.perf_counter()
    # `rasa init --no-prompt` creates the starter project and trains it.
    subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(starter_dir)],
                   cwd=workdir, env=base_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bot.train_seconds = time.perf_counter() - started
    model = max((starter_dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    bot.model_mb = model.stat().st_size / 1e6
    server = StarterBot(model, starter_dir, free_port(), workdir / "starter.log")
    try:
        measure(bot, server, [STARTER_CONVERSATION], args)
    finally:
        bot.peak_rss_mb = stop_and_peak_rss(server)
    return bot


def bench_ours(args: argparse.Namespace, workdir: Path) -> BotFigures:
    bot = BotFigures("ours")
    model = ROOT / "models" / "assistant.tar.gz"
    if args.train_ours:
        started = time.perf_counter()
        subprocess.run([str(VENV_BIN / "rasa"), "train", "--force", "--fixed-model-name", "bench", "--out", str(workdir)],
                       cwd=ROOT, env=base_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bot.train_seconds = time.perf_counter() - started
        model = workdir / "bench.tar.gz"  # serve what was just trained from the same inputs
    bot.model_mb = model.stat().st_size / 1e6
    server = ours_servers(workdir, model)
    try:
        measure(bot, server, OUR_CONVERSATIONS, args)
    finally:
        bot.peak_rss_mb = stop_and_peak_rss(server)
    return bot


def ours_servers(workdir: Path, model: Path) -> AssistantServers:
    """`make run`'s servers on free ports, with a SQLite file in ``workdir``."""
    ours = workdir / "ours"
    ours.mkdir(exist_ok=True)
    # A benchmark user sends faster than a person: no per-conversation limit.
    return AssistantServers(ours, env={"MODEL": str(model), "RATE_LIMIT_MESSAGES": "1000000"})


#: messages for the per-message cost of the detectors: English, the emergency net's
#: languages, and a long one (the detectors' cost grows with the text, not the conversation)
DETECTOR_MESSAGES = [
    "What is the difference between a spasm and a twitch?",
    "my eyelid keeps twitching when I'm tired",
    "I can't breathe and my neck is cramping",
    "no puedo respirar y tengo un espasmo en el cuello",
    "ich kann nicht atmen, mein Nacken verkrampft",
    "tengo calambres en la pierna por la noche",
    "nie mogę oddychać",
    "I get painful cramps in my calf at night. " * 40,
]


def detector_costs(repeats: int) -> List[tuple]:
    """(what, median ms per message, slowest ms) for the in-process detectors that run on
    every message: language identification and warning-sign detection."""
    import statistics

    from triage.language import language_of
    from triage.red_flags import detect_text

    rows = []
    for name, run in (("language identification (py3langid)", language_of),
                      ("warning-sign detection (patterns)", detect_text)):
        for text in DETECTOR_MESSAGES:
            run(text)  # load models and caches first
        timings = []
        for _ in range(repeats):
            for text in DETECTOR_MESSAGES:
                started = time.perf_counter()
                run(text)
                timings.append((time.perf_counter() - started) * 1000)
        rows.append((name, statistics.median(timings), max(timings)))
    return rows


def detector_table(rows: List[tuple]) -> str:
    lines = ["| per message, in process | median (ms) | slowest (ms) |", "|---|---|---|"]
    lines += [f"| {name} | {median:.2f} | {slowest:.2f} |" for name, median, slowest in rows]
    return "\n".join(lines)


def fmt(value: Optional[float], unit: str = "", digits: int = 2) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}f}{unit}"


def ratio(ours: Optional[float], starter: Optional[float]) -> str:
    if not ours or not starter:
        return "n/a"
    return f"{ours / starter:.2f}x"


def table(bots: List[BotFigures], args: argparse.Namespace) -> str:
    rows = [
        ("p50 latency, 1 user (s)", lambda b: b.sequential and b.sequential.percentile(50)),
        ("p95 latency, 1 user (s)", lambda b: b.sequential and b.sequential.percentile(95)),
        (f"p50 latency, {args.users} users (s)", lambda b: b.concurrent and b.concurrent.percentile(50)),
        (f"p95 latency, {args.users} users (s)", lambda b: b.concurrent and b.concurrent.percentile(95)),
        (f"p99 latency, {args.users} users (s)", lambda b: b.concurrent and b.concurrent.percentile(99)),
        (f"messages/s, {args.users} users", lambda b: b.concurrent and b.concurrent.throughput),
        ("errors", lambda b: (b.sequential.errors if b.sequential else 0) + (b.concurrent.errors if b.concurrent else 0)),
        ("empty replies", lambda b: (b.sequential.empty_replies if b.sequential else 0)
         + (b.concurrent.empty_replies if b.concurrent else 0)),
        ("Rasa server peak RSS (MB)", lambda b: b.peak_rss_mb),
        ("training time (s)", lambda b: b.train_seconds),
        ("model size (MB)", lambda b: b.model_mb),
        ("start to first answer (s)", lambda b: b.start_to_first_answer),
    ]
    names = [b.name for b in bots]
    header = "| metric | " + " | ".join(names) + (" | ours/starter |" if len(bots) == 2 else " |")
    lines = [header, "|" + "---|" * (len(bots) + 1 + (1 if len(bots) == 2 else 0))]
    for label, get in rows:
        values = [get(b) for b in bots]
        cells = [fmt(v, digits=0 if label in ("errors", "empty replies") else 2) if v is not None else "n/a"
                 for v in values]
        line = f"| {label} | " + " | ".join(cells)
        if len(bots) == 2:
            by_name = dict(zip(names, values))
            line += f" | {ratio(by_name.get('ours'), by_name.get('starter'))}"
        lines.append(line + " |")
    return "\n".join(lines)


HISTORY_HEADING = "## History"
HISTORY_HEADER = (
    "| date | commit | change | msg/s ours | msg/s starter | ratio | p95 ours (s) | p95 starter (s) "
    "| ratio | errors | RSS ours (MB) | training ours (s) |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def commit() -> str:
    """The commit measured, marked '+changes' when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def history(out: Path, bots: List[BotFigures], args: argparse.Namespace) -> str:
    """The earlier runs kept from ``out`` plus a row for this one (before/after figures)."""
    rows: List[str] = []
    if out.exists():
        text = out.read_text()
        if HISTORY_HEADING in text:
            rows = [line for line in text.split(HISTORY_HEADING, 1)[1].splitlines()
                    if line.startswith("| 20")]
    by_name = {b.name: b for b in bots}
    ours, starter = by_name.get("ours"), by_name.get("starter")

    def figure(bot: Optional[BotFigures], get) -> Optional[float]:
        return get(bot) if bot else None

    rate = lambda b: b.concurrent.throughput if b.concurrent else None  # noqa: E731
    p95 = lambda b: b.concurrent.percentile(95) if b.concurrent else None  # noqa: E731
    errors = sum((b.sequential.errors if b.sequential else 0) + (b.concurrent.errors if b.concurrent else 0)
                 for b in bots)
    rows.append(
        f"| {time.strftime('%Y-%m-%d')} | {commit()} | {args.note or '-'} "
        f"| {fmt(figure(ours, rate), digits=1)} | {fmt(figure(starter, rate), digits=1)} "
        f"| {ratio(figure(ours, rate), figure(starter, rate))} "
        f"| {fmt(figure(ours, p95))} | {fmt(figure(starter, p95))} | {ratio(figure(ours, p95), figure(starter, p95))} "
        f"| {errors} | {fmt(ours.peak_rss_mb if ours else None, digits=0)} "
        f"| {fmt(ours.train_seconds if ours else None, digits=0)} |"
    )
    return "\n".join([
        "",
        HISTORY_HEADING,
        "",
        f"Every full run adds a row ({args.users} concurrent users; ratio = ours/starter; "
        "'+changes' = uncommitted changes on top of that commit).",
        "",
        HISTORY_HEADER,
        *rows,
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark ours against Rasa's starter bot.")
    parser.add_argument("--quick", action="store_true", help="a few messages against ours only (used by make test)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20, help="messages per concurrent user")
    parser.add_argument("--sequential-messages", type=int, default=40)
    parser.add_argument("--train-ours", action="store_true", help="also time a full training of ours (--force)")
    parser.add_argument("--ours-only", action="store_true",
                        help="skip the starter bot (quick comparisons while tuning; no history row)")
    parser.add_argument("--note", default="", help="what changed since the last run, for the history table")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: $RESULTS_DIR/bench.md for a full run, $RESULTS_DIR/bench-partial.md "
                             "for --ours-only (RESULTS_DIR default: results); for --quick, bench.md in "
                             "RESULTS_DIR or else a new temporary directory")
    args = parser.parse_args()
    if args.quick:
        args.users, args.messages, args.sequential_messages = 2, 3, 3
    partial = args.quick or args.ours_only
    if args.out is None:  # a partial run never overwrites the tracked report and its history
        results_dir = os.environ.get("RESULTS_DIR") or ""
        if args.quick:
            args.out = Path(results_dir or tempfile.mkdtemp(prefix="spasm-quick-")) / "bench.md"
        else:
            args.out = Path(results_dir or ROOT / "results") / ("bench-partial.md" if partial else "bench.md")

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        bots = []
        if not partial:
            bots.append(bench_starter(args, workdir))
        bots.append(bench_ours(args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = "\n".join([
        f"# Benchmark ({'quick' if args.quick else 'ours only' if args.ours_only else 'full'})",
        "",
        f"Latest run: {time.strftime('%Y-%m-%d')}, commit {commit()}. Machine: {machine}. "
        f"Load: 1 user x {args.sequential_messages} messages, then "
        f"{args.users} concurrent users x {args.messages} messages over the REST webhook.",
        "",
        table(bots, args),
        "",
        f"Detectors ({len(DETECTOR_MESSAGES)} messages x {3 if args.quick else 50}):",
        "",
        detector_table(detector_costs(3 if args.quick else 50)),
        "",
    ])
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not partial:
        report += history(args.out, bots, args)
    args.out.write_text(report)
    print(f"Report: {args.out}")
    # Ours must answer every message with something (never silent).
    ours = [b for b in bots if b.name == "ours"]
    failures = sum((r.errors + r.empty_replies) for b in ours for r in (b.sequential, b.concurrent) if r)
    return 1 if args.quick and failures else 0


if __name__ == "__main__":
    sys.exit(main())
