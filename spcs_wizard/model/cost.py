"""What a deployment costs per hour while it runs, in Snowflake credits.

Figures from Snowflake's Service Consumption Table
(https://www.snowflake.com/legal-files/CreditConsumptionTable.pdf): table 1(a) for
standard warehouses, tables 1(e)-(g) for Snowpark Container Services compute pools.
Billing rules from "Snowpark Container Services costs"
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/accounts-orgs-usage-views):
a pool is charged while IDLE, ACTIVE, STOPPING or RESIZING, not while STARTING or
SUSPENDED, with a 5-minute minimum then per second. Storage (stages, the image
repository, block volumes) and data transfer are billed apart and not counted here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment

SOURCE = "https://www.snowflake.com/legal-files/CreditConsumptionTable.pdf"

# Credits per node-hour by instance family (tables 1(e) CPU, 1(f) high memory, 1(g) GPU).
# Families missing here have no figure we could confirm: the estimate says so.
POOL_CREDITS_PER_HOUR: dict[str, float] = {
    "CPU_X64_XS": 0.06,
    "CPU_X64_S": 0.11,
    "CPU_X64_M": 0.22,
    "CPU_X64_SL": 0.41,
    "CPU_X64_L": 0.83,
    "HIGHMEM_X64_S": 0.28,
    "HIGHMEM_X64_M": 1.11,
    "HIGHMEM_X64_SL": 2.93,
    "HIGHMEM_X64_L": 4.44,
    "GPU_NV_XS": 0.25,
    "GPU_NV_S": 0.57,
    "GPU_NV_M": 2.68,
    "GPU_NV_L": 14.12,
}

# Standard warehouses, credits per hour while running (table 1(a)).
WAREHOUSE_CREDITS_PER_HOUR: dict[str, float] = {
    "XSMALL": 1,
    "SMALL": 2,
    "MEDIUM": 4,
    "LARGE": 8,
    "XLARGE": 16,
    "XXLARGE": 32,
    "XXXLARGE": 64,
    "X4LARGE": 128,
    "X5LARGE": 256,
    "X6LARGE": 512,
}


# The states in which a compute pool is billed (see the module's second source).
BILLED_POOL_STATES = frozenset({"IDLE", "ACTIVE", "STOPPING", "RESIZING"})


def pool_rate_now(instance_family: str, state: str, nodes: int) -> float | None:
    """What a pool costs an hour in its current state: nothing unless it is billed; None
    when its family has no confirmed figure."""
    if state.upper() not in BILLED_POOL_STATES:
        return 0.0
    rate = POOL_CREDITS_PER_HOUR.get(instance_family)
    return None if rate is None else round(rate * max(nodes, 1), 4)


def starting_note(pool_states: Iterable[str]) -> str:
    """ "pools starting: billed once up", or "" when none is. A figure of 0 just after a
    resume is true (a STARTING pool is not billed) but reads as if nothing came back."""
    if any(state.upper() == "STARTING" for state in pool_states):
        return "pools starting: billed once up"
    return ""


@dataclass(frozen=True)
class CostLine:
    item: str
    detail: str
    credits_per_hour: float | None  # None: no confirmed figure for this size
    note: str
    service: str = ""  # the pool's service ("milvus", "jupyter"); "" for the warehouse


@dataclass(frozen=True)
class CostEstimate:
    lines: list[CostLine]

    @property
    def running_per_hour(self) -> float:
        """Both pools at their minimum node count (what a running deployment costs)."""
        return sum(line.credits_per_hour or 0.0 for line in self.lines if line.item != "warehouse")

    @property
    def complete(self) -> bool:
        return all(line.credits_per_hour is not None for line in self.lines)


def estimate(d: Deployment) -> CostEstimate:
    lines = []
    labels = {"milvus": "Milvus pool", "jupyter": "notebook pool"}
    for key in d.service_keys:
        label, pool = labels[key], d.service(key).pool
        rate = POOL_CREDITS_PER_HOUR.get(pool.instance_family)
        nodes = pool.min_nodes
        lines.append(
            CostLine(
                label,
                f"{nodes} x {pool.instance_family}"
                + (f" (up to {pool.max_nodes})" if pool.max_nodes > nodes else ""),
                None if rate is None else round(rate * nodes, 4),
                f"suspends after {pool.auto_suspend_secs} s idle"
                if pool.auto_suspend_secs
                else "never suspends by itself",
                service=key,
            )
        )
    size = d.warehouse.size
    lines.append(
        CostLine(
            "warehouse",
            f"{size} (only while queries run)",
            WAREHOUSE_CREDITS_PER_HOUR.get(size),
            f"suspends after {d.warehouse.auto_suspend_secs} s idle",
        )
    )
    return CostEstimate(lines)


def per_hour(d: Deployment) -> str:
    """The running cost as said to a person: "about 0.17 credits an hour"."""
    cost = estimate(d)
    figure = f"{cost.running_per_hour:g}" + ("" if cost.complete else " or more")
    return f"about {figure} credits an hour"


def pool_names(d: Deployment, keys: Iterable[str]) -> str:
    """The pools of these services, as said to a person: "A_POOL and B_POOL" (prefixed)."""
    return " and ".join(d.names().pool(key).name for key in keys)


def action_notice(action: str, d: Deployment, *, rehearsal: bool = False) -> str:
    """What an action costs or saves, said before it is confirmed (deploy, resume,
    suspend, teardown). A rehearsal bills nothing; it says what an account would."""
    pools = ("the compute pools " if d.notebook else "the compute pool ") + pool_names(
        d, d.service_keys
    )
    rate = per_hour(d)
    idle = d.milvus.pool.auto_suspend_secs
    text = {
        "deploy": f"Deploying creates and starts {pools}: {rate} while running, billed "
        f"per second with a 5-minute minimum (suspended after {idle} s idle). Storage is "
        "billed apart.",
        "resume": f"Resuming starts {pools} and the services again: {rate} while running.",
        "suspend": f"Suspending stops the services, then {pools}: the billing ({rate}) "
        "stops. Data stays on the volumes and stages (storage is still "
        "billed). Resume brings it all back.",
        "teardown": "Tearing down removes what this deployment made; its compute billing "
        f"({rate} while running) ends for good. Milvus' collections go with its service, "
        "'keep database' or not (SPCS deletes a service's block volume with it): to stop the "
        "billing and keep them, suspend instead (only storage is billed then). Without 'keep "
        "database', the database, its stages and images are deleted too and cannot be "
        "recovered.",
    }[action]
    if rehearsal:
        return "Rehearsal: nothing is billed. On a real account: " + text[0].lower() + text[1:]
    return text
