"""Milvus RESTful API v2 through an SPCS public endpoint.

Public endpoints sit behind Snowflake authentication: a program sends
``Authorization: Snowflake Token="<token>"`` with the open connection's session token
or a programmatic access token
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-services#public-endpoint-access-and-authentication).
The endpoint is the Milvus service's gateway, which adds Milvus' own credentials (the
ingress takes the Authorization header) and passes REST v2 calls, under
``/v2/vectordb/``, to Milvus; replies are HTTP 200 with a ``code`` (0: success) and
``data`` or ``message``.

For the local emulator, ``address`` is the emulator's own ``http://127.0.0.1:<port>``
and the endpoint's host name goes in the Host header, as a real ingress routes by name.
"""

from __future__ import annotations

import contextlib
from typing import Any

import requests

from spcs_wizard.console.transport import (
    ID_FIELD,
    TEXT_FIELD,
    TEXT_MAX,
    VECTOR_FIELD,
    CollectionInfo,
    ConsoleError,
    Hit,
    explain,
)

# Milvus' code for a call without valid credentials ("user hasn't authenticated").
NOT_AUTHENTICATED = 1800


class RestTransport:
    def __init__(
        self, ingress_host: str, token: str, address: str | None = None, timeout: float = 30
    ) -> None:
        self.base = (address or f"https://{ingress_host}").rstrip("/")
        self.headers = {"Authorization": f'Snowflake Token="{token}"'}
        if address:
            self.headers["Host"] = ingress_host
        self.label = f"REST v2 https://{ingress_host}"
        self.timeout = timeout
        self.http = requests.Session()

    def _post(self, path: str, body: dict[str, Any], what: str, optional: bool = False) -> Any:
        """One REST v2 call; ``optional``: a Milvus that does not have this path is fine."""
        try:
            reply = self.http.post(
                f"{self.base}/v2/vectordb/{path}",
                json=body,
                headers=self.headers,
                timeout=self.timeout,
                allow_redirects=False,  # a redirect is the browser login page: not for us
            )
        except requests.RequestException as exc:
            raise ConsoleError(
                f"cannot reach the endpoint {self.label} ({type(exc).__name__}); check that "
                "the service is running (spcs-wizard status) and its URL (spcs-wizard endpoints)"
            ) from None
        if optional and reply.status_code == 404:
            return None
        if reply.status_code in (401, 403) or 300 <= reply.status_code < 400:
            detail = ""
            with contextlib.suppress(ValueError, KeyError, TypeError):  # no JSON reason
                detail = f": {reply.json()['message']}"
            raise ConsoleError(
                f"{what}: Snowflake refused the token (HTTP {reply.status_code}){detail}; log "
                "in again, and make sure your role may use the service's endpoints"
            )
        try:
            payload = reply.json()
        except ValueError:
            payload = {}
        if reply.status_code != 200:
            message = payload.get("message") or reply.reason
            raise ConsoleError(
                f"{what}: the endpoint answered HTTP {reply.status_code} ({message})"
            )
        if payload.get("code", 0) == NOT_AUTHENTICATED:
            raise ConsoleError(
                f"{what}: Milvus refused the call as not authenticated "
                f"({payload.get('message', '')}). Its public endpoint is the gateway, which adds "
                "Milvus' credentials from the deployment's secret: if the service runs an older "
                "specification without it, run spcs-wizard deploy again (it rolls the new one "
                "out, keeping the data); else see the gateway's log (spcs-wizard logs milvus "
                "--container gateway)"
            )
        if payload.get("code", 0) != 0:
            raise explain(str(payload.get("message", "")), what)
        return payload.get("data")

    def list_collections(self) -> list[str]:
        return sorted(self._post("collections/list", {}, "listing collections") or [])

    def describe(self, name: str) -> CollectionInfo:
        d = self._post("collections/describe", {"collectionName": name}, f"collection {name!r}")
        dim = None
        for f in d.get("fields", []):
            for p in f.get("params") or []:
                if p.get("key") == "dim":
                    dim = int(p["value"])
        properties = {str(p["key"]): str(p["value"]) for p in d.get("properties") or []}
        return CollectionInfo(name, dim, [f["name"] for f in d.get("fields", [])], properties)

    def create(self, name: str, dim: int, properties: dict[str, str]) -> None:
        schema = {
            "autoId": True,
            "enableDynamicField": True,
            "fields": [
                {"fieldName": ID_FIELD, "dataType": "Int64", "isPrimary": True},
                {
                    "fieldName": TEXT_FIELD,
                    "dataType": "VarChar",
                    "elementTypeParams": {"max_length": TEXT_MAX},
                },
                {
                    "fieldName": VECTOR_FIELD,
                    "dataType": "FloatVector",
                    "elementTypeParams": {"dim": dim},
                },
            ],
        }
        index = [{"fieldName": VECTOR_FIELD, "metricType": "COSINE", "indexType": "AUTOINDEX"}]
        body = {"collectionName": name, "schema": schema, "indexParams": index}
        self._post("collections/create", body, f"creating {name!r}")
        self._post(
            "collections/alter_properties",
            {"collectionName": name, "properties": properties},
            f"labelling {name!r}",
        )

    def drop(self, name: str) -> None:
        if name not in self.list_collections():
            raise ConsoleError(f"no collection named {name!r}")
        self._post("collections/drop", {"collectionName": name}, f"dropping {name!r}")

    def insert(self, name: str, rows: list[dict[str, Any]]) -> int:
        body = {"collectionName": name, "data": rows}
        return int(self._post("entities/insert", body, f"inserting into {name!r}")["insertCount"])

    def upsert(self, name: str, rows: list[dict[str, Any]]) -> int:
        body = {"collectionName": name, "data": rows}
        return int(self._post("entities/upsert", body, f"upserting into {name!r}")["upsertCount"])

    def delete(self, name: str, filter: str) -> None:
        body = {"collectionName": name, "filter": filter}
        self._post("entities/delete", body, f"deleting from {name!r}")

    def query(
        self, name: str, filter: str, fields: list[str] | None = None, limit: int = 10
    ) -> list[dict[str, Any]]:
        body = {
            "collectionName": name,
            "filter": filter,
            "outputFields": fields or [ID_FIELD, TEXT_FIELD],
            "limit": limit,
        }
        return list(self._post("entities/query", body, f"querying {name!r}") or [])

    def search(
        self,
        name: str,
        vectors: list[list[float]],
        limit: int = 5,
        filter: str = "",
        fields: list[str] | None = None,
    ) -> list[list[Hit]]:
        results = []
        for vector in vectors:  # one call per vector: REST v2 returns one flat list
            body = {
                "collectionName": name,
                "data": [vector],
                "annsField": VECTOR_FIELD,
                "limit": limit,
                "filter": filter,
                "outputFields": fields or [TEXT_FIELD],
            }
            rows = self._post("entities/search", body, f"searching {name!r}") or []
            results.append(
                [
                    Hit(
                        r.get(ID_FIELD),
                        float(r["distance"]),
                        {k: v for k, v in r.items() if k not in (ID_FIELD, "distance")},
                    )
                    for r in rows
                ]
            )
        return results

    def row_count(self, name: str) -> int:
        data = self._post("collections/get_stats", {"collectionName": name}, f"counting {name!r}")
        return int(data["rowCount"])

    def load(self, name: str) -> None:
        self._post("collections/load", {"collectionName": name}, f"loading {name!r}")

    def prepare_for_search(self, name: str) -> None:
        # Sealing new rows matters most to Milvus Lite; a Milvus without this path seals
        # them by itself, so its absence is not an error.
        self._post("collections/flush", {"collectionName": name}, f"flushing {name!r}", True)
        self._post("collections/load", {"collectionName": name}, f"loading {name!r}")

    def close(self) -> None:
        self.http.close()
