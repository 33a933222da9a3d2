"""The wizard's responsiveness, against baselines in the same run:

* cold start to the first screen drawn (a new Python process until the Welcome screen is
  mounted and its first frame painted), against a minimal Textual app that shows one
  line: the app itself, and the ``spcs-wizard`` command a person runs (its options, the
  settings and last time's names read first); and the app's very first start, before
  any parsed styles are kept (tui/css_cache.py);
* one class dashboard refresh of 30 attendees (a look's rows put in its table, cell by
  cell, and the freshness line) until its frame is on screen, against the same rows as
  one Rich table;
* one monitor refresh until its frame is on screen (applying a status snapshot to the
  panels: tables, problems, sparklines; then every message it caused handled, the layout
  done and the frame painted, until the app is idle again), against putting the same
  snapshot on screen as one Rich renderable (what `spcs-wizard status` prints), timed
  the same way.

    .venv/bin/python benchmarks/tui_bench.py [--rounds 7] [--refreshes 200] [--json F]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, alternate, arguments, figure, report

ROOT = Path(__file__).resolve().parents[1]

# Each child prints the seconds from its own start (taken from the parent's clock handed
# over) to the first screen, of the class named, mounted and painted; then it exits.
# Textual calls on_mount of every class that defines it, so the probe does not call
# its base's (which would mount the first screen twice).
STARTUP = """
import sys, time
started = float(sys.argv[1])
{imports}
class Probe({base}):
    def on_mount(self):
        self.call_after_refresh(self._look)
    def _look(self):
        screen = self.screen
        if type(screen).__name__ != "{first}" or not screen.is_mounted:
            self.call_after_refresh(self._look)
            return
        screen.call_after_refresh(self._drawn)
    def _drawn(self):
        print(time.time() - started)
        self.exit()
{run}
"""

WIZARD = STARTUP.format(
    imports="from spcs_wizard.tui.app import WizardApp",
    base="WizardApp",
    first="WelcomeScreen",
    run="Probe().run(headless=True)",
)
# The command as a person runs it: the wizard's app stands in for the real one only to
# run headless and to say when its first screen is drawn.
COMMAND = STARTUP.format(
    imports="import spcs_wizard.tui.app as app_module",
    base="app_module.WizardApp",
    first="WelcomeScreen",
    run="base_run = app_module.WizardApp.run\n"
    "Probe.run = lambda self, **kw: base_run(self, headless=True)\n"
    "app_module.WizardApp = Probe\n"
    "import spcs_wizard.cli.wizard_start as wizard_start\n"
    "wizard_start.interactive = lambda: True  # headless: a person's terminal passes the check\n"
    "from spcs_wizard.cli.entry import main\n"
    "main([])",
)
MINIMAL = STARTUP.format(
    imports="from textual.app import App\nfrom textual.widgets import Static\n"
    "class Minimal(App):\n    def compose(self):\n        yield Static('hello')",
    base="Minimal",
    first="Screen",
    run="Probe().run(headless=True)",
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


def refresh_times(refreshes: int, chunks: int = 4) -> tuple[list[float], list[float]]:
    """Seconds from a refresh's data to its painted frame: the monitor's ``show``
    and the one-renderable baseline, each followed by ``frame_done``; in chunks that
    alternate (monitor, baseline, monitor, ...), each a fresh app."""
    from textual.app import App
    from textual.widgets import Static

    from spcs_wizard.cli.status_cmd import render_snapshot
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext
    from spcs_wizard.tui.screens.monitor import MonitorScreen
    from tests.test_tui_snapshots import FIXED

    per_chunk = max(1, refreshes // chunks)

    async def ours() -> list[float]:
        wizard = WizardContext(refresh_seconds=3600, rehearsal=Rehearsal(Path(tempfile.mkdtemp())))
        app = WizardApp(wizard, start="monitor")
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, MonitorScreen)
            for _ in range(per_chunk):
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
            for _ in range(per_chunk):
                started = time.perf_counter()
                panel.update(render_snapshot(FIXED))
                await frame_done(pilot)
                times.append(time.perf_counter() - started)
                await pilot.pause()
        return times

    return in_turns(ours, baseline, chunks)


def in_turns(
    ours: Callable[[], Awaitable[list[float]]],
    baseline: Callable[[], Awaitable[list[float]]],
    chunks: int,
) -> tuple[list[float], list[float]]:
    """Each side's app run ``chunks`` times, in turn (A B A B): the samples of each."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(chunks):
        a += asyncio.run(ours())
        b += asyncio.run(baseline())
    return a, b


