"""What a refused statement becomes: the failure event with Snowflake's words, its code and
SQL state, and the next step for that code (the connector's own error class, as raised)."""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake.connector.errors import OperationalError, ProgrammingError

from spcs_wizard.engine.apply import StepFailedError
from spcs_wizard.engine.hints import (
    CONNECTION_HINT,
    EXTERNAL_ACCESS_HINT,
    HINTS,
    NO_ANSWER_HINT,
    error_code,
    hint_for,
    step_failed,
)
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    plan = build_plan(Deployment(account="myorg-myaccount"), tmp_path_factory.mktemp("specs"))
    return {s.id: s for s in plan}


@pytest.mark.parametrize(("errno", "code"), [(None, None), (1, 1), (3001, 3001), (-1, None)])
def test_the_code_is_snowflakes_or_none(errno: int | None, code: int | None) -> None:
    assert error_code(ProgrammingError(msg="x", errno=errno)) == code


def test_a_failure_carries_the_words_code_state_hint_and_logs(steps: dict) -> None:
    step = steps["warehouse"]
    exc = ProgrammingError(msg=" Insufficient privileges. ", errno=3001, sqlstate="42501")
    event = step_failed(step, exc, ["a log line"])
    assert event.step_id == "warehouse"
    assert event.message == "003001 (42501):  Insufficient privileges."
    assert (event.code, event.sqlstate, event.logs) == (3001, "42501", ["a log line"])
    assert event.hint == HINTS[3001].format(role=step.role.name, doc=step.doc)
    assert step_failed(step, exc).logs == []
    assert str(StepFailedError(event)) == event.message  # what a traceback would show


def test_a_failure_without_a_code_points_at_the_steps_documentation(steps: dict) -> None:
    step = steps["warehouse"]
    event = step_failed(step, OperationalError(msg="", errno=None))
    assert (event.message, event.code) == ("Unknown error", None)
    assert (
        event.hint
        == f"See {step.doc} for what this statement needs, then run the deployment again."
    )


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (250001, NO_ANSWER_HINT),
        (251012, NO_ANSWER_HINT),
        (390000, CONNECTION_HINT),
        (399999, CONNECTION_HINT),
    ],
)
def test_connection_codes_say_to_run_again(steps: dict, code: int, hint: str) -> None:
    assert hint_for(code, steps["warehouse"]) == hint


@pytest.mark.parametrize("code", [389999, 400000])
def test_codes_outside_the_connection_range_point_at_the_documentation(
    steps: dict, code: int
) -> None:
    assert hint_for(code, steps["warehouse"]).startswith("See https://docs.snowflake.com/")


def test_a_trial_accounts_refused_external_access_gets_its_own_way_out(
    steps: dict, tmp_path: Path
) -> None:
    with_egress = Deployment(account="myorg-myaccount", egress={"enabled": True})
    step = {s.id: s for s in build_plan(with_egress, tmp_path)}["external-access-integration"]
    assert hint_for(3001, step) == EXTERNAL_ACCESS_HINT
    assert hint_for(3001, steps["warehouse"]) != EXTERNAL_ACCESS_HINT
