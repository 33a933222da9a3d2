"""One look at a running deployment: pools, services, containers, endpoints.

Uses the current commands (SHOW COMPUTE POOLS, SHOW SERVICES IN SCHEMA, SHOW SERVICE
CONTAINERS IN SERVICE, SHOW ENDPOINTS IN SERVICE): two queries for the account, two per
service; a look that follows others (``KeptReadings``, as the monitor's refreshes do)
reads a service's endpoints again only when they may have changed, and a healthy
service's containers in turn.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from spcs_wizard.model.cost import pool_rate_now
from spcs_wizard.model.identifiers import Identifier, qualified, string_literal

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment


class AccountClock(Protocol):
    """An account's clock when it is not this machine's (a rehearsal's emulator)."""

    speed: float  # its seconds to one of this machine's

    def now(self) -> float: ...


@dataclass(frozen=True)
class PoolStatus:
    name: str
    state: str
    instance_family: str
    min_nodes: int
    max_nodes: int
    active_nodes: int  # running a service or job
    auto_suspend_secs: int | None
    idle_nodes: int = 0  # up, running nothing (sql-reference/sql/show-compute-pools)

    @property
    def nodes(self) -> int:
        """The nodes the pool has now, busy or idle: what it bills for while ACTIVE or IDLE."""
        return self.active_nodes + self.idle_nodes


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
    taken_at: float  # this machine's clock
    pools: list[PoolStatus]
    services: list[ServiceStatus]
    # The account's clock at the same moment, which the containers' start times are on
    # (the rehearsal's runs fast); None: this machine's.
    account_clock: float | None = None
    account_speed: float = 1.0  # the account's seconds to one of this machine's

    def age(self, when: str | None) -> float | None:
        """Seconds of this machine's time from an account time (a container's start) to
        this snapshot: a rehearsal's clock runs ``account_speed`` times faster, and a
        minute here reads as a minute, not half an hour."""
        started = parse_time(when)
        if started is None:
            return None
        now = self.taken_at if self.account_clock is None else self.account_clock
        return max(now - started, 0.0) / self.account_speed

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "condition": self.condition,
            "credits_per_hour": self.credits_per_hour,
        }

    @property
    def healthy(self) -> bool:
        return bool(self.services) and all(
            s.status == "RUNNING" and all(c.status == "READY" for c in s.containers)
            for s in self.services
        )

    @property
    def condition(self) -> str:
        """The deployment in one word: running, starting, failing, suspending, suspended,
        partly deployed, or not deployed (nothing of it in the account: never made, or torn
        down)."""
        if not self.pools and not self.services:
            return "not deployed"
        if any(
            s.status == "FAILED" or any(c.status == "FAILED" for c in s.containers)
            for s in self.services
        ):
            return "failing"
        if self.healthy:
            return "running"
        if self.services and all(s.status in ("SUSPENDED", "SUSPENDING") for s in self.services):
            # The pools go after the services: billed until they are suspended too.
            pools_down = all(p.state == "SUSPENDED" for p in self.pools)
            return "suspended" if pools_down else "suspending"
        if not self.services:
            suspended = all(p.state == "SUSPENDED" for p in self.pools)
            return "suspended" if suspended else "partly deployed"
        return "starting"

    @property
    def credits_per_hour(self) -> float | None:
        """What the pools cost an hour as they are now (None: a family without a figure);
        the warehouse only bills while queries run and is not counted."""
        rates = [pool_rate_now(p.instance_family, p.state, p.nodes) for p in self.pools]
        return None if None in rates else round(sum(r or 0.0 for r in rates), 4)


_ZONE_GAP = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")


