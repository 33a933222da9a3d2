"""spcs-wizard: deploy Milvus on Snowpark Container Services from the terminal."""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

__version__ = "0.1.0"


class _ConnectorWithoutPandas:
    """snowflake-connector-python imports pandas and pyarrow when they are installed
    (pymilvus brings them) for DataFrame results this tool never asks for: about 0.7 s of
    the start of every command that connects, a third of the connector's import. While the
    connector's ``options`` module runs, pandas reads as not installed (the connector then
    leaves both alone); afterwards it imports as usual, for pymilvus. Acts once.

    A meta path finder by its ``find_spec`` alone: subclassing importlib.abc's would
    import importlib.resources, 9 ms of every start."""

    def find_spec(
        self, name: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "snowflake.connector.options":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or "pandas" in sys.modules:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            sys.modules["pandas"] = None  # type: ignore[assignment] - import raises ImportError
            try:
                run(module)
            finally:
                if sys.modules.get("pandas", ...) is None:
                    del sys.modules["pandas"]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "snowflake.connector" not in sys.modules:
    sys.meta_path.insert(0, _ConnectorWithoutPandas())
