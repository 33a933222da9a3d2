"""``workshop handout``: an attendee's passwords and joining steps, on request only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from spcs_wizard.cli.session import ConfigurationError

if TYPE_CHECKING:
    from spcs_wizard.workshop.classroom import Classroom
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


def endpoint_links(room: Classroom, chosen: list[Attendee]) -> dict[str, dict[str, str]]:
    """Each attendee's public addresses now, by service (a service's address stays the
    same when it is suspended and resumed: a reset's restart keeps it)."""
    from spcs_wizard.engine.operations import public_endpoints

    found = {}
    pool = room.pool()
    try:
        for attendee in chosen:
            with pool.borrow() as runner:
                snap = room.session(attendee).snapshot(runner)
            found[attendee.slug] = {e.service: e.link for e in public_endpoints(snap) if e.link}
    finally:
        pool.close()
    return found


def handouts(
    room: Classroom,
    chosen: list[Attendee],
    out: Path | None,
    console: Console,
    known: dict[str, dict[str, str]] | None = None,
) -> None:
    """Each chosen attendee's handout; ``known``: addresses seen before (a notebook a reset
    restarted has none until it is back)."""
    from spcs_wizard.engine.operations import public_endpoints
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
            with pool.borrow() as runner:
                snap = room.session(attendee).snapshot(runner)
            endpoints = dict((known or {}).get(attendee.slug, {}))
            endpoints.update({e.service: e.link for e in public_endpoints(snap) if e.link})
            sheet = handout(room.workshop, attendee, d, account, passwords, endpoints)  # type: ignore[arg-type]
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
