"""Asks for the MFA passcode when a connection needs one (masked; empty: approve a push
on the phone instead)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from spcs_wizard.tui.screens.dialog import Dialog
from spcs_wizard.tui.widgets.ordered_input import OrderedInput


class PasscodeDialog(Dialog[str | None]):
    AUTO_FOCUS = "#passcode"  # focused once composed (no query before the input exists)

    def __init__(self, connection: str) -> None:
        super().__init__()
        self.connection = connection

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Multi-factor authentication for {self.connection}", classes="section")
            yield Static(
                "The passcode from your authenticator app; leave it empty to approve a push."
            )
            yield OrderedInput(password=True, id="passcode", placeholder="passcode")
            with Horizontal(classes="row"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Log in", id="ok", variant="primary", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.dismiss(self.query_one("#passcode", Input).value.strip())
        else:
            self.dismiss(None)


def ask_from_thread(app: App[None], connection: str, wanted: Callable[[], bool]) -> str | None:
    """From a worker thread: show the dialog and wait for its answer, or give up (None)
    once the answer is no longer ``wanted`` (the asker's screen or the wizard closed)."""
    answer: list[str | None] = []
    given = threading.Event()

    def show() -> None:
        def answered(value: str | None) -> None:
            answer.append(value)
            given.set()

        app.push_screen(PasscodeDialog(connection), answered)

    app.call_from_thread(show)
    while not given.wait(0.5):
        if not wanted():
            return None
    return answer[0] or None
