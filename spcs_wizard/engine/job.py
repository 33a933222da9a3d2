"""A long action in progress (deploy, build & push, teardown), told by its events: what a
face shows when it comes back to the action, and the one line every screen shows while
it runs ("Deploy 23/35 · wait-pool-milvus 0:42 · STARTING"). Knows nothing of any face.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from spcs_wizard.engine.events import (
    Event,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepWaiting,
)

# What happened, in order, for a face to replay: ("event", Event), ("push", PushEvent),
# ("line", str).
Entry = tuple[str, object]


# The jobs an ended job leaves telling of an account that is no longer so: a teardown
# undoes what a deploy and a build showed done; a deploy remakes what a teardown removed.
OUTDATES: dict[str, tuple[str, ...]] = {
    "Teardown": ("Deploy", "Build & push"),
    "Deploy": ("Teardown",),
}


def sentence(line: str) -> str:
    """``line`` ended as a sentence: a full stop, unless it ends in one already or in
    "…" (a detail cut short: "P…." reads as a typo)."""
    return line if line.endswith((".", "…", "!", "?")) else line + "."


def clock(seconds: float) -> str:
    """0:42, 12:05, 1:02:09."""
    whole = int(max(seconds, 0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pools_made(step_ids: Iterable[str]) -> list[str]:
    """The services whose compute-pool step is among ``step_ids`` (run or found done)."""
    prefix = "compute-pool-"
    return [s.removeprefix(prefix) for s in step_ids if s.startswith(prefix)]


@dataclass
class JobProgress:
    title: str  # "Deploy", "Build & push", "Teardown"
    step_ids: tuple[str, ...]
    # What it ran on (the deployment's settings and where): an ended job is shown only
    # for what it ran on, not after the names were changed or another target chosen.
    subject: str = ""
    monotonic: Callable[[], float] = time.monotonic
    log: list[Entry] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)  # step -> done, skipped, failed
    current: str | None = None
    waiting: str = ""  # the current wait's last word on it (a state such as STARTING)
    started: float = 0.0
    current_since: float = 0.0
    ended: float | None = None
    finished: bool = False
    ok: bool = False
    message: str = ""  # a failure's hint, or why it ended
    stop_requested: bool = False

    def __post_init__(self) -> None:
        self.started = self.current_since = self.monotonic()

    @classmethod
    def of(cls, title: str, step_ids: Iterable[str], **kwargs: object) -> JobProgress:
        return cls(title, tuple(step_ids), **kwargs)  # type: ignore[arg-type]

    def record(self, kind: str, item: object) -> None:
        """Keep an entry for replay; an engine event also moves the progress."""
        self.log.append((kind, item))
        if kind == "event" and isinstance(item, Event):
            self._apply(item)

    def _apply(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.current, self.waiting = event.step_id, ""
            self.current_since = self.monotonic()
        elif isinstance(event, StepWaiting):
            self.waiting = event.detail
        elif isinstance(event, StepDone | StepSkipped):
            self.states[event.step_id] = "done" if isinstance(event, StepDone) else "skipped"
            if self.current == event.step_id:
                self.current, self.waiting = None, ""
        elif isinstance(event, StepFailed):
            self.states[event.step_id] = "failed"

    def finish(self, ok: bool, message: str = "") -> None:
        self.finished, self.ok, self.message = True, ok, message
        self.current, self.waiting = None, ""
        self.ended = self.monotonic()

    @property
    def running(self) -> bool:
        return not self.finished

    def tells_of(self, subject: str) -> bool:
        """Whether a face showing ``subject`` shows this job: while it runs, always (it
        is the wizard's one job); once ended, only for what it ran on."""
        return self.running or self.subject == subject

    def pools_standing(self) -> list[str]:
        """The services whose compute pool this run made or found in place: after a
        failure they are left running (billed while IDLE), with nothing on them yet."""
        return pools_made(s for s, state in self.states.items() if state in ("done", "skipped"))

    @property
    def done(self) -> int:
        return sum(1 for state in self.states.values() if state in ("done", "skipped"))

    def summary(self) -> str:
        """One line: how far, which step and for how long, the wait's state."""
        now = self.monotonic()
        head = f"{self.title} {self.done}/{len(self.step_ids)}"
        if self.finished:
            how = "finished" if self.ok else "stopped" if self.stop_requested else "failed"
            return f"{head} · {how} after {clock((self.ended or now) - self.started)}"
        parts = [head]
        if self.current is not None:
            parts.append(f"{self.current} {clock(now - self.current_since)}")
        if self.waiting:
            parts.append(self.waiting if len(self.waiting) <= 40 else self.waiting[:39] + "…")
        if self.stop_requested:
            parts.append("stopping after this step")
        return " · ".join(parts)
