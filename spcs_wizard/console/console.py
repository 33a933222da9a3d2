"""The console's operations: what the CLI's REPL, ``spcs-wizard query`` and the wizard's
console screen all call. Questions are embedded with the model the collection was filled
with; every answer carries its latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcs_wizard.console import demo, loader
from spcs_wizard.console.embedders import Embedder
from spcs_wizard.console.metadata import EMBEDDER_PROPERTY, embedder_of
from spcs_wizard.console.transport import (
    DYNAMIC_FIELD,
    ID_FIELD,
    TEXT_FIELD,
    VECTOR_FIELD,
    CollectionInfo,
    ConsoleError,
    Hit,
    Transport,
)

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True)
class Answer:
    collection: str
    question: str
    hits: list[Hit]
    embed_seconds: float
    search_seconds: float
    embedder: str = ""  # the name of the model the question was embedded with

    @property
    def seconds(self) -> float:
        return self.embed_seconds + self.search_seconds

    @property
    def hits_said(self) -> str:
        """How many hits, in words ("1 hit", "3 hits", "0 hits")."""
        n = len(self.hits)
        return f"{n} hit" if n == 1 else f"{n} hits"


@dataclass(frozen=True)
class Loaded:
    collection: str
    rows: int
    seconds: float
    prepare_seconds: float  # flush + index + load, so the next search is fast

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Console:
    transport: Transport
    make_embedder: Callable[[str], Embedder]
    default_embedder: str
    _embedders: dict[str, Embedder] = field(default_factory=dict)
    _loaded: set[str] = field(default_factory=set)
    # A collection's embedder, read once per console (every question would otherwise
    # cost a describe round trip).
    _by_collection: dict[str, Embedder] = field(default_factory=dict)

    def _ready(self, name: str) -> None:
        """Load a collection once per console (a Milvus that restarted has it released)."""
        if name not in self._loaded:
            self.transport.load(name)
            self._loaded.add(name)

    def embedder(self, name: str) -> Embedder:
        if name not in self._embedders:
            self._embedders[name] = self.make_embedder(name)
        return self._embedders[name]

    # -- collections -------------------------------------------------------------------------
    def collections(self) -> list[str]:
        return self.transport.list_collections()

    def describe(self, name: str) -> tuple[CollectionInfo, int]:
        info = self.transport.describe(name)
        return info, self.transport.row_count(name)

    def filter_fields(self, info: CollectionInfo, sample: int = 20) -> list[str]:
        """The fields a filter can name: the schema's (not the vector), then the dynamic
        ones the first ``sample`` rows carry (a loaded file's other columns, such as
        ``year``: Milvus keeps them outside the schema, so describing does not list
        them)."""
        hidden = (VECTOR_FIELD, DYNAMIC_FIELD)
        found = [f for f in info.fields if f not in hidden]
        self._ready(info.name)
        rows = self.transport.query(info.name, f"{ID_FIELD} >= 0", ["*"], sample)
        for row in rows:
            found.extend(k for k in row if k not in found and k not in hidden)
        return found

    def ensure(self, name: str, embedder_name: str | None = None) -> Embedder:
        """The collection's embedder, creating the collection when it does not exist."""
        if name in self.collections():
            return self.embedder_of(name)
        embedder = self.embedder(embedder_name or self.default_embedder)
        self.transport.create(name, embedder.dim, {EMBEDDER_PROPERTY: embedder.name})
        return embedder

    def embedder_of(self, name: str) -> Embedder:
        if name in self._by_collection:
            return self._by_collection[name]
        info = self.transport.describe(name)
        recorded = embedder_of(info.properties)
        if recorded is None:
            raise ConsoleError(
                f"{name!r} was not made by the console, so its embedder is unknown; search "
                "it with your own vectors, or load your texts into a new collection"
            )
        embedder = self.embedder(recorded)
        if info.dim is not None and embedder.dim != info.dim:
            raise ConsoleError(
                f"{name!r} holds {info.dim}-dimension vectors but {recorded} makes "
                f"{embedder.dim}: use the model the collection was made with"
            )
        self._by_collection[name] = embedder
        return embedder

    def drop(self, name: str) -> None:
        self.transport.drop(name)
        self._forget(name)

    def _forget(self, name: str) -> None:
        """What this console kept of a collection that is gone."""
        self._by_collection.pop(name, None)
        self._loaded.discard(name)

    # -- writing -----------------------------------------------------------------------------
    def insert(
        self, name: str, rows: Iterable[dict[str, Any]], embedder_name: str | None = None
    ) -> int:
        """Embed each row's text and insert them (no flush: see ``load``). A collection
        this console has read its embedder from is not listed again for every batch (a
        round trip each): dropped elsewhere since, it is made again, as a first insert
        would."""
        batch = list(rows)
        known = self._by_collection.get(name)
        embedder = known or self.ensure(name, embedder_name)
        vectors = embedder.embed([r[TEXT_FIELD] for r in batch])
        try:
            return self.transport.insert(
                name, [{**r, VECTOR_FIELD: v} for r, v in zip(batch, vectors, strict=True)]
            )
        except ConsoleError:
            if known is None or name in self.collections():
                raise
        self._forget(name)
        return self.insert(name, batch, embedder_name)

    def load(
        self,
        name: str,
        path: Path,
        embedder_name: str | None = None,
        text_field: str = TEXT_FIELD,
        batch_size: int = 256,
        on_progress: Progress = lambda done, total: None,
    ) -> Loaded:
        """Load a file in batches, then flush and index so searches are fast at once."""
        total = loader.count(path)
        started = time.perf_counter()
        self.ensure(name, embedder_name)
        done, batch = 0, []
        on_progress(0, total)
        for record in loader.records(path, text_field):
            batch.append(record)
            if len(batch) >= batch_size:
                done += self.insert(name, batch)
                batch = []
                on_progress(done, total)
        if batch:
            done += self.insert(name, batch)
            on_progress(done, total)
        loaded = time.perf_counter()
        self.transport.prepare_for_search(name)
        end = time.perf_counter()
        return Loaded(name, done, end - started, end - loaded)

    def delete(self, name: str, filter: str) -> None:
        self.transport.delete(name, filter)

    def load_demo(self, embedder_name: str | None = None, name: str = demo.COLLECTION) -> int:
        """The seed's three sentences, once (loading again changes nothing)."""
        if name in self.collections() and self.transport.row_count(name):
            return 0
        count = self.insert(name, [{TEXT_FIELD: text} for text in demo.DOCS], embedder_name)
        self.transport.prepare_for_search(name)
        return count

    # -- reading -----------------------------------------------------------------------------
    def ask(self, name: str, question: str, limit: int = 3, filter: str = "") -> Answer:
        if not question.strip():
            raise ConsoleError("ask something: the question is empty")
        embedder = self.embedder_of(name)
        self._ready(name)
        started = time.perf_counter()
        vector = embedder.embed([question])[0]
        embedded = time.perf_counter()
        # The text and every field a loaded record brought (the vector is not wanted back).
        shown = [TEXT_FIELD, DYNAMIC_FIELD]
        hits = self.transport.search(name, [vector], limit=limit, filter=filter, fields=shown)[0]
        searched = time.perf_counter() - embedded
        return Answer(name, question, hits, embedded - started, searched, embedder.name)

    def query(self, name: str, filter: str, limit: int = 10) -> tuple[list[dict[str, Any]], float]:
        if not filter.strip():
            raise ConsoleError('a query needs a filter expression, e.g. id > 0 or tag == "ai"')
        self._ready(name)
        started = time.perf_counter()
        rows = self.transport.query(name, filter, None, limit)
        return rows, time.perf_counter() - started
