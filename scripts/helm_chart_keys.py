#!/usr/bin/env python3
"""Derive the value keys RasaHQ's `rasa` and `rasa-action-server` charts read.

Writes deploy/helm/chart-keys.txt, which tests/deploy/test_helm_values.py checks
the project's values files against (no chart code is kept in this repository).
Run it on a checkout of https://github.com/RasaHQ/helm-charts when moving to a
new chart version:

    python scripts/helm_chart_keys.py path/to/helm-charts > deploy/helm/chart-keys.txt

A key is allowed when the chart's values.yaml has it, or a template of the
chart (or of rasa-common, the library chart both use) reads it as
``.Values.a.b``. A line ending in ``.*`` allows any key below it: the chart
passes that value on whole (``toYaml .Values.x``, ``range ... .Values.x``, or a
default of ``{}``), so what goes inside is Kubernetes' or Rasa's to check.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, Set, Tuple

import yaml

CHARTS = ("rasa", "rasa-action-server")
LIBRARY = "rasa-common"
VALUE_PATH = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
INDEXED = re.compile(r'\(index \.Values "([A-Za-z0-9_-]+)"\)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)')
DEFINE = re.compile(r'define "([^"]+)"')
USES = re.compile(r'(?:include|template) "([^"]+)"')
WHOLE = re.compile(r"(?:toYaml|range \$\w+, \$\w+ :=|with)\s+\(?\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")


def leaves(value, prefix: str = "") -> Iterable[str]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, dict):
        yield prefix + ".*"
    else:
        yield prefix


def keys_in(text: str) -> Tuple[Set[str], Set[str]]:
    read = {match.group(1).lstrip(".") for match in VALUE_PATH.finditer(text)}
    for match in INDEXED.finditer(text):
        read.add((match.group(1) + match.group(2)).rstrip("."))
    whole = {match.group(1).lstrip(".") + ".*" for match in WHOLE.finditer(text)}
    return read, whole


def texts(folder: Path) -> Iterable[str]:
    for template in sorted(folder.glob("templates/**/*")):
        if template.is_file():
            yield template.read_text()


def library_defines(charts: Path) -> Dict[str, str]:
    """rasa-common's named templates: name -> its text (up to the next define)."""
    defines: Dict[str, str] = {}
    for text in texts(charts / "charts" / LIBRARY):
        parts = DEFINE.split(text)
        for name, body in zip(parts[1::2], parts[2::2]):
            defines[name] = body
    return defines


def chart_keys(charts: Path, chart: str) -> Set[str]:
    """The chart's values.yaml keys, its templates' keys, and those of the
    rasa-common templates it uses (followed through their own includes)."""
    folder = charts / "charts" / chart
    keys = set(leaves(yaml.safe_load((folder / "values.yaml").read_text()) or {}))
    sources = list(texts(folder))
    defines = library_defines(charts)
    wanted = {name for text in sources for name in USES.findall(text) if name in defines}
    seen: Set[str] = set()
    while wanted - seen:
        name = sorted(wanted - seen)[0]
        seen.add(name)
        wanted |= {used for used in USES.findall(defines[name]) if used in defines}
    for text in sources + [defines[name] for name in sorted(seen)]:
        read, whole = keys_in(text)
        keys |= read | whole
    return keys


def version(charts: Path, chart: str) -> str:
    return str(yaml.safe_load((charts / "charts" / chart / "Chart.yaml").read_text())["version"])


def main(argv: list) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    charts = Path(argv[1])
    try:
        commit = subprocess.run(["git", "-C", str(charts), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    print("# Value keys of RasaHQ's Helm charts, derived by scripts/helm_chart_keys.py from")
    print(f"# RasaHQ/helm-charts at {commit}: "
          + ", ".join(f"{chart} {version(charts, chart)}" for chart in (*CHARTS, LIBRARY)) + ".")
    print("# '<chart> <key>'; a key ending in .* allows anything below it (passed on whole).")
    for chart in CHARTS:
        for key in sorted(chart_keys(charts, chart)):
            print(f"{chart} {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
