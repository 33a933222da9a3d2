"""``spcs-wizard workshop``: one instructor, many attendees on one shared account."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from rich.console import Console
from rich.markup import escape

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import FiniteRange, workshop_deployment_options
from spcs_wizard.cli.session import ConfigurationError, confirm, interactive
from spcs_wizard.workshop.shared_pools import POOL_SHAPES
from spcs_wizard.workshop.workshop import (
    DEFAULT_CONNECTIONS,
    DEFAULT_HOURS,
    DEFAULT_NAME,
    WorkshopError,
    workshop_rehearsal_home,
)

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.workshop.classroom import AttendeeResult, ClassReport, Classroom, RunnerPool
    from spcs_wizard.workshop.roster import Attendee
    from spcs_wizard.workshop.shared_pools import PoolShape
    from spcs_wizard.workshop.workshop import Workshop

console = Console(highlight=False, soft_wrap=True)


@click.group("workshop")
def workshop_group() -> None:
    """Run a hands-on workshop on one shared account: a deployment per attendee (their own
    prefix, role, user, pools and services), provisioned side by side, watched, suspended
    and torn down together. Practise it first with --rehearsal (the local emulator).
    See docs/workshop.md."""


def _name_option(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option(
        "--name",
        "name",
        default=DEFAULT_NAME,
        show_default=True,
        help="The workshop's name: the first part of every attendee's prefix.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from spcs_wizard.workshop.workshop import workshop_name

        try:
            kwargs["name"] = workshop_name(kwargs["name"])
        except WorkshopError as exc:
            raise ConfigurationError(str(exc)) from None
        return func(*args, **kwargs)

    return wrapper


def _target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @_name_option
    @click.option(
        "--connection",
        "-c",
        "connection_name",
        envvar="SPCS_WIZARD_CONNECTION",
        help="The instructor's connection (connections.toml). Default: the default connection.",
    )
    @click.option(
        "--rehearsal",
        is_flag=True,
        help="On the local emulator's workshop rehearsal account instead (nothing billed).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _class_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--attendees", type=int, help="A class of N attendees, called 01, 02, ...")
    @click.option(
        "--roster",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A CSV file of attendees: a header with 'name' (and 'email'), a line each.",
    )
    @click.option(
        "--hours",
        type=float,
        default=DEFAULT_HOURS,
        show_default=True,
        help="How long the workshop runs (for the cost).",
    )
    @click.option(
        "--pools",
        type=click.Choice(POOL_SHAPES),
        default="each",
        show_default=True,
        help="Compute pools: two for each attendee, or one per service shared by the class "
        "(sized for it: MAX_NODES from what each service requests of a node).",
    )
    @click.option(
        "--images",
        type=click.Choice(POOL_SHAPES),
        default="shared",
        show_default=True,
        help="Image repository: one for the class (<name>_IMAGES; the images are copied "
        "once), or one in each attendee's database.",
    )
    @click.option(
        "--connections",
        type=int,
        default=DEFAULT_CONNECTIONS,
        show_default=True,
        help="At most this many attendees' deployments run at once (one login each).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _build(
    name: str,
    deployment: Deployment,
    attendees: int | None,
    roster: Path | None,
    hours: float,
    connections: int,
    pools: PoolShape,
    images: PoolShape,
) -> Workshop:
    from spcs_wizard.workshop.roster import RosterError, numbered, read_roster
    from spcs_wizard.workshop.workshop import Workshop

    if (attendees is None) == (roster is None):
        raise click.UsageError("give the class as --attendees N or --roster FILE (one of them)")
    try:
        people = numbered(attendees) if attendees is not None else read_roster(roster)  # type: ignore[arg-type]
        return Workshop(
            name,
            people,
            deployment,
            hours=hours,
            connections=connections,
            pools=pools,
            images=images,
        )
    except (RosterError, WorkshopError) as exc:
        raise ConfigurationError(str(exc)) from None


@contextmanager
def _place(rehearsal: bool, connection_name: str | None) -> Iterator[Target]:
    """The account the workshop is on; a rehearsal's emulator runs for the command."""
    from spcs_wizard.engine.deployment_session import Target

    if not rehearsal:
        from spcs_wizard.credentials.connections_file import default_connection_name

        yield Target(connection_name=connection_name or default_connection_name() or "default")
        return
    from spcs_wizard.engine.rehearsal import Rehearsal

    # The control plane only: a Milvus Lite per attendee (30 of them) is more than a
    # laptop should run to look at a class; the console rehearses one deployment.
    place = Rehearsal(workshop_rehearsal_home(), registry=False, run_services=False)
    try:
        place.start()
    except OSError as exc:
        raise click.ClickException(f"the rehearsal emulator could not start: {exc}") from None
    try:
        yield Target(rehearsal=place)
    finally:
        place.stop()


