"""Create a connection: try it first, then keep the secret in the OS keyring and the rest
in Snowflake CLI's connections.toml. A failed try saves nothing.

Shared by ``spcs-wizard login`` and the wizard's connection screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcs_wizard.credentials import connections_file as files
from spcs_wizard.credentials import keychain
from spcs_wizard.model.deployment import normalise_login_account

# method -> (connector authenticator, kind of secret it needs)
AUTHENTICATORS: dict[str, tuple[str, str | None]] = {
    "password": ("snowflake", "password"),
    "mfa": ("username_password_mfa", "password"),
    "key-pair": ("snowflake_jwt", "private_key_passphrase"),
    "pat": ("programmatic_access_token", "token"),
    "sso": ("externalbrowser", None),
    "oauth": ("oauth", None),
}
# kind of secret -> the connector's parameter for it
SECRET_PARAMETER = {
    "password": "password",
    "token": "token",
    "private_key_passphrase": "private_key_file_pwd",
}
SECRET_LABEL = {
    "password": "Password",
    "token": "Programmatic access token",
    "private_key_passphrase": "Private key passphrase (empty if none)",
}


class LoginError(ValueError):
    """The request cannot work, or the account refused it; the message says what to do."""


@dataclass(frozen=True)
class Who:
    user: str
    role: str
    account: str


@dataclass(frozen=True)
class LoginRequest:
    name: str
    account: str
    user: str
    method: str = "password"
    role: str | None = None
    warehouse: str | None = None
    private_key_file: str | None = None
    token_file: str | None = None
    host: str | None = None
    port: int | None = None
    protocol: str | None = None

    @property
    def secret_kind(self) -> str | None:
        return AUTHENTICATORS[self.method][1]

    def parameters(self) -> dict[str, Any]:
        """What goes to connections.toml (no secret); raises LoginError when unusable."""
        if self.method not in AUTHENTICATORS:
            raise LoginError(f"unknown method {self.method!r}; use one of {sorted(AUTHENTICATORS)}")
        given = (("a name", self.name), ("an account", self.account), ("a user name", self.user))
        missing = [what for what, value in given if not value.strip()]
        if missing:  # all of them at once: a form left empty is told once
            named = ", ".join(missing[:-1]) + " and " + missing[-1] if missing[1:] else missing[0]
            raise LoginError(f"the connection needs {named}")
        if self.method == "key-pair" and not self.private_key_file:
            raise LoginError("a key-pair login needs the private key file")
        try:
            account = normalise_login_account(self.account)
        except ValueError as exc:
            raise LoginError(str(exc)) from None
        params: dict[str, Any] = {
            "account": account.lower(),
            "user": self.user.strip(),
            "role": self.role,
            "warehouse": self.warehouse,
            "authenticator": AUTHENTICATORS[self.method][0],
            "private_key_file": self.private_key_file,
            "token_file_path": self.token_file,
            "host": self.host,
            "port": self.port,
            "protocol": self.protocol,
        }
        if self.method == "password":
            params.pop("authenticator")
        return {k: v for k, v in params.items() if v not in (None, "")}


def try_login(
    request: LoginRequest, secret: str | None, passcode: str | None = None, timeout: int = 30
) -> Who:
    """Log in once with these settings; raises LoginError with Snowflake's reason."""
    import snowflake.connector
    from snowflake.connector.errors import Error

    from spcs_wizard.connection import login_failure, prepare_mfa

    trial = request.parameters()
    kind = request.secret_kind
    if kind in ("password", "token") and not secret:
        raise LoginError(f"a {SECRET_LABEL[kind].lower()} is needed")
    if secret and kind:
        trial[SECRET_PARAMETER[kind]] = secret
    if passcode:
        trial["passcode"] = passcode
    prepare_mfa(trial, None)
    try:
        with snowflake.connector.connect(**trial, login_timeout=timeout) as con:
            cur = con.cursor()
            cur.execute("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_ACCOUNT_NAME()")
            user, role, account = cur.fetchone()
    except Error as exc:
        raise LoginError(login_failure(request.name, exc)) from None
    return Who(str(user), str(role), str(account))


def save(request: LoginRequest, secret: str | None) -> tuple[Path, str | None]:
    """Keep the secret in the keyring, then the connection in connections.toml. Returns
    the file and the keyring's name (None when there was no secret)."""
    params = request.parameters()
    backend = None
    try:
        if secret and request.secret_kind:
            backend = keychain.check()
            keychain.store(keychain.connection_key(request.name, request.secret_kind), secret)
        path = files.save_connection(request.name, params)
    except (keychain.KeychainUnavailableError, files.ConnectionsFileError) as exc:
        raise LoginError(str(exc)) from None
    return path, backend
