"""Records to load, from text lines, CSV, JSON lines or Parquet. Each record has the
text to embed under ``text``; its other columns become fields of the row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spcs_wizard.console.transport import ID_FIELD, TEXT_FIELD, TEXT_MAX, VECTOR_FIELD, ConsoleError

FORMATS = {
    ".txt": "text",
    ".md": "text",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ConsoleError(f"{path.name}: unknown file type; use one of {known}") from None


def readable(path: Path) -> Path:
    """The file, or a ConsoleError saying why it cannot be read."""
    if not path.is_file():
        raise ConsoleError(f"{path}: no such file")
    try:
        with path.open("rb"):
            return path
    except OSError as exc:
        raise ConsoleError(f"{path}: cannot be read ({exc.strerror})") from None


def count(path: Path) -> int:
    """How many records the file holds (for the progress bar), read cheaply."""
    kind = file_format(readable(path))
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open(encoding="utf-8", errors="replace") as f:
        lines = sum(1 for line in f if line.strip())
    return max(lines - 1, 0) if kind == "csv" else lines


def records(path: Path, text_field: str = TEXT_FIELD) -> Iterator[dict[str, Any]]:
    kind = file_format(readable(path))
    if kind == "text":
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield {TEXT_FIELD: line.strip()}
        return
    if kind == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            _require(path, text_field, reader.fieldnames or [])
            for number, row in enumerate(reader, 2):
                yield _record(path, number, dict(row), text_field)
        return
    if kind == "jsonl":
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConsoleError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
                if not isinstance(data, dict):
                    raise ConsoleError(f"{path.name} line {number}: expected an object")
                yield _record(path, number, data, text_field)
        return
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path)
    _require(path, text_field, table.schema_arrow.names)
    number = 0
    for batch in table.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            number += 1
            yield _record(path, number, row, text_field)


def _require(path: Path, field: str, names: list[str]) -> None:
    if field not in names:
        raise ConsoleError(
            f"{path.name} has no {field!r} column (columns: {', '.join(names) or 'none'}); "
            "name the text column with --text-field"
        )


def _record(path: Path, number: int, data: dict[str, Any], text_field: str) -> dict[str, Any]:
    text = data.pop(text_field, None)
    if not isinstance(text, str) or not text.strip():
        raise ConsoleError(f"{path.name} record {number}: empty or missing {text_field!r}")
    if len(text.encode()) > TEXT_MAX:
        raise ConsoleError(f"{path.name} record {number}: text longer than {TEXT_MAX} bytes")
    row = {k: v for k, v in data.items() if v is not None and k not in (VECTOR_FIELD, TEXT_FIELD)}
    if ID_FIELD in row:  # ids are Milvus' own (auto): keep the file's under another name
        row["source_id"] = row.pop(ID_FIELD)
    row[TEXT_FIELD] = text.strip()
    return row
