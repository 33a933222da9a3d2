"""The class dashboard (``spcs-wizard workshop dashboard``): one live row per attendee
(state, pools, services, restarts, credits an hour now and while watched, last error;
the selected row's endpoint under the table), refreshed in a background thread, with the
instructor's actions on the whole class (suspend, resume, teardown: each asks first, with
what it costs or loses)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from spcs_wizard.fitted_text import fitted
from spcs_wizard.model.cost import starting_note
from spcs_wizard.state_style import condition
from spcs_wizard.tui.app_base import WizardAppBase
from spcs_wizard.tui.open_link import open_or_copy
from spcs_wizard.tui.threads import start_thread
from spcs_wizard.tui.widgets.footer import KeyFooter
from spcs_wizard.tui.widgets.title_bar import TitleBar
from spcs_wizard.workshop.classroom import AttendeeResult
from spcs_wizard.workshop.meter import CreditMeter
from spcs_wizard.workshop.status import (
    NAME_CELLS,
    AttendeeRow,
    class_rows,
    pool_states,
    states_in_words,
)

if TYPE_CHECKING:
    from spcs_wizard.workshop.classroom import ClassReport, Classroom, RunnerPool

# Short headings, so that at 80 columns every one but the last error is in view (the
# freshness line spells out "credits"); the selected row's endpoint, an address too long
# for a column, is the line under the table, whole, and so is its last error.
COLUMNS = (
    "attendee",
    "state",
    "pools",
    "services",
    "restarts",
    "cr/h",
    "cr seen",
    "last error",
)
REFRESH_SECS = 10.0
LOOK_ENDS_WITHIN = 60.0  # seconds the dashboard's closing waits for a look under way


class ClassScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("r", "refresh", "Refresh"),
        # Short labels: with quit, help and the palette they fit 80 columns.
        Binding("s", "suspend", "Suspend", tooltip="Suspend the whole class (asks first)"),
        Binding("u", "resume", "Resume", tooltip="Resume the whole class (asks first)"),
        Binding("t", "teardown", "Tear down", tooltip="Tear down the whole class (asks first)"),
        Binding("o", "open", "Open", tooltip="Open the selected attendee's endpoint"),
        Binding("escape", "close", "Back"),  # over the wizard: back to its step
    ]
    PALETTE_ACTIONS = (
        ("Refresh the class", "Look at every attendee's deployment now", "refresh"),
        ("Suspend the whole class", "Services, then pools: no credits (asks first)", "suspend"),
        ("Resume the whole class", "Pools, then services (asks first, with the cost)", "resume"),
        ("Tear down the whole class", "Every attendee's deployment (asks first)", "teardown"),
        ("Open the attendee's endpoint", "The selected row's address, in the browser", "open"),
    )

    def __init__(
        self,
        room: Classroom,
        refresh_secs: float = REFRESH_SECS,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.room = room
        self.refresh_secs = refresh_secs
        self.on_close = on_close  # when it goes (a rehearsal's emulator stops)
        self.rows: list[AttendeeRow] = []
        self.meter = CreditMeter()
        self.looking = False
        self.acting: str | None = None  # the class action running, if one is
        self.looks = 0  # refreshes that ended (tests wait on it)
        self._pool: RunnerPool | None = None
        self._cells: dict[str, tuple[object, ...]] = {}  # each row as last shown
        self._idle = threading.Event()  # no look under way (closing waits for one)
        self._idle.set()
        self.closed = threading.Event()  # its connections closed (and on_close called)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("Looking at the class…", id="freshness")
        yield DataTable(id="class", cursor_type="row", cursor_foreground_priority="renderable")
        yield Static("", id="selected")
        yield Static("", id="last-action")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        w = self.room.workshop
        self.title = f"Workshop {w.name}"
        target = self.room.target
        where = "rehearsal" if target.is_rehearsal else target.label
        self.sub_title = f"{len(w.attendees)} attendees · {where}"
        table = self.query_one("#class", DataTable)
        table.add_columns(*COLUMNS)
        for a in w.attendees:
            table.add_row(fitted(a.name, NAME_CELLS), "…", *[""] * (len(COLUMNS) - 2), key=a.slug)
        table.focus()
        self.action_refresh()
        self.set_interval(self.refresh_secs, self.action_refresh)

    # -- looking ------------------------------------------------------------------------
    def pool(self) -> RunnerPool:
        if self._pool is None:
            self._pool = self.room.pool()
        return self._pool

    def action_refresh(self) -> None:
        if self.looking or self.acting:
            return  # one look at a time; an action looks when it ends
        self.looking = True
        self._idle.clear()
        start_thread(self._look)

    def _look(self) -> None:
        try:
            self._look_once()
        finally:
            self._idle.set()

    def _look_once(self) -> None:
        try:
            looks = self.room.snapshots(self.pool())
            failed = [look for look in looks.values() if isinstance(look, AttendeeResult)]
            if failed and len(failed) == len(looks):  # the account did not answer at all
                self._from_thread(lambda: self._show([], failed[0].detail))
                return
            rows = class_rows(self.room, looks)
            error = None
        except Exception as exc:  # a failed look marks the class stale, never stops it
            rows, error = [], f"{type(exc).__name__}: {exc}"
        self._from_thread(lambda: self._show(rows, error))

    def _from_thread(self, call: Callable[[], None]) -> None:
        if self.app.is_running:
            self.app.call_from_thread(call)

    def _show(self, rows: list[AttendeeRow], error: str | None) -> None:
        self.looking = False
        self.looks += 1
        fresh = self.query_one("#freshness", Static)
        if error is not None:
            fresh.update(Text(f"stale: the last look failed ({error}); retrying", style="yellow"))
            return
        now = time.time()
        self.rows = rows
        table = self.query_one("#class", DataTable)
        for r in rows:
            seen = self.meter.observe(r.attendee, r.credits_per_hour, now)
            cells = (
                fitted(r.name, NAME_CELLS),
                condition(r.condition),
                states_in_words(r.pools),
                states_in_words(r.services),
                str(r.restarts),
                "-" if r.credits_per_hour is None else f"{r.credits_per_hour:.4g}",
                f"{seen:.4f}",
                r.last_error,
            )
            shown = self._cells.get(r.attendee, ())
            for index, (column, value) in enumerate(zip(table.columns, cells, strict=True)):
                if index >= len(shown) or shown[index] != value:  # only what changed
                    table.update_cell(r.attendee, column, value, update_width=True)
            self._cells[r.attendee] = cells
        running = sum(1 for r in rows if r.condition == "running")
        rate = round(sum(r.credits_per_hour or 0 for r in rows), 4)
        fresh.update(
            Text.assemble(
                f"at {time.strftime('%H:%M:%S', time.localtime(now))} · ",
                (f"{running} of {len(rows)} running", "bold"),
                f" · {rate:g} credits/h (cr/h) now"
                + (f" ({note})" if (note := starting_note(pool_states(rows))) else "")
                + f" · {self.meter.total:.4f} credits seen while watched"
                + (" · pools shared (rows: shares)" if self.room.workshop.shared_pools else ""),
            )
        )
        self.show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_selected()

    def selected(self) -> AttendeeRow | None:
        """The attendee of the highlighted row, as last looked at."""
        table = self.query_one("#class", DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def show_selected(self) -> None:
        row = self.selected()
        line = self.query_one("#selected", Static)
        if row is None:
            line.update("")
            return
        if row.endpoint is None:
            why = (
                "suspended (u resumes the class)"
                if row.condition == "suspended"
                else "no endpoint address yet"
            )
            said = Text(f"{row.name}: {why}", style="dim")
        else:
            said = Text.assemble(f"{row.name}: ", (row.endpoint, "bold"), " (o opens it)")
        if row.last_error:  # its column is past the edge at 80 columns: said here, whole
            said.append_text(Text(f"\nlast error: {row.last_error}", style="red"))
        line.update(said)

    def on_unmount(self) -> None:
        pool, self._pool = self._pool, None
        close = self.on_close

        def closed() -> None:
            # A look still under way ends first: closing its connection, or stopping a
            # rehearsal's emulator, under a running statement would have the connector's
            # cancel timer fail against it, in a thread of its own.
            self._idle.wait(LOOK_ENDS_WITHIN)
            try:
                if pool is not None:
                    pool.close()
                if close is not None:
                    close()
            finally:
                self.closed.set()

        start_thread(closed)

    def _over_a_step(self) -> bool:
        """Opened over the wizard's step (not the dashboard app's only screen)."""
        stack = self.app.screen_stack
        return len(stack) > 2 or (len(stack) == 2 and stack[0].id != "_default")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._over_a_step() if action == "close" else True

    def action_close(self) -> None:
        if self._over_a_step():
            self.app.pop_screen()

    # -- acting on the class --------------------------------------------------------------
    def _already(self, verb: Literal["suspend", "resume"]) -> bool:
        """Every attendee is already as ``verb`` would leave them, by the last look: say
        so, ask nothing."""
        from spcs_wizard.engine.operations import SWITCHED_ALREADY

        condition = SWITCHED_ALREADY[verb]
        if self.rows and all(r.condition == condition for r in self.rows):
            self.notify(f"Every attendee's deployment is {condition} already: nothing to {verb}.")
            return True
        return False

    def action_suspend(self) -> None:
        if self._already("suspend"):
            return
        rate = sum(r.credits_per_hour or 0 for r in self.rows)
        self._confirm(
            "Suspend the whole class?",
            f"Every attendee's services, then their pools, are suspended: the billing "
            f"({rate:g} credits an hour now) stops. Data stays; Resume brings it back.",
            "Suspend",
            "suspend",
            lambda pool: self.room.switch(pool, "suspend"),
        )

    def action_resume(self) -> None:
        from spcs_wizard.workshop.cost import workshop_cost

        if self._already("resume"):
            return
        cost = workshop_cost(self.room.workshop)
        self._confirm(
            "Resume the whole class?",
            f"Every attendee's pools, then their services, start again: about "
            f"{cost.running_per_hour:g} credits an hour while they run.",
            "Resume",
            "resume",
            lambda pool: self.room.switch(pool, "resume"),
        )

    def action_teardown(self) -> None:
        n = len(self.room.workshop.attendees)
        self._confirm(
            "Tear down the whole class?",
            f"All {n} attendees' deployments and users are removed, with their databases, "
            "stages, images and Milvus data: this cannot be undone. Only what this workshop "
            "made is removed.",
            "Tear down",
            "teardown",
            lambda pool: self.room.teardown(pool),
            danger=True,
        )

    def _confirm(
        self,
        title: str,
        question: str,
        confirm: str,
        verb: str,
        act: Callable[[RunnerPool], ClassReport],
        danger: bool = False,
    ) -> None:
        from spcs_wizard.tui.screens.dialog import ConfirmDialog

        if self.acting:
            self.notify(f"{self.acting} is still running.", severity="warning")
            return
        if self.room.target.is_rehearsal:
            question = "Rehearsal: nothing is billed. " + question

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(verb, act)

        self.app.push_screen(ConfirmDialog(title, question, confirm, danger=danger), answered)

    def _act(self, verb: str, act: Callable[[RunnerPool], ClassReport]) -> None:
        self.acting = verb
        self.query_one("#last-action", Static).update(f"{verb}: running…")

        def work() -> None:
            try:
                report = act(self.pool())
                failed = report.failed
                said = f"{verb}: {len(report.results) - len(failed)} done in {report.seconds:.1f} s"
                if failed:
                    said += (
                        f", {len(failed)} failed ({failed[0].attendee.slug}: {failed[0].detail})"
                    )
            except Exception as exc:
                said = f"{verb} stopped: {type(exc).__name__}: {exc}"
            self._from_thread(lambda: self._acted(said))

        start_thread(work)

    def _acted(self, said: str) -> None:
        self.acting = None
        self.query_one("#last-action", Static).update(said)
        self.action_refresh()

    def action_open(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.endpoint is None:
            self.notify(f"{row.name} has no endpoint address yet.", severity="warning")
            return
        open_or_copy(
            self.app, row.endpoint, f"{row.name}'s endpoint", self.room.target.is_rehearsal
        )


HELP = """\
# Workshop dashboard

