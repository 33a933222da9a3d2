"""The console against raw pymilvus on the same Milvus Lite collection, in the same run:
search latency p50 and p95 (goal: at most 1.2x) and insert throughput (goal: at least
0.8x), on 10,000 and 100,000 vectors of 768 dimensions; the searches alternate (raw,
console, raw, ...). Also the search latency before the flush and index, which is why the
console flushes after every load (a search right after a load is never in that regime).

The console's embedder here hands back the benchmark's own vectors (a lookup), so the
figures measure the console's path around Milvus, not a model; the tiny ONNX model's own
cost is shown on its own line.

    .venv/bin/python benchmarks/console_bench.py [--rows 10000 100000] [--searches 200]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.measure import Figure, arguments, figure, report

DIM = 768


class LookupEmbedder:
    """Text -> the vector the benchmark chose for it ("text 12" is row 12), so both sides
    search the same vectors."""

    def __init__(self, vectors: np.ndarray, questions: dict[str, int]) -> None:
        self.vectors, self.questions = vectors, questions
        self.dim = DIM
        self.name = "lookup:benchmark"

    def row(self, text: str) -> int:
        return self.questions[text] if text in self.questions else int(text.split()[1])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vectors[self.row(t)].tolist() for t in texts]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _children_cpu() -> float:
    """CPU seconds used so far by this process's children (a Milvus Lite that runs its
    server as a process of its own, as its 2.x releases did)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _milvus_cpu() -> float:
    """CPU seconds Milvus Lite has used so far, wherever it runs: Milvus Lite 3 runs in
    this process, in threads of its own (so, while the caller sleeps, this process's CPU
    time is theirs), and earlier releases ran a server process."""
    return time.process_time() + _children_cpu()


def settle(window: float = 1.0, idle: float = 0.05, limit: float = 300.0) -> float:
    """Sleep until Milvus Lite has been idle for a whole ``window`` (it used less than
    ``idle`` of a core): after a flush, an index and a load it goes on working in the
    background (at 100,000 rows of 768 dimensions, 25-40 s on 2 cores), and a search
    that meets that work is slow, 5-40 times, whichever collection it asks. Returns the
    seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = _milvus_cpu()
        time.sleep(window)
        if _milvus_cpu() - before < idle * window:
            break
    return time.monotonic() - started


def run(rows: int, searches: int, batch: int, root: Path) -> list[Figure]:
    from spcs_wizard.console.console import Console
    from spcs_wizard.console.grpc_transport import GrpcTransport
    from spcs_wizard.console.metadata import EMBEDDER_PROPERTY

    rng = np.random.default_rng(1)
    vectors = rng.random((rows, DIM), dtype=np.float32)
    questions = {f"question {i}": i * 37 % rows for i in range(searches)}
    embedder = LookupEmbedder(vectors, questions)
    transport = GrpcTransport(str(root / f"milvus-{rows}.db"))
    console = Console(transport, lambda name: embedder, embedder.name)
    raw = transport.client  # the same server and file: raw pymilvus beside the console

    # Insert throughput: the same rows into two collections of the same shape.
    for name in ("raw", "console"):
        transport.create(name, DIM, {EMBEDDER_PROPERTY: embedder.name})
    spent = {"raw": 0.0, "console": 0.0}
    # Alternate, so drift hits both alike; and which goes first, A B then B A, so neither
    # collection is always the one written last (the one with Milvus Lite's background
    # work still going after the load, until ``settle`` waits it out).
    for n, start in enumerate(range(0, rows, batch)):
        chunk = range(start, min(start + batch, rows))
        texts = [f"text {i}" for i in chunk]
        by_raw = [
            {"text": t, "vector": vectors[i].tolist()} for t, i in zip(texts, chunk, strict=True)
        ]
        inserts = {
            "raw": lambda batch_rows=by_raw: raw.insert("raw", batch_rows),
            "console": lambda texts=texts: console.insert("console", [{"text": t} for t in texts]),
        }
        for side in ("raw", "console") if n % 2 == 0 else ("console", "raw"):
            began = time.perf_counter()
            inserts[side]()
            spent[side] += time.perf_counter() - began
    raw_seconds, console_seconds = spent["raw"], spent["console"]

    def raw_search(q: str) -> None:
        raw.search(
            "raw",
            [vectors[questions[q]].tolist()],
            limit=5,
            output_fields=["text", "$meta"],  # what the console asks for
            anns_field="vector",
        )

    # Search before the flush, then after the console's flush, index and load.
    unflushed = []
    for q in list(questions)[:5]:
        began = time.perf_counter()
        raw_search(q)
        unflushed.append(time.perf_counter() - began)
    for name in ("raw", "console"):
        transport.prepare_for_search(name)
    settled = settle()  # Milvus Lite's background work done: neither side meets it
    raw_times, console_times = [], []

    def timed(search: Callable[[], object], into: list[float]) -> None:
        began = time.perf_counter()
        search()
        into.append(time.perf_counter() - began)

    for i, q in enumerate(questions):  # A B, then B A: neither side always goes first
        raw_one = (lambda q=q: raw_search(q), raw_times)
        console_one = (lambda q=q: console.ask("console", q, limit=5), console_times)
        for search, into in (raw_one, console_one) if i % 2 == 0 else (console_one, raw_one):
            timed(search, into)
    transport.close()

    at = f"{rows:,}"
    p95 = [percentile(raw_times, 0.95)], [percentile(console_times, 0.95)]
    return [
        figure(
            f"insert at {at}: raw pymilvus", [rows / raw_seconds], "rows/s", [rows / raw_seconds]
        ),
        figure(
            f"insert at {at}: console",
            [rows / console_seconds],
            "rows/s",
            [rows / raw_seconds],
            ">= 0.8",
        ),
        figure(f"search p50 at {at}: raw pymilvus", raw_times, "ms", raw_times, scale=1000),
        figure(f"search p50 at {at}: console ask", console_times, "ms", raw_times, "<= 1.2", 1000),
        figure(f"search p95 at {at}: raw pymilvus", p95[0], "ms", p95[0], scale=1000),
        figure(f"search p95 at {at}: console ask", p95[1], "ms", p95[0], "<= 1.2", 1000),
        figure(f"search before flush at {at}: raw", unflushed, "ms", raw_times, scale=1000),
        figure(f"Milvus Lite busy after the load at {at} (waited)", [settled], "s"),
    ]


def onnx_figure(root: Path) -> list[Figure]:
    try:
        from spcs_wizard.console.embedders import OnnxEmbedder
        from tests.onnx_model import make_model
    except ImportError:  # onnx (a test tool) is not installed: no such line
        return []
    model = OnnxEmbedder(make_model(root / "model"))
    samples = []
    for i in range(50):
        began = time.perf_counter()
        model.embed([f"question {i}"])
        samples.append(time.perf_counter() - began)
    return [figure("embed one question: tiny ONNX model", samples, "ms", scale=1000)]


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="spcs-console-bench-"))
    found = [f for rows in args.rows for f in run(rows, args.searches, args.batch, root)]
    report(
        [*found, *onnx_figure(root)],
        args.json,
        f"{DIM} dimensions in Milvus Lite, {args.searches} searches (limit 5)",
    )


if __name__ == "__main__":
    main()
