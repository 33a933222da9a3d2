"""What the ``spcs-wizard workshop`` commands share: the group, the options, building a
class from them, finding a recorded one on its account, and printing results."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from rich.console import Console
from rich.markup import escape

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.session import (
    ConfigurationError,
    chosen_target,
    interactive,
    rehearsal_target,
)
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
    from spcs_wizard.workshop.shared_pools import PoolShape
    from spcs_wizard.workshop.workshop import Workshop

console = Console(highlight=False, soft_wrap=True)


@click.group("workshop")
def workshop_group() -> None:
    """Run a hands-on workshop on one shared account: a deployment per attendee (their own
    prefix, role, user, pools and services), provisioned side by side, watched, suspended
    and torn down together. Practise it first with --rehearsal (the local emulator).
    See docs/workshop.md."""


def name_option(func: Callable[..., Any]) -> Callable[..., Any]:
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


def target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @name_option
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


hours_option = click.option(
    "--hours",
    type=float,
    default=DEFAULT_HOURS,
    show_default=True,
    help="How long the workshop runs (for the cost).",
)


def class_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--attendees", type=int, help="A class of N attendees, called 01, 02, ...")
    @click.option(
        "--roster",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A CSV file of attendees: a header with 'name' (and 'email'), a line each.",
    )
    @hours_option
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


def build_workshop(
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
def target_for(rehearsal: bool, connection_name: str | None) -> Iterator[Target]:
    """The account the workshop is on; a rehearsal's emulator runs for the command."""
    if not rehearsal:
        with chosen_target(connection_name, False) as target:
            yield target
        return
    # The control plane only: a Milvus Lite per attendee (30 of them) is more than a
    # laptop should run to look at a class; the console rehearses one deployment.
    with rehearsal_target(workshop_rehearsal_home(), services=False) as target:
        yield target


def classroom_on(workshop: Workshop, target: Target) -> Classroom:
    from spcs_wizard.workshop.classroom import Classroom
    from spcs_wizard.workshop.workshop import workshop_dir

    if target.rehearsal is not None:  # the emulator's account, as the rehearsal names it
        from spcs_wizard.model.config_file import with_settings

        workshop.settings = with_settings(
            workshop.settings, {"account": target.rehearsal.account}, "rehearsal"
        )
    mode: Literal["build", "record"] = "record" if target.is_rehearsal else "build"
    return Classroom(workshop, target, workshop_dir(target, workshop.name), image_mode=mode)


class NoWorkshopError(ConfigurationError):
    """No workshop at all is recorded on the account (none to mistake the name for): a
    look says so with exit 3, a suspend, resume or teardown with exit 0 (README: exit
    codes), the others as a configuration error."""


def recorded(name: str, target: Target) -> Classroom:
    from spcs_wizard.workshop.workshop import NotRecordedError, Workshop, workshop_dir

    directory = workshop_dir(target, name)
    try:
        workshop = Workshop.load(directory)
    except WorkshopError as exc:
        if isinstance(exc, NotRecordedError) and (there := _recorded_elsewhere(name, target)):
            # Most likely the wrong account: never "nothing to remove", which exits 0.
            raise ConfigurationError(
                f"no workshop {name.upper()} is recorded on {target.label}; it is recorded "
                f"on {there}"
            ) from None
        others = sorted(
            p.parent.name.upper()
            for p in directory.parent.glob("*/workshop.json")
            if p.parent != directory
        )
        if isinstance(exc, NotRecordedError) and (missing := _no_such_connection(target)):
            raise ConfigurationError(missing) from None  # the account itself is unknown
        if isinstance(exc, NotRecordedError) and not others:  # none at all: gone, or never
            raise NoWorkshopError(
                f"no workshop {name.upper()} is recorded on {target.label} (torn down, or "
                "never provisioned here)"
            ) from None
        more = f"; recorded there: {', '.join(others)} (give --name {others[0]})" if others else ""
        raise ConfigurationError(f"{exc} (on {target.label}){more}") from None
    return classroom_on(workshop, target)


