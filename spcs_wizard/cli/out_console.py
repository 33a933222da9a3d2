"""The Rich console a command prints to. On a terminal it wraps to the terminal's width;
into a file or a pipe it breaks nothing across lines: Rich would wrap at 80 columns
there, which split public URLs and quoted commands in two (a script reading `status`
got half a URL). Lines are kept whole and a table takes the width it needs."""

from __future__ import annotations

from typing import Any

from rich.console import Console, RenderableType
from rich.measure import Measurement

UNBOUNDED = 10_000  # columns: wider than any table of ours


class OutConsole(Console):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.is_terminal:
            self.soft_wrap = True  # (Console.print's own soft_wrap argument still wins)

    def needs(self, renderable: RenderableType) -> int:
        """The columns ``renderable`` takes with nothing folded or cut."""
        unbounded = self.options.update(max_width=UNBOUNDED)  # (measures are clamped)
        return Measurement.get(self, unbounded, renderable).maximum

    def print_whole(self, renderable: RenderableType) -> None:
        """A table (or a group of them): into a file or a pipe, as wide as it needs."""
        if not self.is_terminal:
            # (A console's width is its own: widening it for this one changes no other.)
            self.width = max(self.width, self.needs(renderable))
        self.print(renderable)
