"""``spcs-wizard workshop``: one instructor, many attendees on one shared account."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from rich.markup import escape

from spcs_wizard.cli import (
    exit_codes,
    workshop_handout,  # noqa: F401  (registers 'workshop handout')
)
from spcs_wizard.cli.options import FiniteRange, workshop_deployment_options
from spcs_wizard.cli.session import ConfigurationError, confirm, interactive
from spcs_wizard.cli.workshop_common import (
    NoWorkshopError,
    build_workshop,
    check_record,
    class_options,
    classroom_on,
    console,
    finish,
    guarded,
    guarded_look,
    hours_option,
    keyring_note,
    name_option,
    printer,
    recorded,
    recorded_class,
    slugs,
    target_for,
    target_options,
    workshop_group,
)
from spcs_wizard.workshop.workshop import (
    DEFAULT_NAME,
    WorkshopError,
    workshop_rehearsal_home,
)

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.workshop.shared_pools import PoolShape


# -- plan ---------------------------------------------------------------------------------
@workshop_group.command("plan")
@name_option
@class_options
@workshop_deployment_options
@click.option("--json", "as_json", is_flag=True, help="The objects and the cost as JSON.")
def plan_command(
    name: str,
    attendees: int | None,
    roster: Path | None,
    hours: float,
    connections: int,
    pools: PoolShape,
    images: PoolShape,
    deployment: Deployment,
    as_json: bool,
) -> None:
    """Every object each attendee gets, and the cost (credits an hour while running, and
    for the workshop's length, from Snowflake's consumption table), before anything is
    made. Connects to nothing."""
    from spcs_wizard.cli.workshop_view import cost_table, objects_table
    from spcs_wizard.workshop.cost import workshop_cost
    from spcs_wizard.workshop.inventory import class_objects

    workshop = build_workshop(
        name, deployment, attendees, roster, hours, connections, pools, images
    )
    cost = workshop_cost(workshop)
    if as_json:
        click.echo(json.dumps({"objects": class_objects(workshop), "cost": cost.to_dict()}))
        return
    console.print(objects_table(workshop))
    console.print(cost_table(cost))


# -- provision ----------------------------------------------------------------------------
@workshop_group.command("provision")
@target_options
@class_options
@workshop_deployment_options
@click.option("--yes", is_flag=True, help="Do not ask before creating what bills credits.")
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def provision_command(
    name: str,
    connection_name: str | None,
    rehearsal: bool,
    attendees: int | None,
    roster: Path | None,
    hours: float,
    connections: int,
    pools: PoolShape,
    images: PoolShape,
    deployment: Deployment,
    yes: bool,
    as_json: bool,
) -> None:
    """Make every attendee's deployment, side by side (at most --connections at once);
    safe to re-run: it resumes where a run stopped and skips what is in place. The
    attendees' passwords go to your keyring (see 'workshop handout')."""
    from spcs_wizard.workshop.cost import workshop_cost

    workshop = build_workshop(
        name, deployment, attendees, roster, hours, connections, pools, images
    )
    cost = workshop_cost(workshop)
    if not rehearsal and not yes:
        shared = workshop.shared_pools
        pool_count = len(shared) or len(workshop.attendees) * len(workshop.settings.service_keys)
        kind = "shared compute pools" if shared else "compute pools"
        question = (
            f"Create {len(workshop.attendees)} deployments ({pool_count} {kind} in all)? "
            f"While running they bill about {cost.running_per_hour:g} "
            f"credits an hour, {cost.running_total:g} for {hours:g} h."
        )
        if not interactive():
            raise click.UsageError(
                "provision bills credits: add --yes when there is no terminal to ask on"
            )
        if not confirm(question):
            raise click.Abort()
    with target_for(rehearsal, connection_name) as target:
        room = classroom_on(workshop, target)
        check_record(room)
        keyring_note()
        pool = room.pool()
        try:
            show = printer(as_json, "provision", slugs(room))
            report = guarded(lambda: room.provision(pool, on_result=show))
        finally:
            pool.close()
    finish(report, as_json, "provisioned")


