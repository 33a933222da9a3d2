"""``spcs-wizard plan``: what a deployment would do, without a connection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spcs_wizard.cli.options import deployment_options, dns_domain_option
from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.plan_export import to_data, to_script
from spcs_wizard.model.step import Step, StepKind

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment

# What each kind of step does, under its title with the step's id (as --json and the
# deploy's log name it).
_KIND_SAID = {
    StepKind.SQL: "[cyan]runs SQL[/]",
    StepKind.PUT: "[magenta]uploads a file (PUT)[/]",
    StepKind.IMAGE: "[yellow]puts an image in the repository[/]",
    StepKind.WAIT: "[dim]waits, looking until it holds[/]",
}


def _table(steps: list[Step], title: str, undo: bool = False) -> Table:
    """One row a step: what it does (for a teardown, what undoing it runs: DROP, REVOKE,
    with what the step made), then its id and kind; the role it runs as."""
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("#", justify="right", style="dim")
    table.add_column("what it does", overflow="fold", ratio=1)
    table.add_column("runs as", no_wrap=True)
    for number, step in enumerate(steps, 1):
        text = escape(step.removal if undo else step.title)
        if step.target is not None and step.target.shared:
            text += " [dim](shared by the account)[/]"
        if undo:
            text += f"\n[dim]undoes step {step.id}: {escape(step.title)}[/]"
        else:
            text += f"\n[dim]step {step.id} ·[/] {_KIND_SAID[step.kind]}"
        table.add_row(str(number), text, step.role.name)
    return table


@click.command("plan")
@deployment_options
@click.option("--sql", "as_sql", is_flag=True, help="Print a runnable SQL script instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--teardown", is_flag=True, help="Show what teardown would remove, in order.")
@click.option("--keep-data", is_flag=True, help="With --teardown: keep database and stages.")
@click.option(
    "--include-shared",
    is_flag=True,
    help="With --teardown: also remove account-wide prerequisites (ingress integration, "
    "BIND SERVICE ENDPOINT) that other deployments may use.",
)
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding the rendered service specifications to upload.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --sql: write DIR/deploy.sql and the rendered specs in DIR/specs/ that its PUT "
    "lines upload, ready for `snow sql -f DIR/deploy.sql`.",
)
@dns_domain_option(
    "With --out: the schema's service DNS domain (SYSTEM$GET_SERVICE_DNS_DOMAIN, once the "
    "schema exists), so the services' specs are written too for DIR/services.sql."
)
def plan_command(
    deployment: Deployment,
    as_sql: bool,
    as_json: bool,
    teardown: bool,
    keep_data: bool,
    include_shared: bool,
    spec_dir: Path | None,
    out: Path | None,
    domain: str | None,
) -> None:
    """Show every step a deployment takes: role, SQL, check, undo. No connection needed."""
    if as_sql and as_json:
        raise click.UsageError("choose one of --sql and --json")
    if (keep_data or include_shared) and not teardown:
        raise click.UsageError("--keep-data and --include-shared go with --teardown")
    if out is not None and (not as_sql or teardown or spec_dir is not None):
        raise click.UsageError("--out goes with --sql (a deployment), and names the spec dir")
    if domain is not None and out is None:
        raise click.UsageError("--dns-domain goes with --out")
    if out is not None:
        _write_out(deployment, out, domain)
        return
    plan = build_plan(deployment, spec_dir)
    steps = (
        plan.teardown(keep_data=keep_data, include_shared=include_shared)
        if teardown
        else list(plan.steps)
    )
    if as_json:
        data = to_data(plan, teardown=steps if teardown else None)
        click.echo(json.dumps(data, indent=2))
        return
    if as_sql:
        click.echo(to_script(plan, steps, undo=teardown), nl=False)
        return
    console = Console()
    name = deployment.deployment_id
    title = f"Teardown of {name}" if teardown else f"Deployment plan for {name}"
    console.print(_table(steps, title, undo=teardown))
    if teardown:
        console.print(
            f"{len(steps)} steps undo objects, newest first. "
            "Objects are dropped only if this tool created them."
        )
        return
    secrets = ", ".join(s.key for s in plan.secrets if not s.generated)
    made_up = ", ".join(s.key for s in plan.secrets if s.generated)
    console.print(
        f"{len(steps)} steps. Secrets needed at deploy time (from the OS keyring, never "
        f"shown): {secrets or 'none'}."
        + (f" Made up at deploy time and kept only by Snowflake: {made_up}." if made_up else "")
    )
    console.print("See the SQL with [bold]spcs-wizard plan --sql[/], data with --json.")


def _write_out(deployment: Deployment, out: Path, domain: str | None) -> None:
    from spcs_wizard.cli.plan_out import write_script_dir

    out = out.resolve()
    plan = build_plan(deployment, out / "specs")
    try:
        written = write_script_dir(plan, out, domain)
    except OSError as exc:
        raise click.ClickException(f"cannot write into {out}: {exc.strerror}") from None
    for path in written:
        click.echo(f"Wrote {path}")
    secrets = " ".join(f'-D "{s.key}=..."' for s in plan.secrets)
    click.echo(f"Run: snow sql -f {out / 'deploy.sql'} {secrets}".rstrip())
    for slot in (s for s in plan.secrets if s.generated):
        click.echo(f"  {slot.key}: any strong value you make up; nobody needs it again")
    if domain is not None:
        click.echo(f"Then: snow sql -f {out / 'services.sql'}")
    else:
        click.echo("Then: as deploy.sql ends by saying (the DNS domain, then services.sql)")
