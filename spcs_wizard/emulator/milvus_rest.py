"""Milvus RESTful API v2 (``/v2/vectordb/...``), answered from the emulator's Milvus Lite.

A deployed Milvus serves REST v2 on its gRPC port (19530); Milvus Lite serves gRPC only,
so the emulator translates the calls the console uses into pymilvus calls. Replies have
Milvus' shape: HTTP 200 with ``{"code": 0, "data": ...}``, or a non-zero ``code`` and a
``message`` (https://milvus.io/api-reference/restful/v2.5.x/About.md).
"""

from __future__ import annotations

import spcs_wizard.grpc_quiet  # noqa: F401 - before pymilvus loads grpc

# isort: split

import logging
from collections.abc import Callable
from typing import Any

import pymilvus

# pymilvus logs every failed call at ERROR before raising it; the reply carries it.
logging.getLogger(pymilvus.__name__).setLevel(logging.CRITICAL)

_TYPES = {"Int64": "INT64", "VarChar": "VARCHAR", "FloatVector": "FLOAT_VECTOR"}


def _names(data_type: Any) -> str:
    name = getattr(data_type, "name", str(data_type))
    return {"INT64": "Int64", "VARCHAR": "VarChar", "FLOAT_VECTOR": "FloatVector"}.get(name, name)


def _create(c: Any, body: dict[str, Any]) -> Any:
    from pymilvus import DataType, MilvusClient

    schema_data = body.get("schema") or {}
    schema = MilvusClient.create_schema(
        auto_id=bool(schema_data.get("autoId", False)),
        enable_dynamic_field=bool(schema_data.get("enableDynamicField", False)),
    )
    for f in schema_data.get("fields") or []:
        params = {k: int(v) for k, v in (f.get("elementTypeParams") or {}).items()}
        schema.add_field(
            f["fieldName"],
            getattr(DataType, _TYPES.get(f["dataType"], str(f["dataType"]).upper())),
            is_primary=bool(f.get("isPrimary", False)),
            **params,
        )
    index = c.prepare_index_params()
    for p in body.get("indexParams") or []:
        index.add_index(
            p["fieldName"],
            index_type=p.get("indexType", "AUTOINDEX"),
            metric_type=p.get("metricType", "COSINE"),
        )
    c.create_collection(body["collectionName"], schema=schema, index_params=index)
    return {}


def _describe(c: Any, body: dict[str, Any]) -> Any:
    d = c.describe_collection(body["collectionName"])
    return {
        "collectionName": d["collection_name"],
        "autoId": d.get("auto_id", False),
        "enableDynamicField": d.get("enable_dynamic_field", False),
        "fields": [
            {
                "name": f["name"],
                "type": _names(f["type"]),
                "primaryKey": bool(f.get("is_primary")),
                "params": [{"key": k, "value": str(v)} for k, v in f.get("params", {}).items()],
            }
            for f in d["fields"]
        ],
        "properties": [{"key": k, "value": str(v)} for k, v in d.get("properties", {}).items()],
    }


def _search(c: Any, body: dict[str, Any]) -> Any:
    found = c.search(
        body["collectionName"],
        body["data"],
        anns_field=body.get("annsField"),
        limit=int(body.get("limit", 10)),
        filter=body.get("filter", ""),
        output_fields=body.get("outputFields"),
    )
    # REST v2 returns the hits of all query vectors as one list, each with its fields.
    return [
        {"id": h["id"], "distance": h["distance"], **(h.get("entity") or {})}
        for hits in found
        for h in hits
    ]


HANDLERS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "collections/list": lambda c, b: c.list_collections(),
    "collections/has": lambda c, b: {"has": c.has_collection(b["collectionName"])},
    "collections/describe": _describe,
    "collections/create": _create,
    "collections/drop": lambda c, b: c.drop_collection(b["collectionName"]) or {},
    "collections/get_stats": lambda c, b: {
        "rowCount": int(c.get_collection_stats(b["collectionName"])["row_count"])
    },
    "collections/alter_properties": lambda c, b: (
        c.alter_collection_properties(b["collectionName"], properties=b.get("properties") or {})
        or {}
    ),
    "collections/flush": lambda c, b: c.flush(b["collectionName"]) or {},
    "collections/load": lambda c, b: c.load_collection(b["collectionName"]) or {},
    "entities/insert": lambda c, b: {
        "insertCount": int(c.insert(b["collectionName"], b["data"])["insert_count"])
    },
    "entities/upsert": lambda c, b: {
        "upsertCount": int(c.upsert(b["collectionName"], b["data"])["upsert_count"])
    },
    "entities/delete": lambda c, b: (
        c.delete(b["collectionName"], filter=b.get("filter", "")) and {}
    ),
    "entities/query": lambda c, b: [
        dict(r)
        for r in c.query(
            b["collectionName"],
            filter=b.get("filter", ""),
            output_fields=b.get("outputFields"),
            limit=int(b.get("limit", 100)),
        )
    ],
    "entities/search": _search,
}


def answer(grpc_address: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """One REST v2 call against the Milvus Lite at ``grpc_address``."""
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    handler = HANDLERS.get(path.removeprefix("/v2/vectordb/"))
    if handler is None:
        return {"code": 404, "message": f"unknown REST v2 path {path}"}
    if path != "/v2/vectordb/collections/list" and not body.get("collectionName"):
        return {"code": 1802, "message": "missing required parameters: collectionName"}
    client = MilvusClient(uri=f"http://{grpc_address}", timeout=30)
    try:
        return {"code": 0, "data": handler(client, body)}
    except MilvusException as exc:
        return {"code": int(exc.code) or 1100, "message": exc.message}
    except (KeyError, TypeError, ValueError) as exc:
        return {"code": 1100, "message": f"invalid request: {exc}"}
    finally:
        client.close()
