"""The query console against Milvus Lite (gRPC) and against the emulator's public
endpoint (REST v2 with Snowflake token auth), with a tiny ONNX model the tests make and
the emulator's Cortex: the seed's demo, loading, and bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spcs_wizard.console import demo, loader
from spcs_wizard.console.console import Console
from spcs_wizard.console.embedders import CortexEmbedder, OnnxEmbedder, embedder_for
from spcs_wizard.console.grpc_transport import GrpcTransport
from spcs_wizard.console.metadata import EMBEDDER_PROPERTY
from spcs_wizard.console.rest_transport import RestTransport
from spcs_wizard.console.targets import endpoint_console, grpc_console
from spcs_wizard.console.transport import ConsoleError
from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect
from tests.onnx_model import make_model

COMMAND = str(Path(sys.executable).with_name("spcs-wizard"))
TURING = demo.DOCS[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_model(tmp_path_factory.mktemp("model"), extra_words=[f"w{i}" for i in range(50)])


@pytest.fixture
def lite(tmp_path: Path, model: Path) -> Iterator[Console]:
    console = grpc_console(str(tmp_path / "milvus.db"), f"onnx:{model}")
    yield console
    console.transport.close()


def test_the_onnx_embedder_pools_and_normalises(model: Path) -> None:
    embedder = OnnxEmbedder(model)
    assert embedder.dim == 256
    a, b, c = embedder.embed(["Alan Turing", "alan turing", "born in London"])
    assert sum(x * x for x in a) == pytest.approx(1.0, abs=1e-5)
    assert a == pytest.approx(b)  # the tokenizer lowercases
    assert a != pytest.approx(c)
    assert embedder.embed(["born in London"])[0] == pytest.approx(c, abs=1e-6)  # batch = single
    with pytest.raises(ConsoleError, match=r"model\.onnx"):
        OnnxEmbedder(model.parent / "nowhere")
    broken = model.parent / "broken"
    broken.mkdir(exist_ok=True)
    (broken / "model.onnx").write_bytes(b"not a model")
    (broken / "tokenizer.json").write_text((model / "tokenizer.json").read_text())
    with pytest.raises(ConsoleError, match="does not hold a usable model"):
        OnnxEmbedder(broken)


def test_a_rehearsals_note_on_scores_is_for_cortex_alone(lite: Console) -> None:
    from spcs_wizard.console.embedders import rehearsal_note

    assert "hashes words" in rehearsal_note("cortex:snowflake-arctic-embed-m-v1.5")
    lite.insert("notes", [{"text": "w1 w2"}])
    answer = lite.ask("notes", "w1", limit=1)
    assert answer.hits_said == "1 hit"  # not "1 hits"
    lite.insert("notes", [{"text": "w2 w3"}])
    assert lite.ask("notes", "w2", limit=3).hits_said == "2 hits"
    assert answer.embedder.startswith("onnx:")  # the model the question was embedded with
    assert rehearsal_note(answer.embedder) == ""  # a real model: nothing to explain


def test_the_seed_demo_answers_the_question(lite: Console) -> None:
    assert lite.load_demo() == 3
    assert lite.load_demo() == 0  # already there: nothing added
    answer = lite.ask("demo", demo.QUESTION)
    assert answer.hits[0].fields["text"] == TURING
    assert [h.score for h in answer.hits] == sorted((h.score for h in answer.hits), reverse=True)
    assert answer.seconds > 0
    info, rows = lite.describe("demo")
    assert rows == 3
    assert info.properties[EMBEDDER_PROPERTY].startswith("onnx:")


def test_the_seed_demo_through_the_cli(tmp_path: Path, model: Path) -> None:
    args = ["--uri", str(tmp_path / "m.db"), "--embedder", f"onnx:{model}"]
    result = subprocess.run(
        [COMMAND, "query", demo.QUESTION, "--demo", "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["hits"][0]["text"] == TURING
    assert answer["seconds"] > 0
    repl = subprocess.run(
        [COMMAND, "console", *args],
        input=":describe\n:filter id > 1\nresearch\n:query id >>> 2\n:use nope\nhello\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert repl.returncode == 0, repl.stderr
    assert "demo: 3 rows, dim 256" in repl.stdout
    assert "the filter is not a valid Milvus expression" in repl.stdout
    assert "collection 'nope' does not exist" in repl.stdout
    assert "Traceback" not in repl.stdout + repl.stderr


def write_files(directory: Path) -> dict[str, Path]:
    rows = [{"text": f"row {i} about w{i % 50}", "n": i, "tag": "even" if i % 2 else "odd"}
            for i in range(6)]  # fmt: skip
    paths = {}
    paths["txt"] = directory / "lines.txt"
    paths["txt"].write_text("\n".join(r["text"] for r in rows) + "\n\n")
    paths["csv"] = directory / "rows.csv"
    with paths["csv"].open("w", newline="") as f:
        writer = csv.DictWriter(f, ["text", "n", "tag"])
        writer.writeheader()
        writer.writerows(rows)
    paths["jsonl"] = directory / "rows.jsonl"
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths["parquet"] = directory / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), paths["parquet"])
    return paths


def test_every_file_format_reads_the_same_texts(tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    texts = {kind: [r["text"] for r in loader.records(p)] for kind, p in paths.items()}
    assert len({tuple(t) for t in texts.values()}) == 1
    assert all(loader.count(p) == 6 for p in paths.values())
    jsonl = list(loader.records(paths["jsonl"]))
    assert jsonl[3] == {"text": "row 3 about w3", "n": 3, "tag": "even"}
    with pytest.raises(ConsoleError, match=r"no 'body' column.*--text-field"):
        list(loader.records(paths["csv"], "body"))
    (tmp_path / "bad.jsonl").write_text('{"text": "a"}\n{oops\n')
    with pytest.raises(ConsoleError, match=r"bad\.jsonl line 2: not JSON"):
        list(loader.records(tmp_path / "bad.jsonl"))
    with pytest.raises(ConsoleError, match="unknown file type"):
        loader.file_format(tmp_path / "x.docx")
    with pytest.raises(ConsoleError, match="no such file"):
        loader.count(tmp_path / "missing.jsonl")


def test_ten_thousand_rows_are_loaded_flushed_and_indexed(tmp_path: Path, lite: Console) -> None:
    path = tmp_path / "big.jsonl"
    lines = (json.dumps({"text": f"w{i % 50} w{(i * 7) % 50}", "n": i}) for i in range(10_000))
    path.write_text("\n".join(lines) + "\n")
    seen: list[tuple[int, int]] = []
    loaded = lite.load("big", path, batch_size=1000, on_progress=lambda d, t: seen.append((d, t)))
    assert loaded.rows == 10_000
    assert lite.transport.row_count("big") == 10_000
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # progress only goes forward
    assert seen[-1] == (10_000, 10_000)
    # Flushed: no rows wait in Milvus Lite's write-ahead log, they are in sealed data
    # files; indexed: every row is in the vector index (searches then take milliseconds,
    # not a second: benchmarks/console_bench.py).
    collection = tmp_path / "milvus.db" / "collections" / "big"
    assert not list(collection.glob("wal/*.arrow"))
    assert list(collection.glob("partitions/*/data/*.parquet"))
    index = lite.transport.client.describe_index("big", "vector")  # type: ignore[attr-defined]
    assert (index["indexed_rows"], index["pending_index_rows"]) == (10_000, 0)
    answer = lite.ask("big", "w3 w21", limit=5, filter="n < 100")
    assert answer.hits
    assert all(h.fields["text"] for h in answer.hits)
    # Each hit with the fields its record brought (the vector is not sent back).
    assert all(set(h.fields) == {"text", "n"} and h.fields["n"] < 100 for h in answer.hits)
    rows, _ = lite.query("big", "n in [1, 2, 3]")
    wanted = sorted(f"w{i % 50} w{(i * 7) % 50}" for i in (1, 2, 3))
    assert sorted(r["text"] for r in rows) == wanted  # exactly the rows asked for


def test_inserts_list_the_collections_once_and_remake_one_dropped_elsewhere(
    lite: Console,
) -> None:
    transport = lite.transport
    listings: list[int] = []
    real_list = transport.list_collections

    def counted() -> list[str]:  # the real call, counted
        listings.append(1)
        return real_list()

    transport.list_collections = counted  # type: ignore[method-assign]
    for i in range(4):
        lite.insert("notes", [{"text": f"w{i} w{i + 1}"}])
    # The first insert makes the collection, the second reads its embedder; the rest ask
    # nothing more.
    assert len(listings) == 2
    transport.client.drop_collection("notes")  # type: ignore[attr-defined]  # by someone else
    assert lite.insert("notes", [{"text": "w7 w8"}]) == 1
    transport.prepare_for_search("notes")
    assert transport.row_count("notes") == 1  # made again, with the one new row
    assert [h.fields["text"] for h in lite.ask("notes", "w7 w8", limit=1).hits] == ["w7 w8"]


def test_a_filter_can_name_the_schemas_fields_and_the_loaded_records_own(lite: Console) -> None:
    """Describing a collection lists its schema; a loaded file's other columns are
    dynamic fields Milvus keeps outside it. The filter's fields are both, never the
    vector or Milvus' own $meta."""
    lite.insert("papers", [{"text": "w1 w2", "year": 1950}, {"text": "w3", "venue": "Mind"}])
    lite.transport.prepare_for_search("papers")
    info, _ = lite.describe("papers")
    assert "year" not in info.fields  # not in the schema
    fields = lite.filter_fields(info)
    assert fields[: len(info.fields) - 1] == [f for f in info.fields if f != "vector"]
    assert {"year", "venue"} <= set(fields)
    assert "vector" not in fields
    assert "$meta" not in fields
    assert lite.query("papers", "year == 1950")[0][0]["text"] == "w1 w2"  # and it filters


