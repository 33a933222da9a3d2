"""CREATE, DROP, SHOW and DESCRIBE for the object kinds the deployment uses.

Syntax per kind: https://docs.snowflake.com/en/sql-reference/sql/create-<kind> (role, user,
warehouse, database, schema, stage, image-repository, network-rule, secret,
compute-pool, security-integration-oauth-snowflake, external-access-integration).
``OR REPLACE`` and ``IF NOT EXISTS`` cannot be combined; compute pools and services take
only ``IF NOT EXISTS`` (their CREATE pages have no OR REPLACE).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.catalog import SYSTEM_ROLES, Obj, new_dns_id
from spcs_wizard.emulator.columns import row_for, show_columns
from spcs_wizard.emulator.context import Ctx, Result, like

# SQL words -> (stored kind, account-level privilege needed to create, OR REPLACE allowed)
CREATABLE: dict[str, tuple[str, str | None, bool]] = {
    "ROLE": ("ROLE", "CREATE ROLE", True),
    "USER": ("USER", "CREATE USER", True),
    "WAREHOUSE": ("WAREHOUSE", "CREATE WAREHOUSE", True),
    "DATABASE": ("DATABASE", "CREATE DATABASE", True),
    "SCHEMA": ("SCHEMA", None, True),
    "STAGE": ("STAGE", None, True),
    "IMAGE REPOSITORY": ("IMAGE REPOSITORY", None, True),
    "NETWORK RULE": ("NETWORK RULE", None, True),
    "SECRET": ("SECRET", None, True),
    "COMPUTE POOL": ("COMPUTE POOL", "CREATE COMPUTE POOL", False),
    "SECURITY INTEGRATION": ("INTEGRATION", "CREATE INTEGRATION", True),
    "EXTERNAL ACCESS INTEGRATION": ("INTEGRATION", "CREATE INTEGRATION", True),
}
# SHOW <plural> -> (kind, integration category filter)
SHOWABLE: dict[str, tuple[str, str | None]] = {
    "ROLES": ("ROLE", None),
    "USERS": ("USER", None),
    "WAREHOUSES": ("WAREHOUSE", None),
    "DATABASES": ("DATABASE", None),
    "SCHEMAS": ("SCHEMA", None),
    "STAGES": ("STAGE", None),
    "IMAGE REPOSITORIES": ("IMAGE REPOSITORY", None),
    "NETWORK RULES": ("NETWORK RULE", None),
    "SECRETS": ("SECRET", None),
    "COMPUTE POOLS": ("COMPUTE POOL", None),
    "SERVICES": ("SERVICE", None),
    "INTEGRATIONS": ("INTEGRATION", None),
    "SECURITY INTEGRATIONS": ("INTEGRATION", "SECURITY"),
    "EXTERNAL ACCESS INTEGRATIONS": ("INTEGRATION", "EXTERNAL_ACCESS"),
}
DROPPABLE = {
    **{k: v[0] for k, v in CREATABLE.items()},
    "INTEGRATION": "INTEGRATION",
    "SERVICE": "SERVICE",
}


def _match_kind(ctx: Ctx, table: dict[str, Any]) -> str | None:
    for words in sorted(table, key=lambda w: -len(w.split())):
        if ctx.cur.accept(words):
            return words
    return None


def hash_secret(value: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(value.encode(), salt=salt, n=2**12, r=8, p=1)
    return salt.hex() + ":" + digest.hex()


def verify_secret(value: str, stored: str) -> bool:
    salt, _, digest = stored.partition(":")
    candidate = hashlib.scrypt(value.encode(), salt=bytes.fromhex(salt), n=2**12, r=8, p=1)
    return candidate.hex() == digest


def holds_pat(user: Obj | None, token: str) -> bool:
    """Whether ``token`` is one of the user's programmatic access tokens."""
    stored = user.props.get("PATS", {}) if user is not None else {}
    return bool(token) and any(verify_secret(token, h) for h in stored.values())


def mfa_enrolled(user: Obj | None) -> bool:
    """Enrolled in MFA (EXT_AUTHN_DUO): a password alone does not sign the user in."""
    return user is not None and str(user.props.get("EXT_AUTHN_DUO", "")).upper() == "TRUE"


