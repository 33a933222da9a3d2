"""Runs SQL as a given role over one connection, returning rows as dictionaries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import ProgrammingError

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection

    from spcs_wizard.model.identifiers import Identifier

# Snowflake's "does not exist or not authorized" (a check's container is missing).
DOES_NOT_EXIST = 2003


class SqlRunner:
    def __init__(self, con: SnowflakeConnection) -> None:
        self.con = con
        self._role: str | None = None
        self.executed: list[str] = []  # statements that changed something (not checks)
        # Checks' answers since the account last changed, by (role, SQL): a re-run whose
        # steps are all done asks each once (several steps check the same grants).
        self._checked: dict[tuple[str | None, str], list[dict[str, Any]]] = {}

    def use_role(self, role: Identifier) -> None:
        if self._role != role.sql():
            self.con.cursor().execute(f"USE ROLE {role.sql()}")
            self._role = role.sql()

    def query(self, sql: str, role: Identifier | None = None) -> list[dict[str, Any]]:
        if role is not None:
            self.use_role(role)
        cur = self.con.cursor()
        cur.execute(sql)
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def query_or_missing(self, sql: str, role: Identifier | None = None) -> list[dict[str, Any]]:
        """Like ``query``, but a missing database or schema means "no rows"."""
        try:
            return self.query(sql, role)
        except ProgrammingError as exc:
            if exc.errno == DOES_NOT_EXIST:
                return []
            raise

    def check(self, sql: str, role: Identifier | None = None) -> list[dict[str, Any]]:
        """A check's rows (as ``query_or_missing``); the same check as the same role is
        answered from the last time it ran until ``execute`` (the account may have
        changed). Never for a wait (its answer must be fresh each time) nor
        for what changes without SQL (an image repository: pushes)."""
        key = (None if role is None else role.sql(), sql)
        if key not in self._checked:
            self._checked[key] = self.query_or_missing(sql, role)
        return [dict(row) for row in self._checked[key]]

    def forget_checks(self) -> None:
        """Ask every check again: others (another connection) may have changed the account."""
        self._checked.clear()

    def execute(self, sql: str, role: Identifier, shown: str) -> None:
        """Run a statement that changes the account; ``shown`` is its secret-free text."""
        self._checked.clear()  # (even a statement that fails may have changed something)
        self.use_role(role)
        self.con.cursor().execute(sql)
        self.executed.append(shown)
