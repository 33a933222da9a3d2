"""The console against raw pymilvus on the same Milvus Lite collection, in the same run:
search latency (goal: at most 1.2x) and insert throughput (goal: at least 0.8x), on
10,000 vectors of 768 dimensions. Also the search latency before the flush and index,
which is why the console flushes after every load.

The console's embedder here hands back the benchmark's own vectors (a lookup table), so
the figures measure the console's path around Milvus, not a model; the tiny ONNX model's
own cost is shown on its own line.

    .venv/bin/python benchmarks/console_bench.py [--rows 10000] [--searches 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

DIM = 768


class LookupEmbedder:
    """Text -> a vector the benchmark chose (so both sides search the same vectors)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.dim = DIM
        self.name = "lookup:benchmark"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.table[t] for t in texts]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    from spcs_wizard.console.console import Console
    from spcs_wizard.console.grpc_transport import GrpcTransport
    from spcs_wizard.console.metadata import EMBEDDER_PROPERTY

    root = Path(tempfile.mkdtemp(prefix="spcs-console-bench-"))
    rng = np.random.default_rng(1)
    vectors = rng.random((args.rows, DIM), dtype=np.float32)
    texts = [f"text {i}" for i in range(args.rows)]
    questions = [f"question {i}" for i in range(args.searches)]
    table = {t: v.tolist() for t, v in zip(texts, vectors, strict=True)}
    table |= {q: vectors[i * 37 % args.rows].tolist() for i, q in enumerate(questions)}

    uri = str(root / "milvus.db")
    transport = GrpcTransport(uri)
    embedder = LookupEmbedder(table)
    console = Console(transport, lambda name: embedder, embedder.name)
    raw = transport.client  # the same server and file: raw pymilvus beside the console

    # Insert throughput: the same rows into two collections of the same shape.
    for name in ("raw", "console"):
        transport.create(name, DIM, {EMBEDDER_PROPERTY: embedder.name})
    raw_seconds = console_seconds = 0.0
    for start in range(0, args.rows, args.batch):  # alternate, so drift hits both alike
        batch = range(start, min(start + args.batch, args.rows))
        rows = [{"text": texts[i], "vector": table[texts[i]]} for i in batch]
        began = time.perf_counter()
        raw.insert("raw", rows)
        raw_seconds += time.perf_counter() - began
        began = time.perf_counter()
        console.insert("console", [{"text": texts[i]} for i in batch])
        console_seconds += time.perf_counter() - began

    # Search before the flush, then after the console's flush, index and load.
    unflushed = []
    for q in questions[:5]:
        began = time.perf_counter()
        raw.search("raw", [table[q]], limit=5, output_fields=["text"], anns_field="vector")
        unflushed.append(time.perf_counter() - began)
    for name in ("raw", "console"):
        transport.prepare_for_search(name)
    raw_search, console_search = [], []
    for q in questions:
        began = time.perf_counter()
        raw.search("raw", [table[q]], limit=5, output_fields=["text"], anns_field="vector")
        raw_search.append(time.perf_counter() - began)
        began = time.perf_counter()
        console.ask("console", q, limit=5)
        console_search.append(time.perf_counter() - began)

    onnx_ms = None
    try:
        from spcs_wizard.console.embedders import OnnxEmbedder
        from tests.onnx_model import make_model

        model = OnnxEmbedder(make_model(root / "model"))
        samples = []
        for q in questions[:50]:
            began = time.perf_counter()
            model.embed([q])
            samples.append(time.perf_counter() - began)
        onnx_ms = median_ms(samples)
    except ImportError:  # onnx (a test tool) is not installed: skip that line
        pass
    transport.close()

    raw_rate = args.rows / raw_seconds
    console_rate = args.rows / console_seconds
    raw_ms, console_ms = median_ms(raw_search), median_ms(console_search)
    before_ms = median_ms(unflushed)
    rows: list[tuple[str, float, float | None, str]] = [
        ("insert: raw pymilvus (rows/s)", raw_rate, 1.0, ""),
        ("insert: console (rows/s)", console_rate, console_rate / raw_rate, ">= 0.8"),
        ("search: raw pymilvus, flushed (median ms)", raw_ms, 1.0, ""),
        ("search: console ask, flushed (median ms)", console_ms, console_ms / raw_ms, "<= 1.2"),
        ("search: raw pymilvus, before flush (ms)", before_ms, before_ms / raw_ms, ""),
    ]
    if onnx_ms is not None:
        rows.append(("embed one question: tiny ONNX model (ms)", onnx_ms, None, ""))
    print(f"{args.rows} x {DIM} in Milvus Lite, {args.searches} searches (limit 5)")
    print(f"{'measure':44} {'value':>10} {'ratio':>7} {'goal':>7}")
    for name, value, ratio, goal in rows:
        shown = f"{ratio:7.2f}" if ratio is not None else ""
        print(f"{name:44} {value:10.2f} {shown:>7} {goal:>7}")


if __name__ == "__main__":
    main()