def _classroom(workshop: Workshop, target: Target) -> Classroom:
    from spcs_wizard.workshop.classroom import Classroom
    from spcs_wizard.workshop.workshop import workshop_dir

    if target.rehearsal is not None:  # the emulator's account, as the rehearsal names it
        from spcs_wizard.model.config_file import with_settings

        workshop.settings = with_settings(
            workshop.settings, {"account": target.rehearsal.account}, "rehearsal"
        )
    mode: Literal["build", "record"] = "record" if target.is_rehearsal else "build"
    return Classroom(workshop, target, workshop_dir(target, workshop.name), image_mode=mode)


def _recorded(name: str, target: Target) -> Classroom:
    from spcs_wizard.workshop.workshop import Workshop, workshop_dir

    directory = workshop_dir(target, name)
    try:
        workshop = Workshop.load(directory)
    except WorkshopError as exc:
        others = sorted(
            p.parent.name.upper()
            for p in directory.parent.glob("*/workshop.json")
            if p.parent != directory
        )
        more = f"; recorded there: {', '.join(others)} (give --name {others[0]})" if others else ""
        raise ConfigurationError(f"{exc} (on {target.label}){more}") from None
    return _classroom(workshop, target)


# -- plan ---------------------------------------------------------------------------------
@workshop_group.command("plan")
@_name_option
@_class_options
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

    workshop = _build(name, deployment, attendees, roster, hours, connections, pools, images)
    cost = workshop_cost(workshop)
    if as_json:
        click.echo(json.dumps({"objects": class_objects(workshop), "cost": cost.to_dict()}))
        return
    console.print(objects_table(workshop))
    console.print(cost_table(cost))


# -- provision ----------------------------------------------------------------------------
@workshop_group.command("provision")
@_target_options
@_class_options
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

    workshop = _build(name, deployment, attendees, roster, hours, connections, pools, images)
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
    with _place(rehearsal, connection_name) as target:
        room = _classroom(workshop, target)
        _check_record(room)
        keyring_note()
        pool = room.pool()
        try:
            report = _guarded(
                lambda: room.provision(pool, on_result=_printer(as_json, "provision"))
            )
        finally:
            pool.close()
    _finish(report, as_json, "provisioned")


@contextmanager
def _recorded_class(
    name: str, connection_name: str | None, rehearsal: bool
) -> Iterator[tuple[Classroom, RunnerPool]]:
    """A recorded workshop on its account, and a pool of connections to it (closed after)."""
    with _place(rehearsal, connection_name) as target:
        room = _recorded(name, target)
        pool = room.pool()
        try:
            yield room, pool
        finally:
            pool.close()


def _check_record(room: Classroom) -> None:
    """A workshop of the same name already recorded: the same class, or the same with
    attendees added (a late arrival); never one that leaves a recorded attendee out."""
    from spcs_wizard.workshop.workshop import Workshop

    try:
        before = Workshop.load(room.directory)
    except WorkshopError:
        return
    now = {a.slug for a in room.workshop.attendees}
    missing = [a.slug for a in before.attendees if a.slug not in now]
    if missing:
        raise ConfigurationError(
            f"workshop {before.name} is already recorded on this account with attendees this "
            f"class leaves out ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); "
            "give the same class (attendees may be added), tear it down first, or choose "
            "another --name"
        )
    for option, was, now in (
        ("--pools", before.pools, room.workshop.pools),
        ("--images", before.images, room.workshop.images),
    ):
        if was != now:
            raise ConfigurationError(
                f"workshop {before.name} is recorded with {option} {was}; a class keeps its "
                f"shape while it is provisioned: give {option} {was}, or tear it down first"
            )
    room.workshop.shared_made_by = before.shared_made_by
    room.workshop.last_errors = before.last_errors


