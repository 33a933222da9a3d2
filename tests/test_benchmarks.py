"""Every benchmark still runs and prints its table (on tiny inputs: the figures themselves
are for the benchmark runs, never asserted here). One broke unseen when the registry
began to refuse a bare session token; this is what would have said so."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import require_tool

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# script -> (tiny arguments, the measures its table must show, the tools it needs)
RUNS = {
    "push_bench.py": (
        ["--rounds", "1", "--size-mb", "1"],
        ["raw podman push", "spcs-wizard push", "spcs-wizard skip (unchanged)"],
        ["podman", "docker-registry"],
    ),
    "copy_bench.py": (
        ["--rounds", "1", "--size-mb", "1"],
        [
            "raw skopeo copy",
            "spcs-wizard copy",
            "podman build + spcs-wizard push",
            "spcs-wizard copy, already there",
        ],
        ["podman", "skopeo", "docker-registry"],
    ),
    "console_bench.py": (
        ["--rows", "200", "--searches", "5", "--batch", "100"],
        [
            "insert: raw pymilvus (rows/s)",
            "insert: console (rows/s)",
            "search: console ask, flushed (median ms)",
        ],
        [],
    ),
    "tui_bench.py": (
        ["--rounds", "1", "--refreshes", "5"],
        [
            "cold start: minimal Textual app",
            "cold start: spcs-wizard Welcome",
            "refresh: monitor panels, to the frame",
        ],
        [],
    ),
}
ROW = re.compile(r"^(?P<measure>.+?)\s+(?P<value>\d[\d,]*\.\d+)\s+(?P<ratio>\d+\.\d\d)\b")


def test_every_benchmark_is_run_here() -> None:
    assert sorted(RUNS) == sorted(p.name for p in BENCHMARKS.glob("*_bench.py"))


@pytest.mark.parametrize("script", sorted(RUNS))
def test_the_benchmark_runs_and_prints_ratios(script: str) -> None:
    arguments, measures, tools = RUNS[script]
    for tool in tools:
        require_tool(tool, tool)
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {
        match["measure"].strip(): float(match["ratio"])
        for line in result.stdout.splitlines()
        if (match := ROW.match(line))
    }
    assert set(measures) <= set(rows), result.stdout
    assert 1.0 in rows.values()  # the baseline, measured in the same run
    assert all(ratio > 0 for ratio in rows.values()), result.stdout
