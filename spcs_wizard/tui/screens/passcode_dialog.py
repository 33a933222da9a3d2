"""Asks for the MFA passcode when a connection needs one (masked; empty: approve a push
on the phone instead)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from spcs_wizard.tui.screens.dialog import Dialog


class PasscodeDialog(Dialog[str | None]):
    AUTO_FOCUS = "#passcode"  # focused once composed (no query before the input exists)

    def __init__(self, connection: str) -> None:
        super().__init__()
        self.connection = connection

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Multi-factor authentication for {self.connection}", classes="section")
            yield Static(
                "The passcode from your authenticator app; leave it empty to approve a push."
            )
            yield Input(password=True, id="passcode", placeholder="passcode")
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
