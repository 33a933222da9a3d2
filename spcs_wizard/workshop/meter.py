"""Credits each attendee's pools billed while the class was watched: each look's rate
(what its pools cost an hour as they were) until the next look. An estimate from the
consumption table, not Snowflake's meter (its usage views lag by hours)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CreditMeter:
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)  # slug -> (at, rate)
    totals: dict[str, float] = field(default_factory=dict)

    def observe(self, slug: str, rate: float | None, at: float) -> float:
        """Add what the previous rate billed until ``at``; the credits so far."""
        before = self._last.get(slug)
        if before is not None and at > before[0]:
            self.totals[slug] = self.totals.get(slug, 0.0) + before[1] * (at - before[0]) / 3600
        self._last[slug] = (at, rate or 0.0)
        return round(self.totals.get(slug, 0.0), 4)

    @property
    def total(self) -> float:
        return round(sum(self.totals.values()), 4)
