"""Before deploying: can this login do what the plan needs?

Checks the roles each step runs as (available to the user, as CURRENT_AVAILABLE_ROLES()
reports), that Snowpark Container Services answers (SHOW COMPUTE POOLS), and whether
the service owner role can already bind public endpoints and create compute pools, and
whether the notebook's egress can work (trial accounts have no external access). Each
missing piece comes with the statement an administrator would run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.step import Step


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
            found.append(
                Finding(
                    f"role {name}",
                    True,
                    f"available ({len(steps)} step{'s' if len(steps) != 1 else ''})",
                )
            )
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
    names = plan.deployment.names()
    owner, admin = names.sys_admin, names.account_admin
    held = (
        {
            str(g.get("privilege"))
            for g in runner.query_or_missing(f"SHOW GRANTS TO ROLE {owner}")
            if str(g.get("granted_on")) == "ACCOUNT"
        }
        if owner.name in available or admin.name in available
        else set()
    )
    for privilege, step in owner_account_privileges(plan).items():
        found.append(_account_privilege(privilege, step, owner.name, held, available))
    found += egress_findings(runner, plan, admin.name in available)
    return found


def owner_account_privileges(plan: Plan) -> dict[str, Step]:
    """The account privileges the plan grants the services' owner role (BIND SERVICE
    ENDPOINT, CREATE COMPUTE POOL: SYSADMIN holds neither by default), to the step that
    grants each."""
    suffix = f" ON ACCOUNT TO ROLE {plan.deployment.names().sys_admin}"
    return {
        s.target.name.removesuffix(suffix): s
        for s in plan.steps
        if s.target is not None and s.target.kind == "GRANT" and s.target.name.endswith(suffix)
    }


def _account_privilege(
    privilege: str, step: Step, owner: str, held: set[str], available: set[str]
) -> Finding:
    admin = step.role.name
    if privilege in held:
        return Finding(privilege, True, f"{owner} has it")
    if admin in available:
        return Finding(privilege, True, f"{owner} lacks it; the deployment grants it as {admin}")
    what = step.title.removeprefix(f"Allow {owner} to ")
    return Finding(
        privilege,
        False,
        f"{owner} cannot {what}, and {admin} (which would grant it) is not available",
        f"GRANT {privilege} ON ACCOUNT TO ROLE {owner};",
    )


def egress_findings(runner: SqlRunner, plan: Plan, is_admin: bool) -> list[Finding]:
    """Egress for the notebook needs external access, which Snowflake does not enable on
    trial accounts by default (https://docs.snowflake.com/en/developer-guide/external-network-access/external-network-access-limitations).
    No statement tells a trial account apart, so an account that already has an external
    access integration counts as able; otherwise the finding says what may happen and the
    way out (the notebook has its model baked in and needs no egress)."""
    egress = plan.deployment.egress
    if not egress.enabled:
        return [Finding("egress", True, "off: the notebook has no outbound access (none needed)")]
    integrations = runner.query_or_missing("SHOW EXTERNAL ACCESS INTEGRATIONS") if is_admin else []
    if integrations:
        return [
            Finding(
                "egress",
                True,
                f"on for {len(egress.hosts)} hosts; the account already has external access "
                "integrations",
            )
        ]
    return [
        Finding(
            "egress",
            False,
            "on, but external access may not be enabled in this account: Snowflake does not "
            "enable it on trial accounts by default, and CREATE EXTERNAL ACCESS INTEGRATION "
            "then fails",
            "On a trial account, deploy without egress (--set egress.enabled=false; the "
            "notebook's embedding model is baked into its image), or ask Snowflake to enable "
            "external access.",
        )
    ]