def parse_time(value: str | None) -> float | None:
    """A SHOW command's timestamp ("2025-11-24 15:58:00.000 +0000", or ISO 8601 with a
    zone) as epoch seconds; None when absent or not a time."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(_ZONE_GAP.sub("", str(value).strip()))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # no zone given: Snowflake's default, UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _time_text(value: Any) -> str | None:
    """A timestamp column as text: the connector gives a datetime for a TIMESTAMP_LTZ
    column (Snowflake's type for start_time), a string where the type is text."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return None if value in (None, "") else str(value)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def read_endpoints(runner: SqlRunner, fqn: str, role: Identifier) -> list[EndpointStatus]:
    return [
        EndpointStatus(
            e["name"],
            _int(e.get("port")),
            e.get("protocol") or "",
            str(e.get("is_public")).lower() == "true",
            e.get("ingress_url"),
        )
        for e in runner.query_or_missing(f"SHOW ENDPOINTS IN SERVICE {fqn}", role)
    ]


def read_containers(runner: SqlRunner, fqn: str, role: Identifier) -> list[ContainerStatus]:
    return [
        ContainerStatus(
            c.get("instance_id"),
            c.get("container_name"),
            c.get("status"),
            c.get("message"),
            _int(c.get("restart_count")),
            c.get("image_name"),
            c.get("image_digest"),
            _time_text(c.get("start_time")),
        )
        for c in runner.query_or_missing(f"SHOW SERVICE CONTAINERS IN SERVICE {fqn}", role)
        if c.get("container_name")
    ]


def assigned(endpoint: EndpointStatus) -> bool:
    """A public endpoint whose URL Snowflake has given (until then, ingress_url holds a
    sentence: "Endpoints provisioning in progress...")."""
    url = endpoint.ingress_url or ""
    return not endpoint.is_public or (bool(url) and " " not in url and "." in url)


Seen = tuple[str, str]  # a service's SHOW SERVICES row as a look saw it: status, updated_on


def _seen(row: dict[str, Any]) -> Seen:
    return (str(row.get("status")), str(row.get("updated_on")))


@dataclass
class KeptReadings:
    """What earlier looks read of each service, beside what its SHOW SERVICES row said
    then (status, updated_on), so a look that follows another (the monitor's refreshes,
    the class dashboard's) reads less:

    * **endpoints** come from the spec; how long an assigned URL lasts the docs do not say
      (sql-reference/sql/show-endpoints), so they are read again at any change of the row
      (a suspend, a resume, a new spec: updated_on) and while a public one waits for its
      URL;
    * **containers** of a running service whose containers were all READY are read in
      turn, one such service a look (the one read longest ago), and at once when its row
      changes or any of its containers was not READY. A restart of a healthy service's
      container shows within as many looks as there are services (the docs do not say
      that a restart changes the service's row: sql-reference/sql/show-services).

    A look at two running services then sends three statements (pools, services, one
    service's containers), not six (benchmarks/deploy_bench.py)."""

    _endpoints: dict[str, tuple[Seen, list[EndpointStatus]]] = field(default_factory=dict)
    # fqn -> (row seen, containers, the look that read them)
    _containers: dict[str, tuple[Seen, list[ContainerStatus], int]] = field(default_factory=dict)
    _looks: int = 0

    def begin(self, rows: list[tuple[str, dict[str, Any]]]) -> str | None:
        """A new look at these services (fqn, SHOW SERVICES row): which kept one's
        containers are due to be read again (the one read longest ago)."""
        self._looks += 1
        steady = [
            (self._containers[fqn][2], fqn)
            for fqn, row in rows
            if fqn in self._containers and self._containers[fqn][0] == _seen(row)
        ]
        return min(steady)[1] if steady else None

    def containers(
        self, runner: SqlRunner, fqn: str, row: dict[str, Any], role: Identifier, due: bool
    ) -> list[ContainerStatus]:
        kept = self._containers.get(fqn)
        if not due and kept is not None and kept[0] == _seen(row):
            return kept[1]
        found = read_containers(runner, fqn, role)
        if _seen(row)[0] == "RUNNING" and found and all(c.status == "READY" for c in found):
            self._containers[fqn] = (_seen(row), found, self._looks)
        else:
            self._containers.pop(fqn, None)
        return found

    def endpoints(
        self, runner: SqlRunner, fqn: str, row: dict[str, Any], role: Identifier
    ) -> list[EndpointStatus]:
        kept = self._endpoints.get(fqn)
        if kept is not None and kept[0] == _seen(row):
            return kept[1]
        endpoints = read_endpoints(runner, fqn, role)
        if all(assigned(e) for e in endpoints):
            self._endpoints[fqn] = (_seen(row), endpoints)
        else:
            self._endpoints.pop(fqn, None)
        return endpoints


def _common_start(names: set[str]) -> str:
    """The characters every name starts with."""
    first, last = min(names), max(names)
    size = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    return first[:size]


def pool_names(d: Deployment) -> set[str]:
    n = d.names()
    return {n.milvus_pool.name, n.jupyter_pool.name}


def pool_listing(names: set[str]) -> str:
    """SHOW COMPUTE POOLS for these names: LIKE by their common start (a workshop's thirty
    deployments list their pools, not every pool in the account); its '_' matches any
    character, so the rows are filtered by name after (``pools_in``)."""
    common = _common_start(names)
    return (
        f"SHOW COMPUTE POOLS LIKE {string_literal(common + '%')}"
        if common
        else "SHOW COMPUTE POOLS"
    )


def pools_in(rows: list[dict[str, Any]], d: Deployment) -> list[PoolStatus]:
    """The deployment's compute pools among SHOW COMPUTE POOLS rows."""
    wanted = pool_names(d)
    return [
        PoolStatus(
            r["name"],
            r["state"],
            r["instance_family"],
            int(r["min_nodes"]),
            int(r["max_nodes"]),
            int(r.get("active_nodes") or 0),
            _int(r.get("auto_suspend_secs")),
            int(r.get("idle_nodes") or 0),
        )
        for r in rows
        if r["name"] in wanted
    ]


def read_pools(runner: SqlRunner, d: Deployment) -> list[PoolStatus]:
    """The deployment's compute pools as SHOW COMPUTE POOLS lists them (one statement)."""
    rows = runner.query_or_missing(pool_listing(pool_names(d)), d.names().sys_admin)
    return pools_in(rows, d)


def services_in(rows: list[dict[str, Any]], d: Deployment) -> list[tuple[str, dict[str, Any]]]:
    """The deployment's services among SHOW SERVICES IN ACCOUNT rows (by their
    database_name and schema_name columns: sql-reference/sql/show-services), each with
    its name in the schema."""
    n = d.names()
    place = (n.database.name, n.schema_.name)
    return [
        (n.in_schema(Identifier(row["name"])), row)
        for row in rows
        if (row["database_name"], row["schema_name"]) == place
    ]


def read_service_rows(runner: SqlRunner, d: Deployment) -> list[tuple[str, dict[str, Any]]]:
    """Each service in the deployment's schema (its name in the schema, its SHOW SERVICES
    row); none when the schema is not there (one statement)."""
    n = d.names()
    schema = qualified(n.database, n.schema_)
    return [
        (n.in_schema(Identifier(row["name"])), row)
        for row in runner.query_or_missing(f"SHOW SERVICES IN SCHEMA {schema}", n.sys_admin)
    ]


def deployed(runner: SqlRunner, d: Deployment) -> bool:
    """Whether any of the deployment's pools or services is in the account (two
    statements): a suspend or resume of nothing would say it worked."""
    return bool(read_pools(runner, d)) or bool(read_service_rows(runner, d))


@dataclass(frozen=True)
class Listing:
    """SHOW COMPUTE POOLS and SHOW SERVICES rows read once for several deployments (a
    workshop's class): each deployment's look takes its own from them."""

    pools: list[dict[str, Any]]
    services: list[dict[str, Any]]


def take(
    runner: SqlRunner,
    d: Deployment,
    account_clock: AccountClock | None = None,
    kept: KeptReadings | None = None,
    listing: Listing | None = None,
) -> Snapshot:
    """One look at the deployment: its pools and services (from ``listing`` when given,
    else read: two statements), then each service's containers and endpoints (two
    statements each, fewer with ``kept``)."""
    role = d.names().sys_admin
    if listing is None:
        pools, rows = read_pools(runner, d), read_service_rows(runner, d)
    else:
        pools, rows = pools_in(listing.pools, d), services_in(listing.services, d)
    due = kept.begin(rows) if kept is not None else None
    services = []
    for fqn, row in rows:
        if kept is None:
            containers = read_containers(runner, fqn, role)
            endpoints = read_endpoints(runner, fqn, role)
        else:
            containers = kept.containers(runner, fqn, row, role, due=fqn == due)
            endpoints = kept.endpoints(runner, fqn, row, role)
        services.append(
            ServiceStatus(row["name"], row["status"], row["compute_pool"], containers, endpoints)
        )
    return Snapshot(
        d.deployment_id,
        time.time(),
        pools,
        services,
        None if account_clock is None else account_clock.now(),
        1.0 if account_clock is None else account_clock.speed,
    )
