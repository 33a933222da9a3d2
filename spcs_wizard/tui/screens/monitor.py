"""Step 7: the live dashboard. Pools, services and containers, endpoints, a log tail and
sparklines, refreshed in a background worker; a failed refresh marks the panels stale
with the error, it never stops the screen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    RichLog,
    Select,
    Static,
    Switch,
    Tab,
    Tabs,
)

from spcs_wizard.engine.operations import PublicEndpoint, new_lines, public_endpoints, unassigned
from spcs_wizard.engine.status_history import StatusHistory
from spcs_wizard.model.cost import starting_note
from spcs_wizard.state_style import condition, styled
from spcs_wizard.tui.open_link import open_or_copy
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.ordered_input import OrderedInput
from spcs_wizard.tui.widgets.services_table import ServicesTable
from spcs_wizard.tui.widgets.trend import Trends
from spcs_wizard.tui.widgets.when import ago
from spcs_wizard.tui.widgets.wrapped_log import WrappedLog

if TYPE_CHECKING:
    from spcs_wizard.engine.job import JobProgress
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import Snapshot


LABELS = {"milvus": "Milvus", "jupyter": "notebook"}  # the services, as the screen names them
PANES = (("status", "Status"), ("endpoints", "Endpoints"), ("logs", "Logs"))
WIDE = (110, 34)  # from this size on (columns, rows), every pane is shown at once


# What the freshness line says of a whole deployment, by Snapshot.condition.
CONDITION_WORDS = {
    "running": "healthy",
    "starting": "starting",
    "failing": "failing",
    "suspending": "suspending: the pools go next",
    "suspended": "suspended: nothing runs, storage still billed",
    "partly deployed": "partly deployed: Deploy finishes it",
    "not deployed": "not deployed (never made, or torn down)",
}

# ... and while the wizard's deploy of it runs (its strip says which step).
# Short: beside Suspend and Resume, the line fits 110 columns with the cost and time.
DEPLOYING_WORDS = {
    "running": "deploying: running so far",
    "starting": "deploying: starting",
    "partly deployed": "deploying: partly made",
    "not deployed": "deploying: nothing made yet",
}


def freshness(snap: Snapshot, deploying: bool = False) -> Text:
    """The top line, "healthy · 0.22 credits/h now · at 16:00:00" (local time);
    ``deploying``: the wizard's deploy of it runs now (not something still to start)."""
    line = condition(snap.condition)
    line.plain = CONDITION_WORDS.get(snap.condition, snap.condition)
    if deploying:  # not "healthy" while it still waits for the public URLs, say
        line.plain = DEPLOYING_WORDS.get(snap.condition, f"{line.plain} · deploying")
    rate = snap.credits_per_hour
    if snap.pools:
        line.append(f" · {rate:g} credits/h now" if rate is not None else " · cost unknown")
        if note := starting_note(p.state for p in snap.pools):
            line.append(f" ({note})")
    line.append(f" · at {time.strftime('%H:%M:%S', time.localtime(snap.taken_at))}")
    return line


def started(snap: Snapshot, when: str | None) -> str:
    """How long a container has been up and since when in local time ("3m ago 15:58"):
    in this machine's time, a rehearsal's too (its account's clock runs fast)."""
    age = snap.age(when)
    if age is None:
        return "-"
    return f"{ago(age)} ago {time.strftime('%H:%M', time.localtime(snap.taken_at - age))}"


