"""What the console needs from Milvus, whichever way it is reached.

Both transports implement the same operations with the same results; errors are
``ConsoleError`` with a message that says what happened and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# The console's collections: an auto id, the text, its vector, and any other fields of
# the loaded records (Milvus dynamic fields).
ID_FIELD, TEXT_FIELD, VECTOR_FIELD = "id", "text", "vector"
# Milvus' hidden JSON field of a collection's dynamic fields: asked for, it returns each
# of them by its own name (milvus.io/docs/enable-dynamic-field.md).
DYNAMIC_FIELD = "$meta"
TEXT_MAX = 65_535  # VARCHAR max_length


class ConsoleError(RuntimeError):
    """A console operation failed; the message is for the person at the keyboard."""


class NotReachableNowError(ConsoleError):
    """Milvus has no address now (a suspended or starting service): nothing failed, and
    the message says what brings it back."""


def explain(message_text: str, what: str) -> ConsoleError:
    """A Milvus error (gRPC or REST) as one sentence with the next thing to do."""
    message = message_text.strip().splitlines()
    text = " ".join(line.strip() for line in message if line.strip()) or "no details given"
    low = text.lower()
    if "does not exist" in low or ("not found" in low and "collection" in low):
        return ConsoleError(f"{what}: {text}. Check the name against the list of collections.")
    if "dim" in low and ("expected" in low or "mismatch" in low):
        return ConsoleError(
            f"{what}: {text}. The collection was made with another embedder; "
            "ask with the same embedder, or load into a new collection."
        )
    if "token" in low or "parse" in low or "expression" in low or "invalid expr" in low:
        return ConsoleError(
            f"{what}: the filter is not a valid Milvus expression ({text}). "
            'Example: year > 2000 and tag == "ai".'
        )
    return ConsoleError(f"{what}: {text}")


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    dim: int | None
    fields: list[str]
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    id: Any
    score: float
    fields: dict[str, Any] = field(default_factory=dict)


class Transport(Protocol):
    label: str

    def list_collections(self) -> list[str]: ...

    def describe(self, name: str) -> CollectionInfo: ...

    def create(self, name: str, dim: int, properties: dict[str, str]) -> None:
        """id (auto), text, vector(dim) with a COSINE index, dynamic fields allowed."""
        ...

    def drop(self, name: str) -> None: ...

    def insert(self, name: str, rows: list[dict[str, Any]]) -> int: ...

    def upsert(self, name: str, rows: list[dict[str, Any]]) -> int: ...

    def delete(self, name: str, filter: str) -> None: ...

    def query(
        self, name: str, filter: str, fields: list[str] | None = None, limit: int = 10
    ) -> list[dict[str, Any]]: ...

    def search(
        self,
        name: str,
        vectors: list[list[float]],
        limit: int = 5,
        filter: str = "",
        fields: list[str] | None = None,
    ) -> list[list[Hit]]: ...

    def row_count(self, name: str) -> int: ...

    def load(self, name: str) -> None:
        """Load the collection into memory (searches need it; loading twice is fine)."""
        ...

    def prepare_for_search(self, name: str) -> None:
        """Flush new rows into sealed segments and build the index, then load: searches
        over unflushed rows are about 100x slower in Milvus Lite (the brief's figure:
        ~1 s versus ~10 ms on 10,000 x 768)."""
        ...

    def close(self) -> None: ...
