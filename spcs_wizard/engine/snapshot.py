"""One look at a running deployment: pools, services, containers, endpoints.

Uses the current commands (SHOW COMPUTE POOLS, SHOW SERVICES IN SCHEMA, SHOW SERVICE
CONTAINERS IN SERVICE, SHOW ENDPOINTS IN SERVICE): two queries for the account, two per
service.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from spcs_wizard.model.identifiers import Identifier, qualified

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment


@dataclass(frozen=True)
class PoolStatus:
    name: str
    state: str
    instance_family: str
    min_nodes: int
    max_nodes: int
    active_nodes: int
    auto_suspend_secs: int | None


@dataclass(frozen=True)
class ContainerStatus:
    instance_id: str | None
    name: str | None
    status: str | None
    message: str | None
    restart_count: int | None
    image: str | None
    image_digest: str | None
    start_time: str | None


@dataclass(frozen=True)
class EndpointStatus:
    name: str
    port: int | None
    protocol: str
    is_public: bool
    ingress_url: str | None


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    status: str
    compute_pool: str
    containers: list[ContainerStatus] = field(default_factory=list)
    endpoints: list[EndpointStatus] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    deployment_id: str
    taken_at: float
    pools: list[PoolStatus]
    services: list[ServiceStatus]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def healthy(self) -> bool:
        return bool(self.services) and all(
            s.status == "RUNNING" and all(c.status == "READY" for c in s.containers)
            for s in self.services
        )


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def take(runner: SqlRunner, d: Deployment) -> Snapshot:
    n = d.names()
    role = n.sys_admin
    wanted = {n.milvus_pool.name, n.jupyter_pool.name}
    pools = [
        PoolStatus(
            r["name"],
            r["state"],
            r["instance_family"],
            int(r["min_nodes"]),
            int(r["max_nodes"]),
            int(r.get("active_nodes") or 0),
            _int(r.get("auto_suspend_secs")),
        )
        for r in runner.query_or_missing("SHOW COMPUTE POOLS", role)
        if r["name"] in wanted
    ]
    schema = qualified(n.database, n.schema_)
    services = []
    for row in runner.query_or_missing(f"SHOW SERVICES IN SCHEMA {schema}", role):
        fqn = n.in_schema(Identifier(row["name"]))
        containers = [
            ContainerStatus(
                c.get("instance_id"),
                c.get("container_name"),
                c.get("status"),
                c.get("message"),
                _int(c.get("restart_count")),
                c.get("image_name"),
                c.get("image_digest"),
                c.get("start_time"),
            )
            for c in runner.query_or_missing(f"SHOW SERVICE CONTAINERS IN SERVICE {fqn}", role)
            if c.get("container_name")
        ]
        endpoints = [
            EndpointStatus(
                e["name"],
                _int(e.get("port")),
                e.get("protocol") or "",
                str(e.get("is_public")).lower() == "true",
                e.get("ingress_url"),
            )
            for e in runner.query_or_missing(f"SHOW ENDPOINTS IN SERVICE {fqn}", role)
        ]
        services.append(
            ServiceStatus(row["name"], row["status"], row["compute_pool"], containers, endpoints)
        )
    return Snapshot(d.deployment_id, time.time(), pools, services)
