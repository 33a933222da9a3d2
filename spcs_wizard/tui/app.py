"""The wizard application: step screens in order, help, themes, command palette."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.widgets.step_bar import STEPS

if TYPE_CHECKING:
    from spcs_wizard.tui.screens.base import WizardScreen

# Step -> its screen class, imported when first shown (the wizard starts faster).
SCREENS: dict[str, str] = {
    "welcome": "welcome:WelcomeScreen",
    "connection": "connection:ConnectionScreen",
    "naming": "naming:NamingScreen",
    "review": "review:ReviewScreen",
    "build": "build:BuildScreen",
    "deploy": "deploy:DeployScreen",
    "monitor": "monitor:MonitorScreen",
    "console": "console:ConsoleScreen",
    "teardown": "teardown:TeardownScreen",
}


def screen_class(step: str) -> type[WizardScreen]:
    module, name = SCREENS[step].split(":")
    cls: type[WizardScreen] = getattr(
        importlib.import_module(f"spcs_wizard.tui.screens.{module}"), name
    )
    return cls


# Steps that need a reached target (a connection, or the started rehearsal).
NEEDS_TARGET = {"build", "deploy", "monitor", "console", "teardown"}
DARK, LIGHT = "textual-dark", "textual-light"


class WizardApp(App[None]):
    CSS_PATH = Path(__file__).with_name("wizard.tcss")
    TITLE = "spcs-wizard"
    SUB_TITLE = "Milvus on Snowpark Container Services"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, wizard: WizardContext | None = None, start: str = "welcome") -> None:
        super().__init__()
        self.wizard = wizard or WizardContext()
        self.start = start
        self.step = start

    def on_mount(self) -> None:
        self.theme = DARK
        self.push_screen(screen_class(self.start)())

    def go(self, step: str) -> None:
        """Show a step; steps that talk to the account wait until one is reached."""
        if step in NEEDS_TARGET and not self.wizard.ready:
            self.notify("Connect first (step 2).", severity="warning")
            step = "connection"
        self.step = step
        self.switch_screen(screen_class(step)())

    def action_help(self) -> None:
        from spcs_wizard.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, title in STEPS:
            yield SystemCommand(f"Go to: {title}", f"Step {title}", lambda k=key: self.go(k))
        yield SystemCommand("Help", "What each step does, and the keys", self.action_help)
        yield SystemCommand("Light or dark theme", "Switch the theme", self.action_toggle_theme)
        for title, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))

    def on_unmount(self) -> None:
        if self.wizard.rehearsal is not None:
            self.wizard.rehearsal.stop()


def run(wizard: WizardContext | None = None) -> None:
    # Libraries that log warnings (the connector retrying, say) would write over the
    # screen through logging's last-resort handler; the screens show failures instead.
    for name in ("snowflake", "urllib3", "spcs_wizard"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    # The connector aborts timed-out queries from threads of its own; their errors would
    # be printed over the screen too. The screen that ran the query reports the failure.
    threading.excepthook = lambda args: logging.getLogger("spcs_wizard").debug(
        "background thread failed", exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )
    WizardApp(wizard).run()
