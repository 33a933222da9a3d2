"""A pytest plugin for mutation runs only (scripts/mutants loads it; the test suite never does).

mutmut tells its trampolines which mutant is active through the ``MUTANT_UNDER_TEST``
environment variable, which the commands the tests start inherit. While it records which
tests reach which function (the value ``stats``), those commands cannot take part: they
would look for mutmut's configuration in their own working directory. So in that phase the
variable is taken out of the environment (mutmut keeps its own copy in this process), and
the commands run the original code. In the mutant runs the variable stays, so a mutant is
active in the commands too and a test that runs the command can kill it.

Hypothesis is derandomised and keeps no example database here, so a run's verdicts do
not depend on what it happened to generate (or found in an earlier run).

In a mutant run, only the mutated module's own tests run (``OWN_TESTS``): mutmut would run
every test that reaches the function, and a function that every deploying test passes
through (a name's parsing, a grant's check) would cost minutes for each mutant that
survives them. A module's own tests are those written to pin its behaviour; a mutant
they do not catch is a gap in them, whatever another module's test happens to notice.
A function none of them reaches counts as "no tests" (pytest finds nothing to run).

mutmut stops at the first failure, so the order of the tests is what a mutant costs. The
tests that killed other mutants of the same function go first, most kills first (each
kill is noted in ``KILLERS``, and the file is read again for each mutant, so a function's
later mutants learn from its earlier ones; it is kept between runs): a deploying test that
catches most of the engine's mutants runs before the quick ones that catch none. The rest
go fastest first. "Fastest" counts a test's fixtures too (recorded here in the stats
phase): mutmut's own durations are of the test's body only, which ranks a test that
deploys in a fixture as free. The order changes what a run costs, never its verdicts.

The mutants docs/testing.md lists as equivalent are not run again while their function is
unchanged (tests/mutants_listed.py): each would cost every one of its module's tests.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

from tests.mutants_listed import function_of, skip_unchanged

STATS = Path("mutmut-stats.json")  # mutmut runs the tests from inside mutants/
DURATIONS = Path("test-durations.json")  # setup, call and teardown of each test
# One line per kill: the mutated function and the test that failed first. Outside
# mutants/ (which scripts/mutants makes anew), so the next run starts with what this one
# learned.
KILLERS = Path("../.mutmut-killers.jsonl")
_recorded: dict[str, float] = {}
# Each mutated module's own tests (files under tests/). Every module of
# [tool.mutmut] only_mutate needs an entry (tests/test_mutation_setup.py holds them equal).
OWN_TESTS: dict[str, tuple[str, ...]] = {
    "spcs_wizard.engine.apply": (
        "test_engine.py",
        "test_engine_steps.py",
        "test_fidelity.py",
        "test_hints.py",
    ),
    "spcs_wizard.engine.waits": (
        "test_engine.py",
        "test_engine_steps.py",
        "test_fidelity.py",
        "test_hints.py",
    ),
    "spcs_wizard.engine.teardown": ("test_teardown.py", "test_engine.py"),
    "spcs_wizard.model.identifiers": ("test_identifiers.py", "test_names.py"),
    "spcs_wizard.model.names": ("test_names.py", "test_deployment.py", "test_plan.py"),
    "spcs_wizard.model.secret_rules": ("test_secret_rules.py", "test_plan.py"),
    "spcs_wizard.specs.validate": ("test_specs.py", "test_milvus_auth.py"),
    "spcs_wizard.credentials": (
        "test_credentials.py",
        "test_keychain.py",
        "test_login.py",
        "test_connections_file.py",
    ),
    "spcs_wizard.emulator.grants": ("test_emulator_grants.py", "test_emulator_sql.py"),
}


def own_tests(mutant: str) -> tuple[str, ...]:
    """The test files of the module ``mutant`` is in (its dotted name up to ``.x_`` or
    ``.xǁ``); its package's when the module has no entry of its own."""
    module = re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]
    while module and module not in OWN_TESTS:
        module = module.rpartition(".")[0]
    if not module:
        raise KeyError(f"no own tests for {mutant}: add its module to OWN_TESTS")
    return OWN_TESTS[module]


_phase: list[str] = []  # "stats" while mutmut maps tests to functions


def pytest_configure() -> None:
    settings.register_profile("mutants", derandomize=True, database=None)
    settings.load_profile("mutants")
    # The encrypted-file keyring derives its key with Argon2 at every read and write (about
    # 0.4 s each by its defaults: 15 passes over 64 MiB). No mutant changes how the key is
    # derived, and every keyring file of these tests is made and read in this process, so a
    # cheaper derivation changes no verdict, only what each keychain mutant costs. (The
    # clean run mutmut starts with uses it too: a test it broke would stop the run there.)
    from keyrings.cryptfile.cryptfile import ArgonAESEncryption

    ArgonAESEncryption.time_cost = 1
    ArgonAESEncryption.memory_cost = 2**10
    _phase.clear()  # a mutant's run is forked from the process that ran the stats
    _recorded.clear()
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        del os.environ["MUTANT_UNDER_TEST"]
        _phase.append("stats")
        # Before any mutant runs (mutmut reads its .meta files again after this phase):
        # the listed mutants whose function is unchanged are not run again.
        skip_unchanged(Path("../docs/testing.md"), Path("."))
        compact_killers()


def _mutant() -> str | None:
    """The mutant this process tries, if it tries one."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    return None if mutant in ("", "stats") or mutant.startswith("fail") else mutant


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _phase:
        _recorded[report.nodeid] = _recorded.get(report.nodeid, 0.0) + report.duration
    mutant = _mutant()
    if mutant is not None and report.failed:
        line = json.dumps({"function": function_of(mutant), "test": report.nodeid}) + "\n"
        with KILLERS.open("a") as killers:  # one short write: whole even beside another
            killers.write(line)


def _tally() -> dict[tuple[str, str], int]:
    """Every kill noted so far, counted per (function, test). A line says one kill, or
    several (``"kills"``) once the file has been compacted."""
    found: dict[tuple[str, str], int] = {}
    if KILLERS.exists():
        for line in KILLERS.read_text().splitlines():
            try:
                kill = json.loads(line)
            except json.JSONDecodeError:  # a line cut short (a run stopped mid-write)
                continue
            key = (kill["function"], kill["test"])
            found[key] = found.get(key, 0) + kill.get("kills", 1)
    return found


def kills(function: str) -> dict[str, int]:
    """How many mutants of ``function`` each test killed (in this run and earlier ones)."""
    return {test: n for (f, test), n in _tally().items() if f == function}


def compact_killers() -> None:
    """One line per (function, test) with its count: the file is read for every mutant,
    and one line per kill would grow by the thousands with each run."""
    tally = _tally()
    if tally:
        KILLERS.write_text(
            "".join(
                json.dumps({"function": f, "test": t, "kills": n}) + "\n"
                for (f, t), n in sorted(tally.items())
            )
        )


def pytest_sessionfinish() -> None:
    if _phase:
        DURATIONS.write_text(json.dumps(_recorded))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = _mutant()
    if mutant is None:
        return
    files = own_tests(mutant)
    others = [item for item in items if item.path.name not in files]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if item.path.name in files]
    durations: dict[str, float] = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    killed = kills(function_of(mutant))
    items.sort(
        key=lambda item: (-killed.get(item.nodeid, 0), durations.get(item.nodeid, float("inf")))
    )
