"""App-level jobs: a deploy, build or teardown belongs to the wizard, not to the screen that
started it. Back and Next never abandon or forget it; the screen that shows it replays
its progress when it comes back; every screen shows its one-line status; quitting while
it runs asks whether to stop after the step or leave it (the next start resumes it)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from spcs_wizard.connection import ConnectionFailedError
from spcs_wizard.engine.job import JobProgress, sentence
from spcs_wizard.tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from textual.app import App

    from spcs_wizard.engine.deployment_session import DeploymentSession
    from spcs_wizard.engine.events import StepFailed
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.tui.app import WizardApp


class JobFeed:
    """What a job's worker reports through: each entry goes to the UI thread, where the
    job records it and the current screen shows it. Once the wizard has closed (the job
    was left running) entries are dropped."""

    def __init__(self, app: App[None], job: JobProgress, deliver: Callable[..., None]) -> None:
        self.app, self.job, self._deliver = app, job, deliver

    def _send(self, kind: str, item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the app is no longer running
            self.app.call_from_thread(self._deliver, self.job, kind, item)

    def event(self, event: object) -> None:
        self._send("event", event)

    def push(self, event: object) -> None:
        self._send("push", event)

    def line(self, line: str) -> None:
        self._send("line", line)

    def finished(self, ok: bool, message: str) -> None:
        self._send("finished", (ok, message))

    def should_stop(self) -> bool:
        return self.job.stop_requested


JobBody = Callable[[JobFeed], tuple[bool, str]]  # -> (ok, what to say when it is not)


def _connected(
    feed: JobFeed,
    errors: tuple[type[Exception], ...],
    run: Callable[[DeploymentSession, SqlRunner], tuple[bool, str]],
) -> tuple[bool, str]:
    """A job's connection (an MFA passcode is asked in a dialog over whichever screen is
    open), given to ``run`` and closed after; a failure to connect, or one of ``errors``
    from ``run``, ends the job with what it said."""
    app = cast("WizardApp", feed.app)
    session = app.wizard.session
    try:
        runner = session.connect(app.ask_passcode_from_thread)
    except (ConnectionFailedError, OSError) as exc:
        return False, str(exc)
    try:
        return run(session, runner)
    except errors as exc:
        return False, str(exc)
    finally:
        runner.con.close()


def plan_job(images_only: bool, report: Callable[[StepFailed], str]) -> JobBody:
    """The wizard's deploy (or, ``images_only``, its build & push) as a job: run the plan
    (stopping between two steps, or in a wait, when asked), report through the feed; a
    failure is said by ``report`` (its hint, or its message)."""

    def body(feed: JobFeed) -> tuple[bool, str]:
        def deploy(session: DeploymentSession, runner: SqlRunner) -> tuple[bool, str]:
            outcome = session.deploy(
                runner,
                on_event=feed.event,
                on_push=feed.push,
                on_line=feed.line,
                images_only=images_only,
                should_stop=feed.should_stop,
            )
            if outcome.stopped:
                return False, "stopped on request; run it again: it resumes where it stopped"
            if outcome.failed is not None:
                return False, report(outcome.failed)
            return True, "" if images_only else outcome.told()  # what the deploy changed

        # Unreadable local state, a file.
        return _connected(feed, (ValueError, KeyError, OSError), deploy)

    return body


def teardown_job(keep_data: bool, include_shared: bool) -> JobBody:
    """The wizard's teardown as a job (stopping between two removals when asked); when it
    ends well, says what it removed and what it left."""

    def body(feed: JobFeed) -> tuple[bool, str]:
        def teardown(session: DeploymentSession, runner: SqlRunner) -> tuple[bool, str]:
            outcome = session.teardown(
                runner,
                feed.event,
                keep_data=keep_data,
                include_shared=include_shared,
                should_stop=feed.should_stop,
            )
            if outcome.stopped:
                return False, "stopped on request; Tear down again goes on from there"
            if outcome.failed is not None:
                return False, outcome.failed.hint
            said = f"Removed {len(outcome.removed)} items."
            gone = len(outcome.not_there)  # (counted in the job line too)
            if gone:
                said = said[:-1] + f"; {gone} {'was' if gone == 1 else 'were'} not there."
            if outcome.left:
                left = ", ".join(outcome.left)
                said += f" Left {len(outcome.left)} that spcs-wizard did not create: {left}"
            return True, said

        return _connected(feed, (ValueError, OSError), teardown)  # unreadable local state

    return body


class QuitDialog(Dialog[str]):
    """ctrl+q while a job runs: stop after this step, leave it, or stay (Escape)."""

    CANCELLED = "stay"
    AUTO_FOCUS = "#no"
    CHOICES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("no", "Cancel"),
        ("stop", "Stop after this step, then quit"),
        ("leave", "Leave it and quit"),
    )

    def __init__(self, job: JobProgress) -> None:
        super().__init__()
        self.job = job

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"{self.job.title} is running", classes="section", id="quit-title")
            yield Static(sentence(self.job.summary()), id="quit-job")
            yield Static(
                "Stop after this step: the step under way "
                "finishes (a wait ends at once: it changes nothing), nothing more starts, "
                "then the wizard closes. Leave it: the "
                "wizard closes now and the step under way is cut short; the next start "
                "resumes where it stopped (each step is checked before it runs).",
                id="question",
            )
            with Horizontal(classes="row"):
                for choice, label in self.CHOICES:
                    variant = "default" if choice == "no" else "warning"
                    yield Button(label, id=choice, variant=variant)

    def show_job(self) -> None:
        """The job as it is now, while the question is open (the app calls this as the
        job moves, and each second for its clock): it may even end meanwhile."""
        if not self.is_mounted:
            return
        self.query_one("#quit-job", Static).update(sentence(self.job.summary()))
        if self.job.finished:  # nothing to stop or leave: quit, or stay
            self.query_one("#quit-title", Label).update(f"{self.job.title} has ended")
            self.query_one("#question", Static).update(
                "It ended while this was open: nothing runs now. Quit, or stay (Cancel)."
            )
            self.query_one("#stop", Button).label = "Quit"
            leave = self.query_one("#leave", Button)
            if self.focused is leave:  # (a hidden button keeps no focus worth having)
                self.query_one("#no", Button).focus()
            leave.display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss("stay" if event.button.id == "no" else str(event.button.id))
