"""The mutants docs/testing.md lists as equivalent (or alive on purpose), each with the hash
mutmut gives its function's source when it was listed.

A listed mutant is not run again while its function is unchanged (same hash): its verdict
was read by a person, and running it costs every one of its module's tests. When the
function changes, the mutant's number may name another change: it is run again, and the
report says which rows to look at anew. Used by tests/mutmut_plugin.py (in mutmut's stats
phase, before any mutant runs) and scripts/mutation_report.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# | `spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47` `3f0c9e1a2b4d` | reason |
ROW = re.compile(r"^\|\s*`([^`]+__mutmut_\d+)`\s*`([0-9a-f]+)`\s*\|")
SKIPPED = 34  # mutmut's exit code for "skipped"


def listed(doc: Path) -> dict[str, str]:
    """Each listed mutant and the hash of its function when it was listed."""
    return {
        m.group(1): m.group(2) for line in doc.read_text().splitlines() if (m := ROW.match(line))
    }


def function_of(mutant: str) -> str:
    """``spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47`` -> its function's name."""
    return mutant.rpartition("__mutmut_")[0]


def current_hashes(tree: Path) -> dict[str, str]:
    """Each mutated function's hash now (``module.function``), from mutmut's .meta files
    under ``tree`` (the mutants/ directory)."""
    found = {}
    for meta in tree.rglob("*.py.meta"):
        module = ".".join(meta.relative_to(tree).with_suffix("").with_suffix("").parts)
        for function, digest in (
            json.loads(meta.read_text()).get("hash_by_function_name", {}).items()
        ):
            found[f"{module}.{function}"] = digest
    return found


def unchanged(doc: Path, tree: Path) -> set[str]:
    """The listed mutants whose function is the one that was listed."""
    now = current_hashes(tree)
    return {name for name, digest in listed(doc).items() if now.get(function_of(name)) == digest}


def skip_unchanged(doc: Path, tree: Path) -> int:
    """Mark those mutants skipped in mutmut's .meta files (mutmut then runs them no more);
    how many were marked."""
    keep = unchanged(doc, tree)
    marked = 0
    for meta in tree.rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        hits = [name for name in codes if name in keep]
        for name in hits:
            codes[name] = SKIPPED
        if hits:
            meta.write_text(json.dumps(data))
            marked += len(hits)
    return marked
