"""Every object a workshop makes, from each attendee's plan: what ``workshop plan`` lists
and what the tests count in the account."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.step import StepKind
from spcs_wizard.workshop.workshop import Workshop

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.identifiers import Identifier


def class_objects(workshop: Workshop) -> dict[str, object]:
    """``{"account_wide": [...], "attendees": [{"attendee", "prefix", "objects": [...]}]}``;
    each object ``{"kind", "name"}`` (grants included, as ``GRANT``)."""
    shared: dict[tuple[str, str], dict[str, str]] = {}
    attendees = []
    with tempfile.TemporaryDirectory() as scratch:  # the plan renders specs; not kept
        for attendee in workshop.attendees:
            d = workshop.deployment(attendee)
            plan = build_plan(d, Path(scratch) / attendee.slug)
            own = []
            for step in plan.steps:
                if step.target is None or step.kind is StepKind.WAIT:
                    continue
                item = {"kind": step.target.kind, "name": step.target.name}
                if step.target.shared:
                    shared.setdefault((item["kind"], item["name"]), item)
                else:
                    own.append(item)
            attendees.append(
                {
                    "attendee": attendee.slug,
                    "name": attendee.name,
                    "prefix": d.prefix,
                    "objects": own,
                }
            )
    return {"account_wide": list(shared.values()), "attendees": attendees}


# What an account lists, kind by kind: before a workshop and after its teardown the same.
ACCOUNT_LISTINGS = {
    "ROLE": "SHOW ROLES",
    "USER": "SHOW USERS",
    "WAREHOUSE": "SHOW WAREHOUSES",
    "DATABASE": "SHOW DATABASES",
    "COMPUTE POOL": "SHOW COMPUTE POOLS",
    "INTEGRATION": "SHOW INTEGRATIONS",
}


def account_objects(runner: SqlRunner, role: Identifier) -> dict[str, set[str]]:
    """The account's objects by kind as ``role`` sees them (ACCOUNTADMIN: all), and the
    account-level grants to SYSADMIN (the workshop's shared ones are among them)."""
    found = {
        kind: {str(r["name"]) for r in runner.query(sql, role)}
        for kind, sql in ACCOUNT_LISTINGS.items()
    }
    found["GRANT"] = {
        f"{r['privilege']} ON {r['granted_on']}"
        for r in runner.query("SHOW GRANTS TO ROLE SYSADMIN", role)
        if str(r.get("granted_on", "")).upper() == "ACCOUNT"
    }
    return found
