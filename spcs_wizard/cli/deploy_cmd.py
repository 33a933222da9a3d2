"""``spcs-wizard deploy`` and ``spcs-wizard teardown``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import (
    EventPrinter,
    confirm,
    connection_option,
    deployment_secrets,
    interactive,
    open_runner,
)
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.paths import deployment_dir

if TYPE_CHECKING:
    from spcs_wizard.engine.state import DeploymentState


def _state(deployment: Deployment) -> DeploymentState:
    from spcs_wizard.engine.state import DeploymentState

    path = deployment_dir(deployment.deployment_id) / "state.json"
    try:
        return DeploymentState.load(path, deployment.deployment_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("deploy")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines, then a summary.")
def deploy_command(deployment: Deployment, connection_name: str, as_json: bool) -> None:
    """Create everything the plan lists, skipping what is already there; safe to re-run,
    and it resumes where an interrupted run stopped. Secrets come from
    SPCS_WIZARD_SECRET_<NAME> or a hidden prompt."""
    from spcs_wizard.connection import password_of
    from spcs_wizard.engine.apply import Deployer
    from spcs_wizard.engine.images import RegistryPusher
    from spcs_wizard.images.push import PushLedger

    plan = build_plan(deployment)
    printer = EventPrinter(as_json)
    ledger = PushLedger(deployment_dir(deployment.deployment_id) / "pushed.json")
    with open_runner(connection_name) as runner:
        pusher = RegistryPusher(
            runner,
            deployment,
            ledger=ledger,
            on_line=(lambda line: None) if as_json else printer.build_line,
            on_push=(lambda event: None) if as_json else printer.push,
            password_login=lambda: password_of(connection_name),
        )
        outcome = Deployer(
            runner,
            plan,
            _state(deployment),
            deployment_secrets(deployment.deployment_id),
            push_image=pusher,
            on_event=printer,
        ).run()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": outcome.ok,
                    "done": outcome.done,
                    "skipped": outcome.skipped,
                    "failed": outcome.failed.to_dict() if outcome.failed else None,
                }
            )
        )
    elif outcome.ok:
        printer.console.print(
            f"[bold green]Deployed {deployment.deployment_id}[/]: "
            f"{len(outcome.done)} steps run, {len(outcome.skipped)} already "
            "done. See it with 'spcs-wizard status'."
        )
    if not outcome.ok:
        sys.exit(exit_codes.FAILURE)


@click.command("teardown")
@deployment_options
@connection_option
@click.option("--keep-data", is_flag=True, help="Keep the database, its stages and images.")
@click.option(
    "--include-shared",
    is_flag=True,
    help="Also remove the account-wide prerequisites this tool created.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines, then a summary.")
def teardown_command(
    deployment: Deployment,
    connection_name: str,
    keep_data: bool,
    include_shared: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Remove what this deployment created, newest first. Objects not created by
    spcs-wizard are left alone, even with the same name. Exit 3 when some were left."""
    from spcs_wizard.engine.teardown import Teardown, preview

    plan = build_plan(deployment)
    steps = preview(plan, keep_data=keep_data, include_shared=include_shared)
    if not yes and not interactive():
        raise click.UsageError("teardown needs --yes when there is no terminal to ask on")
    printer = EventPrinter(as_json)
    with open_runner(connection_name) as runner:  # connect first: then ask, once
        if not yes:
            for step in steps:
                target = step.target
                click.echo(f"  {target.kind} {target.name}" if target else f"  {step.id}")
            if not confirm(
                f"Remove these {len(steps)} items of {deployment.deployment_id}? "
                "(only those spcs-wizard created)"
            ):
                raise click.Abort()
        outcome = Teardown(
            runner, plan, _state(deployment), keep_data, include_shared, on_event=printer
        ).run()
    left = {k: v for k, v in outcome.skipped.items() if "not " in v}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": outcome.ok,
                    "removed": outcome.removed,
                    "left": left,
                    "failed": outcome.failed.to_dict() if outcome.failed else None,
                }
            )
        )
    elif outcome.ok:
        printer.console.print(
            f"Removed {len(outcome.removed)} items; left {len(left)} that "
            "spcs-wizard did not create."
        )
    if not outcome.ok:
        sys.exit(exit_codes.FAILURE)
    if left:
        sys.exit(exit_codes.PARTIAL)
