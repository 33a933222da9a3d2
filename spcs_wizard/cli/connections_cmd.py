"""``spcs-wizard login`` and ``spcs-wizard connections list|test|remove``."""

from __future__ import annotations

import json
import os
import sys

import click

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.session import ask_passcode, connection_failure, interactive, no_echo
from spcs_wizard.credentials import connections_file as files
from spcs_wizard.credentials import keychain
from spcs_wizard.credentials.login import (
    AUTHENTICATORS,
    SECRET_LABEL,
    LoginError,
    LoginRequest,
    save,
    try_login,
)


def _secret(kind: str, from_stdin: bool) -> str | None:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
        return value or None
    if not interactive():
        return None
    import questionary

    with no_echo():
        answer = questionary.password(f"{SECRET_LABEL[kind]}:").ask()
    if answer is None:
        raise click.Abort()
    return answer or None


@click.command("login")
@click.option(
    "--name",
    "-n",
    default="default",
    show_default=True,
    help="Connection name in connections.toml.",
)
@click.option(
    "--account", "-a", required=True, help="Account identifier: ORG-ACCOUNT, or the account URL."
)
@click.option("--user", "-u", required=True)
@click.option(
    "--auth",
    "method",
    type=click.Choice(sorted(AUTHENTICATORS)),
    default="password",
    show_default=True,
    help="How to authenticate.",
)
@click.option("--role", "-r")
@click.option("--warehouse", "-w")
@click.option("--private-key-file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, exists=True),
    help="OAuth token file (with --auth oauth).",
)
@click.option("--host", help="Host to reach instead of the account's (the local emulator).")
@click.option("--port", type=int)
@click.option("--protocol", type=click.Choice(["https", "http"]))
@click.option(
    "--secret-stdin",
    is_flag=True,
    help="Read the password, token or passphrase from standard input.",
)
@click.option(
    "--default", "make_default", is_flag=True, help="Make it the default connection (config.toml)."
)
@click.option("--no-test", is_flag=True, help="Do not try the connection.")
def login_command(
    name: str,
    account: str,
    user: str,
    method: str,
    role: str | None,
    warehouse: str | None,
    private_key_file: str | None,
    token_file: str | None,
    host: str | None,
    port: int | None,
    protocol: str | None,
    secret_stdin: bool,
    make_default: bool,
    no_test: bool,
) -> None:
    """Save a connection to connections.toml (shared with Snowflake CLI) and its secret to
    the OS keyring, then try it. The file never holds the secret."""
    request = LoginRequest(
        name,
        account,
        user,
        method,
        role,
        warehouse,
        private_key_file,
        token_file,
        host,
        port,
        protocol,
    )
    try:
        request.parameters()  # a request that cannot work fails before any prompt
    except LoginError as exc:
        raise click.UsageError(str(exc)) from None
    secret_kind = request.secret_kind
    secret = _secret(secret_kind, secret_stdin) if secret_kind else None
    if secret_kind in ("password", "token") and secret is None:
        raise click.UsageError(
            f"a {secret_kind} is needed: pass it with --secret-stdin, or "
            "run on a terminal to be asked"
        )
    try:
        if not no_test:  # try it before saving anything: a failed login leaves nothing behind
            passcode = os.environ.get("SNOWFLAKE_PASSCODE")
            if method == "mfa" and not passcode:
                passcode = ask_passcode()
            who = try_login(request, secret, passcode)
            click.echo(f"Connected to {who.account} as {who.user} with role {who.role}.")
        path, backend = save(request, secret)
    except LoginError as exc:
        raise click.ClickException(str(exc)) from None
    if backend:
        what = (secret_kind or "").replace("_", " ")
        click.echo(f"Stored the {what} in the keyring ({backend}).")
    click.echo(f"Saved connection {name!r} to {path}.")
    if make_default:
        _set_default(name)


def _set_default(name: str) -> None:
    import tomlkit

    config = files.snowflake_home() / "config.toml"
    doc = tomlkit.parse(config.read_text()) if config.exists() else tomlkit.document()
    doc["default_connection_name"] = name
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(tomlkit.dumps(doc))
    config.chmod(0o600)
    click.echo(f"{name!r} is now the default connection.")


def _test(name: str) -> dict[str, str]:
    from spcs_wizard.connection import ConnectionFailedError, open_connection

    try:
        with open_connection(name, ask_passcode=ask_passcode) as con:
            cur = con.cursor()
            cur.execute("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_ACCOUNT_NAME()")
            user, role, account = cur.fetchone()
    except ConnectionFailedError as exc:
        raise connection_failure(exc) from None
    click.echo(f"Connected to {account} as {user} with role {role}.")
    return {"user": user, "role": role, "account": account}


@click.group("connections")
def connections_group() -> None:
    """List, try and remove Snowflake connections (connections.toml + keyring)."""


@connections_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Connections, the default one, and whether a secret is in the keyring."""
    try:
        found = files.all_connections()
    except files.ConnectionsFileError as exc:
        raise click.ClickException(str(exc)) from None
    default = files.default_connection_name()
    rows = []
    for name, params in found.items():
        kinds = ("password", "token", "private_key_passphrase")
        stored = [k for k in kinds if keychain.load(keychain.connection_key(name, k))]
        rows.append(
            {
                "name": name,
                "default": name == default,
                "account": params.get("account"),
                "user": params.get("user"),
                "authenticator": params.get("authenticator", "snowflake"),
                "keyring": stored,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(
            f"No connections in {files.connections_path()}; add one with 'spcs-wizard login'."
        )

    def line(mark: str, name: str, account: str, user: str, auth: str, secret: str) -> str:
        return f"{mark} {name:16} {account:28} {user:16} {auth:26} {secret}"

    if rows:  # * marks the default
        click.echo(line(" ", "NAME", "ACCOUNT", "USER", "AUTHENTICATOR", "IN THE KEYRING"))
    for row in rows:
        secret = ", ".join(row["keyring"]) or "no secret in keyring"
        click.echo(
            line(
                "*" if row["default"] else " ",
                row["name"],
                row["account"] or "-",
                row["user"] or "-",
                row["authenticator"],
                secret,
            )
        )


@connections_group.command("test")
@click.argument("name", required=False)
def test_command(name: str | None) -> None:
    """Log in with a connection (default: the default one) and say who and where you are."""
    _test(name or files.default_connection_name() or "default")


@connections_group.command("remove")
@click.argument("name")
@click.option("--keep-secret", is_flag=True, help="Leave its secrets in the keyring.")
def remove_command(name: str, keep_secret: bool) -> None:
    """Remove a connection from connections.toml and its secrets from the keyring."""
    try:
        removed = files.remove_connection(name)
    except files.ConnectionsFileError as exc:
        raise click.ClickException(str(exc)) from None
    deleted = (
        0
        if keep_secret
        else sum(
            keychain.delete(keychain.connection_key(name, k))
            for k in ("password", "token", "private_key_passphrase")
        )
    )
    if not removed and not deleted:
        click.echo(f"No connection named {name!r}.", err=True)
        sys.exit(exit_codes.FAILURE)
    click.echo(
        f"Removed {name!r}" + (f" and {deleted} secret(s) from the keyring." if deleted else ".")
    )
