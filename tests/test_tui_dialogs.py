"""Every modal dialog of the wizard, found by walking its package (so a new one
cannot go untested): Escape closes it and means "cancel", and its first focus is never on
a destructive button."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
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


WIZARD_CSS = Path(tui_package.__file__).with_name("wizard.tcss")


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


def test_every_dialogs_buttons_are_in_view_at_80x24() -> None:
    """On the smallest terminal the wizard supports, each dialog's buttons show without
    scrolling: the cell at each button's middle is the button's own."""

    async def scenario() -> None:
        app: App[None] = App(css_path=WIZARD_CSS)  # the wizard's styles, dialogs' too
        async with app.run_test(size=(80, 24)) as pilot:
            for cls, make in FACTORIES.items():
                dialog = make()
                app.push_screen(dialog)
                await until(pilot, lambda d=dialog: app.screen is d, what=f"{cls.__name__} open")
                await pilot.pause()
                for button in dialog.query(Button):
                    r = button.region
                    assert r.area > 0, (cls.__name__, button.id, "has no room")
                    found, _ = dialog.get_widget_at(r.x + r.width // 2, r.y)
                    assert found is button, (cls.__name__, button.id, r, found)
                dialog.dismiss(None)
                await until(pilot, lambda d=dialog: app.screen is not d, what=f"{cls} closed")

    asyncio.run(scenario())


def test_a_file_the_console_cannot_read_keeps_the_load_dialog_open_with_its_path(
    tmp_path: Path,
) -> None:
    """A path with no file, or a file of a kind the console does not read, is said in the
    dialog, which stays open with what was typed; a readable file closes it with the
    answer."""
    from textual.widgets import Input

    from tests.wizard_harness import until_said

    (tmp_path / "notes.docx").write_text("not read here", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Alan Turing\n", encoding="utf-8")

    async def scenario() -> None:
        app: App[None] = App()
        async with app.run_test(size=(80, 24)) as pilot:
            results: list[Any] = []
            dialog = LoadDialog("demo")
            app.push_screen(dialog, results.append)
            await until(pilot, lambda: bool(dialog.query("#load-path")), what="open")
            path = dialog.query_one("#load-path", Input)
            await until(pilot, lambda: app.focused is not None, what="focus")
            assert app.focused is dialog.query_one("#load-collection", Input)  # the first box
            for name, said in (("missing.jsonl", "no such file"), ("notes.docx", "unknown")):
                path.value = str(tmp_path / name)
                path.focus()
                await pilot.press("enter")
                await until_said(pilot, app, said)
                assert app.screen is dialog
                assert path.value == str(tmp_path / name)  # kept as typed
                assert results == []
            path.value = str(tmp_path / "notes.txt")
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is not dialog, what="closed")
            assert results == [("file", str(tmp_path / "notes.txt"), "text", "demo")]

    asyncio.run(scenario())
