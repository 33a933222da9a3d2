"""The specification a service runs with, as DESCRIBE SERVICE reports it
(https://docs.snowflake.com/en/sql-reference/sql/desc-service: the ``spec`` column)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from snowflake.connector.errors import ProgrammingError

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection


class RunningSpecError(RuntimeError):
    pass


def running_spec(con: SnowflakeConnection, service: str, role: str | None = None) -> str:
    cur = con.cursor()
    try:
        if role:
            cur.execute(f"USE ROLE {role}")
        cur.execute(f"DESCRIBE SERVICE {service}")
    except ProgrammingError as exc:
        raise RunningSpecError(f"cannot describe {service}: {exc.msg}") from None
    names = [d[0].lower() for d in cur.description]
    row = cur.fetchone()
    if row is None or "spec" not in names:
        raise RunningSpecError(f"DESCRIBE SERVICE {service} returned no specification")
    return str(row[names.index("spec")])
