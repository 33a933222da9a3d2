"""What every wizard step screen has: the step trail, a body, Back/Next, the footer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from spcs_wizard.tui import start_up
from spcs_wizard.tui.widgets.footer import KeyFooter
from spcs_wizard.tui.widgets.step_bar import STEPS, StepBar
from spcs_wizard.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Record
    from spcs_wizard.engine.events import Event
    from spcs_wizard.engine.job import JobProgress
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.images.push import PushEvent
    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext


class WizardScreen(Screen[None]):
    STEP: ClassVar[str]
    NEXT_LABEL: ClassVar[str] = "Next"
    # (title, help, action name): this screen's entries in the command palette.
    PALETTE_ACTIONS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    JOB_TITLE: ClassVar[str] = ""  # the wizard job this screen starts and shows, if any
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        # Not in the footer: the Back and Next buttons show these keys (the footer keeps
        # room for the screen's own keys, quit and help at 80 columns).
        Binding("ctrl+n", "next", "Next", priority=True, show=False),
        Binding("ctrl+b", "back", "Back", priority=True, show=False),
    ]

    @property
    def wizard_app(self) -> WizardApp:
        return cast("WizardApp", self.app)

    def own_job(self) -> JobProgress | None:
        """The last job of the kind this screen starts and shows (kept after it ended, so
        the screen comes back with what it did), unless it ended for other settings or
        another target (Naming changed a name since: its record is not this one's)."""
        job = self.wizard_app.jobs.get(self.JOB_TITLE) if self.JOB_TITLE else None
        return job if job is not None and job.tells_of(self.wizard.job_subject) else None

    def replay_job(self) -> JobProgress | None:
        """On mount: this screen's job as it is (it went on while another step was
        shown): every entry shown again, Start kept off while it runs."""
        job = self.own_job()
        if job is None:
            return None
        for kind, item in job.log:
            self.on_job_entry(job, kind, item)
        if job.running:
            self.query_one("#start", Button).disabled = True
        else:
            self.job_finished(job, tell=False)
        return job

    def on_job_entry(self, job: JobProgress, kind: str, item: object) -> bool:
        """Show one entry of the wizard's job, if it is this screen's; True when shown."""
        if job is not self.own_job():
            return False
        if kind == "event":
            self.on_engine_event(item)  # type: ignore[arg-type]
        elif kind == "push":
            self.on_push(item)  # type: ignore[arg-type]
        elif kind == "line":
            self.log_line(str(item))
        elif kind == "finished":
            self.job_finished(job)
        return True

    # What a screen with a job shows of it (it overrides those it needs).
    def on_engine_event(self, event: Event) -> None: ...

    def on_push(self, event: PushEvent) -> None: ...

    def job_finished(self, job: JobProgress, tell: bool = True) -> None: ...

    @property
    def wizard(self) -> WizardContext:
        return self.wizard_app.wizard

    def from_worker(self, callback: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Run ``callback(*args, **kwargs)`` on the UI thread, if this screen is still
        shown (a worker may finish after the user moved on)."""

        def guarded() -> None:
            # Attached is not enough: a screen switched away from leaves the stack first
            # and loses its widgets while it is still attached; and an app shutting down
            # removes the widgets of screens still on the stack (it stops running first).
            if self.app.is_running and self.is_attached and self in self.app.screen_stack:
                callback(*args, **kwargs)

        self.app.call_from_thread(guarded)

    @work(thread=True, group="record")
    def read_record(self) -> None:
        """What earlier runs did, by this machine's local record (not the account), for
        ``show_record``. An unreadable record shows nothing: every run checks the account
        before it acts anyway."""
        try:
            record = self.wizard.session.record()
        except ValueError:
            return
        self.from_worker(self.show_record, record)

    def show_record(self, record: Record) -> None:
        """Show what ``read_record`` found (the screens that read it say how)."""

    def ask_first(
        self,
        title: str,
        action: str,
        *,
        before: str = "",
        confirm: str | None = None,
        danger: bool = True,
        then: Callable[[], object],
        otherwise: Callable[[], object] = lambda: None,
    ) -> None:
        """Confirm a billable or destructive ``action`` (deploy, resume, suspend, teardown)
        with what it costs or loses, then call ``then`` on Yes, ``otherwise`` on No."""
        from spcs_wizard.model.cost import action_notice
        from spcs_wizard.tui.screens.dialog import ConfirmDialog

        session = self.wizard.session
        notice = action_notice(action, session.deployment, rehearsal=session.target.is_rehearsal)

        def answered(yes: bool | None) -> None:
            (then if yes else otherwise)()

        self.app.push_screen(
            ConfirmDialog(title, before + notice, confirm or action.capitalize(), danger=danger),
            answered,
        )

    @work(thread=True, exclusive=True, group="switch")
    def switch_deployment(
        self,
        verb: Literal["suspend", "resume"],
        then: Callable[[], object] = lambda: None,
        ended: Callable[[], object] = lambda: None,
    ) -> None:
        """Suspend (services, then pools) or resume the deployment, and say how it went;
        ``then`` runs after it worked, ``ended`` once it is over either way."""
        from spcs_wizard.engine.operations import nothing_to_switch, switch

        session = self.wizard.session
        try:
            runner = self.connect()
            try:
                ran = switch(runner, session.deployment, verb)
            finally:
                runner.con.close()
        except Exception as exc:  # shown to the user; the screen goes on
            self.from_worker(self.notify, str(exc), title=f"{verb} failed", severity="error")
            self.from_worker(ended)
            return
        if not ran:
            self.from_worker(self.notify, nothing_to_switch(verb, session.deployment))
        else:
            done = {"suspend": "Suspended", "resume": "Resumed"}[verb]
            self.from_worker(self.notify, f"{done}: services and pools.")
        self.from_worker(then)
        self.from_worker(ended)

    def connect(self) -> SqlRunner:
        """A connection for this screen's worker (call it from the worker thread): an
        MFA login asks for its passcode in a dialog while the worker waits."""
        return self.wizard.session.connect(self.ask_passcode)

    def ask_passcode(self) -> str | None:
        from spcs_wizard.tui.screens.passcode_dialog import ask_from_thread

        # The wizard moved on or closed: stop asking.
        return ask_from_thread(self.app, self.wizard.target.label, lambda: self.is_attached)

    def log_line(self, line: str) -> None:
        """A build or push line, in the screen's event log."""
        from spcs_wizard.tui.widgets.event_log import EventLog

        self.query_one(EventLog).line(line)

    def log_write(self, markup: str) -> None:
        from spcs_wizard.tui.widgets.event_log import EventLog

        self.query_one(EventLog).write(markup)

    def on_mount(self) -> None:
        # (Textual calls each class's on_mount: the step screens' own run too.)
        if start_up.paused():  # the first screen: once it is drawn, collect as before
            self.call_after_refresh(self._first_frame_drawn)

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # A step screen is made anew each time it is shown, and its widgets were styled
        # as they were mounted, just before: Textual styles them all again on the first
        # resume (a tenth of the start-up, docs/performance.md). Later resumes (a dialog
        # closed) do not restyle in Textual either; a theme change restyles every screen
        # on the stack as it is made.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        super()._on_screen_resume(event)

    def _first_frame_drawn(self) -> None:
        start_up.resume()
        self.app.set_timer(start_up.THAW_AFTER, start_up.thaw)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield StepBar(self.STEP)
        with Vertical(id="body"):
            yield from self.compose_body()
        line = self.wizard_app.job_line()  # the wizard's deploy, build or teardown
        strip = Static(line, id="job-strip")
        strip.display = bool(line)
        yield strip
        with Horizontal(classes="nav"):
            yield Button("◀ Back ^b", id="back", compact=True)
            yield Static("", id="nav-status")
            yield Button(f"{self.NEXT_LABEL} ^n ▶", id="next", variant="primary", compact=True)
        yield KeyFooter()

    def compose_body(self) -> Iterable[Widget]:
        raise NotImplementedError

    # -- navigation --------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        # Textual calls this handler of every class in the MRO; a subclass that calls it
        # through super() would otherwise move twice (two screens, one torn down mid-mount).
        if event.button.id in ("next", "back"):
            event.stop()
            event.prevent_default()
            self.action_next() if event.button.id == "next" else self.action_back()

    def allow_next(self, allowed: bool, why: str = "", note: str = "") -> None:
        """Enable Next (``note`` beside it), or disable it and say what is missing."""
        self._why_not = "" if allowed else why
        self.query_one("#next", Button).disabled = not allowed
        self.query_one("#nav-status", Static).update(note if allowed else why)

    def next_step(self) -> str | None:
        keys = [key for key, _ in STEPS]
        index = keys.index(self.STEP)
        return keys[index + 1] if index + 1 < len(keys) else None

    def previous_step(self) -> str | None:
        keys = [key for key, _ in STEPS]
        index = keys.index(self.STEP)
        return keys[index - 1] if index > 0 else None

    def action_next(self) -> None:
        if self.query_one("#next", Button).disabled:
            self.notify(getattr(self, "_why_not", "") or "not yet", severity="warning")
            return
        target = self.next_step()
        if target:
            self.wizard_app.go(target)

    def action_start(self) -> None:
        """The screen's main action (its #start button), from the palette."""
        for button in self.query("#start").results(Button):
            if not button.disabled:
                button.press()
                continue
            job = self.wizard_app.job
            busy = f"{job.title} is running: {job.summary()}" if job and job.running else ""
            self.notify(busy or f"{button.label} is not available now.", severity="warning")

    def action_back(self) -> None:
        target = self.previous_step()
        if target:
            self.wizard_app.go(target)
