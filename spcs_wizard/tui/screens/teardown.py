"""Step 8: remove what this deployment made: the list first, a confirmation, progress.
Objects someone else made under the same names are left alone and listed."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from snowflake.connector.errors import Error as ConnectorError
from textual import work
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Label, Static, Switch

from spcs_wizard.connection import ConnectionFailedError
from spcs_wizard.engine.events import Event
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.checklist import Checklist
from spcs_wizard.tui.widgets.event_log import EventLog


class TeardownScreen(WizardScreen):
    STEP = "teardown"
    PALETTE_ACTIONS = (("Tear down", "Remove what this deployment made (asks first)", "start"),)
    NEXT_LABEL = "Finish"

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Label("keep data")
            yield Switch(False, id="keep-data")
            yield Label("also shared objects")
            yield Switch(False, id="include-shared")
            yield Button("Tear down", id="start", variant="error", compact=True)
        yield Static("", id="summary")
        yield Checklist(id="checklist", removals=True)
        yield EventLog(id="log")

    def on_mount(self) -> None:
        self.show_preview()
        self.allow_next(True)

    def options(self) -> tuple[bool, bool]:
        return (
            self.query_one("#keep-data", Switch).value,
            self.query_one("#include-shared", Switch).value,
        )

    def show_preview(self) -> None:
        keep, shared = self.options()
        steps = self.wizard.session.teardown_preview(keep, shared)
        self.query_one(Checklist).show_steps(steps)
        self.query_one("#summary", Static).update(
            f"{len(steps)} items of {self.wizard.deployment.deployment_id} would be checked and "
            "removed if spcs-wizard made them."
        )

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.show_preview()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "start":
            super().on_button_pressed(event)
            return
        event.stop()
        self.query_one("#start", Button).disabled = True
        self.survey(*self.options())

    @work(thread=True, exclusive=True, group="teardown")
    def survey(self, keep: bool, shared: bool) -> None:
        """What is there to remove now (checks only), before asking."""
        try:
            runner = self.connect()
        except (ConnectionFailedError, OSError) as exc:
            self.from_worker(self.finished, False, str(exc), 0, {})
            return
        try:
            steps = self.wizard.session.teardown_survey(runner, keep, shared)
        except (ConnectorError, ValueError, OSError) as exc:
            self.from_worker(self.finished, False, str(exc), 0, {})
            return
        finally:
            runner.con.close()
        self.from_worker(self.confirm, [s.id for s in steps], keep, shared)

    def confirm(self, found: list[str], keep: bool, shared: bool) -> None:
        start = self.query_one("#start", Button)
        deployment_id = self.wizard.deployment.deployment_id
        if not found:
            start.disabled = False
            self.query_one("#summary", Static).update(
                f"Nothing to remove: {deployment_id} is not deployed (or nothing of it was "
                "made by spcs-wizard)."
            )
            self.notify("Nothing to remove.")
            return

        def released() -> None:  # answered No: the button works again
            start.disabled = False

        self.ask_first(
            f"Remove {len(found)} items of {deployment_id}?",
            "teardown",
            before="Only what spcs-wizard created is removed"
            + (" (keeping the data)" if keep else "")
            + ". ",
            confirm="Remove",
            then=lambda: self.run_teardown(keep, shared),
            otherwise=released,
        )

    @work(thread=True, exclusive=True, group="teardown")
    def run_teardown(self, keep: bool, shared: bool) -> None:
        call = self.from_worker
        session = self.wizard.session
        try:
            runner = self.connect()
        except (ConnectionFailedError, OSError) as exc:
            call(self.finished, False, str(exc), 0, {})
            return
        try:
            outcome = session.teardown(
                runner,
                lambda e: call(self.on_engine_event, e),
                keep_data=keep,
                include_shared=shared,
            )
        except (ValueError, OSError) as exc:  # unreadable local state
            call(self.finished, False, str(exc), 0, {})
            return
        finally:
            runner.con.close()
        left = outcome.left
        hint = outcome.failed.hint if outcome.failed else ""
        call(self.finished, outcome.ok, hint, len(outcome.removed), left)

    def on_engine_event(self, event: Event) -> None:
        self.query_one(Checklist).apply(event)
        self.query_one(EventLog).event(event)

    def finished(self, ok: bool, hint: str, removed: int, left: dict[str, str]) -> None:
        self.query_one("#start", Button).disabled = False
        summary = self.query_one("#summary", Static)
        if ok:
            text = f"[green]Removed {removed} items.[/]"
            if left:
                text += f" Left {len(left)} that spcs-wizard did not create: " + escape(
                    ", ".join(left)
                )
            summary.update(text)
            self.notify("Teardown finished.")
        else:
            summary.update(f"[bold red]Stopped.[/] {escape(hint)}")
            self.notify(hint or "failed", title="Teardown stopped", severity="error")

    def action_next(self) -> None:
        self.app.exit()
