"""``spcs-wizard specs``: render, validate and diff the service specifications."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import deployment_options, dns_domain_option
from spcs_wizard.cli.session import connection_option, open_runner
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.specs.render import SERVICES, needs_domain, render, render_all, write_all
from spcs_wizard.specs.validate import validate_text

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Target

domain_option = dns_domain_option(
    "The schema's service DNS domain (SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('db.schema'), "
    "once the schema exists), so the specs name Milvus as SPCS resolves it."
)


def _domain_note(deployment: Deployment, domain: str | None) -> None:
    if domain is None and any(needs_domain(s) for s in deployment.service_keys):
        click.echo(
            "note: the specs name Milvus by the schema's DNS domain, which exists "
            "only once the schema does; it reads ${schema_dns_domain} here. Pass "
            "--dns-domain (deploy fills it in by itself).",
            err=True,
        )


@click.group("specs")
def specs_group() -> None:
    """Render, validate and compare the Milvus and Jupyter service specifications."""


@specs_group.command("render")
@deployment_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the files into this directory instead of printing them.",
)
@domain_option
def render_command(deployment: Deployment, out: Path | None, domain: str | None) -> None:
    """Render the specifications from the deployment settings."""
    _domain_note(deployment, domain)
    if out is not None:
        for path in write_all(deployment, out, domain):
            click.echo(f"Wrote {path}")
        return
    for number, spec in enumerate(render_all(deployment, domain)):
        if number:
            click.echo("---")
        click.echo(f"# file: {spec.file_name}")
        click.echo(spec.text, nl=False)


@specs_group.command("validate")
@deployment_options
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
def validate_command(deployment: Deployment, files: tuple[Path, ...], as_json: bool) -> None:
    """Check specifications (default: the rendered ones) against Snowflake's format and
    spcs-wizard's safety rules. Exit 1 when any has a problem."""
    names = deployment.names()
    secrets = [names.in_schema(names.jupyter_secret), names.in_schema(names.milvus_secret)]
    documents = (
        [(str(f), _read(f)) for f in files]
        if files
        else [(s.file_name, s.text) for s in render_all(deployment)]
    )
    report = {name: validate_text(text, known_secrets=secrets) for name, text in documents}
    if as_json:
        click.echo(
            json.dumps(
                {
                    name: [{"path": p.path, "message": p.message} for p in found]
                    for name, found in report.items()
                },
                indent=2,
            )
        )
    else:
        for name, found in report.items():
            if not found:
                click.echo(f"{name}: valid")
            for problem in found:
                click.echo(f"{name}: {problem}")
    if any(report.values()):
        sys.exit(exit_codes.FAILURE)


@specs_group.command("diff")
@deployment_options
@click.argument("service", type=click.Choice(SERVICES))
@click.option(
    "--running",
    "running_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Compare with this file instead of the account.",
)
@connection_option
@domain_option
def diff_command(
    deployment: Deployment,
    service: str,
    running_file: Path | None,
    target: Target,
    domain: str | None,
) -> None:
    """Show how the spec running in the account (DESCRIBE SERVICE) differs from the one we
    would deploy. Exit 0 when they match, 3 when they differ."""
    # Imported here: the connector takes most of a second to import, and the other
    # commands do not need it.
    from snowflake.connector.errors import Error as ConnectorError

    from spcs_wizard.specs.running import RunningSpecError, running_spec

    if running_file is not None:
        running = _read(running_file)
        source = str(running_file)
    else:
        names = deployment.names()
        name = names.service(service)
        fqn = names.in_schema(name)
        try:
            with open_runner(target) as runner:
                running = running_spec(runner.con, fqn, role=names.sys_admin.sql())
                if domain is None and needs_domain(service):
                    domain = schema_dns_domain(runner.con, deployment)
        except (RunningSpecError, ConnectorError) as exc:
            raise click.ClickException(str(exc)) from None
        source = f"{fqn} (running)"
    wanted = render(deployment, service, domain).text
    diff = list(
        difflib.unified_diff(
            running.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            fromfile=source,
            tofile=f"{service} (would deploy)",
        )
    )
    if not diff:
        click.echo(f"{source} matches what spcs-wizard would deploy.")
        return
    click.echo("".join(diff), nl=False)
    sys.exit(exit_codes.PARTIAL)


def schema_dns_domain(con: object, deployment: Deployment) -> str:
    """Ask the account for the deployment schema's service DNS domain."""
    from spcs_wizard.model.names import dns_domain
    from spcs_wizard.specs.render import dns_domain_sql

    cursor = con.cursor()  # type: ignore[attr-defined]
    try:
        cursor.execute(f"USE ROLE {deployment.names().sys_admin.sql()}")
        row = cursor.execute(dns_domain_sql(deployment)).fetchone()
    finally:
        cursor.close()
    return dns_domain(str(row[0]))


def _read(path: Path) -> str:
    """A specification file as text; one that is not UTF-8 is a clear error."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
