"""One row per attendee: what the class dashboard and ``workshop status`` show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from spcs_wizard.engine.operations import public_endpoints
from spcs_wizard.model.cost import pool_rate_now

if TYPE_CHECKING:
    from spcs_wizard.engine.snapshot import Snapshot
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.workshop.classroom import AttendeeResult, Classroom
    from spcs_wizard.workshop.roster import Attendee

# A person's name where it shares a row with the class's figures (the dashboard, `workshop
# status`) is cut to this many cells, with "…": a 100-character name folded over 9 lines
# and pushed the rest of the class out of view. 16 leaves a 40-character id (the longest a
# prefix takes) 13 cells at 80 columns: 4 lines, folded whole (the commands take it). The
# whole name is said elsewhere (--json; under the table; the dashboard's line under it).
NAME_CELLS = 16


@dataclass(frozen=True)
class AttendeeRow:
    attendee: str  # the slug
    name: str
    user: str
    role: str
    condition: str  # running, starting, failing, suspended, ... or "unknown"
    pools: dict[str, str]  # name (without the prefix) -> state
    services: dict[str, str]  # name -> status
    restarts: int
    credits_per_hour: float | None
    endpoint: str | None  # the notebook's (else Milvus') public address, once assigned
    last_error: str
    # Every public endpoint assigned: its name ("notebook", "milvus") -> its address.
    endpoints: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def class_rows(room: Classroom, looks: dict[str, Snapshot | AttendeeResult]) -> list[AttendeeRow]:
    """Every attendee's row from one look at the class (``Classroom.snapshots``)."""
    workshop = room.workshop
    return [
        attendee_row(
            a,
            room.session(a).deployment,
            looks[a.slug],
            workshop.last_errors.get(a.slug, ""),
            sharers=len(workshop.attendees),
        )
        for a in workshop.attendees
    ]


def _credits(d: Deployment, look: Snapshot, sharers: int) -> float | None:
    """What the attendee's pools cost an hour now; of a shared pool, their share (so the
    class's rows add up to what the account bills)."""
    n = d.names()
    shared = {n.pool(k).name for k in d.service_keys if d.service(k).pool.shared}
    total = 0.0
    for pool in look.pools:
        rate = pool_rate_now(pool.instance_family, pool.state, pool.nodes)
        if rate is None:
            return None
        total += rate / max(sharers, 1) if pool.name in shared else rate
    return round(total, 6)


def attendee_row(
    attendee: Attendee,
    d: Deployment,
    look: Snapshot | AttendeeResult,
    last_error: str = "",
    sharers: int = 1,
) -> AttendeeRow:
    n = d.names()
    base = {
        "attendee": attendee.slug,
        "name": attendee.name,
        "user": n.user.name,
        "role": n.role.name,
    }
    from spcs_wizard.engine.snapshot import Snapshot

    if not isinstance(look, Snapshot):
        return AttendeeRow(
            **base,
            condition="unknown",
            pools={},
            services={},
            restarts=0,
            credits_per_hour=None,
            endpoint=None,
            last_error=look.detail,
        )

    def short(name: str) -> str:
        return name.removeprefix(d.prefix)

    pools = {short(p.name): p.state for p in look.pools}
    services = {s.name: s.status for s in look.services}
    restarts = sum(c.restart_count or 0 for s in look.services for c in s.containers)
    found = [e for e in public_endpoints(look) if e.link]
    first = [n.service(key).name for key in ("jupyter", "milvus") if key in d.service_keys]
    found.sort(key=lambda e: first.index(e.service) if e.service in first else len(first))
    endpoint = found[0].link if found else None
    return AttendeeRow(
        **base,
        condition=look.condition,
        pools=pools,
        services=services,
        restarts=restarts,
        credits_per_hour=_credits(d, look, sharers),
        endpoint=endpoint,
        last_error=last_error,
        endpoints={e.endpoint: str(e.link) for e in found},
    )


def pool_states(rows: list[AttendeeRow]) -> list[str]:
    """The state of every pool the rows show (a shared pool once per attendee)."""
    return [state for r in rows for state in r.pools.values()]


def states_in_words(found: dict[str, str]) -> str:
    """``{"A": "ACTIVE", "B": "ACTIVE"}`` -> "2 active"; nothing -> "-"."""
    counts: dict[str, int] = {}
    for state in found.values():
        counts[state.lower()] = counts.get(state.lower(), 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "-"