# -- status -------------------------------------------------------------------------------
@workshop_group.command("status")
@target_options
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per attendee.")
def status_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """One row per attendee: user, role, state, pools, services, restarts, credits an hour
    now, endpoint and last error. Exit 3 when an attendee's deployment is not running."""
    from spcs_wizard.workshop.status import class_rows

    try:
        with recorded_class(name, connection_name, rehearsal) as (room, pool):
            looks = guarded_look(lambda: room.snapshots(pool))
    except NoWorkshopError as exc:  # nothing to look at: said, exit 3 (as status is)
        click.echo(f"Nothing to show: {exc.message}.", err=True)
        sys.exit(exit_codes.PARTIAL)
    rows = class_rows(room, looks)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows]))
    else:
        from spcs_wizard.cli.workshop_view import status_table

        # Wrapped at words (the console soft-wraps: its one-line-per-attendee lines stay
        # whole).
        console.print(
            status_table(room.workshop, rows, rehearsal=room.target.is_rehearsal), soft_wrap=False
        )
    if any(r.condition != "running" for r in rows):  # needs attention, as `status` says
        sys.exit(exit_codes.PARTIAL)


# -- suspend, resume, teardown ------------------------------------------------------------
def _switch(
    name: str,
    connection_name: str | None,
    rehearsal: bool,
    as_json: bool,
    verb: Literal["suspend", "resume"],
) -> None:
    try:
        with recorded_class(name, connection_name, rehearsal) as (room, pool):
            show = printer(as_json, verb, slugs(room))
            report = guarded(lambda: room.switch(pool, verb, on_result=show))
    except NoWorkshopError as exc:  # the state asked for holds: said, exit 0
        click.echo(f"Nothing to {verb}: {exc.message}.")
        return
    from spcs_wizard.workshop.classroom import SWITCHED

    finish(report, as_json, SWITCHED[verb])


@workshop_group.command("suspend")
@target_options
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def suspend_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """Suspend every attendee's services, then their pools (no credits while suspended)."""
    _switch(name, connection_name, rehearsal, as_json, "suspend")


@workshop_group.command("resume")
@target_options
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def resume_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """Resume every attendee's pools, then their services."""
    _switch(name, connection_name, rehearsal, as_json, "resume")


