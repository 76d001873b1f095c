"""Profile the Rasa server while it answers the benchmark's conversations.

Usage:
    python scripts/profile_server.py [--users 20] [--messages 20]
    python scripts/profile_server.py --quick    # 2 users x 3 messages (make profile QUICK=1)

Starts the assistant as `make run` does (scripts/run.sh, on free ports, its own
SQLite file), waits for its first answer, then samples the Rasa server with
py-spy (on-CPU samples only) while the benchmark's load generator drives it
over the REST webhook. Writes to $RESULTS_DIR/profile/ (RESULTS_DIR default:
results/; for --quick, a new temporary directory):

    stacks.txt       py-spy's collapsed stacks: drop the file on speedscope
                     or feed it to flamegraph.pl for a flame graph
    summary.md       where the CPU time goes, by stage of a message

py-spy reads another process's memory, so it needs ptrace rights (root, or
`kernel.yama.ptrace_scope=0`).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench import OUR_CONVERSATIONS, VENV_BIN, drive, ours_servers  # noqa: E402

# Stages of a message: (label, regular expression for a frame). A sample
# counts for every stage whose frame appears in its stack, so the shares of
# nested stages (TensorFlow inside NLU and policies) overlap.
STAGES: List[Tuple[str, str]] = [
    ("understand the message (NLU pipeline)", r"^parse_message \(.*rasa/core/processor\.py"),
    ("  DIET intent classifier", r"^process \(.*diet_classifier\.py"),
    ("  ResponseSelector", r"^process \(.*response_selector\.py"),
    ("  featurizers", r"featurizer\.py"),
    ("  spaCy", r"\(spacy/"),
    ("  red-flag detector", r"red_flag_detector\.py"),
    ("load the conversation (tracker store)", r"^get_tracker \(.*rasa/core/processor\.py"),
    ("save the conversation (tracker store)", r"^save_tracker \(.*rasa/core/processor\.py"),
    ("  SQLAlchemy", r"\(sqlalchemy/"),
    ("  replay events into a tracker", r"^(from_dict|update|update_with_events|_reset|replay_events) \(.*trackers\.py"),
    ("predict the next actions (policies)", r"^_predict_next_with_tracker \(.*rasa/core/processor\.py"),
    ("  TEDPolicy", r"ted_policy\.py"),
    ("  RulePolicy", r"rule_policy\.py"),
    ("  RedFlagPolicy", r"red_flag_policy\.py"),
    ("run the actions (form, action server calls)", r"^_run_action \(.*rasa/core/processor\.py"),
    ("  check action server answers (jsonschema)", r"\(jsonschema/"),
    ("TensorFlow, anywhere", r"\(tensorflow/"),
]


COMPILED_STAGES = [(name, re.compile(pattern)) for name, pattern in STAGES]


def function_name(frame: str) -> str:
    """'process (rasa/nlu/y.py:12)' -> 'process (rasa/nlu/y.py)' (py-spy shortens paths)."""
    name, _, location = frame.partition(" (")
    path = location.rsplit(":", 1)[0].split("site-packages/")[-1]
    return f"{name} ({path.replace(str(ROOT) + '/', '')})"


def summarise(stacks_path: Path) -> Tuple[int, List[Tuple[str, int]], List[Tuple[str, int]]]:
    """Samples in total, per stage, and the 25 functions with the most self time."""
    total = 0
    stages: Dict[str, int] = collections.Counter()
    functions: Dict[str, int] = collections.Counter()
    for line in stacks_path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for name, pattern in COMPILED_STAGES:
            if any(pattern.search(frame) for frame in frames):
                stages[name] += count
        # Self time: the innermost frame is where the CPU was.
        if " (" in frames[-1]:
            functions[function_name(frames[-1])] += count
    heaviest = sorted(functions.items(), key=lambda item: -item[1])[:25]
    return total, [(name, stages[name]) for name, _ in STAGES], heaviest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20, help="messages per user")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--quick", action="store_true", help="2 users x 3 messages, into a temporary directory")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: $RESULTS_DIR/profile (RESULTS_DIR default: results, "
                             "or for --quick a new temporary directory)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.messages = 2, 3
    if args.out is None:
        results_dir = os.environ.get("RESULTS_DIR") or ""
        if args.quick and not results_dir:
            results_dir = tempfile.mkdtemp(prefix="spasm-quick-")
        args.out = Path(results_dir or ROOT / "results") / "profile"

    py_spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if not py_spy:
        print("error: py-spy is not installed; run 'make install'.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="profile-"))
    server = ours_servers(workdir, ROOT / "models" / "assistant.tar.gz")
    try:
        server.launch().seconds_to_first_answer(server.rest_url, OUR_CONVERSATIONS[0][0])
        pid = server.rasa_server_pid()
        if pid is None:
            raise RuntimeError("could not find the Rasa server process")
        stacks = args.out / "stacks.txt"
        sampler = subprocess.Popen([py_spy, "record", "--pid", str(pid), "--rate", str(args.rate),
                                    "--format", "raw", "--output", str(stacks), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1)  # py-spy attaches
        load = asyncio.run(drive(server.rest_url, args.users, OUR_CONVERSATIONS, args.messages, "profiling"))
        sampler.send_signal(2)  # SIGINT: py-spy writes its output and exits
        _, err = sampler.communicate(timeout=60)
        if sampler.returncode not in (0, None) and not stacks.exists():
            raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    total, stages, heaviest = summarise(stacks)
    seconds = total / args.rate
    messages = len(load.latencies)
    lines = [
        "# Where the Rasa server spends its CPU time",
        "",
        f"{args.users} users x {args.messages} messages, {messages} answered, {load.errors} errors, "
        f"{load.throughput:.1f} msg/s; {total} on-CPU samples at {args.rate}/s = {seconds:.1f} s of CPU, "
        f"{1000 * seconds / max(messages, 1):.1f} ms per message.",
        "",
        "| stage | share of CPU | ms per message |",
        "|---|---|---|",
        *[f"| {name} | {100 * count / total:.1f}% | {1000 * count / args.rate / max(messages, 1):.1f} |"
          for name, count in stages],
        "",
        "Functions with the most self time (the CPU was in them, not in what they called):",
        "",
        "| function | share |",
        "|---|---|",
        *[f"| `{name}` | {100 * count / total:.1f}% |" for name, count in heaviest],
        "",
    ]
    (args.out / "summary.md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"Report: {args.out / 'summary.md'} (stacks: {stacks})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