def create(ctx: Ctx, or_replace: bool) -> Result:
    words = _match_kind(ctx, CREATABLE)
    if words is None:
        raise ctx.cur.error()
    kind, privilege, replaceable = CREATABLE[words]
    if_not_exists = ctx.cur.accept("IF NOT EXISTS")
    if or_replace and (if_not_exists or not replaceable):
        raise errors.syntax_error(0, "OR REPLACE")
    name = ctx.qualify(ctx.cur.name(), kind)
    ctx.cur.accept("WITH")  # CREATE WAREHOUSE x WITH WAREHOUSE_SIZE = ... (optional word)
    props = ctx.cur.properties()
    if privilege and not ctx.account.has_account_privilege(ctx.role, privilege):
        raise errors.insufficient_privileges(f"account '{ctx.account.name}'")
    if len(name) > 1:
        parent = ctx.parent(name)
        if not ctx.account.owns(ctx.role, parent):
            raise errors.insufficient_privileges(f"{parent.kind.lower()} '{parent.fqn}'")
    existing = ctx.account.get(kind, name)
    label = words.split()[-1] if kind == "INTEGRATION" else kind
    if existing is not None:
        if if_not_exists:
            return Result.status(
                f"{ctx.cur.text.split()[1].upper()} {name[-1]} already exists, statement succeeded."
            )
        if not or_replace:
            raise errors.already_exists(label, ".".join(name))
        if not ctx.account.owns(ctx.role, existing):
            raise errors.insufficient_privileges(f"{kind.lower()} '{existing.fqn}'")
        ctx.account.remove(kind, name)
    _check_props(ctx, kind, words, props)
    obj = Obj(kind, name, ctx.role, ctx.clock.now(), props)
    if kind == "INTEGRATION":
        obj.props["CATEGORY"] = "SECURITY" if words.startswith("SECURITY") else "EXTERNAL_ACCESS"
    if kind == "USER" and "PASSWORD" in props:
        errors.check_new_password(str(props["PASSWORD"]))
        obj.props["PASSWORD"] = hash_secret(str(props.pop("PASSWORD")))
    if kind == "SECRET":
        _hash_secret_values(obj.props)
    if kind == "COMPUTE POOL":
        obj.props.setdefault("AUTO_RESUME", True)
        obj.props.setdefault("AUTO_SUSPEND_SECS", 3600)
        obj.props["STATE_SINCE"] = obj.created_on
    if kind == "SCHEMA":
        obj.props["DNS_ID"] = new_dns_id()
    ctx.account.put(obj)
    if kind == "DATABASE":
        public = Obj("SCHEMA", (name[0], "PUBLIC"), ctx.role, obj.created_on)
        public.props["DNS_ID"] = new_dns_id()
        ctx.account.put(public)
        ctx.session.database, ctx.session.schema = name[0], "PUBLIC"
    if kind == "SCHEMA":
        ctx.session.schema = name[1]
    return Result.status(f"{label.title()} {name[-1]} successfully created.")


# What each secret type holds (https://docs.snowflake.com/en/sql-reference/sql/create-secret);
# the OAuth and cloud-provider types are not emulated.
SECRET_FIELDS = {"GENERIC_STRING": ("SECRET_STRING",), "PASSWORD": ("USERNAME", "PASSWORD")}


def _hash_secret_values(props: dict[str, Any]) -> None:
    """Keep only salted hashes of a secret's values: the emulator never writes a secret
    to disk."""
    for key in ("SECRET_STRING", "PASSWORD"):
        if key in props:
            props[key] = hash_secret(str(props[key]))


def _check_secret_props(props: dict[str, Any]) -> None:
    secret_type = str(props.get("TYPE", "")).upper()
    if secret_type not in SECRET_FIELDS:
        raise errors.invalid_value(
            f"invalid value '{props.get('TYPE')}' for property 'TYPE'"
            if secret_type
            else "missing option TYPE for CREATE SECRET"
        )
    for key in SECRET_FIELDS[secret_type]:
        if key not in props:
            raise errors.invalid_value(
                f"missing option {key} for CREATE SECRET TYPE = {secret_type}"
            )
    props["TYPE"] = secret_type


