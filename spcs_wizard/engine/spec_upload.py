"""Uploading a service specification only when it changed, and rolling a change out.

A re-run of an unchanged deployment must run nothing but its checks. The stage's own
listing cannot tell whether a file changed (``LIST`` reports the digest of the stored,
encrypted file), so the local state keeps the digest of the text last uploaded; a spec
is skipped when that digest matches and ``LIST`` still shows the file. A changed spec is
uploaded and, when its service already runs, rolled out with ``ALTER SERVICE ... FROM
@stage SPECIFICATION_FILE = ...``, which keeps the service's block volumes
(https://docs.snowflake.com/en/sql-reference/sql/alter-service).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spcs_wizard.engine.questions import spec_listing_sql
from spcs_wizard.model.plan_compute import spec_upgrade_sql

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.step import Step


def spec_digest(step: Step) -> str:
    return hashlib.sha256(Path(step.details["local_file"]).read_bytes()).hexdigest()


@dataclass
class SpecUploads:
    runner: SqlRunner
    plan: Plan
    state: DeploymentState

    def unchanged(self, step: Step) -> bool:
        """The rendered spec is the one last uploaded, and the stage still has it."""
        if self.state.specs.get(step.id) != spec_digest(step):
            return False
        assert step.target is not None
        # A check's answer: on a re-run, asked before the first step (Deployer._ask_ahead).
        return bool(self.runner.check(spec_listing_sql(step), step.role))

    def uploaded(self, step: Step) -> str | None:
        """Record the upload; roll it out to the service if it runs. Returns what was
        rolled out, for the event stream."""
        self.state.record_spec(step.id, spec_digest(step))
        key = step.id.removeprefix("upload-spec-")
        service = self.plan.step(f"service-{key}")
        assert service.check is not None
        rows = self.runner.query_or_missing(service.check.sql.text(), service.role)
        if not service.check.satisfied_by(rows):
            return None  # the first deploy: the service step creates it from this file
        upgrade = spec_upgrade_sql(self.plan.deployment, key).text()
        self.runner.execute(upgrade, step.role, upgrade)
        return f"rolled the new specification out: {upgrade}"
