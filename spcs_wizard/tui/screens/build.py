"""Step 5: put the images (linux/amd64) into the account's registry: Milvus' copied as it
is, the notebook's built and pushed; a progress bar per image and the build output in a
log pane. The steps the images need first (database, image repository, pools) run here
too; the deploy skips them. A machine that cannot build the notebook's image is offered
Milvus alone before anything runs."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Label, ProgressBar, Static, Switch

from spcs_wizard.engine.events import Event, StepDone, StepFailed, StepStarted
from spcs_wizard.engine.images import ImageBlocked, blocked_advice
from spcs_wizard.engine.job import JobProgress
from spcs_wizard.images.progress import human
from spcs_wizard.images.push import PushEvent
from spcs_wizard.tui.jobs import plan_job
from spcs_wizard.tui.screens.dialog import ConfirmDialog
from spcs_wizard.tui.screens.secrets_flow import AsksForSecrets
from spcs_wizard.tui.widgets.event_log import EventLog
from spcs_wizard.tui.widgets.option_switch import OptionSwitch

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Record

IMAGES = ("milvus", "gateway", "jupyter")
ALONE_QUESTION = (
    "Neither docker nor podman works on this machine, so the notebook's image cannot be "
    "built (its embedding model is baked in). Milvus' image needs no builder: it is copied "
    "as it is.\n\nDeploy Milvus alone, without the notebook? To add the notebook later, "
    "install podman and deploy again with the setting notebook = true."
)


class ImageProgress(Vertical):
    """One image: its phase, a bar of the bytes sent with rate and time left, and one
    line per layer."""

    def __init__(self, image: str) -> None:
        super().__init__(id=f"image-{image}", classes="image-progress")
        self.image = image
        self.layer_state: dict[str, tuple[int, int, bool]] = {}  # id -> (sent, total, skipped)
        self.started = 0.0
        self.sending = "pushing"

    def compose(self) -> Iterable[Widget]:
        yield Label(self.image, classes="image-name")
        yield ProgressBar(total=100, show_eta=False, id=f"bar-{self.image}")
        yield Static("waiting", id=f"phase-{self.image}", classes="phase")
        yield Static("", id=f"layers-{self.image}", classes="layers")

    def phase(self, text: str) -> None:
        self.query_one(f"#phase-{self.image}", Static).update(text)

    def begin(self, title: str) -> None:
        """The image step started; ``title`` says whether it is copied or built."""
        self.started = time.monotonic()
        self.query_one(ProgressBar).update(total=None)  # indeterminate until bytes move
        copied = title.startswith("Copy")
        self.sending = "copying" if copied else "pushing"
        self.phase("copying linux/amd64 …" if copied else "building for linux/amd64 …")

    def push_event(self, event: PushEvent) -> None:
        bar = self.query_one(ProgressBar)
        if event.kind in ("layer", "layer-skipped"):
            self.layer_state[event.detail] = (
                event.layer_bytes,
                event.layer_total,
                event.kind == "layer-skipped",
            )
            if event.image_total:
                bar.update(total=event.image_total, progress=event.image_bytes)
            eta = f" · {event.eta:.0f} s left" if event.eta is not None else ""
            self.phase(
                f"{self.sending} {human(event.image_bytes)} / {human(event.image_total)}"
                f" · {human(event.rate)}/s{eta}"
            )
            self.query_one(f"#layers-{self.image}", Static).update(self._layer_lines())
        elif event.kind == "retry":
            self.phase(f"[yellow]{escape(event.detail)}[/]")
        elif event.kind == "skipped":
            bar.update(total=100, progress=100)
            self.phase(f"[green]already in the repository[/] {escape(event.detail[:19])}")
        elif event.kind == "recorded":
            bar.update(total=100, progress=100)
            self.phase(
                f"[green]recorded[/] {escape(event.detail[:19])} [dim](rehearsal: nothing sent)[/]"
            )
        elif event.kind == "done":
            elapsed = time.monotonic() - self.started
            bar.update(total=bar.total or 100, progress=bar.total or 100)
            done = "copied" if self.sending == "copying" else "pushed"
            self.phase(f"[green]{done}[/] {escape(event.detail[:19])} in {elapsed:.1f} s")

    def _layer_lines(self) -> str:
        lines = []
        for layer_id, (sent, total, skipped) in self.layer_state.items():
            if skipped:
                lines.append(f"{layer_id} [dim]already there[/]")
                continue
            filled = round(10 * sent / total) if total else 0
            lines.append(f"{layer_id} {'█' * filled}{'░' * (10 - filled)} {human(sent)}")
        return "\n".join(lines[-6:])

    def failed(self, message: str) -> None:
        self.query_one(ProgressBar).update(total=100, progress=0)
        self.phase(f"[bold red]failed[/]: {escape(message)}")

    def finished(self, step_done: StepDone | None = None) -> None:
        bar = self.query_one(ProgressBar)
        if bar.total is None or bar.percentage != 1:
            bar.update(total=100, progress=100)
        if step_done is None:
            self.phase("[green]already in the repository[/]")


class BuildScreen(AsksForSecrets):
    STEP = "build"
    JOB_TITLE = "Build & push"
    PALETTE_ACTIONS = (("Build and push the images", "Build for linux/amd64, push", "start"),)

    def compose_body(self) -> Iterable[Widget]:
        rehearsal = self.wizard.mode == "rehearsal"
        with Horizontal(classes="row"):
            if rehearsal:
                yield Label("Build for real (podman or docker):")
                yield OptionSwitch(self.wizard.image_mode == "build", id="real-build")
            yield Button("Build and push", id="start", variant="primary", compact=True)
        yield Static(self.first_steps(), id="first-steps", classes="hint")
        with Horizontal(id="images"):
            for image in self.wizard.deployment.image_keys:
                yield ImageProgress(image)
        yield EventLog(id="log")

    def first_steps(self) -> str:
        """What Build and push makes before the images: the plan's steps up to them (the
        repository needs its database, and so on), each checked first."""
        from spcs_wizard.model.step import StepKind

        steps = self.wizard.session.images_plan().steps
        before = [s for s in steps if s.kind is not StepKind.IMAGE]
        if not before:
            return ""
        return (
            f"Before the images, what they need: {len(before)} steps of the plan (the role, "
            "the database, its image repository…), each skipped if already there."
        )

    def on_mount(self) -> None:
        self.allow_next(False, "build and push the images first")
        self.current: ImageProgress | None = None
        self.query_one("#start", Button).focus()  # Enter builds; the switch is Tab away
        if self.replay_job() is None:
            self.check_tools()
            self.read_record()

    def show_record(self, record: Record) -> None:
        """Images an earlier run pushed (before this wizard started)."""
        executed = record.executed
        if self.own_job() is not None:
            return  # a run started meanwhile shows what it does
        keys = self.wizard.deployment.image_keys
        if "image-repository" not in executed:  # torn down: the images went with it
            return
        pushed = [key for key in keys if f"image-{key}" in executed]
        for key in pushed:
            widget = self.query_one(f"#image-{key}", ImageProgress)
            widget.finished(None)
            widget.phase("[green]pushed[/] (local record; checked again on a run)")
        if pushed and len(pushed) == len(keys):
            self.allow_next(True)
            self.query_one("#start", Button).label = "Build and push again"

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.wizard.image_mode = "build" if event.value else "record"
        self.check_tools()

    @work(thread=True, exclusive=True, group="tools")
    def check_tools(self, starting: bool = False) -> None:
        """Can this machine make the images at all? Asked when the screen opens and again
        on Build and push, before anything is created."""
        self.from_worker(self.show_blocked, self.wizard.session.images_blocked(), starting)

    def show_blocked(self, blocked: list[ImageBlocked], starting: bool) -> None:
        if not blocked:
            if starting:
                self.confirm_start()
            return
        self.log_write(f"[yellow]{escape('; '.join(b.message for b in blocked))}[/]")
        if {b.service for b in blocked} != {"jupyter"}:  # Milvus' image cannot be made
            self.log_write(escape(blocked_advice(blocked)))
            if starting:
                self.notify(blocked_advice(blocked), title="Nothing was run", severity="error")
            return
        if isinstance(self.app.screen, ConfirmDialog):  # asked already (the first check)
            return
        self.app.push_screen(
            ConfirmDialog("Deploy Milvus alone?", ALONE_QUESTION, "Milvus alone", danger=False),
            lambda alone: self.answered_alone(bool(alone), starting),
        )

    def answered_alone(self, alone: bool, starting: bool) -> None:
        if not alone:
            self.log_write(
                "The notebook stays in, so its image cannot be built here: install podman "
                "(apt-get install podman) and press Build and push, which offers Milvus "
                "alone again meanwhile."
            )
            return
        self.wizard.deployment = self.wizard.deployment.model_copy(update={"notebook": False})
        for widget in self.query("#image-jupyter"):
            widget.remove()
        self.log_write("[green]Milvus alone[/]: the notebook is left out of this deployment.")
        if starting:
            self.confirm_start()

    def confirm_start(self) -> None:
        # A real account's image steps create the pools, stages and secrets they need
        # first: what that costs is said first, their secrets asked here.
        self.confirm_billable(self.start_images)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            event.stop()
            self.check_tools(starting=True)
        else:
            super().on_button_pressed(event)

    def start_images(self) -> None:
        self.query_one("#start", Button).disabled = True
        self.with_secrets(self.run_images, images_only=True)

    def run_images(self) -> None:
        """The build & push, as the wizard's job: Back and Next leave it running."""
        session = self.wizard.session
        steps = session.images_plan().steps
        job = JobProgress.of(self.JOB_TITLE, [s.id for s in steps], subject=self.wizard.job_subject)
        if not self.wizard_app.run_job(job, plan_job(images_only=True, report=lambda f: f.message)):
            self.query_one("#start", Button).disabled = False
            return
        if session.target.is_rehearsal and session.image_mode == "record":
            self.log_write("[yellow]Rehearsal: images are recorded as pushed, not built.[/]")

    def job_finished(self, job: JobProgress, tell: bool = True) -> None:
        self.done(job.ok, job.message, tell)

    def secrets_refused(self) -> None:
        self.done(False, "no secrets given: nothing was run")

    def on_engine_event(self, event: Event) -> None:
        self.query_one(EventLog).event(event)
        image = event.step_id.removeprefix("image-")
        if not event.step_id.startswith("image-") or image not in IMAGES:
            return
        widget = self.query_one(f"#image-{image}", ImageProgress)
        if isinstance(event, StepStarted):
            self.current = widget
            widget.begin(event.title)
        elif isinstance(event, StepDone):
            widget.finished(event)
        elif isinstance(event, StepFailed):
            widget.failed(event.message)
        else:  # skipped: the repository already has it
            widget.finished(None)

    def on_push(self, event: PushEvent) -> None:
        if self.current is not None:
            self.current.push_event(event)

    def done(self, ok: bool, message: str, tell: bool = True) -> None:
        start = self.query_one("#start", Button)
        start.disabled = False
        if ok:
            start.label = "Build and push again"
            self.allow_next(True)
            if tell:
                self.notify("The images are in the repository.")
        else:
            start.label = "Retry"
            self.allow_next(False, "the images are not pushed yet")
            if tell:
                self.notify(message or "failed", title="Build & push failed", severity="error")