def _check_props(ctx: Ctx, kind: str, words: str, props: dict[str, Any]) -> None:
    if kind == "COMPUTE POOL":
        for key in ("MIN_NODES", "MAX_NODES", "INSTANCE_FAMILY"):
            if key not in props:
                raise errors.invalid_value(f"missing option {key} for CREATE COMPUTE POOL")
        if props["MAX_NODES"] < props["MIN_NODES"]:
            raise errors.invalid_value("MAX_NODES must be greater than or equal to MIN_NODES")
    if kind == "SECRET":
        _check_secret_props(props)
    if kind == "NETWORK RULE":
        for key in ("TYPE", "MODE", "VALUE_LIST"):
            if key not in props:
                raise errors.invalid_value(f"missing option {key} for CREATE NETWORK RULE")
    if words == "EXTERNAL ACCESS INTEGRATION":
        if ctx.settings.profile == "trial":
            raise errors.SnowflakeError(
                3001,
                "42501",
                "SQL access control error:\nExternal access is not enabled for this account. "
                "Contact your account representative to enable it for a trial account.",
            )
        for rule in props.get("ALLOWED_NETWORK_RULES", []):
            ctx.find("NETWORK RULE", tuple(str(rule).split(".")), "network rule")
    if kind == "USER":
        user_type = str(props.get("TYPE", "PERSON")).upper()
        if user_type not in ("PERSON", "SERVICE", "LEGACY_SERVICE", "NULL"):
            raise errors.invalid_value(f"invalid value '{user_type}' for property 'TYPE'")
        # A SERVICE user cannot have a password (sql-reference/sql/create-user, TYPE).
        if user_type == "SERVICE" and "PASSWORD" in props:
            raise errors.invalid_value(
                "Cannot set property PASSWORD on a user of type SERVICE; use a key pair or "
                "a programmatic access token"
            )
        props["TYPE"] = user_type
    if kind == "USER" and "DEFAULT_ROLE" in props:
        props["DEFAULT_ROLE"] = str(props["DEFAULT_ROLE"]).upper()


def drop(ctx: Ctx) -> Result:
    words = _match_kind(ctx, DROPPABLE)
    if words is None:
        raise ctx.cur.error()
    kind = DROPPABLE[words]
    if_exists = ctx.cur.accept("IF EXISTS")
    name = ctx.qualify(ctx.cur.name(), kind)
    ctx.cur.accept("CASCADE") or ctx.cur.accept("RESTRICT")
    ctx.cur.done()
    obj = ctx.account.get(kind, name)
    if obj is None or not ctx.visible(obj):
        if if_exists:
            return Result.status(
                f"Drop statement executed successfully ({name[-1]} already dropped)."
            )
        raise errors.does_not_exist(words.split()[-1], ".".join(name))
    if kind == "ROLE" and name[0] in SYSTEM_ROLES:
        raise errors.insufficient_privileges(f"role '{name[0]}'")
    if not ctx.account.owns(ctx.role, obj):
        raise errors.insufficient_privileges(f"{kind.lower()} '{obj.fqn}'")
    if kind == "COMPUTE POOL":
        services = [
            s for s in ctx.account.of_kind("SERVICE") if s.props.get("COMPUTE_POOL") == name[0]
        ]
        if services:
            raise errors.SnowflakeError(
                395002,
                "22000",
                f"Cannot drop compute pool {name[0]} because it has {len(services)} "
                "service(s). Drop them, or run ALTER COMPUTE POOL ... STOP ALL first.",
            )
    ctx.account.remove(kind, name)
    if kind == "SERVICE":
        pool = ctx.account.get("COMPUTE POOL", (str(obj.props.get("COMPUTE_POOL")),))
        if pool is not None:  # the pool's idle time (auto-suspend) starts now
            pool.props["LAST_SERVICE_CHANGE"] = ctx.clock.now()
    if kind == "DATABASE" and ctx.session.database == name[0]:
        ctx.session.database = ctx.session.schema = None
    return Result.status(f"{name[-1]} successfully dropped.")


