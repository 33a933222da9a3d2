"""What a deploy asks the account before its first step, read from the plan and the
record alone (no I/O): the questions ``SqlRunner.ask_together`` sends in the fewest round
trips, and what each answer is for.

Always the scan's: every created object's check, so that someone else's object of the
same name stops the run before its first change (``Deployer._existing_objects``). Then,
for the steps the record says are in place up to the first it does not (a re-run's
steps, all of them), everything those steps ask before they skip: their checks, the image
repository's listing, the spec files' listings and the schema's DNS domain, and the first
look of their waits. A re-run with nothing to do thus asks all it asks in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spcs_wizard.model.step import StepKind
from spcs_wizard.specs.render import dns_domain_sql

if TYPE_CHECKING:
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.identifiers import Identifier
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.step import Listing, Step


@dataclass
class Questions:
    checks: list[tuple[str, Identifier]] = field(default_factory=list)  # kept as checks'
    images: list[tuple[str, Step]] = field(default_factory=list)  # the repository's listing
    waits: list[tuple[str, Step]] = field(default_factory=list)  # a wait's first look
    domain: tuple[str, Step] | None = None  # the DNS domain the notebook's spec names

    def all(self) -> list[tuple[str, Identifier]]:
        kept = [*self.images, *self.waits, *([self.domain] if self.domain else [])]
        return self.checks + [(sql, step.role) for sql, step in kept]


def before_first_step(plan: Plan, state: DeploymentState) -> Questions:
    """Every question a run of ``plan`` asks before its first change, by what it is for
    (``state``: which steps are in place)."""
    asked = Questions()
    groups = listing_groups(plan)
    grouped = {step.id for members in groups for step, _ in members}
    asked.checks += [(listing.broad_sql(), first.role) for (first, listing), *_ in groups]
    in_place = steps_in_place(plan, state)
    for step in plan.steps:
        sql = step.check.sql.text() if step.check is not None else None
        if sql is None or step.id in grouped:
            continue
        if is_created_object(step) or (step.kind is StepKind.SQL and step.id in in_place):
            asked.checks.append((sql, step.role))
        elif step.id in in_place and step.kind is StepKind.IMAGE:
            asked.images.append((sql, step))
        elif step.id in in_place and step.kind is StepKind.WAIT and not pool_of(plan, step):
            asked.waits.append((sql, step))  # (a pool's: the scan's SHOW tells)
    for step in plan.steps:
        if step.kind is StepKind.PUT and step.id in in_place:
            asked.checks.append((spec_listing_sql(step), step.role))
            asked.domain = asked.domain or (dns_domain_sql(plan.deployment), step)
    return asked


def steps_in_place(plan: Plan, state: DeploymentState) -> set[str]:
    """The plan's steps the record says are in place (made by this deployment, or found
    made), up to the first it does not."""
    found = set()
    for step in plan.steps:
        if step.id not in state.executed and step.id not in state.seen:
            break
        found.add(step.id)
    return found


def spec_listing_sql(step: Step) -> str:
    """What tells whether an upload step's spec file is on its stage."""
    assert step.target is not None
    return f"LIST {step.target.name}"


def listing_groups(plan: Plan) -> list[list[tuple[Step, Listing]]]:
    """The SHOW ... LIKE checks of created objects that share one SHOW: two or more of
    one kind and scope, asked as the same role."""
    groups: dict[tuple[str, str, str], list[tuple[Step, Listing]]] = {}
    for step in plan.steps:
        listing = step.check.listing if step.check is not None else None
        if listing is not None and is_created_object(step):
            key = (step.role.sql(), listing.kind, listing.where)
            groups.setdefault(key, []).append((step, listing))
    return [members for members in groups.values() if len(members) > 1]


def pool_of(plan: Plan, step: Step) -> Step | None:
    """The step making the compute pool a wait waits for, whose SHOW row carries the
    pool's state as DESCRIBE does (sql-reference/sql/show-compute-pools). None for any
    other wait (SHOW SERVICES has no container's readiness, for one), and for a pool the
    plan does not make (a workshop attendee's shared pools)."""
    made = waited_for(plan, step)
    listing = made.check.listing if made is not None and made.check is not None else None
    return made if listing is not None and listing.kind == "COMPUTE POOLS" else None


def waited_for(plan: Plan, wait: Step) -> Step | None:
    """The step that makes what a wait waits for: the one it depends on, when the plan
    has it (a workshop attendee's plan lacks the class's shared pools)."""
    made = [s for s in plan.steps if s.id in wait.depends_on]
    return made[0] if len(made) == 1 else None


def is_created_object(step: Step) -> bool:
    """A step that makes a named object with CREATE ... IF NOT EXISTS (not a grant, an
    upload, an image or a wait)."""
    return (
        step.kind is StepKind.SQL
        and step.target is not None
        and bool(step.statements)
        and step.statements[0].verb == "CREATE"  # a grant's is GRANT
    )
