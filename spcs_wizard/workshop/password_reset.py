"""New passwords for attendees whose handed-out ones are lost (the instructor's keyring
gone, another machine) or leaked: their Snowflake user's and their notebook's.

The new passwords go to the instructor's keyring first, then to the account, so a
working password is never only in the account: a reset that stops half-way is run
again. The user's password is set with ALTER USER ... SET PASSWORD
(https://docs.snowflake.com/en/sql-reference/sql/alter-user); the notebook's with ALTER
SECRET ... SET SECRET_STRING (https://docs.snowflake.com/en/sql-reference/sql/alter-secret),
which a container reads as an environment variable when it starts
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/specification-reference,
containers.secrets), so a running notebook is restarted (SUSPEND, RESUME); a suspended one
takes the new password when it is resumed. Milvus' own root password is not the
attendee's and is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.model.identifiers import string_literal
from spcs_wizard.workshop.classroom import AttendeeResult, ClassReport

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.identifiers import Identifier
    from spcs_wizard.workshop.classroom import Classroom, RunnerPool
    from spcs_wizard.workshop.roster import Attendee

RUNNING = ("RUNNING", "PENDING", "STARTING")


def reset_statements(
    d: Deployment, passwords: dict[str, str], notebook_status: str | None
) -> list[tuple[Identifier, str, str]]:
    """(role, statement, its text with the secret left out) for one attendee."""
    n = d.names()
    user_password = string_literal(passwords["milvus_user_password"])
    steps = [
        (
            n.user_admin,
            f"ALTER USER {n.user} SET PASSWORD = {user_password}",
            f"ALTER USER {n.user} SET PASSWORD = '…'",
        )
    ]
    if "jupyter" not in d.service_keys:
        return steps
    secret = n.in_schema(n.jupyter_secret)
    value = string_literal(passwords["jupyter_password"])
    steps.append(
        (
            n.sys_admin,
            f"ALTER SECRET {secret} SET SECRET_STRING = {value}",
            f"ALTER SECRET {secret} SET SECRET_STRING = '…'",
        )
    )
    if notebook_status in RUNNING:
        service = n.in_schema(n.jupyter_service)
        for verb in ("SUSPEND", "RESUME"):
            sql = f"ALTER SERVICE {service} {verb}"
            steps.append((n.sys_admin, sql, sql))
    return steps


def _notebook_status(runner: SqlRunner, d: Deployment) -> str | None:
    n = d.names()
    rows = runner.query(
        f"SHOW SERVICES LIKE {string_literal(n.jupyter_service.name)} "
        f"IN SCHEMA {n.database}.{n.schema_}",
        n.sys_admin,
    )
    found = next((r for r in rows if r.get("name") == n.jupyter_service.name), None)
    return None if found is None else str(found.get("status"))


def reset_passwords(room: Classroom, pool: RunnerPool, attendees: list[Attendee]) -> ClassReport:
    """New passwords for ``attendees``: kept in the keyring, then set in the account."""
    assert room.credentials is not None
    room.credentials.require()
    sessions = {a.slug: room.session(a).deployment for a in attendees}
    fresh = room.credentials.renew(list(sessions.values()))
    report = ClassReport("reset")
    for attendee in attendees:
        d = sessions[attendee.slug]
        try:
            with pool.borrow() as runner:
                status = _notebook_status(runner, d) if "jupyter" in d.service_keys else None
                ran = reset_statements(d, fresh[d.deployment_id], status)
                for role, sql, shown in ran:
                    runner.execute(sql, role, shown)
        except ConnectorError as exc:
            report.results.append(
                AttendeeResult(
                    attendee,
                    "reset",
                    False,
                    f"{exc}",
                    "run the reset again (the new passwords are in your keyring; the account "
                    "takes them when it succeeds)",
                )
            )
            continue
        restarted = ", notebook restarted" if len(ran) > 2 else ""
        report.results.append(AttendeeResult(attendee, "reset", True, f"new passwords{restarted}"))
    return report
