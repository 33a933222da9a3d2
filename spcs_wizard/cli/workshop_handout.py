"""``workshop handout``: an attendee's passwords and joining steps, on request only (new
ones first with ``--reset``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from spcs_wizard.cli.session import ConfigurationError, confirm, interactive
from spcs_wizard.cli.workshop_common import (
    console,
    guarded,
    guarded_look,
    keyring_note,
    printer,
    recorded,
    target_for,
    target_options,
    workshop_group,
)
from spcs_wizard.workshop.workshop import WorkshopError

if TYPE_CHECKING:
    from spcs_wizard.workshop.classroom import Classroom, RunnerPool
    from spcs_wizard.workshop.roster import Attendee


def _account(room: Classroom) -> dict[str, Any]:
    """What reaches the account: the instructor's connection's account (and host, port,
    protocol when it names them), or the rehearsal emulator's."""
    rehearsal = room.target.rehearsal
    if rehearsal is not None:
        args = rehearsal.connect_args()
        return {key: args[key] for key in ("account", "host", "port", "protocol")}
    from spcs_wizard.credentials.connections_file import all_connections

    params = all_connections().get(room.target.connection_name or "default", {})
    return {key: params[key] for key in ("account", "host", "port", "protocol") if key in params}


def _links(room: Classroom, pool: RunnerPool, attendee: Attendee) -> dict[str, str | None]:
    """The attendee's public addresses now, by service (None: not assigned yet)."""
    from spcs_wizard.engine.operations import public_endpoints

    with pool.borrow() as runner:
        snap = room.session(attendee).snapshot(runner)
    return {e.service: e.link for e in public_endpoints(snap)}


def endpoint_links(room: Classroom, chosen: list[Attendee]) -> dict[str, dict[str, str | None]]:
    """Each attendee's public addresses now, by service (a service's address stays the
    same when it is suspended and resumed: a reset's restart keeps it)."""
    pool = room.pool()
    try:
        return {attendee.slug: _links(room, pool, attendee) for attendee in chosen}
    finally:
        pool.close()


def handouts(
    room: Classroom,
    chosen: list[Attendee],
    out: Path | None,
    console: Console,
    known: dict[str, dict[str, str | None]] | None = None,
) -> None:
    """Each chosen attendee's handout; ``known``: addresses seen before (a notebook a reset
    restarted has none until it is back)."""
    from spcs_wizard.workshop.credentials import ATTENDEE_SECRETS, CredentialsUnavailableError
    from spcs_wizard.workshop.handout import handout, write_private

    assert room.credentials is not None
    account = _account(room)
    pool = room.pool()
    try:
        written = []
        for attendee in chosen:
            d = room.session(attendee).deployment
            try:
                passwords = {s: room.credentials.load(d, s) for s in ATTENDEE_SECRETS}
            except CredentialsUnavailableError as exc:
                raise ConfigurationError(str(exc)) from None
            if None in passwords.values() and room.credentials.unopened:
                raise ConfigurationError(room.credentials.unopened)
            if None in passwords.values():
                raise ConfigurationError(
                    f"no passwords for {attendee.name} in this machine's keyring: provision "
                    "keeps them on the machine that ran it (for a rehearsal without a "
                    "keyring, only for that run); 'workshop handout "
                    f"{attendee.slug} --reset' makes new ones"
                )
            before = (known or {}).get(attendee.slug, {})
            now = _links(room, pool, attendee)
            endpoints = {svc: now.get(svc) or before.get(svc) for svc in {**before, **now}}
            sheet = handout(
                room.workshop,
                attendee,
                d,
                account,
                passwords,  # type: ignore[arg-type]
                endpoints,
                rehearsal=room.target.is_rehearsal,
            )
            if out is None:
                click.echo(sheet.text, nl=False)
                continue
            path = out / f"{attendee.slug.lower()}.txt" if len(chosen) > 1 else out
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                write_private(path, sheet.text)
            except OSError as exc:
                raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
            written.append(path)
    finally:
        pool.close()
    if written:
        where = written[0] if len(written) == 1 else f"{len(written)} files in {out}"
        whom = "it" if len(written) == 1 else "them"
        console.print(f"Handout written to {where} (only you can read {whom}: 0600).")


# -- handout ------------------------------------------------------------------------------
@workshop_group.command("handout")
@target_options
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
    if everyone == (who is not None):
        raise click.UsageError("name one attendee (WHO), or give --all")
    if everyone and out is None:
        raise click.UsageError("--all writes one file per attendee: give --out DIR")
    with target_for(rehearsal, connection_name) as target:
        room = recorded(name, target)
        try:
            chosen = room.workshop.attendees if everyone else [room.workshop.attendee(who or "")]
        except WorkshopError as exc:
            raise ConfigurationError(str(exc)) from None
        keyring_note(creating=reset)
        known = _reset(room, chosen, yes) if reset else None
        handouts(room, chosen, _handout_path(out, chosen, everyone), console, known)


def _reset(room: Classroom, chosen: list[Attendee], yes: bool) -> dict[str, dict[str, str | None]]:
    """New passwords for the chosen; their addresses from before (the restart keeps them)."""
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
    known = guarded_look(lambda: endpoint_links(room, chosen))
    pool = room.pool()
    try:
        report = guarded(lambda: reset_passwords(room, pool, chosen))
    finally:
        pool.close()
    for result in report.results:
        printer(False, "reset")(result)
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
