"""Milvus over gRPC with pymilvus: Milvus Lite (a local file: the URI is its path) or any
reachable Milvus (``http://host:19530``)."""

from __future__ import annotations

import spcs_wizard.grpc_quiet  # noqa: F401 - before pymilvus loads grpc

# isort: split

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

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

T = TypeVar("T")
import pymilvus  # noqa: E402 - configures its logger on import: quiet it after

# pymilvus logs every failed call at ERROR before raising it; the console reports it.
logging.getLogger(pymilvus.__name__).setLevel(logging.CRITICAL)


class GrpcTransport:
    def __init__(self, uri: str, token: str = "", timeout: float = 10.0) -> None:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        self.label = f"gRPC {uri}"
        self.timeout = timeout
        try:
            self.client = MilvusClient(uri=uri, token=token, timeout=timeout)
        except MilvusException as exc:
            raise ConsoleError(
                f"cannot reach Milvus at {uri} ({exc.message}); check the address, and that "
                "the service is running (spcs-wizard status)"
            ) from None

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        from pymilvus.exceptions import MilvusException

        try:
            yield
        except MilvusException as exc:
            raise explain(str(exc.message or exc), what) from None

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._errors(what):
            return fn(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def list_collections(self) -> list[str]:
        return sorted(self._call("listing collections", self.client.list_collections))

    def describe(self, name: str) -> CollectionInfo:
        d = self._call(f"collection {name!r}", self.client.describe_collection, name)
        dim = next(
            (int(f["params"]["dim"]) for f in d["fields"] if "dim" in f.get("params", {})), None
        )
        return CollectionInfo(
            name,
            dim,
            [f["name"] for f in d["fields"]],
            {str(k): str(v) for k, v in (d.get("properties") or {}).items()},
        )

    def create(self, name: str, dim: int, properties: dict[str, str]) -> None:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=True, enable_dynamic_field=True)
        schema.add_field(ID_FIELD, DataType.INT64, is_primary=True)
        schema.add_field(TEXT_FIELD, DataType.VARCHAR, max_length=TEXT_MAX)
        schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=dim)
        index = self.client.prepare_index_params()
        index.add_index(VECTOR_FIELD, index_type="AUTOINDEX", metric_type="COSINE")
        self._call(
            f"creating {name!r}",
            self.client.create_collection,
            name,
            schema=schema,
            index_params=index,
            properties=properties,
        )

    def drop(self, name: str) -> None:
        if name not in self.list_collections():
            raise ConsoleError(f"no collection named {name!r}")
        self._call(f"dropping {name!r}", self.client.drop_collection, name)

    def insert(self, name: str, rows: list[dict[str, Any]]) -> int:
        result = self._call(f"inserting into {name!r}", self.client.insert, name, rows)
        return int(result["insert_count"])

    def upsert(self, name: str, rows: list[dict[str, Any]]) -> int:
        result = self._call(f"upserting into {name!r}", self.client.upsert, name, rows)
        return int(result["upsert_count"])

    def delete(self, name: str, filter: str) -> None:
        self._call(f"deleting from {name!r}", self.client.delete, name, filter=filter)

    def query(
        self, name: str, filter: str, fields: list[str] | None = None, limit: int = 10
    ) -> list[dict[str, Any]]:
        rows = self._call(
            f"querying {name!r}",
            self.client.query,
            name,
            filter=filter,
            output_fields=fields or [ID_FIELD, TEXT_FIELD],
            limit=limit,
        )
        return [dict(r) for r in rows]

    def search(
        self,
        name: str,
        vectors: list[list[float]],
        limit: int = 5,
        filter: str = "",
        fields: list[str] | None = None,
    ) -> list[list[Hit]]:
        found = self._call(
            f"searching {name!r}",
            self.client.search,
            name,
            vectors,
            limit=limit,
            filter=filter,
            output_fields=fields or [TEXT_FIELD],
            anns_field=VECTOR_FIELD,
        )
        return [
            [Hit(h["id"], float(h["distance"]), dict(h.get("entity") or {})) for h in hits]
            for hits in found
        ]

    def row_count(self, name: str) -> int:
        stats = self._call(f"counting {name!r}", self.client.get_collection_stats, name)
        return int(stats["row_count"])

    def load(self, name: str) -> None:
        self._call(f"loading {name!r}", self.client.load_collection, name)

    def prepare_for_search(self, name: str, wait: float = 120.0) -> None:
        self._call(f"flushing {name!r}", self.client.flush, name)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:  # index building is asynchronous in Milvus
            index = self._call(f"indexing {name!r}", self.client.describe_index, name, VECTOR_FIELD)
            if not int(index.get("pending_index_rows") or 0):
                break
            time.sleep(0.1)
        self._call(f"loading {name!r}", self.client.load_collection, name)

    def close(self) -> None:
        self.client.close()
