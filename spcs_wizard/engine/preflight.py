"""Before deploying: can this login do what the plan needs?

Checks the roles each step runs as (available to the user, as CURRENT_AVAILABLE_ROLES()
reports), that Snowpark Container Services answers (SHOW COMPUTE POOLS), and whether
the service owner role can already bind public endpoints. Each missing piece comes with
the statement an administrator would run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.plan import Plan


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str | None = None


def run(runner: SqlRunner, plan: Plan) -> list[Finding]:
    found: list[Finding] = []
    who = runner.query("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_AVAILABLE_ROLES()")[0]
    user, role, available_text = who.values()
    available = {str(r).upper() for r in json.loads(str(available_text or "[]"))}
    found.append(Finding("login", True, f"logged in as {user} with role {role}"))
    needed: dict[str, list[str]] = {}
    for step in plan.steps:
        needed.setdefault(step.role.name, []).append(step.id)
    for name, steps in needed.items():
        if name in available:
            found.append(Finding(f"role {name}", True, f"available ({len(steps)} steps)"))
        else:
            found.append(
                Finding(
                    f"role {name}",
                    False,
                    f"not granted to {user}; needed for {', '.join(steps[:4])}"
                    + ("..." if len(steps) > 4 else ""),
                    f"GRANT ROLE {name} TO USER {user};",
                )
            )
    try:
        runner.query("SHOW COMPUTE POOLS")
        found.append(Finding("Snowpark Container Services", True, "available in this account"))
    except ConnectorError as exc:
        found.append(
            Finding(
                "Snowpark Container Services",
                False,
                f"SHOW COMPUTE POOLS failed: {exc.msg}",
                "Check that the account's edition and region offer SPCS.",
            )
        )
    owner = plan.deployment.names().sys_admin
    admin = plan.deployment.names().account_admin
    bind = (
        any(
            str(g.get("privilege")) == "BIND SERVICE ENDPOINT"
            for g in runner.query_or_missing(f"SHOW GRANTS TO ROLE {owner}")
        )
        if owner.name in available or admin.name in available
        else False
    )
    if bind:
        found.append(Finding("BIND SERVICE ENDPOINT", True, f"{owner.name} has it"))
    elif admin.name in available:
        found.append(
            Finding(
                "BIND SERVICE ENDPOINT",
                True,
                f"{owner.name} lacks it; the deployment grants it as {admin.name}",
            )
        )
    else:
        found.append(
            Finding(
                "BIND SERVICE ENDPOINT",
                False,
                f"{owner.name} cannot create public endpoints",
                f"GRANT BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE {owner.name};",
            )
        )
    return found