def _no_such_connection(target: Target) -> str:
    """ "there is no connection named ..." when the target's connection is not in
    connections.toml (with the ways on), else nothing."""
    if target.is_rehearsal:
        return ""
    from spcs_wizard.credentials.connections_file import all_connections

    name = target.connection_name or "default"
    try:
        if name in all_connections():
            return ""
    except Exception:  # an unreadable connections.toml: said when a command connects
        return ""
    return (
        f"there is no connection named {name!r} in connections.toml: give -c NAME (or make "
        "one with 'spcs-wizard login'), or add --rehearsal for the workshop rehearsal account"
    )


def _recorded_elsewhere(name: str, target: Target) -> str:
    """Where else this machine has a workshop of that name recorded, with the option that
    reaches it ("the rehearsal account (add --rehearsal)"); empty when nowhere."""
    from spcs_wizard.workshop.workshop import recorded_workshops

    here = None if target.is_rehearsal else (target.connection_name or "default").lower()
    places = [
        "the rehearsal account (add --rehearsal)"
        if connection is None
        else f"connection {connection} (give -c {connection})"
        for connection, recorded_name in recorded_workshops()
        if recorded_name.upper() == name.upper() and connection != here
    ]
    return "; ".join(places)


@contextmanager
def recorded_class(
    name: str, connection_name: str | None, rehearsal: bool
) -> Iterator[tuple[Classroom, RunnerPool]]:
    """A recorded workshop on its account, and a pool of connections to it (closed after)."""
    with target_for(rehearsal, connection_name) as target:
        room = recorded(name, target)
        pool = room.pool()
        try:
            yield room, pool
        finally:
            pool.close()


def check_record(room: Classroom) -> None:
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


def guarded(run: Callable[[], ClassReport]) -> ClassReport:
    from spcs_wizard.connection import ConnectionFailedError
    from spcs_wizard.workshop.credentials import CredentialsUnavailableError

    try:
        return run()
    except ConnectionFailedError as exc:
        raise click.ClickException(str(exc)) from None
    except CredentialsUnavailableError as exc:
        raise ConfigurationError(str(exc)) from None


def slugs(room: Classroom) -> list[str]:
    return [a.slug for a in room.workshop.attendees]


def printer(
    as_json: bool, action: str, slugs: Iterable[str] = ()
) -> Callable[[AttendeeResult], None]:
    """One line per attendee as each ends, in columns that line up for every one of
    ``slugs`` (the class's): mark, who, seconds, then what it did or where it failed."""
    width = max([12, *(len(slug) for slug in slugs)])

    def show(result: AttendeeResult) -> None:
        if as_json:
            return
        # What the class shares (made once, by the first attendee's run) is the class's.
        who = "class" if result.phase == "shared" else result.attendee.slug
        lead = f"{who:<{width}} {result.seconds:6.1f} s "
        if not result.ok:
            said = f"{result.phase}: {result.detail}"
            console.print(f"[bold red]✗[/] {lead} {escape(said)}")
        elif result.phase in ("shared", "services", "teardown", "suspend", "resume", "reset"):
            once = "shared by the class and the account: " if result.phase == "shared" else ""
            console.print(f"[green]✓[/] {lead} {once}{escape(result.detail)}")

    return show


def finish(report: ClassReport, as_json: bool, done: str) -> None:
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
        for note in report.notes:  # prose: wrapped at words
            console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=False)
    if not report.ok:
        sys.exit(
            exit_codes.PARTIAL if len(report.failed) < len(report.results) else exit_codes.FAILURE
        )


def guarded_look(run: Callable[[], Any]) -> Any:
    from spcs_wizard.connection import ConnectionFailedError

    try:
        return run()
    except ConnectionFailedError as exc:
        raise click.ClickException(str(exc)) from None