def test_bad_input_gets_a_clear_message(tmp_path: Path, lite: Console, model: Path) -> None:
    lite.load_demo()
    with pytest.raises(ConsoleError, match="'nope' does not exist"):
        lite.ask("nope", "hello")
    with pytest.raises(ConsoleError, match="not a valid Milvus expression"):
        lite.ask("demo", "hello", filter="id >>> 3")
    with pytest.raises(ConsoleError, match="question is empty"):
        lite.ask("demo", "  ")
    # A collection of 16-dimension vectors labelled with a 256-dimension model.
    lite.transport.create("odd", 16, {EMBEDDER_PROPERTY: f"onnx:{model}"})
    with pytest.raises(ConsoleError, match="holds 16-dimension vectors"):
        lite.ask("odd", "hello")
    with pytest.raises(ConsoleError, match="expected dim 16"):
        lite.transport.insert("odd", [{"text": "x", "vector": [0.1] * 256}])
    lite.transport.create("foreign", 256, {})
    with pytest.raises(ConsoleError, match="not made by the console"):
        lite.ask("foreign", "hello")
    with pytest.raises(ConsoleError, match="cannot reach Milvus"):
        GrpcTransport("http://127.0.0.1:9", timeout=2)
    with pytest.raises(ConsoleError, match="unknown embedder"):
        embedder_for("word2vec:x")


