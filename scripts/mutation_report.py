"""The score of a mutmut run (scripts/mutants), per module, and what is left to do.

Reads `mutmut results --all true` and the equivalent mutants listed in docs/testing.md
(rows whose first cell is a mutant's name and its function's hash when listed, each in
backquotes: tests/mutants_listed.py). A mutant counts as caught when a test failed
(killed) or the run outlived its time limit (timeout: the mutant made the code loop). A
listed mutant whose function is unchanged was not run (skipped) and counts as equivalent;
one whose function changed ran again, and the report names it to be looked at anew. The
score is caught / (tried - equivalent). Exits 1 when a mutant survived, or no test reached
it, and it is not listed as it is now.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mutants_listed import listed as listed_in  # noqa: E402
from tests.mutants_listed import unchanged  # noqa: E402

DOC = ROOT / "docs" / "testing.md"
CAUGHT = {"killed", "timeout"}
LEFT = {"survived", "no tests"}
_LINE = re.compile(r"^\s*(\S+): (.+?)\s*$")


def module_of(mutant: str) -> str:
    """``spcs_wizard.engine.teardown.xǁTeardownǁrun__mutmut_3`` -> ``engine/teardown.py``."""
    dotted = re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]
    return dotted.removeprefix("spcs_wizard.").replace(".", "/") + ".py"


def results() -> dict[str, str]:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        match = _LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def main() -> int:
    everything = results()
    status = {name: s for name, s in everything.items() if s != "not checked"}
    untried = len(everything) - len(status)
    if not status:
        print("no mutant was tried: run scripts/mutants first", file=sys.stderr)
        return 2
    recorded = listed_in(DOC)
    listed = unchanged(DOC, ROOT / "mutants")  # as they were when a person read them
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name, state in status.items():
        equivalent = name in listed and state in LEFT | {"skipped"}
        counts[module_of(name)]["equivalent" if equivalent else state] += 1
    header = f"{'module':32} {'tried':>6} {'caught':>7} {'left':>5} {'equiv':>6} {'score':>7}"
    print(header)
    print("-" * len(header))
    total: Counter[str] = Counter()
    for module in sorted(counts):
        row = counts[module]
        total.update(row)
        print(_row(module, row))
    print("-" * len(header))
    print(_row("all", total))
    if untried:
        print(f"\n{untried} mutants not tried (not selected, or the run was stopped)")
    left = sorted(n for n, s in status.items() if s in LEFT and n not in listed)
    stale = sorted(n for n in listed if n in status and status[n] not in LEFT | {"skipped"})
    if stale:
        print(f"\nlisted as equivalent in {DOC.name} but caught now (take them out):")
        print("\n".join(f"  {n}" for n in stale))
    changed = sorted(set(recorded) - listed)
    if changed:
        print(f"\nlisted in {DOC.name}, but their function changed since (or is gone): each")
        print("ran again; look at each anew and list it with its function's hash now:")
        print("\n".join(f"  {n}: {status.get(n, 'not in this run')}" for n in changed))
    other = sorted(
        n
        for n, s in status.items()
        if s not in CAUGHT | LEFT and not (s == "skipped" and n in listed)
    )
    if other:
        print("\nneither caught nor survived (see `mutmut show NAME`):")
        print("\n".join(f"  {n}: {status[n]}" for n in other))
    if left:
        print(f"\n{len(left)} mutants left: kill each with a test, or list it in {DOC.name}")
        print("with the reason it is equivalent (`.venv/bin/mutmut show NAME` shows the change):")
        print("\n".join(f"  {n}: {status[n]}" for n in left))
        return 1
    return 0


def _row(module: str, row: Counter[str]) -> str:
    tried = sum(row.values())
    caught = sum(row[s] for s in CAUGHT)
    left = sum(row[s] for s in LEFT)
    equivalent = row["equivalent"]
    scored = tried - equivalent
    score = f"{100 * caught / scored:.1f}%" if scored else "-"
    return f"{module:32} {tried:>6} {caught:>7} {left:>5} {equivalent:>6} {score:>7}"


if __name__ == "__main__":
    sys.exit(main())
