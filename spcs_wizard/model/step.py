"""One step of a deployment plan, and how to tell whether it is already done."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from spcs_wizard.model.identifiers import Identifier
    from spcs_wizard.model.sql import Sql

DOCS = "https://docs.snowflake.com/en/"

# In a Check, this accepted value means "a host name", for example an ingress URL that is
# ready, as opposed to Snowflake's "Endpoints provisioning in progress..." text.
HOSTNAME = "<hostname>"
_HOSTNAME = re.compile(r"(https?://)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+/?")


class StepKind(StrEnum):
    SQL = "sql"  # run the statements
    PUT = "put"  # upload a local file to a stage (a PUT statement through the connector)
    IMAGE = "image"  # build and push an image (no SQL; checked with SHOW IMAGES)
    WAIT = "wait"  # poll the check until it holds (no statement)


@dataclass(frozen=True)
class Target:
    """The Snowflake object a step creates."""

    kind: str  # the SQL keyword(s): "ROLE", "COMPUTE POOL", "GRANT", ...
    name: str  # as written in SQL (qualified for schema-level objects)
    scope: str  # "account", "database", "schema" or "grant"
    shared: bool = False  # account-wide prerequisite other deployments may rely on
    data: bool = False  # holds data: kept by teardown --keep-data


@dataclass(frozen=True)
class Listing:
    """What a ``SHOW <kind> LIKE '<name>' [IN <where>]`` check lists. The same rows come
    from ``SHOW <kind> [IN <where>]`` with the name matched as LIKE matches it
    (case-insensitive; ``_`` any one character, ``%`` any run: sql-reference/sql/show
    "LIKE"), so the checks of one kind and scope can share one statement."""

    kind: str
    where: str  # "" or e.g. "SCHEMA DB.PUBLIC"
    name: str

    def broad_sql(self) -> str:
        return f"SHOW {self.kind}" + (f" IN {self.where}" if self.where else "")

    def lists(self, row: Mapping[str, Any]) -> bool:
        name = next((v for k, v in row.items() if str(k).lower() == "name"), None)
        pattern = "".join(
            ".*" if c == "%" else "." if c == "_" else re.escape(c) for c in self.name
        )
        return name is not None and re.fullmatch(pattern, str(name), re.I | re.S) is not None


@dataclass(frozen=True)
class Check:
    """A read-only query and the rows that prove the step is done.

    Every mapping in ``expect`` must match at least one row; ``every_row`` (if given) must
    match all rows, and there must be at least one. A mapping matches a row when, for each
    column, the row's value is one of the accepted values (compared case-insensitively;
    ``HOSTNAME`` accepts any host name). Names are compared exactly, so a ``LIKE`` pattern
    (where ``_`` is a wildcard) never mistakes ``MILVUSXROLE`` for ``MILVUS_ROLE``.
    """

    sql: Sql
    expect: tuple[Mapping[str, tuple[str, ...]], ...] = ()
    every_row: Mapping[str, tuple[str, ...]] | None = None
    listing: Listing | None = None  # when ``sql`` is a SHOW ... LIKE of one name

    def satisfied_by(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        lowered = [_lowered(row) for row in rows]
        if self.every_row is not None and (
            not lowered or not all(_matches(row, self.every_row) for row in lowered)
        ):
            return False
        if not self.expect and self.every_row is None:
            return bool(lowered)
        return all(any(_matches(row, m) for row in lowered) for m in self.expect)

    def proof(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The rows that match one of ``expect``: for a SHOW ... LIKE check, the object
        itself (its exact name), never a lookalike the pattern also listed."""
        return [row for row in rows if any(_matches(_lowered(row), m) for m in self.expect)]


def _lowered(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with its column names in lower case, as matchers name them."""
    return {str(k).lower(): v for k, v in row.items()}


def _matches(row: Mapping[str, Any], matcher: Mapping[str, tuple[str, ...]]) -> bool:
    for column, accepted in matcher.items():
        value = row.get(column.lower())
        if value is None:
            return False
        text = str(value).strip()
        ok = False
        for candidate in accepted:
            if candidate == HOSTNAME:
                ok = bool(_HOSTNAME.fullmatch(text))
            else:
                ok = text.casefold() == candidate.casefold()
            if ok:
                break
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    role: Identifier
    kind: StepKind
    doc: str
    statements: tuple[Sql, ...] = ()
    check: Check | None = None
    undo: tuple[Sql, ...] = ()
    depends_on: tuple[str, ...] = ()
    target: Target | None = None
    fixes: str | None = None  # how and why this differs from the guide it replaces
    details: Mapping[str, str] = field(default_factory=dict)  # e.g. image reference

    @property
    def removal(self) -> str:
        """What undoing the step runs, as one line ("ALTER ... STOP ALL; DROP ...")."""
        return "; ".join(" ".join(sql.text().split()) for sql in self.undo)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.key for sql in self.statements for s in sql.secrets))
