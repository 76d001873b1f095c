"""Warning-sign vignettes: the level the Rasa server would give each case.

The tuning sets (vignettes.yml, vignettes_more.yml) are held to the issue's targets.
The held-out set (vignettes_holdout.yml) was written blind and never tuned on: its
figures are reported, and held to the floor of its last reported run, so a change
that makes things worse on text nobody tuned for fails here.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("vignette_report", ROOT / "scripts" / "vignette_report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def share(pair):
    k, n = pair
    return k / n


@pytest.fixture(scope="module")
def figures():
    return {name: report.metrics(report.run(report.load(path))) for name, path in report.SETS.items()}


def test_every_set_is_big_enough_and_the_held_out_part_is_apart():
    texts = {name: [c["text"] for c in report.load(path)] for name, path in report.SETS.items()}
    assert sum(len(t) for t in texts.values()) >= 300
    assert len(texts["held-out"]) >= 100 and len(texts["held-out-2"]) >= 100
    # one- to three-word answers ("yeah", "agony") are bound to recur; sentences must not
    tuning = set().union(*(texts[name] for name in texts if name.startswith("tuning")))
    for held_out in ("held-out", "held-out-2"):
        shared = set(texts[held_out]) & tuning
        assert not {t for t in shared if len(t.split()) > 3}, shared


@pytest.mark.parametrize("name", ["tuning", "tuning-2", "tuning-3", "tuning-4", "tuning-5"])
def test_tuning_sets_meet_the_targets(figures, name, capsys):
    m = figures[name]
    print(f"\n{name}: " + ", ".join(f"{k} {report.pct(m[k])}" for k in
                                     ("recall_emergency", "recall_urgent", "over", "safe")))
    assert share(m["recall_emergency"]) >= 0.98
    assert share(m["recall_urgent"]) >= 0.98
    assert share(m["over"]) <= 0.05
    assert share(m["safe"]) >= 0.97


@pytest.mark.parametrize("name", ["held-out", "held-out-2"])
def test_held_out_sets_do_not_fall_below_their_last_run(figures, name):
    """Floors from the last reported run (README, Safety); never tuned on."""
    m = figures[name]
    print(f"\n{name}: " + ", ".join(f"{k} {report.pct(m[k])}" for k in
                                    ("recall_emergency", "recall_urgent", "over", "safe")))
    floor = HELD_OUT_FLOOR[name]
    assert share(m["recall_emergency"]) >= floor["recall_emergency"]
    assert share(m["recall_urgent"]) >= floor["recall_urgent"]
    assert share(m["safe"]) >= floor["safe"]
    assert share(m["over"]) <= 0.05


#: the last held-out runs' figures, rounded down (update them only with a new run)
HELD_OUT_FLOOR = {
    "held-out": {"recall_emergency": 0.98, "recall_urgent": 0.97, "safe": 0.97},
    "held-out-2": {"recall_emergency": 0.76, "recall_urgent": 0.90, "safe": 0.87},
}
