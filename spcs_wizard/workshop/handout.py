"""What an attendee is given to join: a ready connections.toml entry, their passwords and
the steps, written only when the instructor asks (``workshop handout``), to the terminal
or to a file only its owner can read (0600).

The entry signs in with the attendee's user and password; Snowflake asks a person user
with a password to enrol in MFA at first sign-in (docs/workshop.md), and the entry uses
the connector's MFA authenticator so the passcode is asked for, and cached, from then on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.workshop.roster import Attendee
    from spcs_wizard.workshop.workshop import Workshop


@dataclass(frozen=True)
class Handout:
    attendee: Attendee
    connection_name: str
    text: str


# A rehearsal's account is an emulator on this machine, started by each command on a
# port of its own: the handout is a sample of the real one, not a way in.
REHEARSAL_NOTE = [
    "(A rehearsal's handout: its account is the local emulator, on 127.0.0.1 at a",
    " port that changes each time it starts; the address below worked only while the",
    " command that printed this ran. On a real account the handout has no host or",
    " port.)",
    "",
]


def connection_entry(d: Deployment, account: dict[str, Any], name: str) -> str:
    """The connections.toml table, without the password (typed at the first sign-in, then
    kept by ``spcs-wizard login`` in the attendee's own keyring)."""
    n = d.names()
    entry: dict[str, Any] = {
        key: account[key] for key in ("account", "host", "port", "protocol") if key in account
    }
    entry.update(
        {
            "user": n.user.name,
            "role": n.role.name,
            "warehouse": n.warehouse.name,
            "database": n.database.name,
            "schema": n.schema_.name,
            "authenticator": "username_password_mfa",
        }
    )
    doc = tomlkit.document()
    doc.add(name, tomlkit.item(entry))
    return tomlkit.dumps(doc)


def handout(
    workshop: Workshop,
    attendee: Attendee,
    d: Deployment,
    account: dict[str, Any],
    passwords: dict[str, str],
    endpoints: dict[str, str | None],
    rehearsal: bool = False,
) -> Handout:
    """``account``: the connection parameters that reach the account (account, and for a
    rehearsal host/port/protocol); ``endpoints``: service name -> public address;
    ``rehearsal``: the account is the local emulator, which the handout says."""
    name = attendee.prefix(workshop.name).rstrip("_").lower()
    entry = connection_entry(d, account, name)
    who = attendee.name + (f" <{attendee.email}>" if attendee.email else "")
    n = d.names()
    login = [
        "spcs-wizard login",
        f"-n {name}",
        f"-a {account.get('account', '')}",
        f"-u {n.user.name}",
        "--auth mfa",
        f"-r {n.role.name}",
        f"-w {n.warehouse.name}",
        *(f"--{key} {account[key]}" for key in ("host", "port", "protocol") if key in account),
    ]
    lines = [
        f"Workshop {workshop.name}: {who}",
        "",
        *(REHEARSAL_NOTE if rehearsal else []),
        f"1. Your Snowflake user is {n.user.name}; its password is",
        f"      {passwords['milvus_user_password']}",
        "   At your first sign-in Snowflake asks you to enrol in multi-factor",
        "   authentication (an authenticator app); from then on it asks for a passcode",
        "   too.",
        "",
        "2. Save the connection: run (it asks for the password and keeps it in your",
        "   keyring)",
        "      " + " ".join(login),
        "   or add this to ~/.snowflake/connections.toml (Snowflake CLI reads it too):",
        "",
        *("      " + line for line in entry.rstrip().splitlines()),
        "",
    ]
    shown = [(svc, url) for svc, url in endpoints.items()]
    notebook = d.names().service("jupyter").name if d.notebook else None
    step = 3
    for svc, url in shown:
        where = url or "not assigned yet (the instructor's 'workshop status' shows it)"
        lines.append(f"{step}. {svc.title()}: {where}")
        lines.append("   Sign in with the user above.")
        if svc == notebook:
            lines.append(f"   The notebook's own password: {passwords['jupyter_password']}")
        lines.append("")
        step += 1
    lines.append(
        f"{step}. Your role {d.names().role.name} sees only your own objects;\n"
        "   ask the instructor if something is missing."
    )
    return Handout(attendee, name, "\n".join(lines) + "\n")


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, even if it already existed (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
