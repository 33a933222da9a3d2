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


# A whole deployment's condition (Snapshot.condition), as a word.
CONDITION_STYLE = {
    "running": "green",
    "starting": "yellow",
    "partly deployed": "yellow",
    "failing": "bold red",
    "suspending": "yellow",
    "suspended": "cyan",
    "not deployed": "dim",
    "connect to see": "dim",  # a look that would need a person (a browser, a passcode)
    "unknown": "yellow",
}


def condition(word: str) -> Text:
    return Text(word, style=CONDITION_STYLE.get(word, "yellow"))
