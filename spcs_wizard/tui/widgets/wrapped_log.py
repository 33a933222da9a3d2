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
        self._wrapped_at = 0  # the width the lines were last wrapped to (0: none yet)
        self._unwrapped = False  # lines written while hidden, not rendered yet

    def write(self, content: RenderableType | object, *args: Any, **kwargs: Any) -> Self:
        self._written.append(content)  # type: ignore[arg-type]
        if self._hidden():
            self._unwrapped = True  # a pane not shown has no width: wrapped once shown
            return self
        return super().write(content, *args, **kwargs)

    def clear(self) -> Self:
        self._written = []
        return super().clear()

    def _hidden(self) -> bool:
        # Sized once, then hidden (the monitor's log pane on a narrow terminal): a line
        # written now would be wrapped at 1 cell, a character a line.
        return self._size_known and not self.scrollable_content_region.width

    def on_resize(self, event: events.Resize) -> None:
        # Runs before RichLog's own, which renders what was written before the first
        # size was known: the first size is left to it.
        width = self.scrollable_content_region.width
        changed = width != self._wrapped_at or self._unwrapped
        if width and changed and self._size_known and self._written:
            self._unwrapped = False
            written = self._written
            self.clear()
            for content in written:
                self.write(content)
        if width:
            self._wrapped_at = width
