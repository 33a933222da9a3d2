"""A headless run told as timed stages (``rehearse``, ``workshop rehearse``): each is
reported as it ends, with its time; the first that fails ends the run, with what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    name: str
    ok: bool
    seconds: float
    detail: str
    hint: str = ""  # what to do next, when it failed


class StageFailedError(Exception):
    def __init__(self, detail: str, hint: str) -> None:
        super().__init__(detail)
        self.detail, self.hint = detail, hint


@dataclass
class Stages:
    ended: list[Stage]  # each stage is appended as it ends
    on_stage: Callable[[Stage], None]
    clock: Callable[[], float]

    @contextmanager
    def stage(self, name: str) -> Iterator[list[str]]:
        """Times the block; what it appends to the list it gets is the stage's detail."""
        detail: list[str] = []
        started = self.clock()
        try:
            yield detail
        except StageFailedError as exc:
            self._end(Stage(name, False, self.clock() - started, exc.detail, exc.hint))
            raise
        self._end(Stage(name, True, self.clock() - started, "; ".join(detail)))

    def _end(self, stage: Stage) -> None:
        self.ended.append(stage)
        self.on_stage(stage)
