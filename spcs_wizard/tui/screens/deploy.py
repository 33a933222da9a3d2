"""Step 6: run the plan, ticking each step as the engine reports it. A failure shows
Snowflake's reason, the next thing to do, and a Retry that resumes where it stopped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from spcs_wizard.engine.events import Event
from spcs_wizard.engine.job import JobProgress
from spcs_wizard.tui.jobs import plan_job
from spcs_wizard.tui.screens.secrets_flow import AsksForSecrets
from spcs_wizard.tui.widgets.checklist import Checklist
from spcs_wizard.tui.widgets.event_log import EventLog

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Record

DEPLOYING = "deploying: Next watches it live"


class DeployScreen(AsksForSecrets):
    STEP = "deploy"
    JOB_TITLE = "Deploy"
    PALETTE_ACTIONS = (("Deploy (or retry)", "Check every step, run what is missing", "start"),)

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Button("Deploy", id="start", variant="primary", compact=True)
            yield Static("", id="summary")
        yield Checklist(id="checklist")
        yield EventLog(id="log")

    def on_mount(self) -> None:
        self.query_one(Checklist).show_steps(self.wizard.session.plan().steps)
        self.allow_next(False, "deploy first")
        job = self.replay_job()
        if job is None:
            self.read_record()
        elif job.running:
            self.allow_next(True, note=DEPLOYING)

    def show_record(self, record: Record) -> None:
        """What earlier runs (before this wizard started) did."""
        executed, pending, done = record.executed, record.pending, record.done
        if self.own_job() is not None or not (executed or pending):
            return  # a run started meanwhile shows what it does
        checklist = self.query_one(Checklist)
        checklist.show_record(executed, pending, set(record.seen))
        # Build & push may have run in this wizard: the steps it ran are in the record.
        from spcs_wizard.tui.screens.build import BuildScreen

        others = [
            job.title
            for job in self.wizard_app.jobs.values()
            if job.title == BuildScreen.JOB_TITLE and job.tells_of(self.wizard.job_subject)
        ]
        ran = (
            f"Deploy has not run since the wizard started ({' and '.join(others)} has: the "
            "steps it ran read 'done earlier')"
            if others
            else "Nothing has run since the wizard started"
        )
        self.query_one(EventLog).write(
            f"[dim]{ran}: the checklist is this machine's record of earlier runs. Each "
            "run's steps are logged here.[/]"
        )
        start = self.query_one("#start", Button)
        if record.only_shared:
            self.query_one("#summary", Static).update(
                f"Only the account-wide prerequisites are in place ({len(executed)} of "
                f"{len(checklist.states)} steps: kept by a teardown for other deployments). "
                "Deploy makes the rest."
            )
            return
        if record.point == "monitor" and not pending:  # every service made: only checks
            start.label = "Deploy again"
            self.allow_next(True)
            self.query_one("#summary", Static).update(
                f"Deployed by an earlier run ({len(done)}/{len(checklist.states)} steps "
                "done, by the local record). Deploy again checks every step."
            )
            return
        said = f"Earlier runs: {len(done)}/{len(checklist.states)} steps done"
        if pending:
            said += f"; cut short at {', '.join(sorted(pending))}"
            start.label = "Resume deploy"
            start.focus()
        self.query_one("#summary", Static).update(
            said + ". Deploy checks each step and goes on from there."
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            event.stop()
            self.confirm_billable(self.start_plan)
        else:
            super().on_button_pressed(event)

    def start_plan(self) -> None:
        self.query_one("#start", Button).disabled = True
        self.with_secrets(self.run_plan)

    def secrets_refused(self) -> None:
        self.finished(False, "no secrets given: nothing was run")

    def run_plan(self) -> None:
        """The deploy, as the wizard's job: Back and Next leave it running."""
        session = self.wizard.session
        steps = session.plan().steps
        job = JobProgress.of(self.JOB_TITLE, [s.id for s in steps], subject=self.wizard.job_subject)
        if self.wizard_app.run_job(job, plan_job(images_only=False, report=lambda f: f.hint)):
            self.query_one(Checklist).show_steps(steps)
            self.query_one("#log", EventLog).clear()
            self.allow_next(True, note=DEPLOYING)
        else:
            self.query_one("#start", Button).disabled = False

    def job_finished(self, job: JobProgress, tell: bool = True) -> None:
        self.finished(job.ok, job.message, tell)
        standing = job.pools_standing()
        if tell and not job.ok and standing:
            self.offer_to_suspend(standing)

    def offer_to_suspend(self, keys: list[str]) -> None:
        """A failed deploy leaves the pools it made running, and billed: say so, and
        offer to suspend them until the retry (which resumes them)."""
        from spcs_wizard.model.cost import pool_names

        pools = pool_names(self.wizard.deployment, keys)
        self.ask_first(
            "Suspend the compute pools?",
            "suspend",
            before=f"Deploy stopped, but {pools} {'is' if len(keys) == 1 else 'are'} up, "
            "billed while idle. Retry resumes what was suspended.\n\n",
            confirm="Suspend until the retry",
            danger=False,
            then=self.suspend_until_retry,
        )

    def suspend_until_retry(self) -> None:
        """Retry waits for the suspend to end: pressed meanwhile, its resume would race
        the suspend, and the services could end suspended under a deploy waiting on them."""
        start = self.query_one("#start", Button)
        start.disabled = True
        self.switch_deployment("suspend", ended=lambda: setattr(start, "disabled", False))

    def on_engine_event(self, event: Event) -> None:
        self.query_one(Checklist).apply(event)
        self.query_one(EventLog).event(event)
        checklist = self.query_one(Checklist)
        done = checklist.count("done", "skipped")
        self.query_one("#summary", Static).update(f"{done}/{len(checklist.states)} steps done")

    def finished(self, ok: bool, hint: str, tell: bool = True) -> None:
        start = self.query_one("#start", Button)
        start.disabled = False
        if ok:
            start.label = "Deploy again"
            self.allow_next(True)
            if tell:  # what it changed: nothing, or what it made and resumed
                self.notify(f"{hint or 'Deployed'}. Next: watch it live.")
        else:
            start.label = "Retry"  # it resumes where it stopped (the log says so)
            self.allow_next(False, "the deployment is not complete")
            if tell:
                self.notify(hint or "failed", title="Deployment stopped", severity="error")
