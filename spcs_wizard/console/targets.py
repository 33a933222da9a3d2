"""Where the console's Milvus is: a URI reached over gRPC (Milvus Lite's file, or a
reachable server), or a deployment's public endpoint reached over REST v2 with the
connection's session token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcs_wizard.console.console import Console
from spcs_wizard.console.embedders import embedder_for
from spcs_wizard.console.transport import NotReachableNowError

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment

MILVUS_ENDPOINT = "milvus"  # the public endpoint in specs/milvus.yaml
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def grpc_console(uri: str, embedder: str, runner: SqlRunner | None = None) -> Console:
    from spcs_wizard.console.grpc_transport import GrpcTransport

    return Console(GrpcTransport(uri), lambda name: embedder_for(name, runner), embedder)


def endpoint_console(
    runner: SqlRunner, deployment: Deployment, embedder: str = "cortex"
) -> Console:
    """The deployment's Milvus through its public endpoint, as SHOW ENDPOINTS reports it."""
    from spcs_wizard.console.rest_transport import RestTransport

    n = deployment.names()
    rows = runner.query_or_missing(
        f"SHOW ENDPOINTS IN SERVICE {n.in_schema(n.milvus_service)}", n.sys_admin
    )
    url = next(
        (str(r.get("ingress_url") or "") for r in rows if r.get("name") == MILVUS_ENDPOINT), ""
    )
    if not rows:  # not there now (never made, or torn down): said like a suspended one
        raise NotReachableNowError(
            f"{n.in_schema(n.milvus_service)} does not exist or has no endpoints: deploy first"
        )
    if "." not in url or " " in url:
        raise NotReachableNowError(_no_url_yet(runner, deployment, url))
    host = url.removeprefix("https://").split("/", 1)[0]
    con = runner.con
    address = None
    if str(con.host) in LOOPBACK:  # the local emulator serves every ingress itself
        address = f"http://{con.host}:{con.port}"
    transport = RestTransport(host, con.rest.token, address)
    return Console(transport, lambda name: embedder_for(name, runner), embedder)


def _no_url_yet(runner: SqlRunner, deployment: Deployment, url: str) -> str:
    """Why Milvus' endpoint has no address, by its service's status (SHOW SERVICES): a
    suspended service gets none until it is resumed, which waiting does not do."""
    from spcs_wizard.engine.snapshot import read_service_rows

    n = deployment.names()
    milvus = n.in_schema(n.milvus_service)
    rows = [row for fqn, row in read_service_rows(runner, deployment) if fqn == milvus]
    status = str(rows[0].get("status") or "") if rows else ""
    if status in ("SUSPENDED", "SUSPENDING"):
        return (
            f"{milvus} is {status.lower()}: a suspended service has no "
            "public address; resume it first (spcs-wizard resume, with the same -c or "
            "--rehearsal; or the wizard's Monitor)"
        )
    if status == "PENDING":
        return (
            f"{milvus} is still starting (PENDING): its endpoint gets a URL once the "
            "service runs; try again soon (spcs-wizard status says when it runs)"
        )
    return (
        f"the Milvus endpoint has no URL yet ({url or 'none'}); SPCS assigns it a few minutes "
        "after the service starts: try again soon (spcs-wizard endpoints)"
    )
