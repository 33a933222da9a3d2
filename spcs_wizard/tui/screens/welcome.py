"""Step 1: rehearsal or a real account, the deployments this machine knows (live), and
what a deployment costs."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, RadioSet, Static

from spcs_wizard.state_style import condition
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.choice import Choice
from spcs_wizard.tui.widgets.cost_table import CostTable
from spcs_wizard.tui.widgets.when import ago

if TYPE_CHECKING:
    from textual.widgets import DataTable

    from spcs_wizard.engine.job import JobProgress
    from spcs_wizard.engine.known_deployments import LiveStatus
    from spcs_wizard.model.deployment import Deployment

INTRO = """\
[b]spcs-wizard[/b] deploys Milvus on Snowpark Container Services, step by step: a role and
a user, a warehouse, a database with its stages and image repository, two compute
pools, the three images for linux/amd64 (Milvus and its gateway copied, the notebook
built), and the two services.
Every statement is shown before it runs; re-running is safe; teardown removes only what
this tool made.\
""".replace("\n", " ")


def live_cells(live: LiveStatus | None) -> tuple[Text, str]:
    """The live status and cost cells of a row: looked up, still looking, or not looked
    up because that would need a person (a browser sign-in, an MFA prompt)."""
    if live is None:
        return Text("looking…", style="dim"), ""
    rate = "" if live.credits_per_hour is None else f"{live.credits_per_hour:g}"
    return condition(live.condition), rate


def cost_title(deployment: Deployment | None) -> str:
    """The cost's heading, naming the deployment once it is known."""
    what = "it" if deployment is None else deployment.deployment_id
    return f"What {what} costs while running (estimate)"


def account_choice(connection: str | None, given: str) -> str:
    """The account's choice: which connection, and where it was given when the wizard
    started on it (else one comes from connections.toml, or is made on Connection)."""
    if connection is None:
        return "A Snowflake account (connections.toml, or a new connection)"
    return f"A Snowflake account: connection {connection}" + (f" ({given})" if given else "")


def hidden(widget: Widget) -> Widget:
    """``widget``, not shown until told (set before it is mounted, it costs no restyle)."""
    widget.display = False
    return widget


