"""Plan steps as a checklist that ticks as the engine's events arrive."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from spcs_wizard.engine.events import (
    Event,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepWaiting,
)
from spcs_wizard.fitted_text import fitted
from spcs_wizard.model.step import Step, StepKind

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


RESULT = "result"


class Checklist(DataTable[Text | str]):
    """One row per step: mark, id, what it does, and how it went. The table does not
    scroll sideways: what it does and the result are cut to the width, with "…" (the
    event log below says each in full)."""

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
        self._said: dict[str, tuple[str, str]] = {}  # step -> (what it does, result), whole
        self._widths = (0, 0)  # the cells given to what it does and to the result
        self._waits: set[str] = set()  # the steps that wait for something to be ready

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=1)
        self.add_column("step", key="step")
        self.add_column(self._title_heading, key="title")
        self.add_column(RESULT, key="result")

    @property
    def _title_heading(self) -> str:
        return "what it removes" if self.removals else "what it does"

    def show_steps(self, steps: Iterable[Step]) -> None:
        self.clear()
        self.states.clear()
        self._said.clear()
        self._waits.clear()
        for step in steps:
            self.states[step.id] = "todo"
            if step.kind is StepKind.WAIT:
                self._waits.add(step.id)
            self._said[step.id] = (step.removal if self.removals else step.title, "")
        self._widths = self._room()
        title_width, _ = self._widths
        for step_id, (what, _) in self._said.items():
            self.add_row(MARKS["todo"], step_id, fitted(what, title_width), "", key=step_id)

    def mark(self, step_id: str, state: str, result: str = "") -> None:
        if step_id not in self.states:
            return
        self.states[step_id] = state
        self._said[step_id] = (self._said[step_id][0], result)
        self.update_cell(step_id, "mark", MARKS[state])
        if self._room() != self._widths:
            self._refit()  # the first result takes its share of the width
        self.update_cell(step_id, "result", fitted(result, self._widths[1]))
        if state in ("running", "waiting", "failed"):
            self.move_cursor(row=self.get_row_index(step_id))

    def on_resize(self, event: events.Resize) -> None:
        if self._room() != self._widths:
            self._refit()

    def _room(self) -> tuple[int, int]:
        """The cells for what each step does and for its result, at this width: the
        result a third once there is one, and 12 at least while what it does keeps its
        heading's width; what it does the rest. Together they never take more than there
        is (a column is never narrower than its heading): a cell past the edge was cut
        without "…" ("already don" at 64 columns)."""
        padding = 2 * self.cell_padding * 4  # each of the four columns
        step = max((cell_len(s) for s in self.states), default=4)
        least = cell_len(self._title_heading)
        free = self.size.width - self.scrollbar_size_vertical - padding - 1 - step
        if not any(result for _, result in self._said.values()):
            return max(free - cell_len(RESULT), least), 0  # (the empty column's heading)
        result = max(free // 3, min(12, free - least), cell_len(RESULT))
        return max(free - result, least), result

    def _refit(self) -> None:
        self._widths = title_width, result_width = self._room()
        for step_id, (what, result) in self._said.items():
            self.update_cell(step_id, "title", fitted(what, title_width), update_width=True)
            self.update_cell(step_id, "result", fitted(result, result_width), update_width=True)

    def show_record(self, executed: set[str], pending: set[str], seen: set[str]) -> None:
        """Before a run: what earlier runs did, by the local record (each step is still
        checked in the account when the run starts): ran, found in place (``seen``, a
        wait waited through among them), or cut short."""
        for step_id in self.states:
            if step_id in pending:
                self.mark(step_id, "cut short", "cut short earlier: checked again first")
            elif step_id in executed:
                self.mark(step_id, "recorded", "done earlier")
            elif step_id in seen:
                said = "ready earlier" if step_id in self._waits else "found in place earlier"
                self.mark(step_id, "recorded", said)

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
