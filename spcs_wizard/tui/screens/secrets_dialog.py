"""Asks for the deployment's secrets (masked, typed twice); they go to the engine, which
keeps them in the OS keyring. Nothing typed here is shown or logged."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from spcs_wizard.model.secret_rules import secret_problem
from spcs_wizard.model.sql import SecretSlot
from spcs_wizard.tui.screens.dialog import Dialog
from spcs_wizard.tui.widgets.ordered_input import OrderedInput


class SecretsDialog(Dialog[dict[str, str] | None]):
    """Returns ``{key: value}`` for every slot, or None when cancelled."""

    def __init__(self, slots: Iterable[SecretSlot]) -> None:
        super().__init__()
        self.slots = list(slots)

    def compose_dialog(self) -> ComposeResult:
        # Boxes of one line, in a scrolling frame: on 80x24 the buttons are in view.
        with VerticalScroll(classes="dialog"):
            yield Label("The deployment needs these secrets", classes="section")
            yield Static("They are sent to Snowflake and kept in your OS keyring, nowhere else.")
            for slot in self.slots:
                yield Label(slot.description.capitalize())
                yield OrderedInput(
                    password=True, id=f"s-{slot.key}", placeholder="secret", compact=True
                )
                yield OrderedInput(
                    password=True, id=f"c-{slot.key}", placeholder="once more", compact=True
                )
            yield Static("", id="secret-problem")
            with Horizontal(classes="row"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Use them", id="ok", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        values = {}
        for slot in self.slots:
            first = self.query_one(f"#s-{slot.key}", Input).value
            again = self.query_one(f"#c-{slot.key}", Input).value
            problem = secret_problem(slot, first) or ("the two differ" if first != again else None)
            if problem is not None:
                self.query_one("#secret-problem", Static).update(
                    Text(f"The {slot.description} cannot be used: {problem}.", style="bold red")
                )
                return
            values[slot.key] = first
        self.dismiss(values)
