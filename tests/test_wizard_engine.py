"""The engine pieces behind the wizard: cost estimate, setting edits, log tails, status
history, and a whole rehearsal (in-process emulator) driven through DeploymentSession."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spcs_wizard.engine.deployment_session import DeploymentSession, Target, secret_slots
from spcs_wizard.engine.events import Event, StepDone, StepFailed
from spcs_wizard.engine.operations import new_lines, public_endpoints, service_logs, switch
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.engine.snapshot import ContainerStatus, ServiceStatus, Snapshot
from spcs_wizard.engine.status_history import StatusHistory
from spcs_wizard.model.config_file import ConfigError, with_settings
from spcs_wizard.model.cost import estimate
from spcs_wizard.model.deployment import Deployment


def test_cost_counts_each_pool_at_its_minimum_nodes_from_the_consumption_table() -> None:
    d = Deployment()
    assert estimate(d).running_per_hour == pytest.approx(0.22)  # 2 x CPU_X64_S at 0.11
    bigger = with_settings(
        d, {"milvus.pool.instance_family": "HIGHMEM_X64_S", "milvus.pool.min_nodes": 2,
            "milvus.pool.max_nodes": 3}, "test"
    )  # fmt: skip
    cost = estimate(bigger)
    assert cost.running_per_hour == pytest.approx(2 * 0.28 + 0.11)
    assert "up to 3" in cost.lines[0].detail
    assert cost.complete
    unknown = with_settings(d, {"jupyter.pool.instance_family": "GPU_NV_SM"}, "test")
    assert estimate(unknown).lines[1].credits_per_hour is None
    assert not estimate(unknown).complete


def test_editing_a_setting_checks_the_whole_deployment_and_names_the_culprit() -> None:
    d = Deployment()
    edited = with_settings(d, {"prefix": "alice", "database.name": "vectors"}, "naming")
    assert edited.deployment_id == "ALICE_VECTORS"
    assert d.deployment_id == "MILVUS_DEMO"  # the original is untouched
    with pytest.raises(ConfigError, match=r"database\.name \(from naming\).*must start with"):
        with_settings(d, {"database.name": "1 bad"}, "naming")
    with pytest.raises(ConfigError, match="two compute pools have the same name"):
        with_settings(d, {"jupyter.pool.name": d.milvus.pool.name}, "naming")


@pytest.mark.parametrize(
    ("before", "now", "fresh"),
    [
        ([], ["a", "b"], ["a", "b"]),
        (["a", "b", "c"], ["b", "c", "d"], ["d"]),
        (["a", "b"], ["a", "b"], []),
        (["x"], ["a", "b"], ["a", "b"]),
        (["a", "b", "a"], ["b", "a", "c"], ["c"]),
    ],
)
def test_log_tail_shows_only_lines_not_seen(
    before: list[str], now: list[str], fresh: list[str]
) -> None:
    assert new_lines(before, now) == fresh


def _snap(status: str, restarts: int) -> Snapshot:
    container = ContainerStatus("0", "milvus", "READY", "", restarts, "img", "d", "t")
    return Snapshot("D", 0.0, [], [ServiceStatus("MILVUS", status, "POOL", [container])])


def test_status_history_reports_changes_and_keeps_series() -> None:
    history = StatusHistory(size=3)
    assert history.add(_snap("PENDING", 0)) == []
    assert history.add(_snap("RUNNING", 0)) == ["MILVUS: PENDING → RUNNING"]
    assert history.add(_snap("RUNNING", 2)) == ["MILVUS: 2 container restart(s)"]
    history.add(_snap("FAILED", 2))
    assert history.restart_series("MILVUS") == [0, 2, 2]  # the oldest dropped
    assert history.up_series("MILVUS") == [1, 1, 0]


@pytest.fixture
def rehearsal(tmp_path: Path) -> Iterator[Rehearsal]:
    r = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
    r.start()
    yield r
    r.stop()


def test_a_whole_rehearsal_through_the_session(rehearsal: Rehearsal) -> None:
    d = with_settings(Deployment(), {"account": rehearsal.account}, "test")
    session = DeploymentSession(Target(rehearsal=rehearsal), d, image_mode="record")
    assert session.resume_point() == "start"
    assert session.missing_secrets() == []  # a rehearsal makes its own
    events: list[Event] = []
    runner = session.connect()
    try:
        images = session.deploy(runner, events.append, images_only=True)
        assert images.ok, images.failed
        assert images.done[-1] == "image-jupyter"
        assert session.resume_point() == "deploy"
        outcome = session.deploy(runner, events.append)
        assert outcome.ok, outcome.failed
        assert set(images.done) <= set(outcome.skipped)  # checked, not redone
        assert session.resume_point() == "monitor"
        snap = session.snapshot(runner)
        assert snap.healthy
        assert {e.endpoint for e in public_endpoints(snap)} == {"milvus", "notebook"}
        assert service_logs(runner, d, "milvus")  # the container logged something
        switch(runner, d, "suspend")
        assert {s.status for s in session.snapshot(runner).services} == {"SUSPENDED"}
        switch(runner, d, "resume")
        gone = session.teardown(runner, events.append)
        assert gone.ok
        assert session.resume_point() == "start"
    finally:
        runner.con.close()
    assert any(isinstance(e, StepDone) for e in events)
    assert not any(isinstance(e, StepFailed) for e in events)


def test_the_rehearsal_account_survives_a_restart_with_a_new_password(tmp_path: Path) -> None:
    first = Rehearsal(tmp_path / "r", speed=600, registry=False)
    first.start()
    with first.started.account.lock:
        first.started.add_image(
            "milvus_demo/public/milvus_repo", "milvus", "v1", "sha256:" + "0" * 64
        )
    old = first.connect_args()["password"]
    first.stop()
    again = Rehearsal(tmp_path / "r", speed=600, registry=False)
    again.start()
    try:
        assert again.connect_args()["password"] != old  # a new one each run, never stored
        runner = Target(rehearsal=again).connect()
        runner.con.close()
        saved = (tmp_path / "r" / "account").rglob("*.json")
        assert not any(old in p.read_text() for p in saved)
        assert again.started.account.images  # what the first run made is still there
    finally:
        again.stop()


def test_an_account_target_asks_for_secrets_nothing_provides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import keyring
    from keyring.backends import null

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path))
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())  # a keyring that keeps nothing
    try:
        _asks_for_secrets(monkeypatch)
    finally:
        keyring.set_keyring(previous)


def _asks_for_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    session = DeploymentSession(Target(connection_name="nowhere"), Deployment())
    keys = [s.key for s in session.missing_secrets()]
    # every secret the plan needs but the one the tool makes up itself
    assert keys == [s.key for s in secret_slots(session.plan()) if not s.generated]
    assert set(keys) == {"milvus_user_password", "jupyter_password"}
    monkeypatch.setenv("SPCS_WIZARD_SECRET_JUPYTER_PASSWORD", "from-env")
    assert [s.key for s in session.missing_secrets()] == ["milvus_user_password"]
    slot = session.missing_secrets()[0]
    session.give_secret(slot, "typed", keep=False)  # too weak for Snowflake: asked again
    assert session.missing_secrets() == [slot]
    problem = session.give_secret(slot, "Typed-password-1")  # the null keyring cannot keep it
    assert problem is not None
    assert session.missing_secrets() == []