def keyring_note(creating: bool = True) -> None:
    """Before the keyring may ask for its own password on the terminal: say what it is
    (``creating``: the command may store passwords, which makes a new keyring file)."""
    if not interactive():
        return
    from spcs_wizard.credentials.keychain import prompt_note

    note = prompt_note(creating)
    if note:
        click.echo(note, err=True)


def _guarded(run: Callable[[], ClassReport]) -> ClassReport:
    from spcs_wizard.connection import ConnectionFailedError
    from spcs_wizard.workshop.credentials import CredentialsUnavailableError

    try:
        return run()
    except ConnectionFailedError as exc:
        raise click.ClickException(str(exc)) from None
    except CredentialsUnavailableError as exc:
        raise ConfigurationError(str(exc)) from None


def _printer(as_json: bool, action: str) -> Callable[[AttendeeResult], None]:
    def show(result: AttendeeResult) -> None:
        if as_json:
            return
        if not result.ok:
            console.print(
                f"[bold red]✗[/] {result.attendee.slug:<12} {result.phase:<9} "
                f"{escape(result.detail)}"
            )
        elif result.phase in ("shared", "services", "teardown", "suspend", "resume", "reset"):
            once = "account-wide: " if result.phase == "shared" else ""
            console.print(
                f"[green]✓[/] {result.attendee.slug:<12} {result.seconds:6.1f} s  "
                f"{once}{escape(result.detail)}"
            )

    return show


def _finish(report: ClassReport, as_json: bool, done: str) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        failed = report.failed
        good = len(report.results) - len(failed)
        words = f"{good} {done}" + (f", {len(failed)} failed" if failed else "")
        colour = "red" if failed else "green"
        console.print(
            f"[bold {colour}]Workshop {report.action}:[/] {words} in {report.seconds:.1f} s"
        )
        for result in failed:
            if result.hint:
                console.print(f"  {result.attendee.slug}: next: {escape(result.hint)}")
    if not report.ok:
        sys.exit(
            exit_codes.PARTIAL if len(report.failed) < len(report.results) else exit_codes.FAILURE
        )


# -- status -------------------------------------------------------------------------------
@workshop_group.command("status")
@_target_options
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per attendee.")
def status_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """One row per attendee: user, role, state, pools, services, restarts, credits an hour
    now, endpoint and last error."""
    from spcs_wizard.workshop.status import class_rows

    with _recorded_class(name, connection_name, rehearsal) as (room, pool):
        looks = _guarded_look(lambda: room.snapshots(pool))
    rows = class_rows(room, looks)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows]))
        return
    from spcs_wizard.cli.workshop_view import status_table

    console.print(status_table(room.workshop, rows))


def _guarded_look(run: Callable[[], Any]) -> Any:
    from spcs_wizard.connection import ConnectionFailedError

    try:
        return run()
    except ConnectionFailedError as exc:
        raise click.ClickException(str(exc)) from None


# -- suspend, resume, teardown ------------------------------------------------------------
def _switch(
    name: str,
    connection_name: str | None,
    rehearsal: bool,
    as_json: bool,
    verb: Literal["suspend", "resume"],
) -> None:
    with _recorded_class(name, connection_name, rehearsal) as (room, pool):
        report = _guarded(lambda: room.switch(pool, verb, on_result=_printer(as_json, verb)))
    from spcs_wizard.workshop.classroom import SWITCHED

    _finish(report, as_json, SWITCHED[verb])


@workshop_group.command("suspend")
@_target_options
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def suspend_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """Suspend every attendee's services, then their pools (no credits while suspended)."""
    _switch(name, connection_name, rehearsal, as_json, "suspend")


@workshop_group.command("resume")
@_target_options
@click.option("--json", "as_json", is_flag=True, help="One JSON report at the end.")
def resume_command(name: str, connection_name: str | None, rehearsal: bool, as_json: bool) -> None:
    """Resume every attendee's pools, then their services."""
    _switch(name, connection_name, rehearsal, as_json, "resume")


@workshop_group.command("teardown")
@_target_options
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
    with _recorded_class(name, connection_name, rehearsal) as (room, pool):
        if not yes:
            if not interactive():
                raise click.UsageError("teardown needs --yes when there is no terminal to ask on")
            lost = "" if keep_data else " Their databases, stages, images and Milvus data go too."
            if not confirm(
                f"Remove the deployments of all {len(room.workshop.attendees)} attendees of "
                f"{room.workshop.name}, and their users?{lost}"
            ):
                raise click.Abort()
        keyring_note(creating=False)  # the attendees' passwords are forgotten after their users
        report = _guarded(
            lambda: room.teardown(
                pool, keep_data=keep_data, on_result=_printer(as_json, "teardown")
            )
        )
    _finish(report, as_json, "torn down")


