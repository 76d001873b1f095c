"""Reading the project's Dockerfiles and .dockerignore without a container daemon.

Just enough of both formats for docker/*.Dockerfile: stages, COPY sources and
targets, ENV, USER, ENTRYPOINT and CMD (exec form), and .dockerignore's
matching (the last matching pattern wins; ``!`` lets a path back in). Used by
tests/deploy/test_dockerfiles.py (static checks) and test_images_run.py
(the images' files and commands, run on this machine).
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = {"rasa": ROOT / "docker" / "rasa.Dockerfile", "actions": ROOT / "docker" / "actions.Dockerfile"}


@dataclass
class Stage:
    image: str
    name: Optional[str]
    copies: List[Tuple[List[str], str, Optional[str]]] = field(default_factory=list)  # (sources, target, --from)
    env: Dict[str, str] = field(default_factory=dict)
    user: Optional[str] = None
    workdir: str = "/"
    entrypoint: List[str] = field(default_factory=list)
    cmd: List[str] = field(default_factory=list)
    runs: List[str] = field(default_factory=list)
    healthcheck: str = ""


def instructions(text: str) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        joined.append(current + stripped)
        current = ""
    found = []
    for line in joined:
        word, _, rest = line.partition(" ")
        found.append((word.upper(), rest.strip()))
    return found


def parse(path: Path) -> Tuple[Dict[str, str], List[Stage]]:
    """(ARGs before the first FROM with their defaults, stages)."""
    args: Dict[str, str] = {}
    stages: List[Stage] = []
    for word, rest in instructions(path.read_text()):
        if word == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif word == "FROM":
            match = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.IGNORECASE)
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), match.group(1))
            stages.append(Stage(image=image, name=match.group(2)))
        elif not stages:
            continue
        elif word == "COPY":
            parts = shlex.split(rest)
            source_stage = None
            while parts and parts[0].startswith("--"):
                flag = parts.pop(0)
                if flag.startswith("--from="):
                    source_stage = flag.split("=", 1)[1]
            stages[-1].copies.append((parts[:-1], parts[-1], source_stage))
        elif word == "ENV":
            for name, value in re.findall(r"(\w+)=((?:\"[^\"]*\")|\S+)", rest):
                stages[-1].env[name] = value.strip('"')
        elif word == "USER":
            stages[-1].user = rest
        elif word == "WORKDIR":
            stages[-1].workdir = rest
        elif word == "ENTRYPOINT":
            stages[-1].entrypoint = json.loads(rest)
        elif word == "CMD":
            stages[-1].cmd = json.loads(rest)
        elif word == "RUN":
            stages[-1].runs.append(rest)
        elif word == "HEALTHCHECK":
            stages[-1].healthcheck = rest
    return args, stages


def dockerignore_patterns() -> List[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _regex(pattern: str) -> "re.Pattern[str]":
    """Docker's pattern syntax: ``*`` and ``?`` stay within one folder, ``**`` crosses them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def _matches(pattern: str, path: str) -> bool:
    """A pattern matches a path or any folder above it."""
    regex = _regex(pattern.strip("/"))
    parts = path.strip("/").split("/")
    return any(regex.match("/".join(parts[:depth])) for depth in range(1, len(parts) + 1))


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative to the root) out of the build context."""
    verdict = False
    for pattern in dockerignore_patterns():
        negated = pattern.startswith("!")
        if _matches(pattern.lstrip("!"), path):
            verdict = not negated
    return verdict
