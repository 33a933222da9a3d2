"""Step 2: reach the target. Rehearsal: start the local emulator. Account: pick a
connection from connections.toml or create one (its secret goes to the OS keyring).
Then the preflight checks say whether this login can deploy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import work
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    Collapsible,
    Input,
    Label,
    LoadingIndicator,
    Select,
    Static,
)

from spcs_wizard.connection import ConnectionFailedError
from spcs_wizard.credentials.login import LoginError, LoginRequest
from spcs_wizard.model.config_file import ConfigError, with_settings
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from spcs_wizard.engine.preflight import Finding

METHODS = [
    ("Password", "password"),
    ("Programmatic access token", "pat"),
    ("Key pair (private key file)", "key-pair"),
    ("Password + MFA (approve the push)", "mfa"),
    ("Browser SSO", "sso"),
]


def findings_table(findings: list[Finding]) -> Table:
    table = Table(box=None, expand=True, header_style="bold", title_justify="left")
    table.add_column("", width=1)
    table.add_column("check", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=1)
    for f in findings:
        mark = Text("✓", style="green") if f.ok else Text("✗", style="bold red")
        detail = Text(f.detail)
        if f.fix:
            detail.append(f"\nan administrator runs: {f.fix}", style="bold")
        table.add_row(mark, f.check, detail)
    return table


RESUMED = {"deploy": "partly deployed (local record)", "monitor": "deployed (local record)"}
SHOWN = {"deploy": "here is Deploy, to finish it", "monitor": "here is its Monitor"}


class ConnectionScreen(WizardScreen):
    STEP = "connection"

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll():
            if self.wizard.mode == "rehearsal":
                yield Label("Rehearsal: the local SPCS emulator", classes="section")
                # Shown when the emulator did not start (its account open elsewhere).
                yield Button("Try again", id="retry", compact=True)
            else:
                yield Label("Connection (Snowflake CLI's connections.toml)", classes="section")
                with Horizontal(classes="row"):
                    yield Select[str](
                        [], id="connections", prompt="choose a connection", compact=True
                    )
                    yield Button("Connect", id="connect", variant="primary", compact=True)
                with (
                    Collapsible(title="New connection", id="new", collapsed=True),
                    Vertical(classes="form"),
                ):
                    yield OrderedInput(placeholder="connection name, e.g. myconn", id="new-name")
                    yield OrderedInput(
                        placeholder="account: ORG-ACCOUNT or its URL", id="new-account"
                    )
                    yield OrderedInput(placeholder="user", id="new-user")
                    yield Select[str](METHODS, id="new-method", value="password", allow_blank=False)
                    yield OrderedInput(
                        placeholder="password or token (kept in the OS keyring)",
                        password=True,
                        id="new-secret",
                    )
                    yield OrderedInput(placeholder="private key file (key pair only)", id="new-key")
                    yield OrderedInput(
                        placeholder="host (optional: private link, or the local emulator)",
                        id="new-host",
                    )
                    yield OrderedInput(placeholder="port (optional)", id="new-port", type="integer")
                    yield Button("Try and save", id="create", compact=True)
            yield LoadingIndicator(id="busy")
            yield Static("", id="who")
            yield Static("", id="preflight")

    def on_mount(self) -> None:
        self.picked_up = False  # a deployment picked on Welcome, its connect failed here
        self.query_one("#busy").display = False
        self.allow_next(self.wizard.ready, "connect first")
        if self.wizard.mode == "rehearsal":
            self.reach()
        else:
            self.load_connections()

    # -- account mode ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="connections")
    def load_connections(self) -> None:
        from spcs_wizard.credentials.connections_file import (
            all_connections,
            default_connection_name,
        )

        try:
            names = sorted(all_connections())
            default = default_connection_name()
        except Exception as exc:  # a broken connections.toml: say so, keep the form usable
            self.from_worker(self.show_problem, f"cannot read connections.toml: {exc}")
            return
        self.from_worker(self._fill_connections, names, default)

    def _fill_connections(self, names: list[str], default: str | None) -> None:
        select = self.query_one("#connections", Select)
        select.set_options([(n, n) for n in names])
        chosen = self.wizard.connection_name or default
        if chosen in names:
            select.value = chosen
            if self.wizard.resume_after_connect:  # a known deployment was picked up
                self.reach()
        # Named (-c, a picked-up deployment) and not there: say so, offer to make it.
        named = bool(self.wizard.connection_name) or self.wizard.resume_after_connect
        missing = named and chosen not in names
        if missing:
            choose = "choose one above, or " if names else ""
            self.show_problem(
                f"no connection named {chosen!r} in connections.toml: {choose}make it under "
                "New connection (or go Back to Welcome and choose Rehearsal: no account)",
                # Said by Next too: the opened form may push the line out of sight.
                short=f"no connection {chosen!r}: make it" + (" or pick one" if names else ""),
            )
            new_name = self.query_one("#new-name", Input)
            if chosen and not new_name.value:
                new_name.value = chosen
        if not names or missing:
            self.query_one("#new", Collapsible).collapsed = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "connect":
            select = self.query_one("#connections", Select)
            value = select.value
            if select.is_blank():
                self.notify("Choose a connection first, or create one.", severity="warning")
                return
            self.wizard.connection_name = str(value)
            self.reach()
        elif event.button.id == "retry":
            event.button.display = False
            self.wizard.resume_after_connect = self.picked_up  # on where it stopped, if picked
            self.reach()
        elif event.button.id == "create":
            self.create()
        else:
            super().on_button_pressed(event)

    def create(self) -> None:
        value = {i.id: i.value.strip() for i in self.query(Input) if i.id}
        method = str(self.query_one("#new-method", Select).value)
        request = LoginRequest(
            value["new-name"],
            value["new-account"],
            value["new-user"],
            method,
            private_key_file=value["new-key"] or None,
            host=value["new-host"] or None,
            port=int(value["new-port"]) if value["new-port"] else None,
            # As `spcs-wizard login --protocol`: only a loopback emulator speaks plain HTTP.
            protocol="http" if value["new-host"] in ("127.0.0.1", "localhost") else None,
        )
        try:
            request.parameters()
        except LoginError as exc:
            self.show_problem(str(exc))
            return
        self.try_and_save(request, self.query_one("#new-secret", Input).value or None)

    @work(thread=True, exclusive=True, group="connect")
    def try_and_save(self, request: LoginRequest, secret: str | None) -> None:
        from spcs_wizard.credentials.login import save, try_login

        self.from_worker(self.busy, True)
        try:
            try_login(request, secret)
            save(request, secret)
        except LoginError as exc:
            self.from_worker(self.show_problem, str(exc))
            return
        finally:
            self.from_worker(self.busy, False)
        self.wizard.connection_name = request.name
        self.from_worker(self._saved, request.name)

    def _saved(self, name: str) -> None:
        self.query_one("#new-secret", Input).value = ""
        self.query_one("#new", Collapsible).collapsed = True
        self.notify(f"Saved connection {name!r}; the secret is in the OS keyring.")
        self.load_connections()
        self.reach()

    # -- both modes --------------------------------------------------------------------------
    def busy(self, on: bool) -> None:
        self.query_one("#busy").display = on

    def show_problem(self, message: str, short: str = "connect first") -> None:
        # A picked-up deployment stays here; "Try again" picks it up again.
        self.picked_up = self.picked_up or self.wizard.resume_after_connect
        if self.wizard.resume_after_connect:
            self.app.clear_notifications()  # "Picking up …: connecting …" failed: said here
        self.wizard.resume_after_connect = False
        self.query_one("#who", Static).update(f"[bold red]✗[/] {escape(message)}")
        self.allow_next(False, short)
        for retry in self.query("#retry").results(Button):
            retry.display = True
            # Once laid out: a widget not yet shown takes no focus, and the screen's
            # first focus would then go elsewhere.
            self.call_after_refresh(retry.focus)

    @work(thread=True, exclusive=True, group="connect")
    def reach(self) -> None:
        """Start the rehearsal or open the connection, then run the preflight checks."""
        wizard = self.wizard
        self.from_worker(self.busy, True)
        try:
            if wizard.mode == "rehearsal":
                rehearsal = wizard.made_rehearsal()
                rehearsal.start()
                account = rehearsal.account
            else:
                from spcs_wizard.connection import connection_parameters

                account = str(
                    connection_parameters(wizard.connection_name or "").get("account", "")
                )
            runner = self.connect()
            try:
                findings = wizard.session.preflight(runner)
            finally:
                runner.con.close()
        except (ConnectionFailedError, OSError, ValueError) as exc:
            self.from_worker(self.show_problem, str(exc))
            return
        finally:
            self.from_worker(self.busy, False)
        self.from_worker(self._connected, account, findings)

    def _connected(self, account: str, findings: list[Finding]) -> None:
        wizard = self.wizard
        # A legacy locator is no ORG-ACCOUNT: the registry host then comes from SHOW IMAGE
        # REPOSITORIES alone.
        with contextlib.suppress(ConfigError):
            wizard.deployment = with_settings(wizard.deployment, {"account": account}, "connection")
        login = findings[0].detail if findings else "connected"
        wizard.connected_as = login
        where = wizard.target.label
        self.query_one("#who", Static).update(f"[bold green]✓[/] {escape(where)}: {escape(login)}")
        self.query_one("#preflight", Static).update(findings_table(findings))
        missing = [f.check for f in findings if not f.ok]
        self.allow_next(not missing, "preflight: " + ", ".join(missing) + " missing")
        # Picked up from Welcome (go where it stopped), or a step asked for before a
        # target was reached (the palette's "Go to: Teardown"): on to it.
        if wizard.resume_after_connect or wizard.after_connect:
            wizard.resume_after_connect = False
            if not missing:
                self.action_next()

    def next_step(self) -> str | None:
        """The step asked for before a target was reached, if one was; else where the
        deployment is: a finished one goes straight to monitoring, said as it goes."""
        asked, self.wizard.after_connect = self.wizard.after_connect, None
        if asked:
            self.app.clear_notifications()  # "Connect first; Teardown follows" is done
            return asked
        try:
            point = self.wizard.session.resume_point()
        except ValueError as exc:  # an unreadable local state: start over from naming
            self.notify(str(exc), severity="warning")
            point = "start"
        step = {"start": "naming", "deploy": "deploy", "monitor": "monitor"}[point]
        if step != "naming":
            self.app.clear_notifications()  # "Picking up …: connecting …" is done
            self.notify(
                # Said as the move is made (it read "so Next goes on to Monitor" with the
                # Monitor already shown).
                f"{self.wizard.deployment.deployment_id} is {RESUMED[step]}: {SHOWN[step]}. "
                "Naming, Review and Build are a ctrl+p away (Go to).",
                title="Picking up where it is",
            )
        return step
