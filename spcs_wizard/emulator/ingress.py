"""Public endpoints of running services, as SPCS ingress serves them.

A request whose Host is an endpoint's ingress host (``SHOW ENDPOINTS`` ``ingress_url``)
reaches that endpoint after Snowflake authentication: programmatic clients send
``Authorization: Snowflake Token="<session token or programmatic access token>"``
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-services#public-endpoint-access-and-authentication).
No token, or a bad one: 401. The token's user must have a role that owns the service or
holds one of its service roles (``ALL_ENDPOINTS_USAGE``, granted by the deployment to
its role), else 403; any role granted to the user counts (Snowflake documents the
user's default role; the emulator does not tell them apart).
Served today: the Milvus service's endpoints, as HTTP: its gateway container (run for
real, ``gateway_container``) or Milvus' own REST v2 (``milvus_http``), whichever
container listens on the endpoint's port.
"""

from __future__ import annotations

import http.client
import json
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator import lifecycle

if TYPE_CHECKING:
    from spcs_wizard.emulator.catalog import Obj
    from spcs_wizard.emulator.server import Emulator

INGRESS_SUFFIX = ".snowflakecomputing.app"


def is_ingress(host: str) -> bool:
    return host.split(":", 1)[0].lower().endswith(INGRESS_SUFFIX)


def _endpoint(emulator: Emulator, name: str) -> tuple[Obj, str] | None:
    """The service and endpoint name whose ingress host is ``name``."""
    now, account_id = emulator.clock.now(), emulator.settings.account_identifier
    for svc in emulator.account.of_kind("SERVICE"):
        for ep in lifecycle.endpoints(emulator.account, svc, now, emulator.settings, account_id):
            if str(ep.get("ingress_url") or "").lower() == name:
                return svc, str(ep["name"])
    return None


def may_use(emulator: Emulator, svc: Obj, user: str) -> bool:
    """A role of the user owns the service, or holds one of its service roles
    (GRANT SERVICE ROLE <service>!ALL_ENDPOINTS_USAGE TO ROLE ...)."""
    roles = emulator.account.user_roles(user)
    return svc.owner in roles or any(
        g.service == svc.fqn and g.role in roles for g in emulator.account.service_role_grants
    )


def handle(
    emulator: Emulator, host: str, path: str, authorization: str, raw: bytes
) -> tuple[int, dict[str, Any]]:
    name = host.split(":", 1)[0].lower()
    found = _endpoint(emulator, name)
    if found is None:
        return 404, {"message": f"no public endpoint at {name}"}
    svc, endpoint = found
    token = authorization.split('Token="', 1)[1].rstrip('"') if 'Token="' in authorization else ""
    user = emulator.sessions.user_for_token(token) if token else None
    if user is None:
        return 401, {
            "message": "Snowflake authentication is required: send "
            'Authorization: Snowflake Token="<session token or programmatic access token>".'
        }
    if not may_use(emulator, svc, user):
        return 403, {
            "message": f"{user} has no role that may use the endpoints of {svc.fqn}: grant "
            f"the service role {svc.fqn}!ALL_ENDPOINTS_USAGE to one of the user's roles."
        }
    if not path.startswith("/v2/vectordb/"):
        return 404, {"message": f"{path}: not served by this endpoint"}
    address = emulator.runtime.http_address(svc, endpoint, timeout=5)
    if address is None:
        return 503, {"message": f"endpoint {endpoint} is not serving"}
    return forward(address, path, raw)


def forward(address: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The request as it reaches the container: its body, and none of the caller's
    headers (Snowflake's token stays at the ingress: Snowflake does not document passing
    it on, so the emulator does not)."""
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request("POST", path, raw, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        status, body = reply.status, reply.read()
    except (OSError, http.client.HTTPException) as exc:
        return 502, {
            "message": f"the endpoint's container did not answer ({exc.__class__.__name__})"
        }
    finally:
        conn.close()
    try:
        return status, json.loads(body or b"{}")
    except json.JSONDecodeError:
        return 502, {"message": "the endpoint's container answered with something not JSON"}
