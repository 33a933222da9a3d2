"""A tiny sentence-embedding model the tests make themselves (no download possible here):
a word-level tokenizer (tokenizers' own tokenizer.json) and an ONNX graph that looks up
one random vector per token (Gather), so mean pooling gives a bag-of-words embedding in
which texts sharing words are close. Same inputs and outputs as a BERT-style export:
input_ids, attention_mask -> last_hidden_state [batch, tokens, dim]."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

SEED_WORDS = (
    "artificial intelligence was founded as an academic discipline in 1956 alan turing "
    "the first person to conduct substantial research ai born maida vale london raised "
    "southern england who started what is"
)


def word_vector(word: str, dim: int) -> np.ndarray:
    """The same random vector for a word whatever the vocabulary (seeded by the word)."""
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "big")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def make_model(directory: Path, dim: int = 256, extra_words: Iterable[str] = ()) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = sorted(set(re.findall(r"[a-z0-9]+", SEED_WORDS)) | set(extra_words))
    vocab = {"[PAD]": 0, "[UNK]": 1} | {w: i + 2 for i, w in enumerate(words)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(directory / "tokenizer.json"))

    table = np.zeros((len(vocab), dim), dtype=np.float32)  # [PAD] stays zero
    for word, index in vocab.items():
        if index:
            table[index] = word_vector(word, dim)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)],
        "tiny-sentence-embedder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", dim]
            )
        ],
        [numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(directory / "model.onnx"))
    return directory
