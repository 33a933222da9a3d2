"""The wizard's modal dialogs share one rule: Escape cancels (the bottom line says so).
``ConfirmDialog`` asks before anything destructive or billable, says what it costs, and
starts on Cancel."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from spcs_wizard.tui.widgets.footer import KeyFooter

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal question. Escape dismisses it with ``CANCELLED``."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]  # type: ignore[assignment]
    CANCELLED: Any = None

    def compose(self) -> ComposeResult:
        yield from self.compose_dialog()
        # The bottom line says the dialog's keys (Escape first), over the footer of the
        # screen under it, whose keys do nothing while the dialog is open.
        yield KeyFooter()

    def compose_dialog(self) -> ComposeResult:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(self.CANCELLED)


class ConfirmDialog(Dialog[bool]):
    """Yes or no; True only from the confirming button. Focus starts on Cancel, so an
    Enter typed too early never confirms."""

    CANCELLED = False
    AUTO_FOCUS = "#no"

    def __init__(
        self, title: str, question: str, confirm: str = "Remove", *, danger: bool = True
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.confirm = confirm
        self.danger = danger

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="section")
            yield Static(self.question, id="question")
            with Horizontal(classes="row"):
                yield Button("Cancel", id="no")
                yield Button(self.confirm, id="yes", variant="error" if self.danger else "primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
