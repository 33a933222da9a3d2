"""Runs SQL as a given role over one connection, returning rows as dictionaries."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import Error as ConnectorError
from snowflake.connector.errors import ProgrammingError

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection

    from spcs_wizard.model.identifiers import Identifier

# Snowflake's "does not exist or not authorized" (a check's container is missing).
DOES_NOT_EXIST = 2003
# How many questions ``ask_together`` has in flight at once over the one connection (a
# re-run's checks as SYSADMIN are 17). The connector gives each request in flight an HTTP
# session of its own (snowflake/connector/session_manager.py, SessionPool).
AT_ONCE = 20
Rows = list[dict[str, Any]]


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

    def ask_together(
        self, questions: Iterable[tuple[str, Identifier]]
    ) -> dict[tuple[str, str], Rows]:
        """The rows of each (SQL, role), as ``query_or_missing`` answers them, asked in
        the fewest round trips: one USE ROLE per role (the current one first), and a
        role's questions in flight together, each from a thread of its own over this
        connection. The connector lets threads share a connection (threadsafety 2:
        developer-guide/python-connector/python-connector-api); what they share is the
        session's role (developer-guide/driver-connections), and it stays put while they
        run. A question the account refused is left out, to be asked by itself where
        its error is reported; so is a role this user cannot use. Keyed by (role, SQL)."""
        by_role: dict[str, tuple[Identifier, list[str]]] = {}
        for sql, role in questions:
            asked = by_role.setdefault(role.sql(), (role, []))[1]
            if sql not in asked:
                asked.append(sql)
        order = sorted(by_role, key=lambda r: r != self._role)  # no USE ROLE for the first
        answers: dict[tuple[str, str], Rows] = {}
        for role_sql in order:
            role, sqls = by_role[role_sql]
            try:
                self.use_role(role)
            except ConnectorError:
                continue
            with ThreadPoolExecutor(min(AT_ONCE, len(sqls)), "ask-together") as pool:
                futures = [(sql, pool.submit(self.query_or_missing, sql)) for sql in sqls]
            for sql, future in futures:
                if not isinstance(future.exception(), ConnectorError):
                    answers[(role_sql, sql)] = future.result()
        return answers

    def remember(self, answers: dict[tuple[str, str], Rows]) -> None:
        """Keep answers (``ask_together``'s) as checks' answers, until the account changes."""
        self._checked.update(answers)

    def forget_checks(self) -> None:
        """Ask every check again: others (another connection) may have changed the account."""
        self._checked.clear()

    def execute(self, sql: str, role: Identifier, shown: str) -> None:
        """Run a statement that changes the account; ``shown`` is its secret-free text."""
        self._checked.clear()  # (even a statement that fails may have changed something)
        self.use_role(role)
        self.con.cursor().execute(sql)
        self.executed.append(shown)
