"""Turning text into vectors, behind one interface.

* ``cortex:<model>``: Snowflake Cortex EMBED_TEXT_768 / EMBED_TEXT_1024 over the open
  connection: no local model, the account does the work
  (https://docs.snowflake.com/en/sql-reference/functions/embed_text-snowflake-cortex).
* ``onnx:<directory>``: a local sentence-embedding model, ``model.onnx`` with its
  ``tokenizer.json``, run with onnxruntime and tokenizers: mean pooling over the tokens,
  then length 1 (how sentence-transformers models are pooled). The seed notebook's model
  (pymilvus' default, paraphrase-albert-small-v2, 768 dimensions) exported to ONNX works
  here; see docs/console.md.

A collection records its embedder's name (``metadata.EMBEDDER_PROPERTY``), so questions
use the model the rows were embedded with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from spcs_wizard.console.transport import ConsoleError
from spcs_wizard.model.identifiers import string_literal

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner

CORTEX_SIZES = {
    "snowflake-arctic-embed-m-v1.5": 768,
    "snowflake-arctic-embed-m": 768,
    "e5-base-v2": 768,
    "snowflake-arctic-embed-l-v2.0": 1024,
    "nv-embed-qa-4": 1024,
    "multilingual-e5-large": 1024,
    "voyage-multilingual-2": 1024,
}
DEFAULT_CORTEX_MODEL = "snowflake-arctic-embed-m-v1.5"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def rehearsal_note(embedder: str) -> str:
    """What a rehearsal's scores mean, for a collection embedded with Cortex: the
    emulator's Cortex has no model, it hashes each word into the vector
    (emulator/cortex.py), so a score says how many words a hit shares with the question,
    and 0.000 that it shares none (such hits come in id order). Empty for other
    embedders, whose models are real."""
    if not embedder.startswith("cortex:"):
        return ""
    return (
        "rehearsal: the emulator's Cortex hashes words (no model), so a score counts the "
        "words a hit shares with the question; 0.000: none"
    )


class CortexEmbedder:
    BATCH = 64  # texts per statement: one SELECT with one call per text

    def __init__(self, runner: SqlRunner, model: str = DEFAULT_CORTEX_MODEL) -> None:
        if model not in CORTEX_SIZES:
            known = ", ".join(sorted(CORTEX_SIZES))
            raise ConsoleError(f"unknown Cortex embedding model {model!r}; known: {known}")
        self.runner = runner
        self.model = model
        self.dim = CORTEX_SIZES[model]
        self.name = f"cortex:{model}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from snowflake.connector.errors import Error

        function = f"SNOWFLAKE.CORTEX.EMBED_TEXT_{self.dim}"
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.BATCH):
            batch = texts[start : start + self.BATCH]
            calls = ", ".join(
                f"{function}({string_literal(self.model)}, {string_literal(t)})" for t in batch
            )
            cur = self.runner.con.cursor()
            try:
                cur.execute(f"SELECT {calls}")
                row = cur.fetchone()
            except Error as exc:
                raise ConsoleError(f"Cortex could not embed the text: {exc.msg or exc}") from None
            assert row is not None
            vectors += [_vector(value) for value in row]
        return vectors


def _vector(value: Any) -> list[float]:
    """A VECTOR column comes back as a list (a real account) or JSON text (the emulator)."""
    data = json.loads(value) if isinstance(value, str) else value
    return [float(v) for v in data]


class OnnxEmbedder:
    MAX_TOKENS = 256

    def __init__(self, directory: Path) -> None:
        model, tokenizer = directory / "model.onnx", directory / "tokenizer.json"
        for path in (model, tokenizer):
            if not path.is_file():
                raise ConsoleError(
                    f"{path} is missing: an ONNX embedder is a directory with model.onnx and "
                    "tokenizer.json (docs/console.md says how to export one)"
                )
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3  # errors only: warnings would land on the screen
            self.session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # both libraries raise their own, native exception types
            raise ConsoleError(
                f"{directory} does not hold a usable model: {str(exc).splitlines()[0]}"
            ) from None
        self.tokenizer.enable_truncation(self.MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.name = f"onnx:{directory.resolve()}"
        self.dim = len(self.embed(["dimension probe"])[0])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        encoded = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32).tolist()  # type: ignore[no-any-return]


def embedder_for(name: str, runner: SqlRunner | None = None) -> Embedder:
    """The embedder a name stands for: ``cortex[:model]`` or ``onnx:<directory>``."""
    kind, _, rest = name.partition(":")
    if kind == "cortex":
        if runner is None:
            raise ConsoleError(
                "Cortex embeddings need a Snowflake connection: pass -c CONNECTION, or use "
                "an ONNX model (--embedder onnx:DIR)"
            )
        return CortexEmbedder(runner, rest or DEFAULT_CORTEX_MODEL)
    if kind == "onnx" and rest:
        return OnnxEmbedder(Path(rest).expanduser())
    raise ConsoleError(f"unknown embedder {name!r}: use cortex[:MODEL] or onnx:DIRECTORY")
