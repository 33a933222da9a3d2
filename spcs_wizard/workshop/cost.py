"""What a workshop costs, before anything is made: credits per hour while everything
runs, and for the workshop's length.

Each attendee's deployment costs what one deployment does (``model.cost``: Snowflake's
Service Consumption Table, https://www.snowflake.com/legal-files/CreditConsumptionTable.pdf,
tables 1(a) and 1(e)-(g)); the class costs that times the attendees. A shared pool is
counted once, at the nodes the whole class's services need (its MAX_NODES). Compute pools are
billed while they run, per second after a 5-minute minimum each time one starts
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/accounts-orgs-usage-views).
Warehouses bill only while queries run, so their line is an upper bound (every
attendee's warehouse busy the whole time), kept apart from the pools' figure. Storage
and data transfer are billed apart and not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from spcs_wizard.model.cost import POOL_CREDITS_PER_HOUR, SOURCE, CostEstimate, estimate
from spcs_wizard.workshop.workshop import Workshop


@dataclass(frozen=True)
class CostRow:
    item: str
    detail: str
    note: str  # how it stops billing by itself
    rate: float | None  # credits an hour of one attendee's, or of the class's shared pool
    attendees: int
    hours: float
    upper_bound: bool = False  # billed only while used: at most this
    shared: bool = False  # one pool for the whole class: ``rate`` is the class's

    @property
    def each_per_hour(self) -> float | None:
        """One attendee's figure (of a shared pool: their share)."""
        if self.rate is None:
            return None
        return round(self.rate / self.attendees, 4) if self.shared else self.rate

    @property
    def class_per_hour(self) -> float | None:
        if self.rate is None:
            return None
        return self.rate if self.shared else round(self.rate * self.attendees, 4)

    @property
    def for_workshop(self) -> float | None:
        per_hour = self.class_per_hour
        return None if per_hour is None else round(per_hour * self.hours, 4)


@dataclass(frozen=True)
class WorkshopCost:
    attendees: int
    hours: float
    each: CostEstimate
    rows: list[CostRow]

    @property
    def running_per_hour(self) -> float:
        """Every attendee's pools at their minimum nodes: what the class costs an hour."""
        return round(sum(r.class_per_hour or 0.0 for r in self.rows if not r.upper_bound), 4)

    @property
    def running_total(self) -> float:
        return round(self.running_per_hour * self.hours, 4)

    @property
    def warehouse_at_most(self) -> float:
        return round(sum(r.for_workshop or 0.0 for r in self.rows if r.upper_bound), 4)

    @property
    def complete(self) -> bool:
        return self.each.complete

    def to_dict(self) -> dict[str, object]:
        return {
            "attendees": self.attendees,
            "hours": self.hours,
            "source": SOURCE,
            "credits_per_hour_running": self.running_per_hour,
            "credits_for_workshop_running": self.running_total,
            "warehouse_credits_at_most": self.warehouse_at_most,
            "complete": self.complete,
            "rows": [
                {
                    "item": r.item,
                    "detail": r.detail,
                    "note": r.note,
                    "each_per_hour": r.each_per_hour,
                    "class_per_hour": r.class_per_hour,
                    "for_workshop": r.for_workshop,
                    "upper_bound": r.upper_bound,
                    "shared": r.shared,
                }
                for r in self.rows
            ],
        }


def workshop_cost(workshop: Workshop) -> WorkshopCost:
    each = estimate(workshop.settings)
    count, hours = len(workshop.attendees), workshop.hours
    shared = {pool.key: pool for pool in workshop.shared_pools}
    rows = []
    for line in each.lines:
        pool = shared.get(line.service)
        if pool is None:
            rows.append(
                CostRow(
                    line.item,
                    line.detail,
                    line.note,
                    line.credits_per_hour,
                    count,
                    hours,
                    upper_bound=line.item == "warehouse",
                )
            )
            continue
        # The class's pool with every attendee's service in it: its nodes at MAX_NODES.
        rate = POOL_CREDITS_PER_HOUR.get(pool.instance_family)
        rows.append(
            CostRow(
                f"{line.item} (shared)",
                f"{pool.max_nodes} x {pool.instance_family} for the class, "
                f"{pool.per_node} attendees a node",
                line.note,
                None if rate is None else round(rate * pool.max_nodes, 4),
                count,
                hours,
                shared=True,
            )
        )
    return WorkshopCost(count, hours, each, rows)
