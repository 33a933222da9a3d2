"""The whole rehearsal headless: ``spcs-wizard rehearse`` with nothing on PATH (no docker,
no podman), and the stages' rules in this process (a failed stage, a deployment that was
there before)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spcs_wizard.console import demo
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.engine.rehearse import rehearse
from spcs_wizard.engine.stages import Stage
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan

SPEED = "600"  # pools and services start 600 times faster than in a real account


def _rehearse_command(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPCS_WIZARD_", "SNOWFLAKE"))}
    empty = home / "empty-path"
    empty.mkdir(parents=True, exist_ok=True)
    env.update({"PATH": str(empty), "SPCS_WIZARD_HOME": str(home / "state")})
    return subprocess.run(
        [sys.executable, "-m", "spcs_wizard", "rehearse", "--speed", SPEED, *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.mark.long
def test_the_whole_rehearsal_passes_with_no_docker_or_podman(tmp_path: Path) -> None:
    result = _rehearse_command(tmp_path, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing else on the terminal: gRPC's own log lines (a fork while its threads run,
    # as the gateway container starts) would land on a wizard's screen.
    assert result.stderr == ""
    run = json.loads(result.stdout)
    assert run["ok"] is True
    assert [s["name"] for s in run["stages"]] == [
        "start",
        "deploy",
        "running",
        "answer",
        "teardown",
    ]
    assert all(s["ok"] and s["seconds"] >= 0 for s in run["stages"])
    assert run["question"] == demo.QUESTION
    assert run["answer"][0]["text"] == demo.DOCS[1]  # Alan Turing, as in the seed's notebook
    assert run["kept"] is False
    deploy = run["stages"][1]["detail"]
    assert deploy == "29 steps done, 0 already in place, 6 waits passed"
    shared = [
        s.id for s in build_plan(Deployment(), tmp_path).steps if s.target and s.target.shared
    ]
    assert run["stages"][-1]["detail"] == (
        f"23 removed; {len(shared)} account-wide kept (other deployments may share them)"
    )
    # Torn down: a second run deploys again (the account-wide objects teardown left are in
    # place), kept this time, and in words.
    again = _rehearse_command(tmp_path, "--keep")
    assert again.returncode == 0, again.stdout + again.stderr
    lines = again.stdout.splitlines()
    assert [line.split()[1] for line in lines[:4]] == ["start", "deploy", "running", "answer"]
    assert len(shared) == 3
    assert lines[1].endswith(f"{29 - 3} steps done, 3 already in place, 6 waits passed")
    assert lines[3].endswith(f"{demo.QUESTION} → {demo.DOCS[1]}")
    assert lines[4].startswith("Rehearsal passed in ")
    assert lines[5] == (
        "The deployment is kept (asked (--keep)). The wizard ('spcs-wizard', rehearsal) "
        "reaches it: on Welcome, Enter on its row (MILVUS_DEMO) goes on to its Monitor; its "
        "Teardown removes it. So do the commands, with --rehearsal and the same settings "
        "('spcs-wizard status --rehearsal')."
    )
    assert len(lines) == 6
    assert "Traceback" not in again.stderr


def test_a_failed_stage_ends_the_run_with_what_to_do_and_leaves_it_for_a_look(
    tmp_path: Path,
) -> None:
    rehearsal = Rehearsal(tmp_path / "r", speed=600, registry=False)
    rehearsal.start().faults.failing_services.add("MILVUS_DEMO.PUBLIC.MILVUS")
    seen: list[Stage] = []
    outcome = rehearse(rehearsal, Deployment(), on_stage=seen.append)
    assert not outcome.ok
    assert [s.name for s in seen] == ["start", "deploy"]  # no teardown: left to look at
    failed = seen[-1]
    assert not failed.ok
    assert failed.detail == (
        "wait-service-milvus: the service failed: gateway: Container exited with code 1 "
        "and is being restarted.; milvus: Container exited with code 1 and is being restarted."
    )
    assert failed.hint == "Fix the cause shown (and in the logs), then run the deployment again."
    assert rehearsal.emulator is None  # stopped all the same
    assert outcome.kept  # what it made stays, for the wizard to show; the next run resumes
    assert outcome.kept_because == "a stage failed: left for a look"


def test_a_home_the_command_cannot_use_is_a_usage_error(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = _rehearse_command(tmp_path, "--home", str(a_file / "sub"))
    assert result.returncode == 2  # nothing was done
    assert result.stdout.startswith("✗ start ")
    assert "next: choose a directory this user can write" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_home_that_cannot_hold_the_account_fails_the_first_stage(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    outcome = rehearse(Rehearsal(a_file / "r", registry=False), Deployment())
    (start,) = outcome.stages
    assert (start.name, start.ok, outcome.kept) == ("start", False, False)
    assert start.detail.startswith(f"cannot keep the rehearsal account in {a_file / 'r'}: ")
    assert start.hint == "choose a directory this user can write (--home DIR, or SPCS_WIZARD_HOME)"


def test_a_deployment_there_before_the_run_is_kept(tmp_path: Path) -> None:
    first = rehearse(Rehearsal(tmp_path / "r", speed=600, registry=False), Deployment(), keep=True)
    assert first.ok
    assert first.kept
    assert [s.name for s in first.stages][-1] == "answer"
    again = rehearse(Rehearsal(tmp_path / "r", speed=600, registry=False), Deployment())
    assert again.ok
    assert again.kept  # not this run's to remove: no teardown
    assert again.kept_because == "it was in the rehearsal account before this run"
    assert first.kept_because == "asked (--keep)"
    assert [s.name for s in again.stages] == ["start", "deploy", "running", "answer"]
    assert again.stages[1].detail == "0 steps done, 29 already in place, 6 waits passed"
    assert again.answer[0]["text"] == demo.DOCS[1]  # the demo was loaded once, not twice
    assert len(again.answer) == len(demo.DOCS)


def test_another_deployments_names_in_the_rehearsal_account_are_said_and_nothing_is_left(
    tmp_path: Path,
) -> None:
    """The rehearsal account is the wizard's too: a deployment it keeps there (other
    database, the same role, user, warehouse and pools) meets this run's first step. The
    run says so and how to go on, and, having made nothing, does not claim to keep a
    deployment; the way it names (its own prefix) then passes beside the other."""
    from spcs_wizard.engine.rehearse import FOREIGN_HINT
    from spcs_wizard.model.config_file import with_settings

    where = tmp_path / "r"
    wizards = with_settings(Deployment(), {"database.name": "TRIAL_DB"}, "test")
    assert rehearse(Rehearsal(where, speed=600, registry=False), wizards, keep=True).ok
    seen: list[Stage] = []
    met = rehearse(Rehearsal(where, speed=600, registry=False), Deployment(), on_stage=seen.append)
    assert not met.ok
    assert [s.name for s in seen] == ["start", "deploy"]
    assert seen[-1].detail.startswith(
        "role: ROLE MILVUS_ROLE already exists and is not this deployment's "
        "(owner SECURITYADMIN, comment 'spcs-wizard deployment TRIAL_DB')"
    )
    assert seen[-1].hint == FOREIGN_HINT
    assert "--prefix REHEARSE_" in FOREIGN_HINT
    assert not met.kept  # it made nothing
    assert met.kept_because == ""
    own = with_settings(Deployment(), {"prefix": "REHEARSE_"}, "test")
    beside = rehearse(Rehearsal(where, speed=600, registry=False), own)
    assert beside.ok
    assert not beside.kept  # torn down again; the wizard's stays
    assert [s.name for s in beside.stages][-1] == "teardown"
