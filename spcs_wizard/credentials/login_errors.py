"""What a failed login means and what to do, from the connector's error.

Codes are the ones snowflake-connector-python names (network.py: 390100 authorization
failure, 390144 and 3943xx JWT rejections, 390110/390195 ID token, 390303/390318 OAuth,
390112/390114 session and master token expiry; errorcode.py: 25000x could not connect);
390189 is Snowflake's "role not granted" at login. Locked users, MFA and network policies
are recognised from Snowflake's message, whose wording is stable across codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoginProblem:
    sentence: str
    next_step: str


_BY_CODE: dict[int, LoginProblem] = {
    390100: LoginProblem(
        "Snowflake did not accept the user name and password (or token).",
        "Check them, then run 'spcs-wizard login' again (it replaces any secret stored for "
        "the connection).",
    ),
    390144: LoginProblem(
        "The key-pair login was refused.",
        "Check that the user's RSA_PUBLIC_KEY matches the private key file "
        "and that the passphrase is right.",
    ),
    390110: LoginProblem(
        "The single sign-on token has expired.", "Log in again in the browser (--auth sso)."
    ),
    390195: LoginProblem(
        "The single sign-on token is no longer valid.", "Log in again in the browser (--auth sso)."
    ),
    390318: LoginProblem(
        "The OAuth access token has expired.", "Get a new token and update the token file."
    ),
    390303: LoginProblem(
        "The OAuth access token is not valid.", "Get a new token and update the token file."
    ),
    390189: LoginProblem(
        "The role asked for is not granted to this user.",
        "Pick a granted role (--role), or ask an administrator to run "
        "GRANT ROLE <role> TO USER <user>.",
    ),
    390112: LoginProblem("The session has expired.", "Run the command again."),
    390114: LoginProblem("The login has expired.", "Run the command again to log in anew."),
}
_UNREACHABLE = LoginProblem(
    "Snowflake could not be reached.",
    "Check the account identifier (ORG-ACCOUNT, as Snowsight shows it), the host and port "
    "if the connection names them, and the network or proxy settings.",
)
_BY_WORDS: list[tuple[tuple[str, ...], LoginProblem]] = [
    (
        ("locked",),
        LoginProblem(
            "The user is locked.",
            "Wait for the lock to expire, or ask an administrator to "
            "unlock it (ALTER USER <user> SET MINS_TO_UNLOCK = 0).",
        ),
    ),
    (
        ("mfa",),
        LoginProblem(
            "This user must use multi-factor authentication.",
            "Log in with --auth mfa and approve the request.",
        ),
    ),
    (
        ("duo",),
        LoginProblem(
            "This user must use multi-factor authentication.",
            "Log in with --auth mfa and approve the request.",
        ),
    ),
    (
        ("ip", "not allowed"),
        LoginProblem(
            "A network policy does not allow this address.",
            "Connect from an allowed network, or ask an "
            "administrator to add it to the network policy.",
        ),
    ),
]


def explain(code: int | None, message: str) -> LoginProblem | None:
    if code is not None and 394300 <= code <= 394306:
        return _BY_CODE[390144]
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code is not None and 250000 <= code < 250010:
        return _UNREACHABLE
    lowered = message.lower()
    for words, problem in _BY_WORDS:
        if all(word in lowered.split() or word in lowered for word in words):
            return problem
    return None


def describe(name: str, code: int | None, message: str) -> str:
    """One paragraph for the user: what happened, what to do, what Snowflake said."""
    problem = explain(code, message)
    said = message.strip().splitlines()[0] if message.strip() else "no message"
    tag = f" [{code}]" if code else ""
    if problem is None:
        return f"connection {name!r}: {said}{tag}"
    return f"connection {name!r}: {problem.sentence} {problem.next_step} (Snowflake: {said}{tag})"
