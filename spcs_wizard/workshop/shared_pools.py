"""A class's shared compute pools: one pool per service for the whole class instead of
two per attendee, sized so every attendee's service has room.

Each shared pool is named ``<workshop>_<pool name>`` (no attendee's prefix) and has
MAX_NODES = the nodes the class's services need at once, from what each service
requests and what a node of the family holds (``model.node_capacity``); MIN_NODES stays
the settings' (Snowflake adds nodes up to MAX_NODES as services arrive, and a class that
is half there bills half the nodes). AUTO_SUSPEND_SECS and AUTO_RESUME are the
settings', as for a pool of one's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from spcs_wizard.model import identifiers
from spcs_wizard.model.identifiers import string_literal
from spcs_wizard.model.node_capacity import (
    NODE_LIMIT,
    capacity,
    nodes_for,
    per_node,
    service_requests,
)

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.identifiers import Identifier

PoolShape = Literal["each", "shared"]
POOL_SHAPES: tuple[PoolShape, ...] = ("each", "shared")


class PoolSizeError(ValueError):
    """The class's pools cannot be sized; the message says what to change."""


@dataclass(frozen=True)
class SharedPool:
    key: str  # the service: "milvus" or "jupyter"
    name: str
    instance_family: str
    per_node: int  # attendees' services one node holds
    min_nodes: int
    max_nodes: int


def shared_pools(workshop_name: str, settings: Deployment, attendees: int) -> list[SharedPool]:
    """The class's pool for each service the settings run."""
    found = []
    for key in settings.service_keys:
        svc = settings.service(key)
        family = svc.pool.instance_family
        if capacity(family) is None:
            raise PoolSizeError(
                f"shared pools need a node size to be worked out from, and Snowflake's page "
                f"gives none for {family}: choose another {key}.pool.instance_family, or "
                "--pools each"
            )
        asked = service_requests(settings, key)
        instances = attendees * svc.max_instances
        nodes = nodes_for(family, asked, instances)
        found.append(
            SharedPool(
                key,
                f"{workshop_name}_{svc.pool.name}",
                family,
                per_node(family, asked) // max(1, svc.max_instances),
                min(svc.pool.min_nodes, nodes),
                nodes,
            )
        )
    return found


def check_node_limit(nodes: int, shape: PoolShape) -> None:
    """Refuse a class whose pools need more nodes than Snowflake's limit."""
    if nodes > NODE_LIMIT:
        other = (
            "split the class into two workshops"
            if shape == "shared"
            else "use --pools shared (several attendees a node), or split the class"
        )
        raise PoolSizeError(
            f"the class's compute pools would need {nodes} nodes; Snowflake's CREATE COMPUTE "
            f"POOL page gives a limit of {NODE_LIMIT}: {other}"
        )


def with_shared_pools(pools: list[SharedPool]) -> dict[str, object]:
    """The settings changes that put an attendee's services in the class's pools."""
    changes: dict[str, object] = {}
    for pool in pools:
        at = f"{pool.key}.pool."
        changes |= {
            at + "name": pool.name,
            at + "shared": True,
            at + "min_nodes": pool.min_nodes,
            at + "max_nodes": pool.max_nodes,
        }
    return changes


# -- in the account -----------------------------------------------------------------------
def _listed(
    runner: SqlRunner, role: Identifier, listing: str, name: str
) -> dict[str, object] | None:
    rows = runner.query(f"SHOW {listing} LIKE {string_literal(name)}", role)
    return next((r for r in rows if r.get("name") == name), None)


def foreign(
    runner: SqlRunner, role: Identifier, objects: list[tuple[str, str]], ours: set[str]
) -> str | None:
    """Before anything is made: an object with the name of one the class shares (``objects``:
    (SHOW listing, name), e.g. ("COMPUTE POOLS", ...), ("DATABASES", ...)) that is not this
    workshop's (its COMMENT is none of the attendees' deployments') is never filled with
    the class's services or images. Returns what is in the way, or None."""
    for listing, name in objects:
        row = _listed(runner, role, listing, name)
        if row is not None and str(row.get("comment") or "") not in ours:
            kind = "compute pool" if listing == "COMPUTE POOLS" else "database"
            return (
                f"a {kind} {name} already exists and is not this workshop's (owner "
                f"{row.get('owner')}, comment {row.get('comment')!r}); nothing was put in it: "
                "give the workshop another --name"
            )
    return None


def claim(
    runner: SqlRunner,
    role: Identifier,
    pools: list[SharedPool],
    on_change: Callable[[str], None] = lambda _: None,
) -> str | None:
    """After the class's account-wide objects are made: each shared pool is there and
    holds the class (a roster that grew raises MAX_NODES, said to ``on_change``).
    Returns what is wrong, or None."""
    for pool in pools:
        row = _listed(runner, role, "COMPUTE POOLS", pool.name)
        if row is None:
            return (
                f"the shared compute pool {pool.name} is not there for {role.name}: a pool of "
                "that name that it cannot see may be in the way (someone else's); give the "
                "workshop another --name"
            )
        had = int(str(row.get("max_nodes") or 0))
        if had < pool.max_nodes:
            name = identifiers.parse(pool.name)
            sql = f"ALTER COMPUTE POOL {name} SET MAX_NODES = {pool.max_nodes}"
            runner.execute(sql, role, sql)
            on_change(f"{pool.name} MAX_NODES {had} -> {pool.max_nodes}")
    return None


def switch(
    runner: SqlRunner, role: Identifier, pools: list[SharedPool], verb: Literal["suspend", "resume"]
) -> list[str]:
    """Suspend (after every attendee's services) or resume (before them) the class's
    pools, once. https://docs.snowflake.com/en/sql-reference/sql/alter-compute-pool"""
    ran = []
    for pool in pools:
        sql = f"ALTER COMPUTE POOL IF EXISTS {identifiers.parse(pool.name)} {verb.upper()}"
        runner.execute(sql, role, sql)
        ran.append(sql)
    return ran
