"""The wizard application: step screens in order, help, themes, command palette."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from spcs_wizard.tui import start_up
from spcs_wizard.tui.app_base import WizardAppBase
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.widgets.step_bar import STEPS

if TYPE_CHECKING:
    from spcs_wizard.engine.job import JobProgress
    from spcs_wizard.engine.known_deployments import KnownDeployment, LiveStatus
    from spcs_wizard.tui.jobs import JobBody
    from spcs_wizard.tui.screens.base import WizardScreen

# Step -> its screen class, imported when first shown (the wizard starts faster).
SCREENS: dict[str, str] = {
    "welcome": "welcome:WelcomeScreen",
    "connection": "connection:ConnectionScreen",
    "naming": "naming:NamingScreen",
    "review": "review:ReviewScreen",
    "build": "build:BuildScreen",
    "deploy": "deploy:DeployScreen",
    "monitor": "monitor:MonitorScreen",
    "console": "console:ConsoleScreen",
    "teardown": "teardown:TeardownScreen",
}


def screen_class(step: str) -> type[WizardScreen]:
    module, name = SCREENS[step].split(":")
    cls: type[WizardScreen] = getattr(
        importlib.import_module(f"spcs_wizard.tui.screens.{module}"), name
    )
    return cls


# Steps that need a reached target (a connection, or the started rehearsal).
NEEDS_TARGET = {"build", "deploy", "monitor", "console", "teardown"}
DARK, LIGHT = "textual-dark", "textual-light"


class WizardApp(WizardAppBase):
    CSS_PATH = Path(__file__).with_name("wizard.tcss")
    TITLE = "spcs-wizard"
    SUB_TITLE = "Milvus on Snowpark Container Services"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),  # in help and the palette
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, wizard: WizardContext | None = None, start: str = "welcome") -> None:
        super().__init__()
        self.wizard = wizard or WizardContext()
        self.start = start
        self.step = start
        self.job: JobProgress | None = None  # the last deploy, build or teardown started
        self.jobs: dict[str, JobProgress] = {}  # the last of each kind, by title
        self._quit_after_job = False
        self.known: list[KnownDeployment] = []  # the deployments this machine knows
        self.live: dict[str, LiveStatus] = {}  # KnownDeployment.key -> its last live look
        self._looking = False
        self._last_theme = {"dark": DARK, "light": LIGHT}  # ctrl+t goes back to these
        self.workshops: list[tuple[str | None, str]] = []  # recorded: (connection, name)

    def on_load(self) -> None:
        start_up.pause()  # until the first screen is drawn (WizardScreen.on_mount)

    def on_mount(self) -> None:
        self.theme = DARK
        self.push_screen(screen_class(self.start)())
        self.set_interval(1.0, self._tick)

    # -- jobs ----------------------------------------------------------------------------------
    def run_job(self, job: JobProgress, body: JobBody) -> bool:
        """Run ``body`` as the wizard's job (it outlives the screen that started it); False,
        and a message, while another job runs: one at a time."""
        from spcs_wizard.tui.jobs import JobFeed
        from spcs_wizard.tui.threads import start_thread

        if self.job is not None and self.job.running:
            self.notify(
                f"{self.job.summary()}: wait for it to end first.",
                title=f"{self.job.title} is still running",
                severity="warning",
            )
            return False
        self.job = self.jobs[job.title] = job
        feed = JobFeed(self, job, self._job_entry)

        def work() -> None:
            try:
                ok, message = body(feed)
            except Exception as exc:  # a bug: the job must still end, and say so
                logging.getLogger("spcs_wizard").exception("%s failed", job.title)
                ok, message = False, f"{job.title} ended on an unexpected error: {exc!r}"
            feed.finished(ok, message)

        start_thread(work)
        self._show_job()
        return True

    def ask_passcode_from_thread(self) -> str | None:
        """A job's MFA passcode, asked in a dialog over whichever screen is open."""
        from spcs_wizard.tui.screens.passcode_dialog import ask_from_thread

        return ask_from_thread(self, self.wizard.target.label, lambda: self.is_running)

    def _job_entry(self, job: JobProgress, kind: str, item: object) -> None:
        if kind == "finished":
            ok, message = item  # type: ignore[misc]
            job.finish(ok, message)
        else:
            job.record(kind, item)
        self._show_job()
        # The step's screen, even under a dialog (the quit question, help, the palette):
        # what the job did meanwhile must be there when the dialog closes.
        hook = getattr(self._step_screen(), "on_job_entry", None)
        shown = hook is not None and hook(job, kind, item)
        if kind == "finished":
            from spcs_wizard.engine.job import OUTDATES

            for title in OUTDATES.get(job.title, ()):  # their screens read the record again
                self.jobs.pop(title, None)
            if not shown:  # the screen that shows the job is not the one open: say it here
                self.notify(job.summary(), severity="information" if job.ok else "error")
            if self._quit_after_job:
                self.exit()
            else:
                self.look_around()  # the list of deployments (and the palette's) as it is now

    def _tick(self) -> None:
        """The strip's clocks move while a job runs (an ended one is shown once, as it
        ends)."""
        if self.job is not None and self.job.running:
            self._show_job()

    def job_line(self) -> str:
        """The one line every screen shows of the wizard's job: while it runs, and once
        it ended for what it ran on (not after a rename, nor on another target)."""
        job = self.job
        if job is None or not job.tells_of(self.wizard.job_subject):
            return ""
        return job.summary()

    def _show_job(self) -> None:
        from textual.widgets import Static

        from spcs_wizard.tui.jobs import QuitDialog

        text = self.job_line()
        for screen in self.screen_stack:  # those under a dialog too
            if isinstance(screen, QuitDialog):  # the question names the job as it is now
                screen.show_job()
            for strip in screen.query("#job-strip").results(Static):
                strip.update(text)
                strip.display = bool(text)

    def _step_screen(self) -> Screen[object] | None:
        """The topmost of the wizard's step screens (the one a dialog may cover)."""
        from spcs_wizard.tui.screens.base import WizardScreen

        return next((s for s in reversed(self.screen_stack) if isinstance(s, WizardScreen)), None)

    async def action_quit(self) -> None:
        """Quit; while a job runs, ask first: stop after its step, or leave it."""
        from spcs_wizard.tui.jobs import QuitDialog

        job = self.job
        if job is None or job.finished:
            self.exit()
            return
        if isinstance(self.screen, QuitDialog):
            return

        def answered(choice: str | None) -> None:
            if choice in ("stop", "leave") and job.finished:  # it ended while asked
                self.exit()
            elif choice == "stop":
                job.stop_requested = True
                self._quit_after_job = True
                self._show_job()
                self.notify("Stopping after this step; the wizard closes then.")
            elif choice == "leave":
                self.exit()

        self.push_screen(QuitDialog(job), answered)

    # -- the deployments this machine knows ---------------------------------------------------
    def look_around(self) -> None:
        """Read the known deployments, then look at each live, in the background; the
        screen that lists them is told as each answer comes."""
        from spcs_wizard.tui.threads import start_thread

        if not self._looking:
            self._looking = True
            start_thread(self._look_around)

    def _look_around(self) -> None:
        from spcs_wizard.engine.account_lock import AccountInUseError
        from spcs_wizard.engine.known_deployments import (
            LiveStatus,
            can_probe_quietly,
            known,
            probe,
        )

        try:
            wizard = self.wizard
            from spcs_wizard.workshop.workshop import recorded_workshops

            self._from_thread(self._workshops_read, recorded_workshops())
            rehearsal = wizard.made_rehearsal()  # not started unless a look needs it
            found = known(rehearsal.directory)
            self._from_thread(self._known_read, found)
            starting = []  # rehearsal deployments seen starting: looked at again below
            for k in found:
                if not self.is_running:
                    break  # the wizard closed: nobody to show the rest to
                if not can_probe_quietly(k.connection_name):  # it would need a person
                    self._from_thread(self._live_seen, k.key, LiveStatus("connect to see", None))
                    continue
                if k.rehearsal:
                    try:
                        rehearsal.start()
                    except AccountInUseError as exc:  # another process has it: said
                        self._from_thread(
                            self._live_seen, k.key, LiveStatus("open elsewhere", None, exc.what)
                        )
                        continue
                # (Imported once there is one to look at: most first starts have none.)
                from spcs_wizard.engine.deployment_session import DeploymentSession, Target

                target = Target(rehearsal=rehearsal) if k.rehearsal else Target(k.connection_name)
                session = DeploymentSession(target, k.deployment)
                live = probe(session, session.connect)
                self._from_thread(self._live_seen, k.key, live)
                if k.rehearsal and live.condition == "starting":
                    starting.append((k.key, session))
            # The rehearsal's emulator starts its Milvus again as it starts (seconds, in
            # real time), so a deployment running before reads "starting" at first: once
            # Milvus serves, its row says how it is (else "starting" until the next look).
            if starting and self.is_running and rehearsal.until_serving():
                for key, session in starting:
                    if self.is_running:
                        self._from_thread(self._live_seen, key, probe(session, session.connect))
        except Exception:  # the list is a convenience: never a crash
            logging.getLogger("spcs_wizard").exception("looking at the known deployments")
        finally:
            self._looking = False

    def _from_thread(self, callback: Callable[..., object], *args: object) -> None:
        if self.is_running:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.call_from_thread(callback, *args)

    def _workshops_read(self, found: list[tuple[str | None, str]]) -> None:
        self.workshops = found

    def open_class(self, connection: str | None, name: str) -> None:
        """The class dashboard of a recorded workshop, over the step (Escape comes back);
        a rehearsed class's emulator runs while it is open."""
        from spcs_wizard.tui.threads import start_thread

        self.notify(f"Opening workshop {name} …")
        start_thread(lambda: self._open_class(connection, name))

    def _open_class(self, connection: str | None, name: str) -> None:
        from spcs_wizard.engine.deployment_session import Target
        from spcs_wizard.engine.rehearsal import Rehearsal
        from spcs_wizard.tui.class_dashboard import ClassScreen
        from spcs_wizard.workshop.classroom import Classroom
        from spcs_wizard.workshop.workshop import (
            Workshop,
            WorkshopError,
            workshop_dir,
            workshop_rehearsal_home,
        )

        rehearsal = None
        if connection is None:
            rehearsal = Rehearsal(workshop_rehearsal_home(), registry=False, run_services=False)
        target = Target(connection_name=connection, rehearsal=rehearsal)
        try:
            workshop = Workshop.load(workshop_dir(target, name))
            if rehearsal is not None:
                rehearsal.start()
        except (WorkshopError, OSError) as exc:
            self._from_thread(self.notify, str(exc), severity="error")
            return
        mode = "record" if rehearsal is not None else "build"
        room = Classroom(workshop, target, workshop_dir(target, name), image_mode=mode)
        stop = rehearsal.stop if rehearsal is not None else None
        self._from_thread(self.push_screen, ClassScreen(room, on_close=stop))

    def _known_read(self, found: list[KnownDeployment]) -> None:
        self.known = found
        self._known_changed()

    def _live_seen(self, key: str, live: LiveStatus) -> None:
        self.live[key] = live
        self._known_changed()

    def _known_changed(self) -> None:
        show = getattr(self.screen, "show_known", None)
        if show is not None:
            show()

    def pick_up(self, key: str) -> None:
        """Make a known deployment the wizard's: its settings and its place; connect, then
        go where it stopped."""
        k = next((k for k in self.known if k.key == key), None)
        if k is None:
            return
        if self.job is not None and self.job.running:
            self.notify(
                f"{self.job.summary()}: wait for it to end first.",
                title=f"{self.job.title} is still running",
                severity="warning",
            )
            return
        wizard = self.wizard
        wizard.deployment = k.deployment
        wizard.naming_typed = {}  # typed for another deployment
        wizard.mode = "rehearsal" if k.rehearsal else "account"
        wizard.connection_name = k.connection_name
        wizard.connected_as = None
        wizard.from_draft = False
        wizard.resume_after_connect = True
        self.clear_notifications()  # "cut short last time" and the like are answered now
        self.notify(f"Picking up {k.deployment.deployment_id} ({k.where}): connecting …")
        self.go("connection")

    def go(self, step: str) -> None:
        """Show a step; steps that talk to the account wait until one is reached."""
        if step in NEEDS_TARGET and not self.wizard.ready:
            title = dict(STEPS)[step]
            self.notify(f"Connect first (step 2); {title} follows once connected.")
            self.wizard.after_connect = step
            step = "connection"
        elif step != "connection":
            self.wizard.after_connect = None  # gone elsewhere: no longer asked for
        self.step = step
        self.switch_screen(screen_class(step)())

    def action_help(self) -> None:
        from spcs_wizard.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        """Light or dark: back to the theme of the other kind last shown (one picked in
        the palette, nord say), else Textual's own."""
        kind = "dark" if self.current_theme.dark else "light"
        self._last_theme[kind] = self.theme
        self.theme = self._last_theme["light" if kind == "dark" else "dark"]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        shown = getattr(screen, "STEP", None)  # (no way to go where one already is)
        for number, (key, title) in enumerate(STEPS, 1):
            if key == shown:
                continue
            yield SystemCommand(
                f"Go to: {title}", f"Step {number} of {len(STEPS)}", lambda k=key: self.go(k)
            )
        yield SystemCommand("Help", "What each step does, and the keys", self.action_help)
        yield SystemCommand("Light or dark theme", "Switch the theme", self.action_toggle_theme)
        for title, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
        for connection, name in self.workshops:
            place = f"connection {connection}" if connection else "rehearsal"
            yield SystemCommand(
                f"Workshop {name} ({place}): class dashboard",
                "One live row per attendee; suspend, resume or tear down the class",
                lambda c=connection, n=name: self.open_class(c, n),
            )
        for k in self.known:
            yield SystemCommand(
                f"Pick up: {k.deployment.deployment_id} ({k.where})",
                f"{k.recorded}; connect and go where it stopped",
                lambda key=k.key: self.pick_up(key),
            )

    def on_unmount(self) -> None:
        start_up.resume()  # an app that ends before its first frame
        start_up.thaw()
        if self.wizard.rehearsal is not None:  # (and the connections still open to it)
            self.wizard.rehearsal.stop()


