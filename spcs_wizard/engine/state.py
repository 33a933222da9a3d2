"""What this tool did in an account, kept locally beside the objects' COMMENT marker.

``<state home>/deployments/<id>/state.json`` records each step the engine executed (not
the ones it found already done), so teardown can tell a grant it made from one an
administrator made; apart from those, what a run found done or waited through, so the
wizard can show every step an earlier run saw done. It holds names and times only, never
a secret.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DeploymentState:
    path: Path
    deployment_id: str
    executed: dict[str, float] = field(default_factory=dict)  # step id -> when
    # Objects found in place and taken over knowingly (--adopt): name -> when. Never
    # dropped by teardown unless adopted objects are asked for.
    adopted: dict[str, float] = field(default_factory=dict)
    # Each spec upload step -> the sha256 of the text last uploaded (skip when unchanged).
    specs: dict[str, str] = field(default_factory=dict)
    # Steps begun and not known to have finished: written before a step's first statement,
    # so a run killed after the account made a grant, but before ``record``, still knows
    # the grant is its own (step id -> when).
    pending: dict[str, float] = field(default_factory=dict)
    # Steps a run found already done, or waited through (step id -> when): what the
    # wizard shows as done earlier. Never this tool's doing: a teardown does not read it.
    seen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, deployment_id: str) -> DeploymentState:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, deployment_id)
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: unreadable deployment state ({exc})") from None
        return cls(
            path,
            deployment_id,
            dict(data.get("executed", {})),
            dict(data.get("adopted", {})),
            dict(data.get("specs", {})),
            dict(data.get("pending", {})),
            dict(data.get("seen", {})),
        )

    def intend(self, step_id: str) -> None:
        self.pending[step_id] = time.time()
        self.save()

    def abandon(self, step_id: str) -> None:
        """The step was begun and is known not to have run."""
        if self.pending.pop(step_id, None) is not None:
            self.save()

    def record(self, step_id: str) -> None:
        self.pending.pop(step_id, None)
        self.executed[step_id] = time.time()
        self.save()

    def note_seen(self, step_id: str) -> None:
        """A run found the step done (not by this tool), or waited it through."""
        if step_id not in self.seen:  # a no-op re-run writes nothing
            self.seen[step_id] = time.time()
            self.save()

    def forget_seen(self, step_id: str) -> None:
        if self.seen.pop(step_id, None) is not None:
            self.save()

    def made(self, step_id: str) -> bool:
        """Whether this tool ran the step (or began it: what the account shows done after
        an interrupted attempt is this tool's doing)."""
        return step_id in self.executed or step_id in self.pending

    def adopt(self, name: str) -> None:
        self.adopted[name] = time.time()
        self.save()

    def forget_adopted(self, name: str) -> None:
        if self.adopted.pop(name, None) is not None:
            self.save()

    def record_spec(self, step_id: str, digest: str) -> None:
        self.specs[step_id] = digest
        self.save()

    def forget(self, step_id: str) -> None:
        found = self.executed.pop(step_id, None) is not None
        found = self.pending.pop(step_id, None) is not None or found
        found = self.seen.pop(step_id, None) is not None or found
        if self.specs.pop(step_id, None) is not None or found:
            self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "deployment_id": self.deployment_id,
                    "executed": self.executed,
                    "adopted": self.adopted,
                    "specs": self.specs,
                    "pending": self.pending,
                    "seen": self.seen,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        tmp.replace(self.path)  # atomic: a kill -9 never leaves half a file