@workshop_group.command("teardown")
@target_options
@click.option("--keep-data", is_flag=True, help="Keep each attendee's database (stages, images).")
@click.option("--yes", is_flag=True, help="Do not ask first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def teardown_command(
    name: str,
    connection_name: str | None,
    rehearsal: bool,
    keep_data: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Remove every attendee's deployment (only what this workshop made), and last the
    account-wide objects if this workshop made them: the account is left as it was."""
    with ExitStack() as stack:
        try:
            room, pool = stack.enter_context(recorded_class(name, connection_name, rehearsal))
        except NoWorkshopError as exc:  # nothing of it left (a second teardown): exit 0
            click.echo(f"Nothing to remove: {exc.message}.")
            return
        if not yes:
            if not interactive():
                raise click.UsageError("teardown needs --yes when there is no terminal to ask on")
            # Milvus' volume is the service's: SPCS deletes a block volume with its service.
            lost = " Their Milvus data go with their services." + (
                "" if keep_data else " Their databases, stages and images go too."
            )
            if not confirm(
                f"Remove the deployments of all {len(room.workshop.attendees)} attendees of "
                f"{room.workshop.name}, and their users?{lost}"
            ):
                raise click.Abort()
        keyring_note(creating=False)  # the attendees' passwords are forgotten after their users
        show = printer(as_json, "teardown", slugs(room))
        report = guarded(lambda: room.teardown(pool, keep_data=keep_data, on_result=show))
    finish(report, as_json, "torn down")


# -- rehearse -----------------------------------------------------------------------------
@workshop_group.command("rehearse")
@click.option(
    "--name",
    "name",
    default="REHEARSAL",
    show_default=True,
    help="The rehearsed workshop's name (the first part of each prefix).",
)
@class_options
@workshop_deployment_options
@click.option("--keep", is_flag=True, help="Leave the class in the rehearsal account.")
@click.option(
    "--speed",
    default=60.0,
    show_default=True,
    type=FiniteRange(min=0.001),
    help="How many times faster than real time pools and services start.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object at the end (for CI).")
def rehearse_command(
    name: str,
    attendees: int | None,
    roster: Path | None,
    hours: float,
    connections: int,
    pools: PoolShape,
    images: PoolShape,
    deployment: Deployment,
    keep: bool,
    speed: float,
    as_json: bool,
) -> None:
    """The whole workshop against the local emulator, no account needed: provision the
    class (3 attendees unless --attendees or --roster), check it runs, sign in as each
    attendee with their handout's password (their own database only; the next one's
    refused), suspend, resume, tear down, and check the account is as before. Exit 0
    when every stage passed, 1 at the first that did not."""
    from spcs_wizard.cli.rehearse_cmd import print_stage
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.workshop.rehearse import rehearse_workshop
    from spcs_wizard.workshop.workshop import workshop_name

    try:
        name = workshop_name(name)
    except WorkshopError as exc:
        raise ConfigurationError(str(exc)) from None
    if attendees is None and roster is None:
        attendees = 3
    workshop = build_workshop(
        name, deployment, attendees, roster, hours, connections, pools, images
    )
    place = Rehearsal(workshop_rehearsal_home(), speed=speed, registry=False, run_services=False)
    keyring_note()
    outcome = rehearse_workshop(
        place,
        workshop,
        keep=keep,
        on_stage=(lambda _: None) if as_json else lambda stage: print_stage(console, stage),
    )
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    elif outcome.ok:
        total = sum(s.seconds for s in outcome.stages)
        console.print(f"[bold green]Workshop rehearsal passed[/] in {total:.1f} s")
    if outcome.kept and not as_json:
        console.print(
            f"The class is kept in the rehearsal account: 'spcs-wizard workshop status "
            f"--rehearsal --name {name}' shows it; 'workshop teardown --rehearsal --name "
            f"{name}' ends it."
        )
        if outcome.passwords_unkept:
            console.print(
                f"Its attendees' passwords were kept for that run only "
                f"({outcome.passwords_unkept}), so 'workshop handout' cannot give them."
            )
    if not outcome.ok:
        sys.exit(exit_codes.FAILURE)


# -- dashboard ----------------------------------------------------------------------------
@workshop_group.command("dashboard")
@target_options
@click.option(
    "--every",
    type=FiniteRange(min=1.0),
    default=10.0,
    show_default=True,
    help="Seconds between refreshes.",
)
def dashboard_command(
    name: str, connection_name: str | None, rehearsal: bool, every: float
) -> None:
    """The class dashboard: one live row per attendee (state, restarts, credits, endpoint,
    last error), refreshed in the background, with suspend, resume and teardown of the
    whole class (each asks first)."""
    from spcs_wizard.tui.app import quiet_background_output
    from spcs_wizard.tui.class_dashboard import ClassApp

    with target_for(rehearsal, connection_name) as target:
        room = recorded(name, target)
        quiet_background_output()
        ClassApp(room, refresh_secs=every).run()


# -- pack ---------------------------------------------------------------------------------
@workshop_group.command("pack")
@click.option(
    "--name",
    "name",
    default=DEFAULT_NAME,
    show_default=True,
    help="The workshop's name, in the checklist's title.",
)
@hours_option
@workshop_deployment_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The directory to write the pack to (created if missing).",
)
@click.option(
    "--source",
    default="",
    help="Where attendees get spcs-wizard (the repository's git address), for the checklist.",
)
def pack_command(name: str, hours: float, deployment: Deployment, out: Path, source: str) -> None:
    """A "bring your own trial" pack: the settings each attendee deploys on their own trial
    account (tuned to what a trial allows: no egress), and a checklist from sign-up to
    teardown, with the cost. Hand the directory out; attendees run the wizard in it."""
    from spcs_wizard.workshop.pack import make_pack
    from spcs_wizard.workshop.workshop import workshop_name

    try:
        name = workshop_name(name)
    except WorkshopError as exc:
        raise ConfigurationError(str(exc)) from None
    if not 0 < hours <= 336:
        raise ConfigurationError(f"--hours must be more than 0 and at most 336, not {hours:g}")
    pack = make_pack(deployment, name, hours, source.strip())
    try:
        written = pack.write(out)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the pack to {out}: {exc.strerror or exc}"
        ) from None
    for note in pack.notes:
        console.print(f"[yellow]changed:[/] {escape(note)}")
    console.print(f"Pack written: {', '.join(str(p) for p in written)}")
    if not source.strip():
        console.print(
            "[yellow]note:[/] the checklist cannot say where attendees get spcs-wizard: give "
            "--source with the repository's git address"
        )