def class_rows(n: int, look: int) -> list:  # type: ignore[type-arg]
    """A class of ``n`` attendees as one look shows it (the look's number in the
    restarts, so each look changes cells as a live class does)."""
    from spcs_wizard.workshop.status import AttendeeRow

    return [
        AttendeeRow(
            attendee=f"{i:02d}",
            name=f"attendee {i:02d}",
            user=f"BENCH_{i:02d}_MILVUS_USER",
            role=f"BENCH_{i:02d}_MILVUS_ROLE",
            condition="running" if (i + look) % 7 else "starting",
            pools={"MILVUS_COMPUTE_POOL": "ACTIVE", "JUPYTER_COMPUTE_POOL": "IDLE"},
            services={"MILVUS": "RUNNING", "JUPYTER": "RUNNING"},
            restarts=(i * look) % 4,
            credits_per_hour=0.22,
            endpoint=f"https://{i:02d}abcdef-rehearsal-local.snowflakecomputing.app",
            last_error="",
        )
        for i in range(1, n + 1)
    ]


def dashboard_times(refreshes: int, attendees: int = 30, chunks: int = 4) -> tuple[list, list]:  # type: ignore[type-arg]
    """Seconds from a look's rows to the class dashboard's painted frame (its table
    updated cell by cell, the freshness line), against the same rows as one Rich table,
    timed as ``refresh_times`` does; alternating chunks, each a fresh app."""
    from rich.table import Table
    from textual.app import App
    from textual.widgets import Static

    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.tui.class_dashboard import ClassApp, ClassScreen
    from spcs_wizard.workshop.classroom import Classroom
    from spcs_wizard.workshop.roster import numbered
    from spcs_wizard.workshop.workshop import Workshop

    per_chunk = max(1, refreshes // chunks)
    where = Path(tempfile.mkdtemp(prefix="spcs-bench-class-"))
    room = Classroom(
        Workshop("BENCH", numbered(attendees), Deployment()),
        Target(connection_name="bench"),  # never connected: the rows are given
        where / "ws",
    )

    class Quiet(ClassScreen):
        def action_refresh(self) -> None:  # the rows come from the benchmark, not a look
            return

    class Dashboard(App[None]):  # ClassApp's styles, a screen that does not look itself
        CSS_PATH = ClassApp.CSS_PATH

        def on_mount(self) -> None:
            self.push_screen(Quiet(room))

    async def ours() -> list[float]:
        times = []
        async with Dashboard().run_test(size=(160, 45)) as pilot:
            while not isinstance(pilot.app.screen, Quiet):  # mounted, its rows added
                await pilot.pause()
            screen = pilot.app.screen
            for look in range(per_chunk):
                rows = class_rows(attendees, look)
                started = time.perf_counter()
                screen._show(rows, None)
                await frame_done(pilot)
                times.append(time.perf_counter() - started)
                await pilot.pause()
        return times

    class Baseline(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static(id="class")

    async def baseline() -> list[float]:
        times = []
        async with Baseline().run_test(size=(160, 45)) as pilot:
            panel = pilot.app.query_one("#class", Static)
            for look in range(per_chunk):
                rows = class_rows(attendees, look)
                started = time.perf_counter()
                table = Table("attendee", "state", "restarts", "credits/h", "endpoint")
                for r in rows:
                    table.add_row(
                        r.name, r.condition, str(r.restarts), f"{r.credits_per_hour}", r.endpoint
                    )
                panel.update(table)
                await frame_done(pilot)
                times.append(time.perf_counter() - started)
                await pilot.pause()
        return times

    return in_turns(ours, baseline, chunks)


def child_env() -> dict[str, str]:
    """The children's environment: a home of their own, and Python's bytecode cache on
    (as on a person's machine) even where this shell turns it off."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {
        "SPCS_WIZARD_HOME": tempfile.mkdtemp(prefix="spcs-bench-"),
        "PYTHONPATH": str(ROOT),
    }


def figures(rounds: int, refreshes: int) -> list[Figure]:
    env = child_env()
    for code in (MINIMAL, WIZARD, COMMAND):  # warm the file and bytecode caches
        cold_start(code, env)
    minimal, wizard, command, first = alternate(
        rounds,
        *(lambda c=code: cold_start(c, env) for code in (MINIMAL, WIZARD, COMMAND)),
        # A home of its own each time: no parsed styles kept from a start before.
        lambda: cold_start(WIZARD, child_env()),
    )
    ours, base = refresh_times(refreshes)
    board, table = dashboard_times(refreshes)
    return [
        figure("cold start: minimal Textual app", minimal, "ms", minimal, scale=1000),
        figure("cold start: wizard app to Welcome", wizard, "ms", minimal, "<= 1.3", 1000),
        figure("cold start: `spcs-wizard` to Welcome", command, "ms", minimal, "<= 1.3", 1000),
        figure(
            "cold start: wizard app, first start (no styles kept)",
            first,
            "ms",
            minimal,
            scale=1000,
            note="parsed styles are kept between starts (css_cache): this start has none",
        ),
        figure("refresh: one Rich renderable", base, "ms", base, scale=1000),
        figure("refresh: monitor panels, to the frame", ours, "ms", base, scale=1000),
        figure("refresh: 30 rows as one Rich table", table, "ms", table, scale=1000),
        figure("refresh: class dashboard, 30 rows, to the frame", board, "ms", table, scale=1000),
    ]


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--refreshes", type=int, default=200)
    args = parser.parse_args()
    report(figures(args.rounds, args.refreshes), args.json)


if __name__ == "__main__":
    main()
