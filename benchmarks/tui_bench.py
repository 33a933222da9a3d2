"""The wizard's responsiveness, against baselines in the same run:

* cold start to the first screen (a new Python process until the Welcome screen is
  mounted), against a minimal Textual app that shows one line;
* one monitor refresh until its frame is on screen (applying a status snapshot to the
  panels: tables, problems, sparklines; then every message it caused handled, the layout
  done and the frame painted, until the app is idle again), against putting the same
  snapshot on screen as one Rich renderable (what `spcs-wizard status` prints), timed
  the same way.

    .venv/bin/python benchmarks/tui_bench.py [--rounds 5] [--refreshes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]

# Each child prints the seconds from its own start (interpreter start, taken from the
# parent's clock handed over) to the first screen being mounted, then exits.
STARTUP = """
import sys, time
started = float(sys.argv[1])
{imports}
class Probe({base}):
    def on_mount(self):
        super_mount = getattr(super(), "on_mount", None)
        if super_mount: super_mount()
        self.call_after_refresh(self.done)
    def done(self):
        print(time.time() - started)
        self.exit()
Probe({args}).run(headless=True)
"""

WIZARD = STARTUP.format(
    imports="from spcs_wizard.tui.app import WizardApp",
    base="WizardApp",
    args="",
)
MINIMAL = STARTUP.format(
    imports="from textual.app import App\nfrom textual.widgets import Static\n"
    "class Minimal(App):\n    def compose(self):\n        yield Static('hello')",
    base="Minimal",
    args="",
)


def cold_start(code: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, repr(time.time())],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


async def frame_done(pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the screen and its widgets have handled every message the change caused
    (layout, refresh) and the frame is composed: what ``Pilot.pause()`` does, without its
    wait for the CPU to go idle (a fixed ~50 ms of sleeps that would swamp the figure).
    Private Textual calls, stable within the pinned minor version."""
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()


def refresh_times(refreshes: int) -> tuple[float, float]:
    """Median seconds from a refresh's data to its painted frame: the monitor's ``show``
    and the one-renderable baseline, each followed by ``frame_done``."""
    from textual.app import App
    from textual.widgets import Static

    from spcs_wizard.cli.status_cmd import render_snapshot
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext
    from spcs_wizard.tui.screens.monitor import MonitorScreen
    from tests.test_tui_snapshots import FIXED

    async def ours() -> list[float]:
        wizard = WizardContext(refresh_seconds=3600, rehearsal=Rehearsal(Path(tempfile.mkdtemp())))
        app = WizardApp(wizard, start="monitor")
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, MonitorScreen)
            for _ in range(refreshes):
                started = time.perf_counter()
                screen.show(FIXED, None, None)
                await frame_done(pilot)
                times.append(time.perf_counter() - started)
                await pilot.pause()
        return times

    class Baseline(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static(id="status")

    async def baseline() -> list[float]:
        app = Baseline()
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.query_one("#status", Static)
            for _ in range(refreshes):
                started = time.perf_counter()
                panel.update(render_snapshot(FIXED))
                await frame_done(pilot)
                times.append(time.perf_counter() - started)
                await pilot.pause()
        return times

    return statistics.median(asyncio.run(ours())), statistics.median(asyncio.run(baseline()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--refreshes", type=int, default=200)
    args = parser.parse_args()
    env = {
        **os.environ,
        "SPCS_WIZARD_HOME": tempfile.mkdtemp(prefix="spcs-bench-"),
        "PYTHONPATH": str(ROOT),
    }
    cold_start(MINIMAL, env)  # warm the file cache for both: measure imports, not disk
    cold_start(WIZARD, env)
    minimal, wizard = [], []
    for _ in range(args.rounds):  # alternate, so drift hits both alike
        minimal.append(cold_start(MINIMAL, env))
        wizard.append(cold_start(WIZARD, env))
    ours, base = refresh_times(args.refreshes)
    rows = [
        ("cold start: minimal Textual app", statistics.median(minimal), 1.0),
        (
            "cold start: spcs-wizard Welcome",
            statistics.median(wizard),
            statistics.median(wizard) / statistics.median(minimal),
        ),
        ("refresh: one Rich renderable", base, 1.0),
        ("refresh: monitor panels, to the frame", ours, ours / base),
    ]
    print(f"{'measure':38} {'median ms':>10} {'ratio to baseline':>18}")
    for name, seconds, ratio in rows:
        print(f"{name:38} {seconds * 1000:10.1f} {ratio:18.2f}")


if __name__ == "__main__":
    main()
