"""Every modal dialog of the wizard, found by walking its package (so a new one
cannot go untested): Escape closes it and means "cancel", and its first focus is never on
a destructive button."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.screen import ModalScreen
from textual.widgets import Button

import spcs_wizard.tui as tui_package
from spcs_wizard.console.transport import Hit
from spcs_wizard.engine.job import JobProgress
from spcs_wizard.model.plan_steps import JUPYTER_PASSWORD, USER_PASSWORD
from spcs_wizard.tui.jobs import QuitDialog
from spcs_wizard.tui.screens.console import LoadDialog
from spcs_wizard.tui.screens.dialog import ConfirmDialog
from spcs_wizard.tui.screens.help import HelpScreen
from spcs_wizard.tui.screens.hit_dialog import HitDialog
from spcs_wizard.tui.screens.passcode_dialog import PasscodeDialog
from spcs_wizard.tui.screens.secrets_dialog import SecretsDialog
from tests.wizard_harness import until

FACTORIES: dict[type[ModalScreen[Any]], Callable[[], ModalScreen[Any]]] = {
    ConfirmDialog: lambda: ConfirmDialog("Remove 3 items?", "They cost nothing now."),
    SecretsDialog: lambda: SecretsDialog([USER_PASSWORD, JUPYTER_PASSWORD]),
    PasscodeDialog: lambda: PasscodeDialog("myconn"),
    LoadDialog: LoadDialog,
    HelpScreen: HelpScreen,
    HitDialog: lambda: HitDialog(Hit(7, 0.87, {"text": "Alan Turing " * 40, "year": 1950})),
    QuitDialog: lambda: QuitDialog(JobProgress.of("Deploy", ["role", "user"])),
}
CANCELLED: dict[type[ModalScreen[Any]], Any] = {ConfirmDialog: False, QuitDialog: "stay"}


def every_modal() -> set[type[ModalScreen[Any]]]:
    for info in pkgutil.walk_packages(tui_package.__path__, tui_package.__name__ + "."):
        importlib.import_module(info.name)
    found: set[type[ModalScreen[Any]]] = set()
    todo = list(ModalScreen.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("spcs_wizard.") and cls.__name__ != "Dialog":
            found.add(cls)
    return found


def test_every_dialog_is_covered_here() -> None:
    assert every_modal() == set(FACTORIES)


def test_escape_closes_every_dialog_as_a_cancel() -> None:
    async def scenario() -> None:
        app: App[None] = App()
        async with app.run_test(size=(100, 30)) as pilot:
            for cls, make in FACTORIES.items():
                results: list[Any] = []
                dialog = make()
                app.push_screen(dialog, results.append)
                await until(pilot, lambda d=dialog: app.screen is d, what=f"{cls.__name__} open")
                await pilot.pause()
                focused = app.focused
                assert not (isinstance(focused, Button) and focused.variant == "error"), cls
                await pilot.press("escape")
                await until(pilot, lambda d=dialog: app.screen is not d, what=f"{cls} closed")
                assert results == [CANCELLED.get(cls)], cls

    asyncio.run(scenario())