One row per attendee, refreshed every few seconds in the background: the state of their
deployment, their pools and services, restarts, what their pools cost an hour now, and
the credits they billed while this dashboard watched (an estimate from the consumption
table: "cr seen") and their last error. Under the table: the selected attendee's
endpoint, whole.

## Keys

- `r`: refresh now
- `s`, `u`: suspend or resume the whole class (asks first, with the cost)
- `t`: tear down the whole class (asks first; Cancel has the focus)
- `o`: open the selected attendee's endpoint in the browser
- `ctrl+p`: every action in the command palette; `f1`: this help; `ctrl+q`: quit

Handouts (the attendees' passwords) are never shown here: `spcs-wizard workshop handout`.
"""


class ClassApp(WizardAppBase):
    CSS_PATH: ClassVar[list[str | Path]] = [  # type: ignore[assignment,misc]
        Path(__file__).with_name("wizard.tcss"),
        Path(__file__).with_name("class_dashboard.tcss"),
    ]
    TITLE = "spcs-wizard workshop"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, room: Classroom, refresh_secs: float = REFRESH_SECS) -> None:
        super().__init__()
        self.room = room
        self.refresh_secs = refresh_secs

    def on_mount(self) -> None:
        from spcs_wizard.tui.app import DARK

        self.theme = DARK
        self.push_screen(ClassScreen(self.room, self.refresh_secs))

    def action_help(self) -> None:
        from spcs_wizard.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(HELP))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "The dashboard and its keys", self.action_help)
        for title, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
