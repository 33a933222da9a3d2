"""ALTER USER: properties (PASSWORD, RSA_PUBLIC_KEY, DEFAULT_ROLE, ...) and programmatic
access tokens.

https://docs.snowflake.com/en/sql-reference/sql/alter-user and
https://docs.snowflake.com/en/sql-reference/sql/alter-user-add-programmatic-access-token
(the token secret is shown once, in the token_secret column; users may add tokens for
themselves). Only salted hashes of passwords and token secrets are kept.
"""

from __future__ import annotations

import secrets

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.context import Ctx, Result
from spcs_wizard.emulator.objects import hash_secret


def alter_user(ctx: Ctx) -> Result:
    if_exists = ctx.cur.accept("IF EXISTS")
    token = ctx.cur.peek()
    if token is not None and token.kind == "word" and token.upper in ("ADD", "REMOVE"):
        name = ctx.session.user  # ALTER USER ADD PAT ...: the current user
    else:
        name = ctx.cur.name_part()
    user = ctx.account.get("USER", (name,))
    if user is None:
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise errors.does_not_exist("user", name)
    is_self = name == ctx.session.user
    if ctx.cur.accept("ADD") and (
        ctx.cur.accept("PROGRAMMATIC ACCESS TOKEN") or ctx.cur.accept("PAT")
    ):
        token_name = ctx.cur.name_part()
        ctx.cur.properties()  # ROLE_RESTRICTION, DAYS_TO_EXPIRY, COMMENT
        if not (is_self or ctx.account.owns(ctx.role, user)):
            raise errors.insufficient_privileges(f"user '{name}'")
        secret = "pat-" + secrets.token_urlsafe(32)
        user.props.setdefault("PATS", {})[token_name] = hash_secret(secret)
        return Result(["token_name", "token_secret"], [[token_name, secret]])
    if ctx.cur.accept("REMOVE") and (
        ctx.cur.accept("PROGRAMMATIC ACCESS TOKEN") or ctx.cur.accept("PAT")
    ):
        token_name = ctx.cur.name_part()
        ctx.cur.done()
        if not (is_self or ctx.account.owns(ctx.role, user)):
            raise errors.insufficient_privileges(f"user '{name}'")
        if user.props.get("PATS", {}).pop(token_name, None) is None:
            raise errors.does_not_exist("programmatic access token", token_name)
        return Result.status("Statement executed successfully.")
    if not (
        ctx.account.owns(ctx.role, user)
        or ctx.account.has_account_privilege(ctx.role, "CREATE USER")
    ):
        raise errors.insufficient_privileges(f"user '{name}'")
    if ctx.cur.accept("SET"):
        props = ctx.cur.properties()
        if "PASSWORD" in props:
            errors.check_new_password(str(props["PASSWORD"]))
            props["PASSWORD"] = hash_secret(str(props["PASSWORD"]))
        if "DEFAULT_ROLE" in props:
            props["DEFAULT_ROLE"] = str(props["DEFAULT_ROLE"]).upper()
        user.props.update(props)
    elif ctx.cur.accept("UNSET"):
        for key in ctx.cur.word_list():
            user.props.pop(key, None)
    else:
        raise ctx.cur.error()
    return Result.status("Statement executed successfully.")
