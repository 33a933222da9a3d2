"""Every object a workshop makes, from each attendee's plan: what ``workshop plan`` lists
and what the tests count in the account."""

from __future__ import annotations

import tempfile
from pathlib import Path

from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.step import StepKind
from spcs_wizard.workshop.workshop import Workshop


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
