"""Plan steps as a checklist that ticks as the engine's events arrive."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable

from spcs_wizard.engine.events import (
    Event,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepWaiting,
)
from spcs_wizard.model.step import Step

MARKS = {
    "todo": Text("·", style="dim"),
    "running": Text("▶", style="bold cyan"),
    "waiting": Text("…", style="yellow"),
    "done": Text("✓", style="bold green"),
    "skipped": Text("✓", style="green"),
    "failed": Text("✗", style="bold red"),
    "recorded": Text("✓", style="dim green"),  # done in an earlier run, by the local record
    "cut short": Text("!", style="bold yellow"),  # begun in an earlier run, end unknown
}


class Checklist(DataTable[Text | str]):
    """One row per step: mark, id, what it does, and how it went."""

    def __init__(self, *, removals: bool = False, **kwargs: object) -> None:
        """``removals``: a teardown's list, each step shown by the SQL that undoes it."""
        super().__init__(
            cursor_type="row",
            zebra_stripes=False,
            cursor_foreground_priority="renderable",  # a mark keeps its colour
            **kwargs,  # type: ignore[arg-type]
        )
        self.states: dict[str, str] = {}
        self.removals = removals

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=1)
        self.add_column("step", key="step")
        self.add_column("what it removes" if self.removals else "what it does", key="title")
        self.add_column("result", key="result")

    def show_steps(self, steps: Iterable[Step]) -> None:
        self.clear()
        self.states.clear()
        for step in steps:
            self.states[step.id] = "todo"
            what = step.removal if self.removals else step.title
            self.add_row(MARKS["todo"], step.id, what, "", key=step.id)

    def mark(self, step_id: str, state: str, result: str = "") -> None:
        if step_id not in self.states:
            return
        self.states[step_id] = state
        self.update_cell(step_id, "mark", MARKS[state])
        self.update_cell(step_id, "result", result)
        if state in ("running", "waiting", "failed"):
            self.move_cursor(row=self.get_row_index(step_id))

    def show_record(self, executed: set[str], pending: set[str]) -> None:
        """Before a run: what earlier runs did, by the local record (each step is still
        checked in the account when the run starts)."""
        for step_id in self.states:
            if step_id in pending:
                self.mark(step_id, "cut short", "cut short earlier: checked again first")
            elif step_id in executed:
                self.mark(step_id, "recorded", "done earlier")

    def apply(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.mark(event.step_id, "running")
        elif isinstance(event, StepWaiting):
            self.mark(event.step_id, "waiting", event.detail)
        elif isinstance(event, StepDone):
            self.mark(event.step_id, "done", f"{event.seconds:.1f} s")
        elif isinstance(event, StepSkipped):
            self.mark(event.step_id, "skipped", event.reason)
        elif isinstance(event, StepFailed):
            self.mark(event.step_id, "failed", event.message)

    def count(self, *states: str) -> int:
        return sum(1 for s in self.states.values() if s in states)
