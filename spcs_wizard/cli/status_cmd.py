"""``spcs-wizard status|logs|endpoints|suspend|resume``: watch and operate a deployment."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Literal

import click
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import FiniteRange, deployment_options
from spcs_wizard.cli.out_console import OutConsole
from spcs_wizard.cli.session import connection_option, open_runner, same_target
from spcs_wizard.engine.operations import PublicEndpoint, public_endpoints, unassigned
from spcs_wizard.model.cost import starting_note
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.state_style import condition, styled

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import Snapshot


def headline(snap: Snapshot) -> Text:
    """ "MILVUS_DEMO: running · 0.22 credits an hour now": the whole, in one line."""
    line = Text(f"{snap.deployment_id}: ", style="bold") + condition(snap.condition)
    rate = snap.credits_per_hour
    if snap.pools:
        line.append(
            f" · {rate:g} credits an hour now (its pools as they are)"
            if rate is not None
            else " · cost unknown (a pool family without a figure)"
        )
        if note := starting_note(p.state for p in snap.pools):
            line.append(f"; {note}")
    return line


def render_snapshot(snap: Snapshot) -> Group:
    pools = Table(title="Compute pools", title_justify="left")
    for column in ("pool", "state", "family", "nodes", "auto-suspend"):
        pools.add_column(column)
    for p in snap.pools:
        pools.add_row(
            p.name,
            styled(p.state),
            p.instance_family,
            f"{p.active_nodes}/{p.min_nodes}-{p.max_nodes}",
            f"{p.auto_suspend_secs} s" if p.auto_suspend_secs else "off",
        )
    services = Table(title="Services and containers", title_justify="left")
    for column in ("service", "status", "container", "state", "restarts", "message"):
        services.add_column(column, overflow="fold")
    endpoints = Table(title="Endpoints", title_justify="left")
    for column in ("service", "endpoint", "port", "public", "url"):
        endpoints.add_column(column, overflow="fold")
    for s in snap.services:
        for c in s.containers or [None]:
            services.add_row(
                s.name,
                styled(s.status),
                c.name if c else "-",
                styled(c.status) if c else "-",
                str(c.restart_count) if c and c.restart_count is not None else "-",
                (c.message or "") if c else "",
            )
        for e in s.endpoints:
            address = PublicEndpoint(s.name, e.name, e.ingress_url).link
            shown = address or (unassigned(snap.condition) if e.is_public else "")
            endpoints.add_row(s.name, e.name, str(e.port), "yes" if e.is_public else "no", shown)
    if not snap.services:
        services.add_row("-", "not deployed", "", "", "", "")
    return Group(headline(snap), pools, services, endpoints)


def whole_links(out: OutConsole, snap: Snapshot) -> None:
    """A terminal narrower than the tables folds each URL across rows of its cell, where
    it can be neither clicked nor copied: each public one again, whole on a line of its
    own (the terminal wraps it, and keeps it one line to select)."""
    links = [e for e in public_endpoints(snap) if e.link]
    if links:
        out.print("Public URLs, whole:")
        for e in links:
            out.print(f"  {e.service} {e.endpoint}: {e.link}", soft_wrap=True, highlight=False)


def _take(runner: SqlRunner, deployment: Deployment, target: Target) -> Snapshot:
    from spcs_wizard.engine.snapshot import take

    return take(runner, deployment, account_clock=target.account_clock)


@click.command("status")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True, help="The snapshot as JSON.")
@click.option(
    "--watch",
    is_flag=True,
    help="Refresh in place until Ctrl-C (into a file or a pipe: one look after another).",
)
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=FiniteRange(min=1),
    help="Seconds between refreshes with --watch.",
)
def status_command(
    deployment: Deployment, target: Target, as_json: bool, watch: bool, interval: float
) -> None:
    """Compute pools, services, containers (restarts, messages) and endpoints. Exit 3 when
    something is not running."""
    with open_runner(target) as runner:
        snap = _take(runner, deployment, target)
        if watch and not as_json and not sys.stdout.isatty():
            # A file or a pipe: Live would write nothing until the end. One look per
            # refresh instead, each appended as it comes.
            console = OutConsole()
            try:
                while True:
                    console.print_whole(render_snapshot(snap))
                    sys.stdout.flush()
                    time.sleep(interval)
                    snap = _take(runner, deployment, target)
            except KeyboardInterrupt:
                pass
            return
        if watch and not as_json:
            # Said first: a screen too short for the tables cuts their end, not this.
            how = Text(f"every {interval:g} s · Ctrl-C stops watching", style="dim")

            def watched(snap: Snapshot) -> Group:
                return Group(how, render_snapshot(snap))

            with Live(watched(snap), refresh_per_second=4) as live:
                try:
                    while True:
                        time.sleep(interval)
                        live.update(watched(_take(runner, deployment, target)))
                except KeyboardInterrupt:
                    pass
            return
    if as_json:
        click.echo(json.dumps(snap.to_dict(), indent=2))
    elif not snap.pools and not snap.services:  # no empty tables: what there is to do
        OutConsole().print(headline(snap))
        click.echo(
            "No compute pools or services of it in the account (a teardown keeping the "
            f"database leaves that): 'spcs-wizard deploy {same_target(target)}' makes them."
        )
    else:
        out = OutConsole()
        shown = render_snapshot(snap)
        out.print_whole(shown)
        if out.is_terminal and out.needs(shown) > out.width:
            whole_links(out, snap)
    if not snap.healthy:
        sys.exit(exit_codes.PARTIAL)


@click.command("logs")
@deployment_options
@connection_option
@click.argument("service", type=click.Choice(["milvus", "jupyter"]))
@click.option("--lines", "-n", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--instance", default="0", show_default=True)
@click.option(
    "--container",
    help="Which container: default the service's own (milvus, jupyter); Milvus' service "
    "also has 'gateway', its public door.",
)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
def logs_command(
    deployment: Deployment,
    target: Target,
    service: str,
    lines: int,
    instance: str,
    container: str | None,
    follow: bool,
) -> None:
    """The service container's log (SYSTEM$GET_SERVICE_LOGS). Exit 3 when there is none
    now (a suspended or starting service, or none deployed)."""
    from spcs_wizard.engine.operations import (
        LogUnavailableError,
        ServiceMissingError,
        new_lines,
        service_logs,
    )

    seen: list[str] = []
    waiting = False  # following, and said once that there is no log for now
    with open_runner(target) as runner:
        while True:
            try:
                current = service_logs(runner, deployment, service, instance, lines, container)
            except LogUnavailableError as exc:
                if not follow or isinstance(exc, ServiceMissingError):  # waiting won't help
                    raise exit_codes.NeedsAttention(str(exc)) from None
                if not waiting:
                    click.echo(f"waiting: {exc}", err=True)
                waiting = True
                current = seen  # following: wait for it to come back
            if not current and not follow:  # (help: exit 3 when there is none now)
                raise exit_codes.NeedsAttention(
                    f"no log lines from {service} yet (starting, or just resumed): try again "
                    f"in a moment, or follow it with -f ('spcs-wizard status "
                    f"{same_target(target)}' shows where it stands)"
                )
            for line in new_lines(seen, current):
                click.echo(line)
            seen = current
            if not follow:
                return
            try:
                time.sleep(2)
            except KeyboardInterrupt:
                return


@click.command("endpoints")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def endpoints_command(deployment: Deployment, target: Target, as_json: bool) -> None:
    """Public URLs of the services (log in to them with Snowflake). Exit 3 when there is
    none yet."""
    from spcs_wizard.engine.operations import no_public_endpoint, public_endpoints, unassigned

    with open_runner(target) as runner:
        snap = _take(runner, deployment, target)
    found = public_endpoints(snap)
    assigned = [e for e in found if e.link]
    if as_json:
        click.echo(json.dumps([{**e.__dict__, "link": e.link} for e in found], indent=2))
    elif assigned:
        for e in found:
            click.echo(f"{e.service:10} {e.endpoint:10} {e.link or unassigned(snap.condition)}")
    else:  # said on stderr, not an empty table: a script reading URLs reads none
        why = no_public_endpoint(deployment.deployment_id, snap.condition)
        again = same_target(target)
        next_step = (
            f"'spcs-wizard resume {again}' brings it back."
            if snap.condition == "suspended"
            else f"'spcs-wizard status {again}' shows where it stands."
        )
        click.echo(f"{why} {next_step}", err=True)
    if not assigned:
        sys.exit(exit_codes.PARTIAL)  # as status: something needs attention


def _switch(deployment: Deployment, target: Target, verb: Literal["suspend", "resume"]) -> None:
    from spcs_wizard.engine.operations import nothing_to_switch, switch, switched

    with open_runner(target) as runner:
        ran = switch(runner, deployment, verb)
    for statement in ran:
        click.echo(statement)
    said = switched(verb, deployment, same_target(target))
    click.echo(said if ran else nothing_to_switch(verb, deployment))


@click.command("suspend")
@deployment_options
@connection_option
def suspend_command(deployment: Deployment, target: Target) -> None:
    """Suspend the services and their compute pools (no credits while suspended)."""
    _switch(deployment, target, "suspend")


@click.command("resume")
@deployment_options
@connection_option
def resume_command(deployment: Deployment, target: Target) -> None:
    """Resume the compute pools and the services."""
    _switch(deployment, target, "resume")


@click.command("preflight")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def preflight_command(deployment: Deployment, target: Target, as_json: bool) -> None:
    """Check that this login can deploy: roles, SPCS, public endpoints. Each missing piece
    comes with the statement an administrator would run. Exit 3 when something is
    missing."""
    from spcs_wizard.engine import preflight
    from spcs_wizard.model.plan import build_plan

    with open_runner(target) as runner:
        findings = preflight.run(runner, build_plan(deployment))
    if as_json:
        click.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        console = OutConsole(highlight=False)
        for f in findings:
            mark = "[green]✓[/]" if f.ok else "[bold red]✗[/]"
            console.print(f"{mark} {f.check}: {f.detail}")
            if f.fix:
                console.print(f"    an administrator runs: [bold]{f.fix}[/]")
    if not all(f.ok for f in findings):
        sys.exit(exit_codes.PARTIAL)