class MonitorScreen(WizardScreen):
    STEP = "monitor"
    PALETTE_ACTIONS = (
        ("Refresh now", "Refresh the monitor", "refresh"),
        ("Suspend the deployment", "Services then pools: no credits", "suspend"),
        ("Resume the deployment", "Pools then services", "resume"),
        ("Copy the endpoint URL", "To the clipboard", "copy_url"),
        ("Open the endpoint", "In the browser (log in with Snowflake)", "open_url"),
        ("Show the status pane", "Pools, services, trends (narrow terminals)", "pane_status"),
        ("Show the endpoints pane", "Their URLs (narrow terminals)", "pane_endpoints"),
        ("Show the log pane", "The followed log and its search", "pane_logs"),
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        *WizardScreen.BINDINGS,
        Binding("r", "refresh", "Refresh"),
        Binding("s", "suspend", "Suspend"),
        Binding("u", "resume", "Resume"),
        Binding("c", "copy_url", "Copy"),
        Binding("o", "open_url", "Open"),
    ]

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Static("waiting for the first refresh …", id="freshness")
            yield Button("Suspend", id="suspend", compact=True)
            yield Button("Resume", id="resume", compact=True)
        # Narrow terminals show one pane at a time, chosen here; wide ones show all four.
        yield Tabs(*(Tab(title, id=key) for key, title in PANES), id="pane-tabs")
        with Grid(id="panes"):
            with VerticalScroll(id="pane-status", classes="pane status"):
                yield DataTable(
                    id="pools", cursor_type="row", cursor_foreground_priority="renderable"
                )
                yield ServicesTable(id="services")
                yield Static("", id="problems")
            with Vertical(id="pane-endpoints", classes="pane endpoints"):
                yield DataTable(id="endpoints", cursor_type="row")
                yield Static(
                    "c copies the selected row's URL, o opens it (Snowflake login).",
                    classes="hint",
                )
            with Vertical(id="pane-trends", classes="pane status"):
                yield Trends(id="trends")
            with Vertical(id="pane-logs", classes="pane logs"):
                with Horizontal(classes="row"):
                    yield Select(
                        [(LABELS[key], key) for key in self.wizard.deployment.service_keys],
                        value="milvus",
                        allow_blank=False,
                        id="log-service",
                        compact=True,
                    )
                    yield Label("follow")
                    yield Switch(True, id="follow")
                    yield OrderedInput(placeholder="search", id="log-search", compact=True)
                yield WrappedLog(id="log", markup=False, highlight=False)

    # -- layout: panes side by side when there is room, else tabs -----------------------------
    def on_resize(self) -> None:
        narrow = self.size.width < WIDE[0] or self.size.height < WIDE[1]
        self.set_class(narrow, "-narrow")
        self.show_pane()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        self.show_pane()

    def action_pane_status(self) -> None:
        self.query_one("#pane-tabs", Tabs).active = "status"

    def action_pane_endpoints(self) -> None:
        self.query_one("#pane-tabs", Tabs).active = "endpoints"

    def action_pane_logs(self) -> None:
        self.query_one("#pane-tabs", Tabs).active = "logs"
        if self.has_class("-narrow"):
            self.call_after_refresh(self.query_one("#log-search", Input).focus)

    def show_pane(self) -> None:
        narrow = self.has_class("-narrow")
        active = self.query_one("#pane-tabs", Tabs).active or "status"
        for pane in self.query(".pane"):
            pane.display = not narrow or pane.has_class(active)

    def on_mount(self) -> None:
        self.history = StatusHistory()
        self.log_lines: list[str] = []
        self.log_service: Literal["milvus", "jupyter"] = "milvus"
        self.endpoint_list: list[PublicEndpoint] = []
        self.last_good: float | None = None
        self._runner: SqlRunner | None = None
        self.refreshes = 0
        self.refreshing = False
        self.again = False  # the job changed the account while a refresh ran
        self.query_one("#pools", DataTable).add_columns(
            "pool", "state", "family", "nodes", "auto-suspend"
        )
        self.query_one("#endpoints", DataTable).add_columns("endpoint", "https://")
        titles = {
            "#pane-status": "Pools and services",
            "#pane-endpoints": "Endpoints",
            "#pane-trends": "Trends",
            "#pane-logs": "Log",
        }
        for pane, title in titles.items():
            self.query_one(pane).border_title = title
        self.allow_next(True)
        self.action_refresh()
        self.failures = 0  # refreshes failed in a row: the next one waits longer
        self.next_try = 0.0
        self.set_interval(self.wizard.refresh_seconds, self.tick)

    def on_unmount(self) -> None:
        self.close_runner()

    # -- refreshing (worker) ----------------------------------------------------------------
    def tick(self) -> None:
        """The interval: refresh, unless an unreachable account asked us to wait."""
        if time.monotonic() >= self.next_try:
            self.action_refresh()

    def on_job_entry(self, job: JobProgress, kind: str, item: object) -> bool:
        """The wizard's job changed the account or saw it change (a step done, a wait's
        look, the job ended): look again now, so the panels do not trail the job's strip
        by a whole interval. False: the job itself is not shown here (the app says how
        it ended)."""
        from spcs_wizard.engine.events import StepDone, StepWaiting

        if not self.is_mounted:  # pushed, not mounted yet: its mount looks first anyway
            return False
        if job.tells_of(self.wizard.job_subject) and (
            kind == "finished" or isinstance(item, StepDone | StepWaiting)
        ):
            if self.refreshing:  # what it reads may predate the change: once more after
                self.again = True
            else:
                self.action_refresh()
        return False

    def _deploying(self) -> bool:
        from spcs_wizard.tui.screens.deploy import DeployScreen

        job = self.wizard_app.job
        return (
            job is not None
            and job.running
            and job.title == DeployScreen.JOB_TITLE
            and job.tells_of(self.wizard.job_subject)
        )

    def action_refresh(self) -> None:
        """Start a refresh unless one is under way (a slow account must not pile up
        refreshes on one connection)."""
        if self.refreshing:
            return
        self.again = False
        self.refreshing = True
        follow = self.query_one("#follow", Switch).value
        self.refresh_worker(self.log_service if follow else None)

    @work(thread=True, group="refresh")
    def refresh_worker(self, log_service: Literal["milvus", "jupyter"] | None) -> None:
        session = self.wizard.session
        try:
            if self._runner is None:
                self._runner = self.connect()
            snap = session.snapshot(self._runner)
            logs = None
            if log_service is not None and snap.services:
                from spcs_wizard.engine.operations import LogUnavailableError, service_logs

                # No log while suspended: the status still shows, the log pane keeps its lines.
                with contextlib.suppress(LogUnavailableError):
                    logs = service_logs(self._runner, session.deployment, log_service)
        except Exception as exc:  # any failure: stale panels with the reason, retry later
            self.close_runner()
            self.from_worker(self.show_stale, f"{type(exc).__name__}: {exc}")
            return
        self.from_worker(self.show, snap, log_service, logs)

    def close_runner(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing to close
                runner.con.close()

    # -- showing (UI thread; kept small: it is what the benchmark times) ---------------------
    def show(
        self,
        snap: Snapshot,
        log_service: str | None,
        logs: list[str] | None,
    ) -> None:
        self.refreshing = False
        self.failures, self.next_try = 0, 0.0
        self.refreshes += 1
        self.last_good = snap.taken_at
        for change in self.history.add(snap):
            self.notify(change, title="Deployment changed", severity="warning")
        self.query_one("#freshness", Static).update(freshness(snap, self._deploying()))
        for table_id in ("#pools", "#services", "#endpoints"):
            self.query_one(table_id).remove_class("-stale")
        self.show_pools(snap)
        self.show_services(snap)
        self.show_endpoints(snap)
        d = self.wizard.deployment
        self.query_one(Trends).show(
            self.history, [(LABELS[key], d.names().service(key).name) for key in d.service_keys]
        )
        if logs is not None and log_service == self.log_service:
            self.add_log_lines(logs)
        if self.again:  # the job changed the account while this one read it
            self.action_refresh()

    def show_pools(self, snap: Snapshot) -> None:
        table = self.query_one("#pools", DataTable)
        table.clear()
        for p in snap.pools:
            table.add_row(
                p.name,
                styled(p.state),
                p.instance_family,
                f"{p.active_nodes}/{p.min_nodes}-{p.max_nodes}",
                f"{p.auto_suspend_secs} s" if p.auto_suspend_secs else "off",
            )

    def show_services(self, snap: Snapshot) -> None:
        rows: list[tuple[str | Text, ...]] = [
            (
                s.name,
                styled(s.status),
                c.name if c else "-",
                styled(c.status) if c else Text("-"),
                str(c.restart_count) if c and c.restart_count is not None else "-",
                started(snap, c.start_time) if c else "-",
                (c.image or "-").rsplit("/", 1)[-1] if c else "-",
            )
            for s in snap.services
            for c in s.containers or [None]
        ]
        if not snap.services:
            word = "suspended" if snap.condition == "suspended" else "no services"
            rows.append(("-", condition(word), "", "", "", "", ""))
        self.query_one(ServicesTable).show(rows)
        failing = [
            f"✗ {s.name}/{c.name}: {c.message or c.status}"
            for s in snap.services
            for c in s.containers
            if c.status == "FAILED"
        ]
        self.query_one("#problems", Static).update(Text("\n".join(failing), style="red"))

    def show_endpoints(self, snap: Snapshot) -> None:
        self.endpoint_list = public_endpoints(snap)
        table = self.query_one("#endpoints", DataTable)
        table.clear()
        for e in self.endpoint_list:
            # Until Snowflake assigns it, ingress_url holds a sentence, not a host. The
            # host alone under "https://": whole in the pane beside the trends at 110
            # columns (the whole URL was cut there); c and o take the whole URL.
            host = e.link.removeprefix("https://") if e.link else None
            table.add_row(e.endpoint, host or unassigned(snap.condition))

    def show_stale(self, error: str) -> None:
        self.refreshing = False
        self.failures += 1
        wait = min(self.wizard.refresh_seconds * 2 ** (self.failures - 1), 60.0)
        self.next_try = time.monotonic() + wait
        since = (
            time.strftime("%H:%M:%S", time.localtime(self.last_good)) if self.last_good else "never"
        )
        self.query_one("#freshness", Static).update(
            f"[bold red]stale[/] (last good: {since}; next try in {wait:.0f} s, r: now) · "
            f"{escape(error)}"
        )
        for table_id in ("#pools", "#services", "#endpoints"):
            self.query_one(table_id).add_class("-stale")

    # -- logs --------------------------------------------------------------------------------
    def add_log_lines(self, current: list[str]) -> None:
        fresh = new_lines(self.log_lines, current)
        self.log_lines = current
        needle = self.query_one("#log-search", Input).value.lower()
        log = self.query_one("#log", RichLog)
        for line in fresh:
            if needle in line.lower():
                log.write(line)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "log-service":
            self.log_service = "jupyter" if event.value == "jupyter" else "milvus"
            self.restart_log()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-search":
            self.restart_log(keep=True)

    def restart_log(self, keep: bool = False) -> None:
        """Show the log again from what was fetched (a search), or from scratch."""
        log = self.query_one("#log", RichLog)
        log.clear()
        lines, self.log_lines = (self.log_lines if keep else []), []
        if keep:
            self.add_log_lines(lines)
        else:
            self.action_refresh()

    # -- actions -----------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("suspend", "resume"):
            event.stop()
            self.confirm_switch(event.button.id)  # type: ignore[arg-type]
        else:
            super().on_button_pressed(event)

    def action_suspend(self) -> None:
        self.confirm_switch("suspend")

    def action_resume(self) -> None:
        self.confirm_switch("resume")

    def confirm_switch(self, verb: Literal["suspend", "resume"]) -> None:
        """Both change what is billed: say how much, then do it on Yes (nothing to ask
        when the last look found nothing of the deployment)."""
        from spcs_wizard.engine.operations import SWITCHED_ALREADY, nothing_to_switch

        last = self.history.last
        if last is not None and last.condition == "not deployed":
            self.notify(nothing_to_switch(verb, self.wizard.deployment), severity="warning")
            return
        already = SWITCHED_ALREADY[verb]
        if last is not None and last.condition == already:  # asking would offer nothing
            self.notify(
                f"{self.wizard.deployment.deployment_id} is {already} already: nothing to {verb}."
            )
            return
        self.ask_first(
            f"{verb.capitalize()} {self.wizard.deployment.deployment_id}?",
            verb,
            danger=verb == "suspend",
            then=lambda: self.switch(verb),
        )

    def switch(self, verb: Literal["suspend", "resume"]) -> None:
        self.switch_deployment(verb, then=self.action_refresh)

    def _selected_endpoint(self) -> PublicEndpoint | None:
        table = self.query_one("#endpoints", DataTable)
        if not self.endpoint_list:
            from spcs_wizard.engine.operations import no_public_endpoint

            last = self.history.last
            condition = "starting" if last is None else last.condition
            why = no_public_endpoint(self.wizard.deployment.deployment_id, condition)
            self.notify(why, severity="warning")
            return None
        row = min(max(table.cursor_row, 0), len(self.endpoint_list) - 1)
        endpoint = self.endpoint_list[row]
        if endpoint.link is None:
            self.notify("Snowflake has not assigned this URL yet.", severity="warning")
            return None
        return endpoint

    def action_copy_url(self) -> None:
        endpoint = self._selected_endpoint()
        if endpoint and endpoint.link:
            self.app.copy_to_clipboard(endpoint.link)
            self.notify(
                f"Copied the URL of {endpoint.service}'s endpoint {endpoint.endpoint} "
                f"(the selected row): {endpoint.link}"
            )

    def action_open_url(self) -> None:
        endpoint = self._selected_endpoint()
        if not (endpoint and endpoint.link):
            return
        open_or_copy(
            self.app,
            endpoint.link,
            f"{endpoint.service}'s endpoint {endpoint.endpoint}",
            rehearsal=self.wizard.target.is_rehearsal,
        )
