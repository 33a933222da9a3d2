"""Every package of the source tree is shipped (the package list in pyproject is explicit)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "spcs_wizard").rglob("__init__.py")
    }
    assert found <= listed, f"not shipped: {sorted(found - listed)}"
    assert config["package-dir"]["spcs_wizard.spec_templates"] == "specs"
