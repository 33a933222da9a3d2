"""``spcs-wizard deploy`` and ``spcs-wizard teardown``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import (
    ConfigurationError,
    EventPrinter,
    ask_and_keep,
    confirm,
    connection_option,
    interactive,
    open_runner,
    same_target,
)
from spcs_wizard.engine.job import pools_made
from spcs_wizard.model.cost import per_hour, pool_names
from spcs_wizard.model.deployment import Deployment

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import DeploymentSession, Target


def _session(deployment: Deployment, target: Target) -> DeploymentSession:
    from spcs_wizard.engine.deployment_session import DeploymentSession

    session = DeploymentSession(target, deployment)
    session.ask_secret = ask_and_keep(session)
    try:
        session.state()  # an unreadable local state stops here, before connecting
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    return session


@click.command("deploy")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines, then a summary.")
@click.option(
    "--adopt",
    "adopt",
    multiple=True,
    metavar="NAME",
    help="Take over this existing object (as the plan names it, e.g. ZZ_MILVUS_ROLE) "
    "instead of stopping; recorded, and teardown leaves it unless --include-adopted. "
    "Repeatable.",
)
def deploy_command(
    deployment: Deployment, target: Target, as_json: bool, adopt: tuple[str, ...]
) -> None:
    """Create everything the plan lists, skipping what is already there; safe to re-run,
    and it resumes where an interrupted run stopped. Secrets come from
    SPCS_WIZARD_SECRET_<NAME> or a hidden prompt. An object of the same name that this
    deployment did not make stops it before any change (exit 3): choose other names, or
    --adopt it."""
    session = _session(deployment, target)
    session.adopt = frozenset(_plan_name(name) for name in adopt)
    problems = session.unusable_secrets()
    if problems:  # before connecting: nothing is done
        raise ConfigurationError(
            "; ".join(problems) + ". Set another value (or remove the keyring's), then run "
            "deploy again."
        )
    printer = EventPrinter(as_json)
    with open_runner(target) as runner:
        outcome = session.deploy(
            runner,
            printer,
            on_push=None if as_json else printer.push,
            on_line=None if as_json else printer.build_line,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": outcome.ok,
                    "done": outcome.done,
                    "skipped": outcome.skipped,
                    "changed": outcome.changed,
                    "failed": outcome.failed.to_dict() if outcome.failed else None,
                }
            )
        )
    elif outcome.ok:
        head = (
            f"[bold green]Deployed {deployment.deployment_id}[/]: {outcome.said()}"
            if outcome.changed
            else f"[bold green]{deployment.deployment_id} is in place[/]: nothing changed "
            f"({outcome.said()})"
        )
        printer.console.print(
            f"{head}. See it with 'spcs-wizard status' (with {same_target(target)} and the "
            "same settings)."
        )
    if not outcome.ok:
        standing = pools_made([*outcome.done, *outcome.skipped])
        if standing and not as_json:  # up with nothing on them, billed while idle
            pools = pool_names(deployment, standing)
            printer.console.print(
                f"[yellow]{pools} {'is' if len(standing) == 1 else 'are'} up and billed "
                f"({per_hour(deployment)} while running) with nothing on "
                f"{'it' if len(standing) == 1 else 'them'} yet.[/] 'spcs-wizard suspend' "
                f"({same_target(target)}, same settings) stops that until deploy runs again "
                "(it resumes them).",
                highlight=False,
            )
        foreign = outcome.failed is not None and outcome.failed.foreign
        sys.exit(exit_codes.PARTIAL if foreign else exit_codes.FAILURE)


def _plan_name(name: str) -> str:
    """A name as the plan writes it: unquoted parts upper-cased, quoted ones kept."""
    return ".".join(p if p.startswith('"') else p.upper() for p in name.strip().split("."))


@click.command("teardown")
@deployment_options
@connection_option
@click.option("--keep-data", is_flag=True, help="Keep the database, its stages and images.")
@click.option(
    "--include-shared",
    is_flag=True,
    help="Also remove the account-wide prerequisites this tool created.",
)
@click.option(
    "--include-adopted",
    is_flag=True,
    help="Also remove the objects deploy took over with --adopt.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines, then a summary.")
def teardown_command(
    deployment: Deployment,
    target: Target,
    keep_data: bool,
    include_shared: bool,
    include_adopted: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Remove what this deployment created, newest first. Objects not created by
    spcs-wizard are left alone, even with the same name. Exit 3 when some were left."""
    session = _session(deployment, target)
    printer = EventPrinter(as_json)
    with open_runner(target) as runner:  # connect first: then ask, once
        steps = session.teardown_survey(runner, keep_data, include_shared, include_adopted)
        if steps and not yes:
            if not interactive():
                raise click.UsageError("teardown needs --yes when there is no terminal to ask on")
            for step in steps:
                click.echo(f"  {step.removal}")
            # Milvus' volume is the service's: SPCS deletes a block volume with its service,
            # so it is there only while the service is: then say how to keep it.
            milvus = any(step.id == "service-milvus" for step in steps)
            lost = (
                " Milvus' data go with its service (to keep them, 'spcs-wizard suspend' "
                "instead: only storage is billed then)."
                if milvus
                else ""
            ) + ("" if keep_data else " The database, its stages and images go too.")
            if not confirm(
                f"Remove these {len(steps)} items of {deployment.deployment_id}? (only what "
                f"spcs-wizard created){lost}"
            ):
                raise click.Abort()
        # Nothing there: the teardown still runs (it forgets in the local state what is
        # gone), but its "not found" for every step would only bury the one line that says so.
        from spcs_wizard.engine.events import ignore

        listener = ignore if not steps and not as_json else printer
        outcome = session.teardown(runner, listener, keep_data, include_shared, include_adopted)
    left = outcome.left
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
    elif outcome.ok and not outcome.removed and not left:
        printer.console.print(f"Nothing to remove: {deployment.deployment_id} is not deployed.")
    elif outcome.ok:
        from spcs_wizard.engine.teardown import kept_by_options

        kept = [k for k, why in outcome.skipped.items() if why.startswith("adopted")]
        options = kept_by_options(
            session.plan(), keep_data=keep_data, include_shared=include_shared
        )
        printer.console.print(
            f"Removed {len(outcome.removed)} items; left {len(left)} that spcs-wizard did not "
            f"create"
            + (f", and kept {len(kept)} adopted ({', '.join(kept)})." if kept else ".")
            + (f" Kept: {'; '.join(options)}." if options else "")
        )
    if not outcome.ok:
        sys.exit(exit_codes.FAILURE)
    if left:
        sys.exit(exit_codes.PARTIAL)
