"""One console hit, whole: its text wrapped and its other fields, which the answers
table cuts to its column widths."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from spcs_wizard.tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from spcs_wizard.console.transport import Hit


class HitDialog(Dialog[None]):
    AUTO_FOCUS = "#close"

    def __init__(self, hit: Hit, rank: int = 1, of: int = 1) -> None:
        super().__init__()
        self.hit, self.rank, self.of = hit, rank, of

    def compose_dialog(self) -> ComposeResult:
        hit = self.hit
        others = {k: v for k, v in hit.fields.items() if k != "text"}
        with Vertical(classes="dialog"):
            yield Label(
                f"Hit {self.rank} of {self.of} · id {escape(str(hit.id))} · score {hit.score:.3f}",
                classes="section",
            )
            with VerticalScroll(id="hit-body"):
                yield Static(escape(str(hit.fields.get("text", ""))), id="hit-text")
                if others:
                    fields = json.dumps(others, indent=2, default=str, ensure_ascii=False)
                    yield Static(escape(fields), id="hit-fields", classes="hint")
            with Horizontal(classes="row"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
