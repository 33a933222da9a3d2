"""`spcs-wizard --help` against `snow --help` (Snowflake CLI, the tool a person would use
instead), each a new process, alternating, same machine, same run. Goal: at most 0.15x.

Snowflake CLI lives in the benchmark's own environment (benchmarks/.snow, made by
benchmarks/run), apart from spcs-wizard's: it pins a connector of its own.

    .venv/bin/python benchmarks/cli_bench.py [--rounds 7] [--snow PATH] [--json F]
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, alternate, arguments, figure, report

HERE = Path(__file__).resolve().parent
SNOW = HERE / ".snow" / "bin" / "snow"
WIZARD = Path(sys.executable).with_name("spcs-wizard")


def timed(command: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=True, timeout=120)
    return time.perf_counter() - began


def figures(rounds: int, snow: list[str]) -> list[Figure]:
    ours = [str(WIZARD), "--help"]
    theirs = [*snow, "--help"]
    timed(ours), timed(theirs)  # warm the file and bytecode caches
    wizard, baseline = alternate(rounds, lambda: timed(ours), lambda: timed(theirs))
    name = Path(snow[0]).name
    return [
        figure(f"`{name} --help`", baseline, "ms", baseline, scale=1000),
        figure("`spcs-wizard --help`", wizard, "ms", baseline, "<= 0.15", 1000),
    ]


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--snow",
        default=str(SNOW),
        help="the baseline command (default: Snowflake CLI in benchmarks/.snow)",
    )
    args = parser.parse_args()
    snow = shlex.split(args.snow)
    if not Path(snow[0]).exists():
        sys.exit(
            f"Snowflake CLI is not at {snow[0]}: benchmarks/run installs it there "
            "(or give --snow PATH)."
        )
    report(figures(args.rounds, snow), args.json)


if __name__ == "__main__":
    main()
