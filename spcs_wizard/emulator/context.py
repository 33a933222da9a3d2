"""What every statement handler gets: the account, the session, the clock, the statement."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.catalog import SCHEMA_KINDS, Account, Obj
from spcs_wizard.emulator.clock import Clock
from spcs_wizard.emulator.sql_lexer import Cursor


@dataclass
class Session:
    id: int
    user: str
    role: str
    database: str | None = None
    schema: str | None = None
    warehouse: str | None = None


@dataclass
class Result:
    """Rows for the connector; column types are TEXT unless listed in ``fixed``."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    fixed: frozenset[str] = frozenset()
    transfer: dict[str, Any] | None = None  # PUT/GET: the connector moves the files

    @classmethod
    def status(cls, message: str) -> Result:
        return cls(["status"], [[message]])


@dataclass
class Ctx:
    account: Account
    session: Session
    clock: Clock
    cur: Cursor
    settings: Any  # EmulatorSettings

    @property
    def role(self) -> str:
        return self.session.role

    def qualify(self, parts: tuple[str, ...], kind: str) -> tuple[str, ...]:
        """Resolve a name against the session's current database and schema."""
        if kind == "SCHEMA":
            if len(parts) == 2:
                return parts
            if self.session.database is None:
                raise errors.no_current("database")
            return (self.session.database, parts[0])
        if kind not in SCHEMA_KINDS:
            return parts[-1:]
        if len(parts) == 3:
            return parts
        if len(parts) == 2:
            if self.session.database is None:
                raise errors.no_current("database")
            return (self.session.database, *parts)
        if self.session.database is None:
            raise errors.no_current("database")
        if self.session.schema is None:
            raise errors.no_current("schema")
        return (self.session.database, self.session.schema, parts[0])

    def find(self, kind: str, parts: tuple[str, ...], shown: str | None = None) -> Obj:
        """The named object; missing and invisible ones are reported alike, as Snowflake
        does."""
        name = self.qualify(parts, kind)
        obj = self.account.get(kind, name)
        if obj is None or not self.visible(obj):
            raise errors.does_not_exist(shown or kind, ".".join(name))
        return obj

    def visible(self, obj: Obj) -> bool:
        """Objects a role has no privilege on are reported as not existing."""
        if obj.kind in ("ROLE", "USER"):
            return True
        # "The MANAGE GRANTS access privilege implicitly allows its holder to see every
        # object in the account" (usage notes of the SHOW commands).
        if self.account.has_account_privilege(self.role, "MANAGE GRANTS"):
            return True
        if obj.kind == "SERVICE":  # a granted service role gives USAGE on its endpoints
            roles = self.account.effective_roles(self.role)
            if any(
                g.service == obj.fqn and g.role in roles for g in self.account.service_role_grants
            ):
                return True
        return self.account.has_privilege(
            self.role, obj, "USAGE", "READ", "MONITOR", "OPERATE", "WRITE"
        )

    def parent(self, name: tuple[str, ...]) -> Obj:
        """The database or schema a new object goes in, checked for existence."""
        db = self.account.get("DATABASE", name[:1])
        if db is None or not self.visible(db):
            raise errors.does_not_exist("database", name[0])
        if len(name) == 2:
            return db
        schema = self.account.get("SCHEMA", name[:2])
        if schema is None or not self.visible(schema):
            raise errors.does_not_exist("schema", ".".join(name[:2]))
        return schema

    def timestamp(self, seconds: float | None = None) -> str:
        when = self.clock.now() if seconds is None else seconds
        return (
            dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " +0000"
        )


def like(pattern: str | None, value: str) -> bool:
    """SQL LIKE, case-insensitive, as SHOW ... LIKE applies it."""
    if pattern is None:
        return True
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def bool_text(value: Any) -> str:
    return "true" if value in (True, "TRUE", "true") else "false"
