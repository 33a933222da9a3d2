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

In a mutant run the tests go fastest first, so a mutant that some quick test kills costs
only that test: mutmut stops at the first failure. "Fastest" counts a test's fixtures too
(recorded here in the stats phase): mutmut's own durations are of the test's body only, which
ranks a test that deploys in a fixture as free.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

STATS = Path("mutmut-stats.json")  # mutmut runs the tests from inside mutants/
DURATIONS = Path("test-durations.json")  # setup, call and teardown of each test
_recorded: dict[str, float] = {}
_phase: list[str] = []  # "stats" while mutmut maps tests to functions


def pytest_configure() -> None:
    settings.register_profile("mutants", derandomize=True, database=None)
    settings.load_profile("mutants")
    _phase.clear()  # a mutant's run is forked from the process that ran the stats
    _recorded.clear()
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        del os.environ["MUTANT_UNDER_TEST"]
        _phase.append("stats")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _phase:
        _recorded[report.nodeid] = _recorded.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish() -> None:
    if _phase:
        DURATIONS.write_text(json.dumps(_recorded))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not DURATIONS.exists() or os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats"):
        return
    durations: dict[str, float] = json.loads(DURATIONS.read_text())
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