def show(ctx: Ctx) -> Result:
    words = _match_kind(ctx, SHOWABLE)
    if words is None:
        raise ctx.cur.error()
    kind, category = SHOWABLE[words]
    pattern = ctx.cur.string() if ctx.cur.accept("LIKE") else None
    scope: tuple[str, ...] | None = None
    if ctx.cur.accept("IN"):
        if ctx.cur.accept("ACCOUNT"):
            scope = None
        elif ctx.cur.accept("DATABASE"):
            scope = ctx.find("DATABASE", ctx.cur.name()).name
        elif ctx.cur.accept("SCHEMA"):
            scope = ctx.find("SCHEMA", ctx.cur.name()).name
        elif ctx.cur.accept("COMPUTE POOL"):
            pool = ctx.find("COMPUTE POOL", ctx.cur.name())
            scope = ("POOL", pool.short)
        else:
            raise ctx.cur.error()
    elif kind in ("STAGE", "IMAGE REPOSITORY", "NETWORK RULE", "SECRET", "SERVICE", "SCHEMA"):
        # Without IN, schema-level objects are listed from the current schema or database.
        if ctx.session.database is None:
            raise errors.no_current("database")
        scope = (
            (ctx.session.database,)
            if kind == "SCHEMA" or ctx.session.schema is None
            else (ctx.session.database, ctx.session.schema)
        )
    ctx.cur.done()
    found = []
    for obj in ctx.account.of_kind(kind):
        if category and obj.props.get("CATEGORY") != category:
            continue
        if scope and scope[0] == "POOL":
            if obj.props.get("COMPUTE_POOL") != scope[1]:
                continue
        elif scope and obj.name[: len(scope)] != scope:
            continue
        if not like(pattern, obj.short) or not ctx.visible(obj):
            continue
        found.append(obj)
    columns, fixed = show_columns(kind)
    return Result(columns, [row_for(ctx, obj) for obj in found], fixed)


SECRET_PROPERTIES = ("PASSWORD", "SECRET_STRING", "PATS")
ALTERABLE = {k: v for k, v in DROPPABLE.items() if k not in ("USER", "COMPUTE POOL", "SERVICE")}


def describe(ctx: Ctx) -> Result:
    """DESCRIBE: compute pools and services with their SHOW columns (documented so);
    other kinds as property/value rows, hashes of secrets left out."""
    words = _match_kind(ctx, {**DROPPABLE, "COMPUTE POOL": 1, "SERVICE": 1})
    if words is None:
        raise ctx.cur.error()
    kind = DROPPABLE.get(words, words)
    obj = ctx.find(kind, ctx.cur.name(), words.lower())
    ctx.cur.done()
    if kind in ("COMPUTE POOL", "SERVICE"):
        columns, fixed = show_columns(obj.kind, describe=True)
        return Result(columns, [row_for(ctx, obj, describe=True)], fixed)
    rows = [["NAME", obj.short], ["OWNER", obj.owner]]
    rows += [
        [key, value] for key, value in sorted(obj.props.items()) if key not in SECRET_PROPERTIES
    ]
    return Result(["property", "value"], rows)


def alter(ctx: Ctx) -> Result:
    """ALTER <kind> [IF EXISTS] <name> SET ... | UNSET ...; ALTER WAREHOUSE SUSPEND/RESUME."""
    words = _match_kind(ctx, ALTERABLE)
    if words is None:
        raise errors.unsupported(ctx.cur.text)
    kind = ALTERABLE[words]
    if_exists = ctx.cur.accept("IF EXISTS")
    name = ctx.qualify(ctx.cur.name(), kind)
    obj = ctx.account.get(kind, name)
    if obj is None or not ctx.visible(obj):
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise errors.does_not_exist(words.split()[-1], ".".join(name))
    if not ctx.account.has_privilege(ctx.role, obj, "MODIFY", "OPERATE"):
        raise errors.insufficient_privileges(f"{kind.lower()} '{obj.fqn}'")
    if kind == "WAREHOUSE" and ctx.cur.accept("SUSPEND"):
        obj.props["SUSPENDED"], obj.props["INITIALLY_SUSPENDED"] = True, False
    elif kind == "WAREHOUSE" and ctx.cur.accept("RESUME"):
        ctx.cur.accept("IF SUSPENDED")
        obj.props["SUSPENDED"] = obj.props["INITIALLY_SUSPENDED"] = False
    elif ctx.cur.accept("SET"):
        props = ctx.cur.properties()
        if kind == "SECRET":
            _hash_secret_values(props)
        obj.props.update(props)
    elif ctx.cur.accept("UNSET"):
        for key in ctx.cur.word_list():
            obj.props.pop(key, None)
    else:
        raise errors.unsupported(ctx.cur.text)
    ctx.cur.done()
    return Result.status("Statement executed successfully.")
