"""A log pane that renders the engine's progress events (and build/push lines)."""

from __future__ import annotations

from rich.markup import escape

from spcs_wizard.engine.events import Event, StepDone, StepFailed, StepSkipped, StepStarted
from spcs_wizard.tui.widgets.wrapped_log import WrappedLog


def describe(event: Event) -> str:
    """One line of Rich markup for an event (shared by the log and the checklist)."""
    if isinstance(event, StepSkipped):
        return f"[dim]- {event.step_id}: {escape(event.reason)}[/]"
    if isinstance(event, StepStarted):
        return f"[cyan]> {event.step_id}[/]: {escape(event.title)}"
    if isinstance(event, StepDone):
        return f"[green]✓ {event.step_id}[/] ({event.seconds:.1f} s)"
    if isinstance(event, StepFailed):
        code = f" [{event.code}]" if event.code else ""
        head = f"[bold red]✗ {event.step_id}{code}[/]: {escape(event.message)}"
        return f"{head}\n  next: {escape(event.hint)}"
    return f"[dim]  … {escape(str(getattr(event, 'detail', '')))}[/]"


class EventLog(WrappedLog):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=True, highlight=False, **kwargs)

    def event(self, event: Event) -> None:
        self.write(describe(event))
        if isinstance(event, StepFailed):
            for line in event.logs[-20:]:
                self.write(f"[dim]  | {escape(line)}[/]")

    def line(self, text: str) -> None:
        """A line of a container build or push."""
        self.write(f"[dim]  | {escape(text)}[/]")
