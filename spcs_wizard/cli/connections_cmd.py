"""``spcs-wizard login`` and ``spcs-wizard connections list|test|remove``."""

from __future__ import annotations

import json
import os
import sys

import click

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.session import ask_passcode, interactive
from spcs_wizard.credentials import connections_file as files
from spcs_wizard.credentials import keychain
from spcs_wizard.model.deployment import normalise_login_account

AUTHENTICATORS = {
    "password": ("snowflake", "password"),
    "mfa": ("username_password_mfa", "password"),
    "key-pair": ("snowflake_jwt", "private_key_passphrase"),
    "pat": ("programmatic_access_token", "token"),
    "sso": ("externalbrowser", None),
    "oauth": ("oauth", None),
}


def login_account(value: str) -> str:
    try:
        return normalise_login_account(value)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _secret(kind: str, from_stdin: bool) -> str | None:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
        return value or None
    if not interactive():
        return None
    import questionary

    label = {
        "password": "Password",
        "token": "Programmatic access token",
        "private_key_passphrase": "Private key passphrase (empty if none)",
    }[kind]
    answer = questionary.password(f"{label}:").ask()
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
    normalised = login_account(account)
    authenticator, secret_kind = AUTHENTICATORS[method]
    if method == "key-pair" and not private_key_file:
        raise click.UsageError("--auth key-pair needs --private-key-file")
    params = {
        "account": normalised.lower(),
        "user": user,
        "role": role,
        "warehouse": warehouse,
        "authenticator": authenticator,
        "private_key_file": private_key_file,
        "token_file_path": token_file,
        "host": host,
        "port": port,
        "protocol": protocol,
    }
    if method == "password":
        params.pop("authenticator")
    secret = _secret(secret_kind, secret_stdin) if secret_kind else None
    if secret_kind in ("password", "token") and secret is None:
        raise click.UsageError(
            f"a {secret_kind} is needed: pass it with --secret-stdin, or "
            "run on a terminal to be asked"
        )
    secret_param = {
        "password": "password",
        "token": "token",
        "private_key_passphrase": "private_key_file_pwd",
    }.get(secret_kind or "")
    if not no_test:  # try it before saving anything: a failed login leaves nothing behind
        trial = {k: v for k, v in params.items() if v not in (None, "")}
        if secret is not None and secret_param:
            trial[secret_param] = secret
        from spcs_wizard.connection import prepare_mfa

        if os.environ.get("SNOWFLAKE_PASSCODE"):
            trial["passcode"] = os.environ["SNOWFLAKE_PASSCODE"]
        prepare_mfa(trial, ask_passcode)
        _try(trial, name)
    try:
        if secret is not None:
            backend = keychain.check()
            keychain.store(keychain.connection_key(name, secret_kind or ""), secret)
            click.echo(
                f"Stored the {(secret_kind or '').replace('_', ' ')} in the keyring ({backend})."
            )
        path = files.save_connection(name, params)
    except (keychain.KeychainUnavailableError, files.ConnectionsFileError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Saved connection {name!r} to {path}.")
    if make_default:
        _set_default(name)


def _try(params: dict[str, object], name: str) -> None:
    import snowflake.connector
    from snowflake.connector.errors import Error

    try:
        with snowflake.connector.connect(**params, login_timeout=30) as con:
            cur = con.cursor()
            cur.execute("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_ACCOUNT_NAME()")
            user, role, account = cur.fetchone()
    except Error as exc:
        from spcs_wizard.connection import login_failure

        raise click.ClickException(login_failure(name, exc)) from None
    click.echo(f"Connected to {account} as {user} with role {role}.")


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
        raise click.ClickException(str(exc)) from None
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
        found = files.list_connections()
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
    for row in rows:
        mark = "*" if row["default"] else " "
        secret = ", ".join(row["keyring"]) or "no secret in keyring"
        click.echo(
            f"{mark} {row['name']:16} {row['account'] or '-':28} {row['user'] or '-':16} "
            f"{row['authenticator']:26} {secret}"
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
