"""A log that wraps its lines to its width, and wraps them again when the width changes.

Textual's RichLog keeps each line as it was first rendered, at 78 cells at least: at 80
columns a bordered log has 76, so every full line lost its end, and a log narrowed later
kept its old width. Both were cut with nothing to say so."""

from __future__ import annotations

from typing import Any, Self

from rich.console import RenderableType
from textual import events
from textual.widgets import RichLog


class WrappedLog(RichLog):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(wrap=True, min_width=1, **kwargs)
        self._written: list[RenderableType] = []
        self._wrapped_at = 0  # the width the lines were last wrapped to

    def write(self, content: RenderableType | object, *args: Any, **kwargs: Any) -> Self:
        self._written.append(content)  # type: ignore[arg-type]
        return super().write(content, *args, **kwargs)

    def clear(self) -> Self:
        self._written = []
        return super().clear()

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._wrapped_at and self._wrapped_at and self._written:
            written = self._written
            self.clear()
            for content in written:
                self.write(content)
        self._wrapped_at = width
