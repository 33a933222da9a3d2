"""``spcs-wizard status|logs|endpoints|suspend|resume``: watch and operate a deployment."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import connection_option, open_runner
from spcs_wizard.model.deployment import Deployment

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import Snapshot

_STYLE = {
    "READY": "green",
    "RUNNING": "green",
    "ACTIVE": "green",
    "IDLE": "green",
    "PENDING": "yellow",
    "STARTING": "yellow",
    "SUSPENDED": "dim",
    "FAILED": "bold red",
}


def _styled(value: str | None) -> str:
    text = value or "-"
    return f"[{_STYLE.get(text, 'white')}]{text}[/]"


def render_snapshot(snap: Snapshot) -> Group:
    pools = Table(title="Compute pools", title_justify="left")
    for column in ("pool", "state", "family", "nodes", "auto-suspend"):
        pools.add_column(column)
    for p in snap.pools:
        pools.add_row(
            p.name,
            _styled(p.state),
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
                _styled(s.status),
                c.name if c else "-",
                _styled(c.status) if c else "-",
                str(c.restart_count) if c and c.restart_count is not None else "-",
                (c.message or "") if c else "",
            )
        for e in s.endpoints:
            endpoints.add_row(
                s.name, e.name, str(e.port), "yes" if e.is_public else "no", e.ingress_url or ""
            )
    if not snap.services:
        services.add_row("-", "not deployed", "", "", "", "")
    return Group(pools, services, endpoints)


def _take(runner: SqlRunner, deployment: Deployment) -> Snapshot:
    from spcs_wizard.engine.snapshot import take

    return take(runner, deployment)


@click.command("status")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True, help="The snapshot as JSON.")
@click.option("--watch", is_flag=True, help="Refresh in place until Ctrl-C.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds between refreshes with --watch.",
)
def status_command(
    deployment: Deployment, connection_name: str, as_json: bool, watch: bool, interval: float
) -> None:
    """Compute pools, services, containers (restarts, messages) and endpoints. Exit 3 when
    something is not running."""
    with open_runner(connection_name) as runner:
        snap = _take(runner, deployment)
        if watch and not as_json:
            with Live(render_snapshot(snap), refresh_per_second=4) as live:
                try:
                    while True:
                        time.sleep(interval)
                        live.update(render_snapshot(_take(runner, deployment)))
                except KeyboardInterrupt:
                    pass
            return
    if as_json:
        click.echo(json.dumps(snap.to_dict(), indent=2))
    else:
        Console().print(render_snapshot(snap))
    if not snap.healthy:
        sys.exit(exit_codes.PARTIAL)


@click.command("logs")
@deployment_options
@connection_option
@click.argument("service", type=click.Choice(["milvus", "jupyter"]))
@click.option("--lines", "-n", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--instance", default="0", show_default=True)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
def logs_command(
    deployment: Deployment,
    connection_name: str,
    service: str,
    lines: int,
    instance: str,
    follow: bool,
) -> None:
    """The service container's log (SYSTEM$GET_SERVICE_LOGS)."""
    n = deployment.names()
    fqn = n.in_schema(n.milvus_service if service == "milvus" else n.jupyter_service)
    container = deployment.milvus.image if service == "milvus" else deployment.jupyter.image
    sql = f"SELECT SYSTEM$GET_SERVICE_LOGS('{fqn}', '{instance}', '{container}', {lines})"
    seen: list[str] = []
    with open_runner(connection_name) as runner:
        while True:
            rows = runner.query(sql, n.sys_admin)
            text = str(next(iter(rows[0].values()), "") or "") if rows else ""
            current = text.splitlines()
            start = _overlap(seen, current)
            for line in current[start:]:
                click.echo(line)
            seen = current
            if not follow:
                return
            try:
                time.sleep(2)
            except KeyboardInterrupt:
                return


def _overlap(before: list[str], now: list[str]) -> int:
    """How many leading lines of ``now`` were already printed (logs are a moving tail)."""
    for size in range(min(len(before), len(now)), 0, -1):
        if before[-size:] == now[:size]:
            return size
    return 0


@click.command("endpoints")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def endpoints_command(deployment: Deployment, connection_name: str, as_json: bool) -> None:
    """Public URLs of the services (log in to them with Snowflake)."""
    with open_runner(connection_name) as runner:
        snap = _take(runner, deployment)
    found = [
        {"service": s.name, "endpoint": e.name, "url": e.ingress_url}
        for s in snap.services
        for e in s.endpoints
        if e.is_public
    ]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for item in found:
        url = item["url"] or "not assigned yet"
        shown = f"https://{url}" if "." in url and " " not in url else url
        click.echo(f"{item['service']:10} {item['endpoint']:10} {shown}")


def _switch(deployment: Deployment, connection_name: str, verb: str) -> None:
    n = deployment.names()
    services = [n.in_schema(n.milvus_service), n.in_schema(n.jupyter_service)]
    pools = [n.milvus_pool.sql(), n.jupyter_pool.sql()]
    statements = (
        [f"ALTER SERVICE IF EXISTS {s} SUSPEND" for s in services]
        + [f"ALTER COMPUTE POOL IF EXISTS {p} SUSPEND" for p in pools]
        if verb == "suspend"
        else [f"ALTER COMPUTE POOL IF EXISTS {p} RESUME" for p in pools]
        + [f"ALTER SERVICE IF EXISTS {s} RESUME" for s in services]
    )
    with open_runner(connection_name) as runner:
        for statement in statements:
            runner.execute(statement, n.sys_admin, statement)
            click.echo(statement)


@click.command("suspend")
@deployment_options
@connection_option
def suspend_command(deployment: Deployment, connection_name: str) -> None:
    """Suspend the services and their compute pools (no credits while suspended)."""
    _switch(deployment, connection_name, "suspend")


@click.command("resume")
@deployment_options
@connection_option
def resume_command(deployment: Deployment, connection_name: str) -> None:
    """Resume the compute pools and the services."""
    _switch(deployment, connection_name, "resume")


@click.command("preflight")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def preflight_command(deployment: Deployment, connection_name: str, as_json: bool) -> None:
    """Check that this login can deploy: roles, SPCS, public endpoints. Each missing piece
    comes with the statement an administrator would run. Exit 3 when something is
    missing."""
    from spcs_wizard.engine import preflight
    from spcs_wizard.model.plan import build_plan

    with open_runner(connection_name) as runner:
        findings = preflight.run(runner, build_plan(deployment))
    if as_json:
        click.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        console = Console(highlight=False)
        for f in findings:
            mark = "[green]✓[/]" if f.ok else "[bold red]✗[/]"
            console.print(f"{mark} {f.check}: {f.detail}")
            if f.fix:
                console.print(f"    an administrator runs: [bold]{f.fix}[/]")
    if not all(f.ok for f in findings):
        sys.exit(exit_codes.PARTIAL)
