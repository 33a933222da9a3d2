"""The trail of wizard steps at the top of every step screen, the current one lit."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STEPS: tuple[tuple[str, str], ...] = (
    ("welcome", "Welcome"),
    ("connection", "Connection"),
    ("naming", "Naming"),
    ("review", "Review"),
    ("build", "Build & push"),
    ("deploy", "Deploy"),
    ("monitor", "Monitor"),
    ("console", "Console"),
    ("teardown", "Teardown"),
)


class StepBar(Static):
    """``1 Welcome › 2 Connection › …`` with the current step highlighted."""

    def __init__(self, current: str) -> None:
        super().__init__(classes="step-bar")
        self.current = current

    def render(self) -> Text:
        full = self._trail(compact=False)
        return full if full.cell_len <= self.size.width - 2 else self._trail(compact=True)

    def _trail(self, compact: bool) -> Text:
        """Every title, or (narrow terminals) numbers with only the current title."""
        text = Text(no_wrap=True, overflow="ellipsis")
        index = [key for key, _ in STEPS].index(self.current)
        for i, (key, title) in enumerate(STEPS):
            if i:
                text.append(" › ", style="dim")
            style = "bold reverse" if key == self.current else ("" if i < index else "dim")
            label = f"{i + 1} {title}" if key == self.current or not compact else str(i + 1)
            text.append(label, style=style)
        return text
