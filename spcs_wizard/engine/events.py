"""Progress events of a deployment or teardown, in the order they happen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    step_id: str

    @property
    def kind(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, **asdict(self)}


@dataclass(frozen=True)
class StepStarted(Event):
    title: str


@dataclass(frozen=True)
class StepSkipped(Event):
    reason: str


@dataclass(frozen=True)
class StepDone(Event):
    statements: int
    seconds: float


@dataclass(frozen=True)
class StepWaiting(Event):
    detail: str
    attempt: int


@dataclass(frozen=True)
class StepFailed(Event):
    message: str
    hint: str
    code: int | None = None
    sqlstate: str | None = None
    logs: list[str] = field(default_factory=list)
    # The step found a same-named object it did not make: nothing was changed.
    foreign: bool = False


Listener = Callable[[Event], None]


def ignore(_: Event) -> None:
    """A listener that drops events (scripts that only want the result)."""