def quiet_background_output() -> None:
    """Nothing but the app writes to the terminal while a full-screen app runs."""
    # Libraries that log warnings (the connector retrying, say) would write over the
    # screen through logging's last-resort handler; the screens show failures instead.
    for name in ("snowflake", "urllib3", "spcs_wizard"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    # The connector aborts timed-out queries from threads of its own; their errors would
    # be printed over the screen too. The screen that ran the query reports the failure.
    threading.excepthook = lambda args: logging.getLogger("spcs_wizard").debug(
        "background thread failed", exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def run(wizard: WizardContext | None = None) -> None:
    quiet_background_output()
    app = WizardApp(wizard)
    app.run()
    from spcs_wizard.engine.job import sentence

    job = app.job
    if job is None or (job.finished and not job.stop_requested):
        return
    again = "Run it again to go on: each step is checked before it runs."
    if job.finished:  # stopped on request
        print(f"Stopped: {sentence(job.summary())} {again}", flush=True)
        return
    if job.current is not None:  # the next start says where it was cut short
        from spcs_wizard.engine.known_deployments import mark_left

        with contextlib.suppress(OSError):
            mark_left(app.wizard.session.state_dir, job.current)
    where = (
        " (the rehearsal's emulator stops with the wizard)"
        if app.wizard.mode == "rehearsal"
        else ""
    )
    print(f"Cut short now{where}: {sentence(job.summary())} {again}", flush=True)
    sys.stderr.flush()
    os._exit(0)  # the job's thread ends with the process
