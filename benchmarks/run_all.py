"""Every benchmark, one after another within a time budget (10 minutes on 2 cores by
default), each in its own process: the figures go to benchmarks/results.json (a list of
objects: name, value, unit, baseline, ratio, goal, met, and more) and benchmarks/results.md
(a Markdown table), and the table is printed. Unmet goals do not fail the run; a benchmark
that could not run does (exit 1). `benchmarks/run` sets up what they need and calls this.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, table

HERE = Path(__file__).resolve().parent
# Each benchmark and its arguments, sized to fit the budget together on 2 cores.
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cli_bench.py", ("--rounds", "7")),
    ("tui_bench.py", ("--rounds", "9", "--refreshes", "200")),
    ("deploy_bench.py", ("--rounds", "3")),
    ("push_bench.py", ("--rounds", "4", "--size-mb", "16")),
    ("copy_bench.py", ("--rounds", "5", "--size-mb", "64")),
    ("console_bench.py", ("--rows", "10000", "100000", "--searches", "200")),
    ("workshop_bench.py", ("--attendees", "30", "--rounds", "1")),
)


def run_one(script: str, arguments: tuple[str, ...], seconds: float) -> tuple[list[dict], str]:
    """The benchmark's figures (each with its benchmark's name), and why not if none."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        try:
            done = subprocess.run(
                [sys.executable, str(HERE / script), *arguments, "--json", str(out)],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=max(seconds, 1),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [], f"stopped after {seconds:.0f} s: the budget ran out"
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return [], f"exit {done.returncode}: " + " / ".join(tail)
        return [{"benchmark": script, **f} for f in json.loads(out.read_text())], ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for all of them")
    parser.add_argument("--only", nargs="*", help="run only these (e.g. tui_bench.py)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.* go")
    args = parser.parse_args()
    started = time.monotonic()
    records: list[dict] = []
    failed: list[str] = []
    for script, arguments in RUNS:
        if args.only and script not in args.only:
            continue
        left = args.budget - (time.monotonic() - started)
        began = time.monotonic()
        found, why = run_one(script, arguments, left)
        print(
            f"{script}: {len(found)} figures in {time.monotonic() - began:.0f} s {why}", flush=True
        )
        if why:
            failed.append(f"{script}: {why}")
        records += found
    names = [f.name for f in fields(Figure)]
    figures = [Figure(**{k: r[k] for k in names}) for r in records]
    markdown = table(figures)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(records, indent=2) + "\n")
    total = time.monotonic() - started
    (args.out / "results.md").write_text(
        f"{markdown}\n\n{len(figures)} figures in {total:.0f} s"
        + "".join(f"\n\nNot run: {f}" for f in failed)
        + "\n"
    )
    print(markdown)
    met = [f.met for f in figures if f.met is not None]
    print(f"\n{sum(met)} of {len(met)} goals met; {total:.0f} s; results in {args.out}")
    for line in failed:
        print(f"not run: {line}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
