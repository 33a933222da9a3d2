"""Rich progress bars for image pushes: one per image and one per layer, with bytes,
rate and time left, from the engine's push events."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from spcs_wizard.images.push import PushEvent


class PushBars:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.image = "image"
        self.tasks: dict[str, TaskID] = {}

    def start_image(self, name: str) -> None:
        self.image = name

    def _task(self, key: str, label: str) -> TaskID:
        if key not in self.tasks:
            if not self.progress.live.is_started:
                self.progress.start()
            self.tasks[key] = self.progress.add_task(label, total=None)
        return self.tasks[key]

    def __call__(self, event: PushEvent) -> None:
        image = self._task(self.image, self.image)
        if event.kind in ("layer", "layer-skipped"):
            self.progress.update(
                image, total=event.image_total or None, completed=event.image_bytes
            )
            layer = self._task(f"{self.image}/{event.detail}", f"  {event.detail}")
            if event.kind == "layer-skipped":
                self.progress.update(layer, description=f"  {event.detail} already there")
            else:
                self.progress.update(layer, total=event.layer_total, completed=event.layer_bytes)
        elif event.kind == "retry":
            self.console.print(f"[yellow]  {escape(self.image)}: {escape(event.detail)}[/]")
        elif event.kind in ("done", "skipped", "recorded"):
            total = self.progress.tasks[image].total or 1
            verb = {
                "done": "pushed",
                "skipped": "already in the repository",
                "recorded": "recorded (rehearsal: nothing sent)",
            }[event.kind]
            self.progress.update(
                image, total=total, completed=total, description=f"{self.image} {verb}"
            )

    def close(self) -> None:
        if self.progress.live.is_started:
            self.progress.stop()
