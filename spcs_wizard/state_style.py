"""How a pool, service or container state is shown (Rich styles), the same in the
CLI's status tables and the wizard's monitor."""

from __future__ import annotations

from rich.text import Text

STATE_STYLE = {
    "READY": "green",
    "RUNNING": "green",
    "ACTIVE": "green",
    "IDLE": "green",
    "PENDING": "yellow",
    "STARTING": "yellow",
    "SUSPENDED": "dim",
    "DONE": "dim",
    "FAILED": "bold red",
}


def styled(value: str | None) -> Text:
    text = value or "-"
    return Text(text, style=STATE_STYLE.get(text, ""))
