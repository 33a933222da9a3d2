"""What the wizard does as it starts. The garbage collector is held off while it
starts, and only then (spcs_wizard/tui/start_up.py): it runs again once the first screen
is drawn, after an app that ends before that, and after a `tui` command that stops before
any app. The work after the first frame imports only what it needs."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.color import Color
from textual.events import Mount

from spcs_wizard.cli.main import main
from spcs_wizard.tui import start_up
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.screens.naming import NamingScreen
from spcs_wizard.tui.screens.welcome import WelcomeScreen
from tests.wizard_harness import until


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    assert gc.isenabled()
    yield
    start_up.resume()
    start_up.thaw()
    gc.enable()  # whatever a failed test left


def test_the_collector_is_off_until_the_first_screen_is_drawn_then_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resumed: list[tuple[str, bool, bool]] = []  # the screen, mounted, the collector on
    resume = start_up.resume
    frozen: list[int] = []

    def noted() -> None:
        screen = app.screen_stack[-1] if app.screen_stack else None
        resumed.append((type(screen).__name__, bool(screen and screen.is_mounted), gc.isenabled()))
        resume()
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(start_up, "resume", noted)
    monkeypatch.setattr(start_up, "THAW_AFTER", 0.2)

    class Watched(WizardApp):
        def on_mount(self) -> None:
            self.on_at_mount = gc.isenabled()

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")
            await until(pilot, gc.isenabled, what="the collector on again")
            assert app.on_at_mount is False
            assert resumed[0] == ("WelcomeScreen", True, False)
            assert not start_up.paused()
            # Start-up's objects: out of the collections, then back among the oldest.
            assert frozen[0] > 100_000
            await until(pilot, lambda: gc.get_freeze_count() == 0, what="thawed")
            app.go("naming")  # later screens do not pause it again
            await until(pilot, lambda: app.step == "naming", what="naming")
            await pilot.pause()
            assert gc.isenabled()

    app = Watched(WizardContext())
    asyncio.run(scenario())
    assert gc.isenabled()


def test_an_app_that_ends_before_its_first_frame_leaves_the_collector_on() -> None:
    class GoneAtOnce(WizardApp):
        def on_mount(self, event: Mount) -> None:
            event.prevent_default()  # no first screen is pushed (WizardApp.on_mount)
            self.was_on = gc.isenabled()
            self.exit()

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)):
            pass

    app = GoneAtOnce(WizardContext())
    asyncio.run(scenario())
    assert app.was_on is False
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert not start_up.paused()


def test_a_pause_that_is_not_ours_is_not_ended_here() -> None:
    gc.disable()  # someone else's (Textual's own while it scrolls, say)
    start_up.pause()
    start_up.resume()
    assert not gc.isenabled()
    gc.enable()


def test_a_tui_command_that_stops_before_the_wizard_leaves_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spcs_wizard.cli.tui_cmd as tui_cmd

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    seen: list[bool] = []

    def no_terminal() -> bool:  # asked once the command has started
        seen.append(gc.isenabled())
        return False

    monkeypatch.setattr(tui_cmd, "interactive", no_terminal)
    assert main(["tui"]) == 2  # it says the wizard needs a terminal, and stops
    assert seen == [False]
    assert gc.isenabled()


def test_a_step_screen_is_styled_as_it_mounts_not_again_as_it_is_first_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its widgets are styled as they mount; the first resume, just after, does not style
    them all again (WizardScreen._on_screen_resume). A theme changed on one step shows
    there, and on the next (Textual restyles every screen on the stack as it changes)."""
    from textual.dom import DOMNode

    restyled: list[str] = []
    update = DOMNode.update_node_styles

    def noted(node: DOMNode, animate: bool = True) -> None:
        if isinstance(node, WelcomeScreen | NamingScreen):
            restyled.append(type(node).__name__)
        update(node, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", noted)

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")
            await pilot.pause()
            assert restyled == []
            dark = app.screen.styles.background
            assert dark == Color.parse(app.get_css_variables()["background"])
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert app.theme == "textual-light"
            light = app.screen.styles.background
            assert light != dark
            assert light == Color.parse(app.get_css_variables()["background"])
            app.go("naming")
            await until(pilot, lambda: isinstance(app.screen, NamingScreen), what="naming")
            await pilot.pause()
            assert restyled == []
            assert app.screen.styles.background == light

    app = WizardApp(WizardContext())
    asyncio.run(scenario())


# The wizard on a fresh machine, until the work after its first frame is over (the cost
# worked out, the look at the known deployments ended): then the modules it loaded.
SETTLED = """
import sys
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.widgets.cost_table import CostTable

class Watched(WizardApp):
    def on_mount(self):
        self.set_interval(0.05, self._settled)

    def _settled(self):
        costs = list(self.screen.query(CostTable))
        if costs and not costs[0].pending and not self._looking:  # (the look began first)
            print(sorted(m for m in sys.modules if m.startswith("spcs_wizard.")))
            self.exit()

Watched().run(headless=True)
"""


def test_a_first_start_loads_neither_the_emulator_nor_the_plan(tmp_path: Path) -> None:
    """With no deployment known yet, the look after the first frame reads that there is
    none and stops: the rehearsal is made without its emulator's modules (a fifth of a
    second of work on 2 cores, taking turns with the first screen: docs/performance.md),
    and the plan's modules wait for a record to read."""
    env = os.environ | {"SPCS_WIZARD_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", SETTLED],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    loaded = result.stdout.strip().splitlines()[-1]
    assert "spcs_wizard.workshop.workshop" in loaded, loaded  # the look ran
    assert "spcs_wizard.model.deployment" in loaded, loaded  # the cost was worked out
    assert "spcs_wizard.emulator" not in loaded, loaded
    assert "spcs_wizard.engine.deployment_session" not in loaded, loaded
