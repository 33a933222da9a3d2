"""The console's hits, a row each: score, id, text and the hit's other fields, fitted to
the table's width. A long text is cut with "…" (Enter shows the hit whole), so the
fields column stays in view at any width."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.widgets import DataTable

if TYPE_CHECKING:
    from spcs_wizard.console.transport import Hit

LABELS = ("score", "id", "text", "fields")
ID_AT_MOST = 20  # longer ids are cut too
Cells = tuple[str, str, str, str]


def hit_cells(hit: Hit) -> Cells:
    """What a hit's row says in full: its text on one line, its other fields as JSON."""
    extra = {k: v for k, v in hit.fields.items() if k != "text"}
    return (
        f"{hit.score:.3f}",
        str(hit.id),
        " ".join(str(hit.fields.get("text", "")).split()),
        json.dumps(extra, default=str) if extra else "",
    )


def column_widths(rows: Sequence[Cells], width: int) -> tuple[int, int, int, int]:
    """Each column's width in ``width`` cells: the score and id whole (an id up to
    ID_AT_MOST); the text and the fields share the rest, each whole when both fit, else
    the fields up to half of it (and what the text leaves)."""
    longest = [max([len(label), *(len(row[i]) for row in rows)]) for i, label in enumerate(LABELS)]
    score, ident, text, fields = longest
    ident = min(ident, ID_AT_MOST)
    room = max(
        width - 2 * len(LABELS) - score - ident, 2 * len("fields")
    )  # 1 cell of padding each side
    if text + fields > room:
        fields = min(fields, max(len("fields"), room // 2))
        text = max(min(text, room - fields), len("text"))
        fields = max(min(longest[3], room - text), len("fields"))
    return score, ident, text, fields


class HitsTable(DataTable[object]):
    """The hits of the last question, refitted as the table's width changes."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._rows: list[Cells] = []
        self._fitted: tuple[int, ...] = ()

    def on_mount(self) -> None:
        self._fill()

    def show(self, hits: Iterable[Hit]) -> None:
        self._rows = [hit_cells(hit) for hit in hits]
        self._fitted = ()
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        self._fill()

    def _fill(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        widths = column_widths(self._rows, width)
        if widths == self._fitted:
            return
        self._fitted = widths
        row = self.cursor_row
        self.clear(columns=True)
        for label, cells in zip(LABELS, widths, strict=True):
            self.add_column(label, width=cells, key=label)
        for score, ident, text, fields in self._rows:
            self.add_row(score, _cut(ident), _cut(text), _cut(fields))
        if self._rows:
            self.move_cursor(row=min(max(row, 0), len(self._rows) - 1))


def _cut(cell: str) -> Text:
    return Text(cell, overflow="ellipsis", no_wrap=True)
