"""SNOWFLAKE.CORTEX.EMBED_TEXT_768 / EMBED_TEXT_1024, emulated.

Snowflake returns a VECTOR(FLOAT, 768 or 1024) from a hosted model
(https://docs.snowflake.com/en/sql-reference/functions/embed_text-snowflake-cortex).
There is no model here: the emulator hashes the text's words into the vector (the
"hashing trick"), normalised to length 1, so texts that share words are close and the
same text always gives the same vector. That is enough to rehearse the console's Cortex
path end to end; it is not a semantic model. The vector is returned as JSON text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re

from spcs_wizard.emulator import errors

# Models Snowflake documents for each function (a subset is enough to check the name).
MODELS = {
    768: ("snowflake-arctic-embed-m-v1.5", "snowflake-arctic-embed-m", "e5-base-v2"),
    1024: (
        "snowflake-arctic-embed-l-v2.0",
        "nv-embed-qa-4",
        "multilingual-e5-large",
        "voyage-multilingual-2",
    ),
}
_WORD = re.compile(r"[a-z0-9]+")


def embed(function: str, args: list[object]) -> str:
    size = 768 if function.endswith("768") else 1024
    if len(args) != 2 or not all(isinstance(a, str) for a in args):
        raise errors.invalid_value(f"{function} takes a model name and a text")
    model, text = str(args[0]), str(args[1])
    if model not in MODELS[size]:
        raise errors.SnowflakeError(
            100351, "P0000", f"Invalid argument: unknown model '{model}' for {function}"
        )
    vector = [0.0] * size
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "big") % size
        vector[index] += 1.0 if digest[4] % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return json.dumps([round(v / norm, 6) for v in vector])
