"""Logins and sessions: password, key-pair JWT and programmatic access tokens.

Key-pair: the connector signs a JWT (RS256) whose subject is ``ACCOUNT.USER``; it is
checked against the user's RSA_PUBLIC_KEY
(https://docs.snowflake.com/en/user-guide/key-pair-auth). Programmatic access tokens are
sent as TOKEN with AUTHENTICATOR=PROGRAMMATIC_ACCESS_TOKEN
(https://docs.snowflake.com/en/user-guide/programmatic-access-tokens). Session and master
tokens expire; an expired session token is answered with code 390112 so the connector
renews it with the master token, as against Snowflake.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_der_public_key

from spcs_wizard.emulator import protocol
from spcs_wizard.emulator.catalog import Account
from spcs_wizard.emulator.context import Session
from spcs_wizard.emulator.objects import holds_pat, mfa_enrolled, verify_secret
from spcs_wizard.emulator.settings import EmulatorSettings

INCORRECT = "Incorrect username or password was specified."


class LoginError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SessionRecord:
    session: Session
    token: str
    master_token: str
    expires_at: float
    master_expires_at: float


class Sessions:
    def __init__(self, account: Account, settings: EmulatorSettings) -> None:
        self.account = account
        self.settings = settings
        self._by_token: dict[str, SessionRecord] = {}
        self._by_master: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()
        self._next_id = 1000
        # Stand-ins for what cannot run here, kept in memory only: the passcode an MFA
        # app would show, tokens an OAuth server would issue, MFA tokens we handed out.
        self.mfa_passcodes: dict[str, str] = {}
        self.oauth_tokens: dict[str, str] = {}
        self.mfa_tokens: dict[str, str] = {}
        self._sso_pending: dict[str, tuple[str, int]] = {}  # proof key -> user, port
        self._sso_tokens: dict[str, tuple[str, str]] = {}  # token -> user, proof key

    # -- login ---------------------------------------------------------------------------
    def login(self, data: dict[str, Any], query: dict[str, str]) -> SessionRecord:
        # The account the connector names must be this one: in Snowflake the host name
        # picks the account, and a wrong one reaches no account at all.
        named = str(data.get("ACCOUNT_NAME") or "").upper().replace("_", "-")
        ours = self.settings.account_identifier.upper().replace("_", "-")
        if named != ours:
            raise LoginError(
                protocol.INCORRECT_CREDENTIALS,
                f"There is no account {named or '(none)'!r} here; this is {ours}.",
            )
        authenticator = str(data.get("AUTHENTICATOR") or "SNOWFLAKE").upper()
        login_name = str(data.get("LOGIN_NAME") or "").upper()
        if authenticator == "SNOWFLAKE_JWT":
            user = self._check_jwt(str(data.get("TOKEN") or ""), login_name)
        elif authenticator == "PROGRAMMATIC_ACCESS_TOKEN":
            user = self._check_pat(login_name, str(data.get("TOKEN") or ""))
        elif authenticator in ("SNOWFLAKE", "USERNAME_PASSWORD_MFA"):
            user = self._check_password(login_name, str(data.get("PASSWORD") or ""))
            self._check_mfa(user, authenticator, data)
        elif authenticator == "EXTERNALBROWSER":
            user = self._check_sso(str(data.get("TOKEN") or ""), str(data.get("PROOF_KEY") or ""))
        elif authenticator == "OAUTH":
            owner = self.oauth_tokens.get(str(data.get("TOKEN") or ""))
            if owner is None:
                raise LoginError("390303", "Invalid OAuth access token.")
            user = owner
        else:
            raise LoginError(
                "390190",
                f"The authenticator {authenticator} is not supported by the SPCS emulator.",
            )
        obj = self.account.get("USER", (user,))
        assert obj is not None
        role = (query.get("roleName") or str(obj.props.get("DEFAULT_ROLE") or "PUBLIC")).upper()
        if role not in self.account.user_roles(user):
            raise LoginError(
                protocol.ROLE_NOT_GRANTED,
                f"Role '{role}' specified in the connect string is not granted "
                "to this user. Contact your local system administrator, or "
                "attempt to login with another role, e.g. PUBLIC.",
            )
        session = Session(self._new_id(), user, role)
        database = (query.get("databaseName") or "").upper()
        if database and self.account.get("DATABASE", (database,)):
            session.database = database
            schema = (query.get("schemaName") or "PUBLIC").upper()
            if self.account.get("SCHEMA", (database, schema)):
                session.schema = schema
        warehouse = (query.get("warehouse") or "").upper()
        if warehouse and self.account.get("WAREHOUSE", (warehouse,)):
            session.warehouse = warehouse
        return self._issue(session)

    def _check_password(self, login_name: str, password: str) -> str:
        obj = self.account.get("USER", (login_name,))
        stored = obj.props.get("PASSWORD") if obj else None
        service = obj is not None and str(obj.props.get("TYPE", "")).upper() == "SERVICE"
        if service or not stored or not verify_secret(password, str(stored)):
            raise LoginError(protocol.INCORRECT_CREDENTIALS, INCORRECT)
        return login_name

    def _check_mfa(self, user: str, authenticator: str, data: dict[str, Any]) -> None:
        """Users enrolled in MFA (EXT_AUTHN_DUO) need a passcode, or an MFA token cached by
        the connector from an earlier login (https://docs.snowflake.com/en/user-guide/security-mfa)."""
        obj = self.account.get("USER", (user,))
        if not mfa_enrolled(obj):
            return
        token = str(data.get("TOKEN") or "")
        if token and self.mfa_tokens.get(token) == user:
            return
        passcode = str(data.get("PASSCODE") or "")
        # The connector sends no AUTHENTICATOR for username_password_mfa, only the
        # passcode (EXT_AUTHN_DUO_METHOD = passcode); a Duo push cannot happen here.
        if not passcode:
            raise LoginError(
                "390120",
                "Multi-factor authentication (MFA) is required for "
                "this user: log in with a passcode.",
            )
        if self.mfa_passcodes.get(user) != passcode:
            raise LoginError(protocol.INCORRECT_CREDENTIALS, "The MFA passcode is not valid.")

    # -- browser single sign-on (https://docs.snowflake.com/en/user-guide/admin-security-fed-auth-use)
    def start_sso(self, login_name: str, redirect_port: str) -> str | None:
        if self.account.get("USER", (login_name.upper(),)) is None or not redirect_port.isdigit():
            return None
        proof = secrets.token_urlsafe(24)
        self._sso_pending[proof] = (login_name.upper(), int(redirect_port))
        return proof

    def complete_sso(self, proof: str) -> str | None:
        """The identity provider's answer: where the browser goes next (the connector)."""
        pending = self._sso_pending.get(proof)
        if pending is None:
            return None
        token = "sso-" + secrets.token_urlsafe(24)
        self._sso_tokens[token] = (pending[0], proof)
        return f"http://localhost:{pending[1]}/?token={token}"

    def _check_sso(self, token: str, proof: str) -> str:
        found = self._sso_tokens.pop(token, None)
        if found is None or found[1] != proof:
            raise LoginError("390195", "The SSO token is not valid for this login.")
        self._sso_pending.pop(proof, None)
        return found[0]

    def issue_mfa_token(self, user: str) -> str:
        token = "mfa-" + secrets.token_urlsafe(24)
        self.mfa_tokens[token] = user
        return token

    def _check_pat(self, login_name: str, token: str) -> str:
        if holds_pat(self.account.get("USER", (login_name,)), token):
            return login_name
        raise LoginError(protocol.INCORRECT_CREDENTIALS, "Programmatic access token is invalid.")

    def _check_jwt(self, token: str, login_name: str) -> str:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            subject = str(claims.get("sub", ""))
            user = subject.rsplit(".", 1)[-1].upper()
            obj = self.account.get("USER", (user,))
            keys = [obj.props.get(k) for k in ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2")] if obj else []
            for key in filter(None, keys):
                public = load_der_public_key(base64.b64decode("".join(str(key).split())))
                try:
                    jwt.decode(token, public, algorithms=["RS256"])  # type: ignore[arg-type]
                except jwt.InvalidTokenError:
                    continue
                if login_name and login_name != user:
                    break
                return user
        except (jwt.InvalidTokenError, ValueError):
            pass
        raise LoginError("390144", "JWT token is invalid.")

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _issue(self, session: Session) -> SessionRecord:
        now = time.time()
        record = SessionRecord(
            session,
            "ETMsTk" + secrets.token_urlsafe(24),
            "ETMsMs" + secrets.token_urlsafe(24),
            now + self.settings.session_validity_secs,
            now + self.settings.master_validity_secs,
        )
        with self._lock:
            self._by_token[record.token] = record
            self._by_master[record.master_token] = record
        return record

    # -- requests with a token --------------------------------------------------------------
    def by_token(self, token: str) -> SessionRecord | None:
        with self._lock:
            return self._by_token.get(token)

    def user_for_token(self, token: str) -> str | None:
        """Who a bearer token belongs to: a live session's token, or any user's
        programmatic access token (what SPCS ingress accepts). None: nobody."""
        record = self.check(token)
        if not isinstance(record, str):
            return str(record.session.user)
        for user in self.account.of_kind("USER"):
            if holds_pat(user, token):
                return user.short
        return None

    def check(self, token: str) -> SessionRecord | str:
        """The live session for a token, or the protocol code explaining why not."""
        record = self.by_token(token)
        if record is None:
            return protocol.SESSION_EXPIRED  # unknown or forgotten: the connector renews
        if time.time() >= record.expires_at:
            return protocol.SESSION_EXPIRED
        return record

    def renew(self, master_token: str, old_token: str) -> SessionRecord | str:
        with self._lock:
            record = self._by_master.get(master_token)
            if record is None or time.time() >= record.master_expires_at:
                return protocol.MASTER_TOKEN_EXPIRED
            self._by_token.pop(record.token, None)
            record.token = "ETMsTk" + secrets.token_urlsafe(24)
            record.expires_at = time.time() + self.settings.session_validity_secs
            self._by_token[record.token] = record
            return record

    def logout(self, token: str) -> None:
        with self._lock:
            record = self._by_token.pop(token, None)
            if record is not None:
                self._by_master.pop(record.master_token, None)

    def expire_all(self, *, master: bool = False) -> None:
        """Fault: every session token expires now; with ``master``, master tokens too."""
        with self._lock:
            for record in self._by_token.values():
                record.expires_at = 0.0
                if master:
                    record.master_expires_at = 0.0

    def active(self) -> int:
        with self._lock:
            return len(self._by_token)