class WelcomeScreen(WizardScreen):
    STEP = "welcome"
    AUTO_FOCUS = "#mode"  # where the screen starts (the known list takes it once shown)

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="welcome-page"):
            # The deployments this machine knows come first (someone coming back picks
            # one up); mounted once there are any (``show_known``): most first starts
            # have none, and a hidden table still costs its styles at start-up.
            yield Static(INTRO, id="intro")
            yield Label("Where to deploy", classes="section")
            with RadioSet(id="mode"):
                yield Choice(
                    "Rehearsal: local SPCS emulator and Milvus Lite, no account",
                    id="rehearsal",
                    value=self.wizard.mode == "rehearsal",
                )
                yield Choice(
                    account_choice(self.wizard.connection_name, self.wizard.given_where()),
                    id="account",
                    value=self.wizard.mode == "account",
                )
            yield hidden(Static("", id="mode-lock", classes="hint"))
            yield Label(cost_title(self.wizard.chosen), classes="section", id="cost-title")
            # Shown after the first frame: the deployment model is most of the start-up.
            yield CostTable(self.wizard.chosen, id="cost")

    def on_mount(self) -> None:
        self.show_known()
        self.lock_mode()
        self.call_after_refresh(self._after_first_frame)
        self.set_interval(1.0, self._last_used_moves)

    def _last_used_moves(self) -> None:
        """The list's "last used" counts on while the screen is open ("27s" stayed 27s)."""
        if not self.wizard_app.known or not self.query("#known"):
            return
        table = self._known_table()
        for k in self.wizard_app.known:
            if k.key in table.rows:
                table.update_cell(k.key, "last used", ago(time.time() - k.last_used))

    def _after_first_frame(self) -> None:
        self.wizard_app.look_around()
        self.prepare()

    @work(thread=True, exit_on_error=False)
    def prepare(self) -> None:
        """The deployment to start with (the model imported, last time's draft read), then
        its cost."""
        self.from_worker(self._prepared, self.wizard.prepare())

    def _prepared(self, prepared: tuple[Deployment, bool]) -> None:
        self.wizard.settle(prepared)
        self.query_one("#cost-title", Label).update(cost_title(self.wizard.deployment))
        self.query_one("#cost", CostTable).show(self.wizard.deployment)
        if self.wizard.from_draft and not self.wizard.told_draft:
            self.wizard.told_draft = True
            self.notify(
                f"Names from last time: {self.wizard.deployment.deployment_id} "
                "(Naming changes them).",
            )

    def show_known(self) -> None:
        """The list as the wizard last read it, with what the live looks found."""
        known = self.wizard_app.known
        for widget in self.query("#known-title, #known, #known-hint"):
            widget.display = bool(known)
        if not known:
            return
        table = self._known_table()
        if not getattr(self, "_listed", False):  # first shown: focus it, it is the way back
            self._listed = True
            # Unless the person has moved on (the place's choice and the page itself are
            # where the screen starts).
            if self.focused is None or self.focused.id in ("mode", None):
                # Once shown (hidden, it takes none); no scroll: it is the page's top, and
                # the page may still be growing (the cost comes after the first frame).
                self.call_after_refresh(lambda: table.focus(scroll_visible=False))
        live = self.wizard_app.live
        keys = [k.key for k in known]
        shown = [row.value for row in table.rows]
        if shown == keys:  # the same rows: only what changed
            for k in known:  # (a rebuild would move the cursor off the row being picked)
                status, rate = live_cells(live.get(k.key))
                table.update_cell(k.key, "now", status, update_width=True)
                table.update_cell(k.key, "cr/h", rate, update_width=True)
        else:
            row = table.cursor_row
            selected = shown[row] if 0 <= row < len(shown) else None
            table.clear()
            for k in known:
                status, rate = live_cells(live.get(k.key))
                table.add_row(
                    k.deployment.deployment_id,
                    k.place,
                    k.recorded,
                    status,
                    rate,
                    ago(time.time() - k.last_used),
                    key=k.key,
                )
            if selected in keys:
                table.move_cursor(row=keys.index(selected))
        problems = [
            f"{k.deployment.deployment_id} ({k.where}): {v.detail}"
            for k in known
            if (v := live.get(k.key)) is not None and v.detail
        ]
        self._tell_cut_short()
        hint = "Enter picks one up: it connects and goes on where it stopped."
        self.query_one("#known-hint", Static).update("\n".join([hint, *problems]))

    def _known_table(self) -> DataTable[object]:
        """The list of known deployments, mounted at the top of the page the first time."""
        from textual.widgets import DataTable

        found = self.query("#known").results(DataTable)
        table = next(found, None)
        if table is not None:
            return table
        table = DataTable(id="known", cursor_type="row", cursor_foreground_priority="renderable")
        for label in ("deployment", "place", "record", "now", "cr/h", "last used"):
            table.add_column(label, key=label)
        title = Label("Deployments on this machine", classes="section", id="known-title")
        hint = Static("", id="known-hint", classes="hint")
        self.query_one("#welcome-page").mount(title, table, hint, before="#intro")
        return table

    def _tell_cut_short(self) -> None:
        """Once: a deploy or teardown of a known deployment ended before its step did."""
        if getattr(self, "_told", False):
            return
        cut = [k for k in self.wizard_app.known if k.cut_short]
        if cut:
            self._told = True
            k = cut[0]
            self.notify(
                f"A run of {k.deployment.deployment_id} ({k.where}) was cut short at "
                f"{', '.join(k.cut_short)}. Pick it up (Enter on its row): every step is "
                "checked again, and it goes on from there.",
                title="Cut short last time",
                severity="warning",
                timeout=12,
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "known" and event.row_key.value is not None:
            event.stop()
            self.wizard_app.pick_up(str(event.row_key.value))

    def lock_mode(self) -> None:
        """While a job runs the place stays as it is: the job belongs to it."""
        job = self.wizard_app.job
        running = job is not None and job.running
        self.query_one("#mode", RadioSet).disabled = running
        lock = self.query_one("#mode-lock", Static)
        lock.display = running
        if running and job is not None:
            lock.update(f"{job.title} is running here: the place can change once it ends.")

    def on_job_entry(self, job: JobProgress, kind: str, item: object) -> bool:
        if kind == "finished":
            self.lock_mode()
        return super().on_job_entry(job, kind, item)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        mode = "rehearsal" if event.pressed.id == "rehearsal" else "account"
        if mode != self.wizard.mode:
            self.wizard.mode = mode
            self.wizard.connected_as = None
