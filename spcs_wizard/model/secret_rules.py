"""What a secret must be before it goes to Snowflake.

Any secret: not empty, no NUL character (a Snowflake string constant cannot hold one).
A user's password also meets Snowflake's built-in password policy for new passwords:
at least 14 characters, at most 256, with a digit, an upper-case and a lower-case letter
(https://docs.snowflake.com/en/user-guide/password-authentication and the defaults of
https://docs.snowflake.com/en/sql-reference/sql/create-password-policy; older pages say
8 characters: the stricter figure is used, so a password we accept is never refused).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

from spcs_wizard.model.sql import SecretSlot

# Where a deployment secret can come from without a prompt: SPCS_WIZARD_SECRET_<KEY>.
SECRET_ENV = "SPCS_WIZARD_SECRET_"
PASSWORD_MIN = 14
PASSWORD_MAX = 256


def password_problem(value: str) -> str | None:
    """Why Snowflake would refuse this as a new password (every reason), or None."""
    reasons = []
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        reasons.append(
            f"it has {len(value)} character{'' if len(value) == 1 else 's'} "
            f"(Snowflake wants {PASSWORD_MIN} to {PASSWORD_MAX})"
        )
    missing = [
        what
        for what, present in (
            ("a digit", any(c.isdigit() for c in value)),
            ("an upper-case letter", any(c.isupper() for c in value)),
            ("a lower-case letter", any(c.islower() for c in value)),
        )
        if not present
    ]
    if missing:
        listed = (
            missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        )
        reasons.append(f"it needs {listed}")
    return "; ".join(reasons) or None


def secret_variable(slot: SecretSlot) -> str:
    """The environment variable that provides this secret."""
    return SECRET_ENV + slot.key.upper()


def secret_problem(slot: SecretSlot, value: str) -> str | None:
    """Why this value cannot be used for the slot, or None."""
    if not value:
        return "it is empty"
    if "\x00" in value:
        return "it contains a NUL character, which Snowflake cannot store"
    if slot.is_user_password:
        return password_problem(value)
    return None


def new_password(
    random_text: Callable[[int], str] = secrets.token_urlsafe,
    below: Callable[[int], int] = secrets.randbelow,
) -> str:
    """A random password that meets the policy (rehearsals make their own): 24 random
    bytes as text, and an upper-case letter, a lower-case letter and a digit, each drawn
    at random and put in at a random place, so the policy holds whatever the random part
    holds and no fixed pattern shows (a fixed tail gave away three characters)."""
    chars = list(random_text(24))
    for pool in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
        chars.insert(below(len(chars) + 1), pool[below(len(pool))])
    return "".join(chars)
