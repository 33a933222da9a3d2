"""Compute pool, service, container and endpoint states, derived from emulated time.

States and their meaning follow Snowflake's pages:
compute pools https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-compute-pool
(STARTING, IDLE, ACTIVE, SUSPENDED; AUTO_RESUME, AUTO_SUSPEND_SECS);
services and containers https://docs.snowflake.com/en/sql-reference/sql/show-service-containers-in-service
(service PENDING, RUNNING, FAILED, SUSPENDED; container PENDING, READY, FAILED);
endpoints https://docs.snowflake.com/en/sql-reference/sql/show-endpoints (the ingress URL
reads "Endpoints provisioning in progress..." until it is assigned).

A started container is READY only once it passes its readiness probe (the specification's
``readinessProbe``: Snowflake probes it to know when the container can serve requests,
https://docs.snowflake.com/en/developer-guide/snowpark-container-services/specification-reference).
The emulator asks ``Account.running``: a container it runs for real (Milvus, its gateway)
passes once its process serves, whether or not the spec names a probe (the docs do not say
what Snowflake does without one; the emulator takes the stricter reading), and is FAILED
while its process has exited; any other container passes once the clock has started it.

Nothing runs in the background: every state is a pure function of the object's recorded
events and the clock, so a faster clock or a manual advance moves everything at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from spcs_wizard.emulator.catalog import Account, Obj
from spcs_wizard.emulator.scheduling import Placement, place
from spcs_wizard.emulator.settings import EmulatorSettings

PROVISIONING = "Endpoints provisioning in progress... check back in a few minutes"


def pool_ready_at(pool: Obj, s: EmulatorSettings) -> float | None:
    if pool.props.get("SUSPENDED") or pool.props.get("STUCK"):
        return None
    return float(pool.props["STATE_SINCE"]) + s.pool_start_secs


def services_on(account: Account, pool: Obj) -> list[Obj]:
    return [o for o in account.of_kind("SERVICE") if o.props.get("COMPUTE_POOL") == pool.short]


def pool_state(account: Account, pool: Obj, now: float, s: EmulatorSettings) -> str:
    if pool.props.get("SUSPENDED"):
        return "SUSPENDED"
    ready = pool_ready_at(pool, s)
    if ready is None or now < ready:
        return "STARTING"
    running = [o for o in services_on(account, pool) if not o.props.get("SUSPENDED")]
    if running:
        return "ACTIVE"
    idle_since = max(ready, float(pool.props.get("LAST_SERVICE_CHANGE", 0.0)))
    auto = int(pool.props.get("AUTO_SUSPEND_SECS", 0) or 0)
    if auto > 0 and now - idle_since >= auto:
        return "SUSPENDED"
    return "IDLE"


def settle_pool(account: Account, pool: Obj, now: float, s: EmulatorSettings) -> None:
    """Record an auto-suspend that has happened, so later resumes start from it."""
    if not pool.props.get("SUSPENDED") and pool_state(account, pool, now, s) == "SUSPENDED":
        pool.props["SUSPENDED"] = True


def resume_pool(pool: Obj, now: float) -> None:
    pool.props["SUSPENDED"] = False
    pool.props["STATE_SINCE"] = now


@dataclass
class ContainerState:
    instance_id: str | None
    instance_status: str | None
    name: str | None
    status: str | None
    message: str | None
    image: str | None
    digest: str | None
    restart_count: int | None
    start_time: float | None
    last_exit_code: int | None


@dataclass
class ServiceState:
    status: str
    ready_at: float | None
    containers: list[ContainerState]


def _image_digest(account: Account, image: str) -> str | None:
    """Find ``[host]/db/schema/repo/name:tag`` among the pushed images."""
    path = image.split("/", 1)[1] if "." in image.split("/", 1)[0] else image.lstrip("/")
    repo, _, ref = path.rpartition("/")
    if ":" not in ref:
        ref += ":latest"
    return account.images_in(repo.lower()).get(ref.lower())


# Host names a container may use for another service. SPCS resolves a service's DNS name
# as SHOW SERVICES reports it (``<service>.<unique-id>.svc.spcs.internal``); the format
# before the 2024_06 bundle (``...snowflakecomputing.internal``) is not resolved here.
_INTERNAL_HOST = re.compile(r"[A-Za-z0-9.${}_-]+\.(?:svc\.spcs|snowflakecomputing)\.internal")
_URL_HOST = re.compile(r"://([^/:\s]+)")


def unresolved_hosts(account: Account, container: dict[str, Any]) -> list[str]:
    """Service host names in the container's environment that name no service."""
    env = container.get("env")
    values = " ".join(str(v) for v in (env.values() if isinstance(env, dict) else []))
    hosts = {h.lower() for h in _INTERNAL_HOST.findall(values)}
    hosts |= {h.lower() for h in _URL_HOST.findall(values) if "$" in h}  # never filled in
    # Every state query asks this of every container: list the services only when needed.
    return sorted(hosts - account.service_dns_names()) if hosts else []


