"""A plan as a runnable SQL script and as plain data (for ``--json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spcs_wizard import __version__
from spcs_wizard.model.step import Check, Step, StepKind

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from spcs_wizard.model.plan import Plan

PLAN_FORMAT = 1


def _check_text(check: Check) -> str:
    parts = []
    if check.every_row is not None:
        cond = ", ".join(f"{k} in {'/'.join(v)}" for k, v in check.every_row.items())
        parts.append(f"every row has {cond}")
    for matcher in check.expect:
        cond = ", ".join(f"{k} = {'/'.join(v)}" for k, v in matcher.items())
        parts.append(f"a row has {cond}")
    return "; ".join(parts) or "it returns a row"


def to_script(plan: Plan, steps: Sequence[Step] | None = None, *, undo: bool = False) -> str:
    """SQL for ``snow sql -f``: one block per step, ``USE ROLE`` whenever the role changes.

    Secrets appear as ``&{ name }`` variables (pass them with ``-D name=...``); image and
    wait steps, which are not SQL, appear as comments with the query that checks them.
    """
    chosen = list(steps if steps is not None else plan.steps)
    d = plan.deployment
    lines = [
        f"-- spcs-wizard {__version__}: {'teardown' if undo else 'deployment'} of "
        f"{d.deployment_id}",
        "-- Generated; edit the configuration, not this file.",
    ]
    slots = (
        {slot.key: slot for step in chosen for sql in step.statements for slot in sql.secrets}
        if not undo
        else {}
    )
    secrets = sorted(slots)
    if secrets:
        variables = " ".join(f'-D "{k}=..."' for k in secrets)
        lines.append(f"-- Run with: snow sql -f <this file> {variables}")
    for key in secrets:
        if slots[key].generated:  # spcs-wizard makes it up; run by hand, the person does
            lines.append(
                f"-- {key}: make up a long random one; nobody types it again (the services "
                "read it from the SECRET, which keeps the first one given)."
            )
    puts = [s for s in chosen if s.kind is StepKind.PUT and not undo]
    if puts:
        lines.append(
            "-- The PUT lines upload rendered specifications: 'spcs-wizard plan --sql --out "
            "DIR' writes them beside the script (deploy writes its own)."
        )
    current_role = None
    for number, step in enumerate(chosen, 1):
        statements = step.undo if undo else step.statements
        lines += ["", f"-- [{number}] {step.id}: {step.title}", f"-- docs: {step.doc}"]
        if not undo and step.kind is StepKind.IMAGE:
            lines.append(
                f"-- not SQL: push {step.details.get('image', '')} now, with "
                "'spcs-wizard images push' (the services below start once their images are "
                "in the repository; until then their containers report the failed pull)"
            )
        if not undo and step.kind is StepKind.WAIT and step.check:
            lines.append(f"-- wait until {_check_text(step.check)}:")
            lines.append(f"--   {step.check.sql.text()};")
        if not statements:
            continue
        if step.role != current_role:
            lines.append(f"USE ROLE {step.role};")
            current_role = step.role
        lines += [sql.text() + ";" for sql in statements]
    return "\n".join(lines) + "\n"


def after_domain(plan: Plan, needs_domain: Callable[[str], bool]) -> tuple[list[Step], list[Step]]:
    """The steps a script can run before the schema's DNS domain is known, and those
    that need it: uploading a spec that names Milvus by that domain (``needs_domain`` of
    the service: both do) and every step that depends on the upload."""
    needs = {
        s.id
        for s in plan.steps
        if s.kind is StepKind.PUT and needs_domain(s.id.removeprefix("upload-spec-"))
    }
    for step in plan.steps:  # steps come in dependency order
        if needs & set(step.depends_on):
            needs.add(step.id)
    return [s for s in plan.steps if s.id not in needs], [s for s in plan.steps if s.id in needs]


def _check_data(check: Check | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "sql": check.sql.text(),
        "expect": [{k: list(v) for k, v in m.items()} for m in check.expect],
        "every_row": None
        if check.every_row is None
        else {k: list(v) for k, v in check.every_row.items()},
        "description": _check_text(check),
    }


def step_data(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "title": step.title,
        "kind": step.kind.value,
        "role": step.role.name,
        "statements": [s.text() for s in step.statements],
        "secrets": list(step.secrets),
        "doc": step.doc,
        "check": _check_data(step.check),
        "undo": [s.text() for s in step.undo],
        "depends_on": list(step.depends_on),
        "target": None
        if step.target is None
        else {
            "kind": step.target.kind,
            "name": step.target.name,
            "scope": step.target.scope,
            "shared": step.target.shared,
            "data": step.target.data,
        },
        "fixes": step.fixes,
        "details": dict(step.details),
    }


def to_data(plan: Plan, *, teardown: Sequence[Step] | None = None) -> dict[str, Any]:
    """The plan (or a teardown) as JSON-ready data; see schemas/plan.schema.json."""
    d = plan.deployment
    data: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "tool": {"name": "spcs-wizard", "version": __version__},
        "deployment_id": d.deployment_id,
        "prefix": d.prefix,
        "account": d.account or None,
        "mode": "teardown" if teardown is not None else "deploy",
        "steps": [step_data(s) for s in (teardown if teardown is not None else plan.steps)],
    }
    return data
