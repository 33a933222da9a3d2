"""Day-two operations on a deployment: suspend, resume, container logs, public endpoints.

Shared by the CLI commands and the wizard's monitor, so both send the same statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from spcs_wizard.model.identifiers import string_literal

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import Snapshot
    from spcs_wizard.model.deployment import Deployment

ServiceKey = Literal["milvus", "jupyter"]
SERVICES: tuple[ServiceKey, ...] = ("milvus", "jupyter")


def switch_statements(d: Deployment, verb: Literal["suspend", "resume"]) -> list[str]:
    """Suspend services then pools (no credits while suspended); resume in reverse; shared
    pools are left to whoever shares them.
    Suspend takes the notebook's too when it is left out (an earlier deploy may have made
    it: it would cost credits); resume starts only what the deployment runs.
    https://docs.snowflake.com/en/sql-reference/sql/alter-service,
    https://docs.snowflake.com/en/sql-reference/sql/alter-compute-pool"""
    n = d.names()
    keys = SERVICES if verb == "suspend" else d.service_keys
    services = [n.in_schema(n.service(key)) for key in keys]
    # A shared pool holds other deployments' services: suspending it would stop theirs.
    # Whoever shares it (a workshop) suspends and resumes it, once, for everyone.
    pools = [n.pool(key).sql() for key in keys if not d.service(key).pool.shared]
    if verb == "suspend":
        return [f"ALTER SERVICE IF EXISTS {s} SUSPEND" for s in services] + [
            f"ALTER COMPUTE POOL IF EXISTS {p} SUSPEND" for p in pools
        ]
    return [f"ALTER COMPUTE POOL IF EXISTS {p} RESUME" for p in pools] + [
        f"ALTER SERVICE IF EXISTS {s} RESUME" for s in services
    ]


def switch(runner: SqlRunner, d: Deployment, verb: Literal["suspend", "resume"]) -> list[str]:
    """Run ``switch_statements``; returns what was run: nothing when none of the
    deployment's pools and services is there (ALTER ... IF EXISTS would answer "executed
    successfully" for each, and the faces would say it was suspended)."""
    from spcs_wizard.engine.snapshot import deployed

    if not deployed(runner, d):
        return []
    statements = switch_statements(d, verb)
    for statement in statements:
        runner.execute(statement, d.names().sys_admin, statement)
    return statements


# The condition (Snapshot.condition) in which a switch has nothing left to do.
SWITCHED_ALREADY: dict[str, str] = {"suspend": "suspended", "resume": "running"}


def nothing_to_switch(verb: Literal["suspend", "resume"], d: Deployment) -> str:
    """What the faces say when ``switch`` found nothing of the deployment."""
    return f"Nothing to {verb}: {d.deployment_id} is not deployed (never made, or torn down)."


def switched(verb: Literal["suspend", "resume"], d: Deployment, account: str) -> str:
    """What the command says once ``switch`` ran its statements; ``account`` names the
    account again on the command line ("-c NAME", "--rehearsal")."""
    if verb == "suspend":
        return (
            f"Suspended {d.deployment_id}: its services, then its pools; no credits while "
            f"suspended (storage is still billed). 'spcs-wizard resume {account}' brings it "
            "back."
        )
    return (
        f"Resumed {d.deployment_id}: its pools, then its services; they take a few minutes "
        f"to run again ('spcs-wizard status {account}' shows them)."
    )


def no_public_endpoint(deployment_id: str, condition: str) -> str:
    """Why a look found no public endpoint (none with an address), as the faces say it."""
    if condition in ("not deployed", "partly deployed"):
        return f"No public endpoint: {deployment_id} is {condition}."
    if condition == "suspended":
        return f"No public address: {deployment_id} is suspended (a suspended service has none)."
    return f"No public address yet: its services ({condition}) have none assigned yet."


def unassigned(condition: str) -> str:
    """What an endpoint without an address shows instead (SHOW ENDPOINTS' ingress_url then
    holds a sentence, not a host)."""
    return "none while suspended" if condition == "suspended" else "not assigned yet"


def container_logs_sql(service_fqn: str, instance: str, container: str, lines: int) -> str:
    """SYSTEM$GET_SERVICE_LOGS for one container of one instance.
    https://docs.snowflake.com/en/sql-reference/functions/system_get_service_logs"""
    return (
        f"SELECT SYSTEM$GET_SERVICE_LOGS({string_literal(service_fqn)}, "
        f"{string_literal(instance)}, {string_literal(container)}, {int(lines)})"
    )


def logs_sql(
    d: Deployment,
    service: ServiceKey,
    instance: str = "0",
    lines: int = 50,
    container: str | None = None,
) -> str:
    """The log of one of the service's containers: by default its main one (named after
    its image); Milvus' service also has ``gateway``."""
    n = d.names()
    fqn = n.in_schema(n.service(service))
    return container_logs_sql(str(fqn), instance, container or d.service(service).image, lines)


class LogUnavailableError(RuntimeError):
    """The account would not give the log (no such container or instance now: the service
    is suspended or still starting, or the role may not read it)."""


class ServiceMissingError(LogUnavailableError):
    """The service is not in the account: no log will come by waiting for it."""


def service_logs(
    runner: SqlRunner,
    d: Deployment,
    service: ServiceKey,
    instance: str = "0",
    lines: int = 50,
    container: str | None = None,
) -> list[str]:
    from snowflake.connector.errors import ProgrammingError

    try:
        sql = logs_sql(d, service, instance, lines, container)
        rows = runner.query(sql, d.names().sys_admin)
    except ProgrammingError as exc:
        if exc.errno == 2003:  # does not exist, or not authorized: no such service to read
            raise ServiceMissingError(
                f"no {service} service in {d.deployment_id} to read a log from (deployed? "
                "see 'spcs-wizard status')"
            ) from None
        raise LogUnavailableError(
            f"no log of the {service} service's instance {instance} now ({exc.msg}); "
            "a suspended or starting service has none: see 'spcs-wizard status'"
        ) from None
    text = str(next(iter(rows[0].values()), "") or "") if rows else ""
    return text.splitlines()


def new_lines(before: list[str], now: list[str]) -> list[str]:
    """The lines of ``now`` not yet seen: logs come back as a moving tail, so the longest
    end of ``before`` that starts ``now`` was already shown."""
    for size in range(min(len(before), len(now)), 0, -1):
        if before[-size:] == now[:size]:
            return now[size:]
    return now


@dataclass(frozen=True)
class PublicEndpoint:
    service: str
    endpoint: str
    url: str | None  # None until Snowflake has assigned it

    @property
    def link(self) -> str | None:
        """The address to open: SPCS reports the host name only."""
        if not self.url or " " in self.url or "." not in self.url:
            return None
        return self.url if "://" in self.url else f"https://{self.url}"


def public_endpoints(snap: Snapshot) -> list[PublicEndpoint]:
    return [
        PublicEndpoint(s.name, e.name, e.ingress_url)
        for s in snap.services
        for e in s.endpoints
        if e.is_public
    ]