# -- handout ------------------------------------------------------------------------------
@workshop_group.command("handout")
@_target_options
@click.argument("who", required=False)
@click.option(
    "--all", "everyone", is_flag=True, help="Every attendee's, one file each (needs --out DIR)."
)
@click.option(
    "--out",
    type=click.Path(path_type=str),
    help="Write to this file (0600) instead of the terminal; a directory (one that exists, "
    "or a name ending in /) gets <attendee>.txt; with --all, a directory.",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Make new passwords first (their Snowflake user's and their notebook's): for a "
    "keyring that lost them, or passwords that leaked. The old ones stop working.",
)
@click.option("--yes", is_flag=True, help="With --reset: do not ask first.")
def handout_command(
    name: str,
    connection_name: str | None,
    rehearsal: bool,
    who: str | None,
    everyone: bool,
    out: str | None,
    reset: bool,
    yes: bool,
) -> None:
    """What attendee WHO (slug, name or email) needs to join: their passwords, a ready
    connections.toml entry and the steps. Passwords leave your keyring only here."""
    from spcs_wizard.cli.workshop_handout import handouts

    if everyone == (who is not None):
        raise click.UsageError("name one attendee (WHO), or give --all")
    if everyone and out is None:
        raise click.UsageError("--all writes one file per attendee: give --out DIR")
    with _place(rehearsal, connection_name) as target:
        room = _recorded(name, target)
        try:
            chosen = room.workshop.attendees if everyone else [room.workshop.attendee(who or "")]
        except WorkshopError as exc:
            raise ConfigurationError(str(exc)) from None
        keyring_note(creating=reset)
        known = _reset(room, chosen, yes) if reset else None
        handouts(room, chosen, _handout_path(out, chosen, everyone), console, known)


def _reset(room: Classroom, chosen: list[Attendee], yes: bool) -> dict[str, dict[str, str]]:
    """New passwords for the chosen; their addresses from before (the restart keeps them)."""
    from spcs_wizard.cli.workshop_handout import endpoint_links
    from spcs_wizard.workshop.password_reset import reset_passwords

    whom = chosen[0].name if len(chosen) == 1 else f"all {len(chosen)} attendees"
    if not yes:
        question = (
            f"Make new passwords for {whom}? The ones handed out stop working; a running "
            "notebook restarts to take its new one."
        )
        if not interactive():
            raise click.UsageError("--reset changes passwords: add --yes when there is no terminal")
        if not confirm(question):
            raise click.Abort()
    known = _guarded_look(lambda: endpoint_links(room, chosen))
    pool = room.pool()
    try:
        report = _guarded(lambda: reset_passwords(room, pool, chosen))
    finally:
        pool.close()
    for result in report.results:
        _printer(False, "reset")(result)
    if not report.ok:
        raise click.ClickException(
            f"{len(report.failed)} of {len(chosen)} could not be given new passwords; "
            f"{report.failed[0].hint}"
        )
    return known


def _handout_path(out: str | None, chosen: list[Attendee], everyone: bool) -> Path | None:
    """Where the handouts go: ``--out`` as a file, or a directory for one per attendee."""
    if out is None:
        return None
    path = Path(out)
    if not everyone and (out.endswith(("/", os.sep)) or path.is_dir()):
        return path / f"{chosen[0].slug.lower()}.txt"
    return path


# -- rehearse -----------------------------------------------------------------------------
@workshop_group.command("rehearse")
@click.option(
    "--name",
    "name",
    default="REHEARSAL",
    show_default=True,
    help="The rehearsed workshop's name (the first part of each prefix).",
)
@_class_options
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
    workshop = _build(name, deployment, attendees, roster, hours, connections, pools, images)
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
@_target_options
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

    with _place(rehearsal, connection_name) as target:
        room = _recorded(name, target)
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
@click.option(
    "--hours",
    type=float,
    default=DEFAULT_HOURS,
    show_default=True,
    help="How long the workshop runs (for the cost).",
)
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
