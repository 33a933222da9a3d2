"""The console's dialog for adding rows: one text, or a file, into a collection."""

from __future__ import annotations

import re
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label

from spcs_wizard.tui.screens.dialog import Dialog
from spcs_wizard.tui.widgets.ordered_input import OrderedInput

# Milvus' rule for a collection's name: letters, digits and underscores, not starting
# with a digit, up to 255 characters (https://milvus.io/docs/limitations.md).
COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")


class LoadDialog(Dialog[tuple[str, str, str, str] | None]):
    """Insert one text, or load a file (and which column holds its text), into a
    collection (the one open, unless another is named: made if new). Returns ("text",
    the text, "", collection) or ("file", path, column, collection)."""

    AUTO_FOCUS = "#load-collection"  # the first box: typing goes where it is read from

    def __init__(self, collection: str = "") -> None:
        super().__init__()
        self.collection = collection

    def compose_dialog(self) -> ComposeResult:
        # Boxes of one line, in a scrolling frame: on 80x24 the buttons are in view, and
        # Tab brings whatever it focuses into view.
        with VerticalScroll(classes="dialog"):
            yield Label("Into the collection (a new name makes it)", classes="section")
            yield OrderedInput(
                self.collection, placeholder="collection", id="load-collection", compact=True
            )
            yield Label("Insert a text", classes="section")
            yield OrderedInput(
                placeholder="a sentence to store and search", id="insert-text", compact=True
            )
            yield Label("or load a file (text lines, CSV, JSON lines, Parquet)", classes="section")
            yield OrderedInput(placeholder="path, e.g. ~/docs.jsonl", id="load-path", compact=True)
            yield Label("the file's column (or key) that holds the text to embed", classes="hint")
            yield OrderedInput(
                "text", placeholder="column with the text", id="load-field", compact=True
            )
            with Horizontal(classes="row"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Insert or load", id="ok", variant="primary", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any box does what the button does."""
        event.stop()
        self.query_one("#ok", Button).press()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id != "ok":
            self.dismiss(None)
            return
        text = self.query_one("#insert-text", Input).value.strip()
        path = self.query_one("#load-path", Input).value.strip()
        field = self.query_one("#load-field", Input).value.strip() or "text"
        into = self.query_one("#load-collection", Input).value.strip()
        if not COLLECTION_NAME.fullmatch(into):
            self.notify(
                f"{into!r} cannot name a collection: letters, digits and '_', not starting "
                "with a digit.",
                severity="warning",
            )
        elif text:
            self.dismiss(("text", text, "", into))
        elif path:
            self.check_file(path, field, into)
        else:
            self.notify("Type a text, or a file's path.", severity="warning")

    @work(thread=True, exclusive=True, group="check-file")
    def check_file(self, path: str, field: str, into: str) -> None:
        """A file that is not there, or of a kind the console cannot read, is said here,
        the dialog kept open with what was typed; else the dialog answers with it."""
        from spcs_wizard.console.loader import file_format, readable
        from spcs_wizard.console.transport import ConsoleError

        try:
            file_format(readable(Path(path).expanduser()))
        except ConsoleError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self._answer, ("file", path, field, into))

    def _answer(self, answer: tuple[str, str, str, str]) -> None:
        if self.app.screen is self:  # (not closed with Escape while the file was looked at)
            self.dismiss(answer)

    def _refused(self, problem: str) -> None:
        if self.app.screen is not self:
            return
        self.notify(f"{problem}. Check the path, then press Enter again.", severity="warning")
        self.query_one("#load-path", Input).focus()