def service_state(
    account: Account, svc: Obj, now: float, s: EmulatorSettings, probed: bool = True
) -> ServiceState:
    """The service's state now; ``probed`` False: as if every started container passed its
    readiness probe (what the runtime asks, to know which processes to start)."""
    spec: dict[str, Any] = svc.props.get("SPEC_DATA") or {}
    containers = (spec.get("spec") or {}).get("containers") or []
    if svc.props.get("SUSPENDED"):
        return ServiceState("SUSPENDED", None, [])
    pool = account.get("COMPUTE POOL", (svc.props["COMPUTE_POOL"],))
    pool_ready = pool_ready_at(pool, s) if pool else None
    if pool_ready is None:
        return ServiceState("PENDING", None, [])
    start = max(float(svc.props["STARTED_AT"]), pool_ready)
    if now < start:
        return ServiceState("PENDING", None, [])
    ready_at = start + s.container_start_secs
    placed = place(account, pool) if pool is not None else Placement()
    states = [
        _container(account, svc, c, str(instance), now, start, ready_at, s, probed)
        if (svc.fqn, str(instance)) not in placed.pending
        else _unplaced(svc, c, str(instance), placed.message)
        for instance in range(int(svc.props.get("MIN_INSTANCES", 1)))
        for c in containers
    ]
    failed = any(c.status == "FAILED" for c in states)
    if failed:
        status = "FAILED"
    elif any(c.status == "PENDING" for c in states) or not states:
        status = "PENDING"
    else:
        status = "RUNNING"
    return ServiceState(status, ready_at if status == "RUNNING" else None, states)


def _unplaced(svc: Obj, c: dict[str, Any], instance: str, message: str) -> ContainerState:
    """A container of an instance the pool has no room for: it waits, never starts."""
    image = str(c.get("image", ""))
    return ContainerState(
        instance, "PENDING", c.get("name"), "PENDING", message, image, None, 0, None, None
    )


def _container(
    account: Account,
    svc: Obj,
    c: dict[str, Any],
    instance: str,
    now: float,
    start: float,
    ready_at: float,
    s: EmulatorSettings,
    probed: bool = True,
) -> ContainerState:
    """One container's state: its image pulled, started, resolving what it names, not
    failing by injection, and passing its readiness probe."""
    image = str(c.get("image", ""))
    name = c.get("name")

    def state(status: str, message: str, *rest: Any) -> ContainerState:
        return ContainerState(instance, status, name, status, message, image, *rest)

    digest = _image_digest(account, image)
    if digest is None:
        message = f"Failed to pull image {image}: not found in the image repository."
        return state("FAILED", message, None, 0, start, None)
    if now < ready_at or svc.props.get("STUCK"):  # STUCK: a fault, it never starts
        return state("PENDING", "Pending scheduling", digest, 0, None, None)
    unknown = unresolved_hosts(account, c)
    if unknown:
        message = (
            f"Container exited with code 1: could not resolve host {unknown[0]} "
            "(use the service's dns_name from SHOW SERVICES)."
        )
        return state("FAILED", message, digest, 1, ready_at, 1)
    fail_at = svc.props.get("FAIL_AFTER")
    if fail_at is not None and now >= float(fail_at):
        restarts = 1 + int((now - float(fail_at)) // s.restart_period_secs)
        message = "Container exited with code 1 and is being restarted."
        return state("FAILED", message, digest, restarts, ready_at, 1)
    running = account.running(svc, c) if probed else "ready"
    if running == "exited":
        message = "Container exited and is being restarted."
        return state("FAILED", message, digest, 1, ready_at, None)
    if running != "ready":
        return state("PENDING", _probe_waiting(c), digest, 0, ready_at, None)
    return state("READY", "Running", digest, 0, ready_at, None)


def _probe_waiting(c: dict[str, Any]) -> str:
    probe = c.get("readinessProbe")
    if isinstance(probe, dict) and probe.get("port") is not None:
        where = f"GET {probe.get('path') or '/'} on port {probe['port']}"
        return f"Started; waiting for its readiness probe ({where}) to pass."
    return "Started; waiting for it to serve."


def endpoints(
    account: Account, svc: Obj, now: float, s: EmulatorSettings, account_identifier: str
) -> list[dict[str, Any]]:
    spec: dict[str, Any] = svc.props.get("SPEC_DATA") or {}
    state = service_state(account, svc, now, s)
    rows = []
    for ep in (spec.get("spec") or {}).get("endpoints") or []:
        public = bool(ep.get("public", False))
        url = None
        if public:
            if state.ready_at is not None and now >= state.ready_at + s.endpoint_secs:
                seed = f"{svc.fqn}/{ep.get('name')}".encode()
                host = hashlib.sha256(seed).hexdigest()[:8]
                url = f"{host}-{account_identifier.lower()}.snowflakecomputing.app"
            else:
                url = PROVISIONING
        rows.append(
            {
                "name": ep.get("name"),
                "port": ep.get("port"),
                "protocol": str(ep.get("protocol", "HTTP")).upper(),
                "is_public": public,
                "ingress_url": url,
            }
        )
    return rows


def service_logs(
    account: Account, svc: Obj, now: float, s: EmulatorSettings, container: str
) -> list[str]:
    """The log lines a container has written so far (for SYSTEM$GET_SERVICE_LOGS)."""
    state = service_state(account, svc, now, s)
    lines = []
    for c in state.containers:
        if c.name != container:
            continue
        lines.append(f"[{container}] pulling image {c.image}")
        if c.digest is None:
            lines.append(f"[{container}] ERROR {c.message}")
            continue
        lines.append(f"[{container}] image {c.digest} pulled; starting")
        if c.status in ("READY", "FAILED"):
            lines.append(f"[{container}] listening; readiness probe passed")
        if c.status == "FAILED":
            for n in range(c.restart_count or 0):
                lines.append(f"[{container}] ERROR process exited with code 1 (restart {n + 1})")
    return lines
