"""Where a compute pool's services run: each service instance on a node with room for
what its containers request, in the order the services were made, on at most MAX_NODES
nodes. An instance that finds no room stays PENDING, and the pool uses the nodes that
hold something (never fewer than MIN_NODES).

Snowflake adds nodes up to MAX_NODES when services need room
(https://docs.snowflake.com/en/developer-guide/snowflake-cli/services/manage-services);
a container that states no requests asks 0.5 CPU and 0.5 GiB, and one asking more than a
node has is refused (https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_06/bcr-1648);
a pending container's message says why
(https://docs.snowflake.com/en/sql-reference/functions/system_get_service_status).
Snowflake does not document how it packs instances onto nodes: first fit in creation
order is the emulator's choice (a class sized by our arithmetic must fit it exactly, no
slack from a cleverer packing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.catalog import Account, Obj
from spcs_wizard.model.node_capacity import Requests, capacity, container_requests


def instance_requests(spec: dict[str, Any]) -> Requests:
    """What one instance of a service asks of a node: its containers' requests."""
    total = Requests(0.0, 0.0)
    for container in (spec.get("spec") or {}).get("containers") or []:
        total = total + container_requests(container)
    return total


def check_fits(pool: Obj, spec: dict[str, Any]) -> None:
    """CREATE/ALTER SERVICE: one instance must fit on one node of the pool's family."""
    family = str(pool.props.get("INSTANCE_FAMILY", ""))
    node = capacity(family)
    asked = instance_requests(spec)
    if node is not None and not node.holds(asked):
        raise errors.SnowflakeError(
            395018,
            "22023",
            f"Invalid spec: the containers request {asked}, more than a node of compute "
            f"pool {pool.short} ({family}) has: {node}.",
        )


@dataclass
class Placement:
    nodes_used: int = 0
    pending: set[tuple[str, str]] = field(default_factory=set)  # (service, instance)
    message: str = ""


def place(account: Account, pool: Obj) -> Placement:
    """Put the pool's running services' instances on its nodes, first fit."""
    family = str(pool.props.get("INSTANCE_FAMILY", ""))
    node = capacity(family)
    limit = int(pool.props.get("MAX_NODES", 1))
    services = sorted(
        (
            s
            for s in account.of_kind("SERVICE")
            if s.props.get("COMPUTE_POOL") == pool.short and not s.props.get("SUSPENDED")
        ),
        key=lambda s: (s.created_on, s.fqn),
    )
    placed = Placement()
    free: list[Requests] = []
    for svc in services:
        asked = instance_requests(svc.props.get("SPEC_DATA") or {})
        for instance in range(int(svc.props.get("MIN_INSTANCES", 1))):
            if node is None:  # a family without a known size: nothing to check against
                placed.nodes_used = max(placed.nodes_used, 1)
                continue
            spot = next((i for i, room in enumerate(free) if room.holds(asked)), None)
            if spot is None and len(free) < limit:
                free.append(node)
                spot = len(free) - 1
            if spot is None:
                placed.pending.add((svc.fqn, str(instance)))
                placed.message = (
                    f"Unschedulable: compute pool {pool.short} has no room for {asked} "
                    f"(all of its MAX_NODES = {limit} {family} nodes are in use)."
                )
                continue
            free[spot] = free[spot] - asked
    if node is not None:
        placed.nodes_used = len(free)
    return placed
