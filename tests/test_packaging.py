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


def test_the_image_build_contexts_ship_with_the_package() -> None:
    from spcs_wizard.engine.images import CONTEXTS

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["spcs_wizard.image_contexts"] == "images"
    shipped = config["package-data"]["spcs_wizard.image_contexts"]
    for name in ("milvus", "jupyter"):
        assert (CONTEXTS / name / "Containerfile").is_file()
        assert f"{name}/*" in shipped
