"""Step 8: remove what this deployment made: the list first, a confirmation, progress.
Objects someone else made under the same names are left alone and listed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.markup import escape
from snowflake.connector.errors import Error as ConnectorError
from textual import work
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Label, Static, Switch

from spcs_wizard.connection import ConnectionFailedError
from spcs_wizard.engine.events import Event
from spcs_wizard.engine.job import JobProgress
from spcs_wizard.engine.teardown import preview, scope_line
from spcs_wizard.tui.jobs import teardown_job
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.checklist import Checklist
from spcs_wizard.tui.widgets.event_log import EventLog
from spcs_wizard.tui.widgets.option_switch import OptionSwitch

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Record


class TeardownScreen(WizardScreen):
    STEP = "teardown"
    JOB_TITLE = "Teardown"
    PALETTE_ACTIONS = (("Tear down", "Remove what this deployment made (asks first)", "start"),)
    NEXT_LABEL = "Finish"
    # The screen starts on the list of what would go: not on the button, and not on a
    # switch (which changes what goes).
    AUTO_FOCUS = "#checklist"

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Label("keep database")
            yield OptionSwitch(False, id="keep-data")
            yield Label("also shared objects")
            yield OptionSwitch(False, id="include-shared")
            yield Button("Tear down", id="start", variant="error", compact=True)
        yield Static("", id="summary")
        yield Checklist(id="checklist", removals=True)
        yield EventLog(id="log")

    def on_mount(self) -> None:
        self.asking = False  # a press is being surveyed or asked about
        self.recorded: bool | None = None  # whether this machine's record has anything
        self.show_preview()
        self.allow_next(True)
        job = self.replay_job()
        if job is not None and job.running:  # shown again while it runs
            self.running(True)
        self.read_record()

    def show_record(self, record: Record) -> None:
        """Whether this machine's record has anything made for the deployment: the list
        is what a teardown would look for, not what is there."""
        self.recorded = bool(record.executed or record.pending)
        self.show_preview()

    def options(self) -> tuple[bool, bool]:
        return (
            self.query_one("#keep-data", Switch).value,
            self.query_one("#include-shared", Switch).value,
        )

    def show_preview(self) -> None:
        keep, shared = self.options()
        plan = self.wizard.session.plan()
        steps = preview(plan, keep_data=keep, include_shared=shared)
        self.query_one(Checklist).show_steps(steps)
        line = scope_line(plan, keep_data=keep, include_shared=shared)
        if self.recorded is False:
            line += (
                " This machine's record has nothing made for it: Tear down looks in the "
                "account first, and may find nothing to remove."
            )
        self.query_one("#summary", Static).update(line)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.show_preview()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "start":
            super().on_button_pressed(event)
            return
        event.stop()
        # The button keeps its focus while the survey runs and the dialog asks (disabled,
        # it would hand focus to the switches: Enter after Escape turned one on).
        if self.asking:
            return
        self.asking = True
        self.survey(*self.options())

    @work(thread=True, exclusive=True, group="teardown")
    def survey(self, keep: bool, shared: bool) -> None:
        """What is there to remove now (checks only), before asking."""
        try:
            runner = self.connect()
        except (ConnectionFailedError, OSError) as exc:
            self.from_worker(self.finished, False, str(exc))
            return
        try:
            steps = self.wizard.session.teardown_survey(runner, keep, shared)
        except (ConnectorError, ValueError, OSError) as exc:
            self.from_worker(self.finished, False, str(exc))
            return
        finally:
            runner.con.close()
        self.from_worker(self.confirm, [s.id for s in steps], keep, shared)

    def confirm(self, found: list[str], keep: bool, shared: bool) -> None:
        deployment_id = self.wizard.deployment.deployment_id
        if not found:
            self.asking = False
            self.query_one("#summary", Static).update(
                f"Nothing to remove: {deployment_id} is not deployed (or nothing of it was "
                "made by spcs-wizard)."
            )
            self.notify("Nothing to remove.")
            return

        def released() -> None:  # answered No: the button works again
            self.asking = False

        self.ask_first(
            f"Remove {len(found)} items of {deployment_id}?",
            "teardown",
            before="Only what spcs-wizard created is removed"
            + (" (keeping the database, its stages and images)" if keep else "")
            + ". ",
            confirm="Remove",
            then=lambda: self.run_teardown(keep, shared),
            otherwise=released,
        )

    def run_teardown(self, keep: bool, shared: bool) -> None:
        """The teardown, as the wizard's job: Back and Next leave it running."""
        steps = self.wizard.session.teardown_preview(keep, shared)
        job = JobProgress.of(self.JOB_TITLE, [s.id for s in steps], subject=self.wizard.job_subject)
        self.asking = False
        if self.wizard_app.run_job(job, teardown_job(keep, shared)):
            self.query_one(Checklist).show_steps(steps)
            self.running(True)

    def running(self, on: bool) -> None:
        """While the teardown runs, its options and button wait (a switch would redraw the
        list the job is ticking off)."""
        for widget in self.query("#start, #keep-data, #include-shared"):
            widget.disabled = on

    def on_engine_event(self, event: Event) -> None:
        self.query_one(Checklist).apply(event)
        self.query_one(EventLog).event(event)

    def job_finished(self, job: JobProgress, tell: bool = True) -> None:
        self.finished(job.ok, job.message, tell)

    def finished(self, ok: bool, said: str, tell: bool = True) -> None:
        self.asking = False
        self.running(False)
        summary = self.query_one("#summary", Static)
        if ok:
            summary.update(f"[green]{escape(said)}[/]")
            if tell:
                self.notify("Teardown finished.")
        else:
            summary.update(f"[bold red]Stopped.[/] {escape(said)}")
            if tell:
                self.notify(said or "failed", title="Teardown stopped", severity="error")

    async def action_next(self) -> None:  # type: ignore[override]
        """Finish: leave the wizard (asking first while a job runs)."""
        await self.wizard_app.action_quit()
