"""What every benchmark reports, and how: a figure is a median over runs that alternate
with its baseline's (A B A B, so drift on the machine hits both alike), its spread, the
baseline measured in the same run, their ratio, and the goal it is held to.

Each ``*_bench.py`` prints its figures as a table and, with ``--json FILE``, writes them
as a list of objects for ``benchmarks/run``."""

from __future__ import annotations

import argparse
import json
import operator
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# "<= 1.3" holds the ratio to the baseline; "< 1 s" (a number and the figure's unit)
# holds the value itself.
GOAL = re.compile(r"^(?P<op><=|>=|<|>)\s*(?P<number>[\d.]+)\s*(?P<unit>\S+)?$")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None  # the same measure of what a user would use instead
    goal: str = ""
    spread: float = 0.0  # max - min of the samples behind the median
    samples: int = 1
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the goal is met; None without a goal."""
        if not self.goal:
            return None
        match = GOAL.match(self.goal)
        if match is None:
            raise ValueError(f"{self.name}: goal {self.goal!r} is not like '<= 1.3' or '< 1 s'")
        compare = OPERATORS[match["op"]]
        if match["unit"]:
            if match["unit"] != self.unit:
                raise ValueError(f"{self.name}: goal in {match['unit']}, figure in {self.unit}")
            return compare(self.value, float(match["number"]))
        ratio = self.ratio
        return ratio is not None and compare(ratio, float(match["number"]))

    def record(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def summary(samples: Sequence[float]) -> tuple[float, float]:
    """Median and spread (max - min)."""
    return statistics.median(samples), max(samples) - min(samples)


def figure(
    name: str,
    samples: Sequence[float],
    unit: str,
    baseline: Sequence[float] | float | None = None,
    goal: str = "",
    scale: float = 1.0,
    note: str = "",
) -> Figure:
    """A figure from raw samples (and the baseline's samples, or its value), each scaled
    (seconds to ms: 1000)."""
    value, spread = summary(samples)
    if isinstance(baseline, Sequence):
        baseline = summary(baseline)[0]
    return Figure(
        name,
        value * scale,
        unit,
        None if baseline is None else baseline * scale,
        goal,
        spread * scale,
        len(samples),
        note,
    )


def alternate(rounds: int, *runs: Callable[[], float]) -> list[list[float]]:
    """Each run once per round, in turn (A B A B ...); the samples of each."""
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, kept in zip(runs, samples, strict=True):
            kept.append(run())
    return samples


def table(figures: Sequence[Figure]) -> str:
    """A Markdown table of the figures."""
    lines = [
        "| measure | value | spread | unit | baseline | ratio | goal | met |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        base = "" if f.baseline is None else f"{f.baseline:,.2f}"
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        lines.append(
            f"| {f.name} | {f.value:,.2f} | {f.spread:,.2f} | {f.unit} | {base} | {ratio} "
            f"| {f.goal} | {met} |"
        )
    return "\n".join(lines)


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


def report(figures: Sequence[Figure], json_path: Path | None, heading: str = "") -> None:
    if heading:
        print(heading)
    print(table(figures))
    if json_path is not None:
        json_path.write_text(json.dumps([f.record() for f in figures], indent=2) + "\n")
