"""The plan: every step of a deployment, derived from the model, in order.

The plan is the single source of truth for what is created in the account, in what
order and by which role. It covers the whole procedure of the Milvus guide this tool
replaces, with its flaws fixed; each step says in ``fixes`` what changed and why.
Statement syntax follows the Snowflake page each step links to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spcs_wizard.model import plan_compute
from spcs_wizard.model.plan_steps import (
    COMMENT_MARKER,
    JUPYTER_PASSWORD,
    USER_PASSWORD,
    StepBuilder,
    ownership_comment,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.sql import SecretSlot
    from spcs_wizard.model.step import Step


@dataclass(frozen=True)
class Plan:
    deployment: Deployment
    steps: tuple[Step, ...]
    # What teardown may remove: the steps, and those of the notebook when it is left out
    # (an earlier deploy may have made it; each is checked, so absent ones are skipped).
    removable: tuple[Step, ...] = ()

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def shared_ids(self) -> frozenset[str]:
        """The steps of account-wide objects (the ingress integration, BIND SERVICE
        ENDPOINT), which other deployments may rely on too."""
        return frozenset(s.id for s in self.steps if s.target is not None and s.target.shared)

    def teardown(self, *, keep_data: bool = False, include_shared: bool = False) -> list[Step]:
        """Steps to undo, in reverse dependency order (dependents before what they need).

        Shared prerequisites (the account's ingress integration, BIND SERVICE ENDPOINT) are
        left alone unless asked: other deployments in the account may rely on them.
        """
        chosen = []
        for step in reversed(self.removable or self.steps):
            if not step.undo or step.target is None:
                continue
            if step.target.shared and not include_shared:
                continue
            if keep_data and step.target.data:
                continue
            chosen.append(step)
        return chosen

    @property
    def secrets(self) -> tuple[SecretSlot, ...]:
        found: dict[str, SecretSlot] = {}
        for step in self.steps:
            for sql in step.statements:
                for slot in sql.secrets:
                    found.setdefault(slot.key, slot)
        return tuple(found.values())


def build_plan(deployment: Deployment, spec_dir: Path | None = None) -> Plan:
    """Every step of the deployment, in an order that respects their dependencies."""
    if spec_dir is None:
        from spcs_wizard.paths import deployment_dir

        spec_dir = deployment_dir(deployment.deployment_id) / "specs"
    b = StepBuilder(deployment, spec_dir)
    b.security_integration()
    b.role_and_user()
    b.warehouse_and_database()
    b.repository_and_stages()
    b.role_grants()
    b.networking()
    b.secrets()
    plan_compute.pools_and_images(b)
    plan_compute.services(b)
    if deployment.notebook:
        return Plan(deployment, tuple(b.steps))
    with_notebook = build_plan(deployment.model_copy(update={"notebook": True}), spec_dir)
    return Plan(deployment, tuple(b.steps), removable=with_notebook.steps)


__all__ = [
    "COMMENT_MARKER",
    "JUPYTER_PASSWORD",
    "USER_PASSWORD",
    "Plan",
    "build_plan",
    "ownership_comment",
]