def test_rest_v2_through_the_public_endpoint(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    deployed: Emulator = deployed_wizard[0].started
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment

    with connect(deployed) as con:
        runner = SqlRunner(con)
        d = Deployment(account=deployed.settings.account_identifier)
        console = endpoint_console(runner, d)  # Cortex (emulated) over the connection
        assert console.transport.label.startswith("REST v2 https://")
        assert console.load_demo() == 3
        answer = console.ask("demo", demo.QUESTION)
        assert answer.hits[0].fields["text"] == TURING
        info, rows = console.describe("demo")
        assert (info.dim, rows) == (768, 3)
        assert info.properties[EMBEDDER_PROPERTY] == "cortex:snowflake-arctic-embed-m-v1.5"
        transport = console.transport
        lone = [0.0] * 767 + [1.0]
        assert transport.insert("demo", [{"text": "x", "vector": lone, "tag": "t"}]) == 1
        transport.prepare_for_search("demo")
        assert transport.row_count("demo") == 4
        (hit,) = transport.search("demo", [lone], limit=1, fields=["text", "$meta"])[0]
        assert hit.fields == {"text": "x", "tag": "t"}  # its dynamic field, by its own name
        transport.delete("demo", 'text == "x"')
        assert transport.query("demo", 'text == "x"') == []
        with pytest.raises(ConsoleError, match="not a valid Milvus expression"):
            console.query("demo", "id >>> 3")
        host = transport.headers["Host"]
        for token in ("", "not-a-token"):
            stranger = RestTransport(host, token, transport.base)
            with pytest.raises(ConsoleError, match="refused the token"):
                stranger.list_collections()
        con.cursor().execute("USE ROLE ACCOUNTADMIN")
        con.cursor().execute("CREATE USER STRANGER PASSWORD = 'Stranger-pw1-long'")
        with connect(deployed, user="STRANGER", password="Stranger-pw1-long") as theirs:
            stranger = RestTransport(host, theirs.rest.token, transport.base)
            with pytest.raises(ConsoleError, match=r"HTTP 403.*may use the endpoints"):
                stranger.list_collections()
            con.cursor().execute("GRANT ROLE MILVUS_ROLE TO USER STRANGER")
            assert "demo" in stranger.list_collections()  # the deployment's role may
        gone = RestTransport("x.snowflakecomputing.app", "t", "http://127.0.0.1:9", timeout=2)
        with pytest.raises(ConsoleError, match="cannot reach the endpoint"):
            gone.list_collections()
        cortex = CortexEmbedder(runner)
        first, again = cortex.embed(["Alan Turing", "Alan Turing"])
        assert first == again
        assert len(first) == 768
        with pytest.raises(ConsoleError, match="unknown Cortex embedding model"):
            CortexEmbedder(runner, "gpt-9")


def test_grpc_is_quiet_in_our_processes_unless_the_user_asks() -> None:
    """gRPC's C core logs to stderr, over the wizard's screen: its verbosity is set before
    grpc loads (by the console's and the emulator's Milvus clients), a user's value kept."""
    probe = (
        "import os, sys\n"
        "import spcs_wizard.emulator.server, spcs_wizard.console.grpc_transport\n"
        "assert 'grpc' in sys.modules\n"
        "print(os.environ.get('GRPC_VERBOSITY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GRPC_VERBOSITY"}
    quiet = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert quiet.stdout.strip() == "NONE", quiet.stderr
    asked = subprocess.run(
        [sys.executable, "-c", probe], env=env | {"GRPC_VERBOSITY": "DEBUG"}, capture_output=True,
        text=True,
    )  # fmt: skip
    assert asked.stdout.strip() == "DEBUG", asked.stderr
