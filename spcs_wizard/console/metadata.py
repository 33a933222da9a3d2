"""The embedder a collection was filled with, kept as a collection property so that
questions are embedded by the same model as the rows. (A property, not the schema's
description: Milvus Lite does not keep descriptions; gRPC and REST v2 both set and read
properties.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EMBEDDER_PROPERTY = "spcs_wizard.embedder"


def embedder_of(properties: Mapping[str, Any]) -> str | None:
    """The embedder's name, or None for a collection the console did not make."""
    value = properties.get(EMBEDDER_PROPERTY)
    return str(value) if value else None
