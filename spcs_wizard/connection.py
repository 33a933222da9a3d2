"""Opening a Snowflake connection the way Snowflake CLI users already configured it.

Connections come from ``connections.toml`` (``$SNOWFLAKE_HOME``, else ``~/.snowflake``),
read by the connector's own config manager, so a connection that works in ``snow`` works
here. As in Snowflake CLI, any key can be overridden by the environment:
``SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>`` for one connection, then ``SNOWFLAKE_<KEY>``
(https://docs.snowflake.com/en/developer-guide/snowflake-cli/connecting/configure-connections).
A secret not given by the file or the environment comes from the OS keyring
(``spcs-wizard login`` put it there).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the connector takes half a second to import: only when connecting
    from snowflake.connector import SnowflakeConnection
    from snowflake.connector.errors import Error

KEYS = (
    "account",
    "user",
    "password",
    "role",
    "warehouse",
    "database",
    "schema",
    "host",
    "port",
    "protocol",
    "authenticator",
    "token",
    "token_file_path",
    "private_key_file",
    "passcode",
)
MFA = "username_password_mfa"


class ConnectionFailedError(RuntimeError):
    """Could not connect; the message says which connection and what Snowflake answered."""


class MissingConnectionError(ConnectionFailedError):
    """No connection of that name: a configuration error (exit 2), not a failed login."""


def connection_parameters(name: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    from spcs_wizard.credentials.connections_file import ConnectionsFileError, all_connections

    env = os.environ if environ is None else environ
    try:
        connections = all_connections()
    except ConnectionsFileError as exc:  # a broken connections.toml
        raise ConnectionFailedError(f"cannot read connections.toml: {exc}") from None
    params: dict[str, Any] = dict(connections.get(name, {}))
    for key in KEYS:
        for variable in (
            f"SNOWFLAKE_CONNECTIONS_{name.upper()}_{key.upper()}",
            f"SNOWFLAKE_{key.upper()}",
        ):
            if variable in env:
                params[key] = env[variable]
                break
    if not params:
        known = ", ".join(sorted(connections)) or "none"
        raise MissingConnectionError(
            f"no connection named {name!r} in connections.toml (known: {known}); create one "
            f"with 'spcs-wizard login -n {name} -a ORG-ACCOUNT -u USER' (or Snowflake CLI's "
            "'snow connection add')"
        )
    if "port" in params:
        params["port"] = int(params["port"])
    _add_keyring_secret(name, params)
    return params


def _add_keyring_secret(name: str, params: dict[str, Any]) -> None:
    """The secret the authenticator needs, from the OS keyring, when nothing gave it."""
    from spcs_wizard.credentials.keychain import connection_key, load

    authenticator = str(params.get("authenticator") or "snowflake").lower()
    if authenticator in ("snowflake", "username_password_mfa") and "password" not in params:
        found = load(connection_key(name, "password"))
        if found is not None:
            params["password"] = found
    elif authenticator == "programmatic_access_token" and "token" not in params:
        found = load(connection_key(name, "token"))
        if found is not None:
            params["token"] = found
    if params.get("private_key_file") and "private_key_file_pwd" not in params:
        found = load(connection_key(name, "private_key_passphrase"))
        if found is not None:
            params["private_key_file_pwd"] = found


def open_connection(
    name: str,
    environ: Mapping[str, str] | None = None,
    ask_passcode: Callable[[], str | None] | None = None,
) -> SnowflakeConnection:
    """Connect; ``ask_passcode`` is called when an MFA login has no passcode yet."""
    import snowflake.connector
    from snowflake.connector.errors import Error

    params = connection_parameters(name, environ)
    prepare_mfa(params, ask_passcode)
    try:
        return snowflake.connector.connect(**params, login_timeout=30)
    except Error as exc:  # DatabaseError is one
        raise ConnectionFailedError(login_failure(name, exc)) from None


def prepare_mfa(params: dict[str, Any], ask_passcode: Callable[[], str | None] | None) -> None:
    """MFA logins: the passcode from SNOWFLAKE_PASSCODE or the caller's prompt (empty: wait
    for a push approval). The connector's MFA-token cache is used where it lives in the OS
    keychain (macOS, Windows); on Linux it would be a plain file, so it stays off there."""
    if str(params.get("authenticator") or "").lower() != MFA:
        return
    if not params.get("passcode") and ask_passcode is not None:
        passcode = ask_passcode()
        if passcode:
            params["passcode"] = passcode
    params.setdefault("client_request_mfa_token", sys.platform in ("darwin", "win32"))


def login_failure(name: str, exc: Error) -> str:
    from spcs_wizard.credentials.login_errors import describe
    from spcs_wizard.engine.hints import error_code

    return describe(name, error_code(exc), str(exc.msg or exc))


def registry_credentials_of(name: str) -> tuple[str, str] | None:
    """The connection's user and a secret the image registry takes besides an issued
    token: its programmatic access token, else its password (a password user without
    MFA). None when it has neither (SSO, key pair, MFA passcode)."""
    try:
        params = connection_parameters(name)
    except ConnectionFailedError:
        return None
    user = params.get("user")
    authenticator = str(params.get("authenticator") or "").lower()
    if user and authenticator == "programmatic_access_token" and params.get("token"):
        return str(user), str(params["token"])
    if user and params.get("password") and "mfa" not in authenticator:
        return str(user), str(params["password"])
    return None
