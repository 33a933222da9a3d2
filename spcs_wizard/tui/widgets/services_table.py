"""The monitor's services: a row per container, its image last, cut at its start to the
room the table has ("…gateway:3.11-slim"), so the tag stays in view."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from spcs_wizard.fitted_text import fitted_start

Cell = str | Text
COLUMNS = ("service", "status", "container", "state", "restarts", "started", "image")
LEAST = 12  # an image narrower than this is not cut: the table scrolls sideways instead


class ServicesTable(DataTable[Cell]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            cursor_type="row",
            cursor_foreground_priority="renderable",  # a state keeps its colour
            **kwargs,  # type: ignore[arg-type]
        )
        self.rows_shown: list[tuple[Cell, ...]] = []
        self._room = 0

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, rows: list[tuple[Cell, ...]]) -> None:
        """The rows, each with the image (a plain string) last."""
        self.rows_shown = rows
        self._room = self.image_room()
        self.clear(columns=True)  # the columns too: their widths only grow otherwise
        self.add_columns(*COLUMNS)
        for row in rows:
            self.add_row(*row[:-1], fitted_start(str(row[-1]), self._room))

    def image_room(self) -> int:
        """The cells the image has in view once the other columns have theirs."""
        padding = 2 * self.cell_padding
        taken = sum(
            max([cell_len(label), *(cell_len(str(row[i])) for row in self.rows_shown)]) + padding
            for i, label in enumerate(COLUMNS[:-1])
        )
        return max(self.scrollable_content_region.width - taken - padding, LEAST)

    def on_resize(self, event: events.Resize) -> None:
        if self.rows_shown and self.image_room() != self._room:
            self.show(self.rows_shown)
