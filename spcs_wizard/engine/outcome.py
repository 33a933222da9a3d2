"""What a deploy did: the steps it ran and found in place, where it failed or stopped,
and the statements it sent that changed the account; said in a sentence for the faces."""

from __future__ import annotations

from dataclasses import dataclass, field

from spcs_wizard.engine.events import StepFailed


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: StepFailed | None = None
    stopped: bool = False  # asked to stop: it did, between two steps
    # The statements the run sent that change the account (secret-free), in order: none
    # for a re-run with nothing to do; a wait's resume of a suspended pool is one.
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.stopped

    @property
    def resumed(self) -> list[str]:
        """What the run's waits found suspended and resumed (ALTER ... <name> RESUME)."""
        return [s.split()[-2] for s in self.changed if s.endswith(" RESUME")]

    def said(self) -> str:
        """ "26 steps done, 0 already in place, 6 waits passed": the waits apart (said
        when there were some), so the steps done and in place count what the plan lists;
        then what the waits resumed."""
        waits = sum(1 for step in self.done if step.startswith("wait-"))
        said = f"{len(self.done) - waits} steps done, {len(self.skipped)} already in place"
        said += f", {waits} waits passed" if waits else ""
        return said + (f"; resumed {', '.join(self.resumed)}" if self.resumed else "")

    def told(self) -> str:
        """A run that ended well, in a sentence: "Nothing changed (...)" when it sent no
        change (a re-run with everything in place), else "Deployed (...)"."""
        return f"{'Deployed' if self.changed else 'Nothing changed'} ({self.said()})"
