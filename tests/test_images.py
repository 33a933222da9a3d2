"""Building for linux/amd64 with a real podman and pushing to the emulator's real registry
with the session token: layers arrive, a second push sends none, refusals explain
themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.images import registry_token
from spcs_wizard.images.builder import BuilderError, build, find_builder, platform_warning
from spcs_wizard.images.push import PushError, PushEvent, PushLedger, login, push
from tests.emulator_harness import connect, rows
from tests.test_emulator_registry import (  # noqa: F401 - fixtures
    Podman,
    make_repository,
    podman,
    registry_emulator,
)


def our_builder(p: Podman):  # type: ignore[no-untyped-def]
    return find_builder(
        "podman",
        [
            "--root",
            str(p.root / "storage"),
            "--runroot",
            str(p.root / "run"),
            "--storage-driver",
            "vfs",
        ],
        {
            "REGISTRY_AUTH_FILE": p.env["REGISTRY_AUTH_FILE"],
            "CONTAINERS_REGISTRIES_CONF": p.env["CONTAINERS_REGISTRIES_CONF"],
        },
    )


def test_build_targets_linux_amd64(podman: Podman, tmp_path: Path) -> None:  # noqa: F811
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "hello.txt").write_text("hi\n")
    (context / "Containerfile").write_text("FROM localhost/test-base:1\nCOPY hello.txt /hello\n")
    builder = our_builder(podman)
    lines: list[str] = []
    build(builder, context, "localhost/built:1", on_line=lines.append)
    arch = podman(
        "image", "inspect", "--format", "{{.Architecture}}/{{.Os}}", "localhost/built:1"
    ).stdout.strip()
    assert arch == "amd64/linux"
    assert lines  # the build's output was streamed
    (context / "Containerfile").write_text("FROM localhost/does-not-exist:1\n")
    with pytest.raises(BuilderError, match="building localhost/broken:1 failed"):
        build(builder, context, "localhost/broken:1")


def test_missing_builders_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BuilderError, match="Install podman") as caught:
        find_builder()
    assert "docker: not installed" in str(caught.value)
    assert platform_warning("x86_64") is None
    assert "emulation" in (platform_warning("arm64") or "")


def test_push_with_the_session_token_and_a_second_push_sends_no_layer(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
    tmp_path: Path,
) -> None:
    make_repository(registry_emulator)
    host = registry_emulator.settings.registry_host
    podman.trust(host)
    builder = our_builder(podman)
    remote = f"{host}/db1/public/repo/app:v7"
    with connect(registry_emulator, role="SYSADMIN") as con:  # the token lives as long
        login(builder, host, registry_token(con))
        first: list[PushEvent] = []
        ledger = PushLedger(tmp_path / "pushed.json")
        digest = push(builder, "localhost/app:v1", remote, first.append, ledger=ledger)
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO")
        second: list[PushEvent] = []
        again = push(
            builder,
            "localhost/app:v1",
            remote,
            second.append,
            remote_digest=images[0]["digest"],
            ledger=ledger,
        )
    assert [(i["image_path"], i["digest"]) for i in images] == [("db1/public/repo/app:v7", digest)]
    layers = [e for e in first if e.kind == "layer"]
    assert layers
    assert all(e.layer_total > 0 for e in layers)
    sent = [e.image_bytes for e in layers]
    assert sent == sorted(sent)  # progress only goes forward
    assert sent[-1] == layers[-1].image_total  # and ends at 100%
    assert first[-1].kind == "done"
    assert first[-1].detail == digest
    assert again == digest
    assert second == [PushEvent("skipped", digest)]  # nothing is sent twice


def test_refused_login_and_refused_push_explain_themselves(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
) -> None:
    make_repository(registry_emulator)
    host = registry_emulator.settings.registry_host
    podman.trust(host)
    builder = our_builder(podman)
    with pytest.raises(PushError, match="refused the login as 0sessiontoken"):
        login(builder, host, "ETMsTk-expired")
    registry_emulator.faults.refuse_pushes = True
    with connect(registry_emulator, role="SYSADMIN") as con:
        login(builder, host, registry_token(con))
        with pytest.raises(PushError, match="refused the push: the role has no WRITE"):
            push(builder, "localhost/app:v1", f"{host}/db1/public/repo/app:v8")


def test_deploy_builds_and_pushes_both_images_then_skips_them(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
    tmp_path: Path,
) -> None:
    from spcs_wizard.engine.apply import Deployer
    from spcs_wizard.engine.images import RegistryPusher
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.plan import build_plan
    from tests.emulator_harness import SECRETS

    contexts = tmp_path / "images"
    # stand-ins for images/<name>: no pulls possible here
    for name in ("milvus", "milvus-gateway", "jupyter"):
        (contexts / name).mkdir(parents=True)
        (contexts / name / "Containerfile").write_text(
            f"FROM localhost/test-base:1\nLABEL service={name}\n"
        )
    podman.trust(registry_emulator.settings.registry_host)
    # No source: Milvus and its gateway are built too (copying: test_images_copy.py).
    d = Deployment(
        account=registry_emulator.settings.account_identifier,
        milvus={"source": ""},
        gateway={"source": ""},
    )
    plan = build_plan(d, tmp_path / "specs")
    state = DeploymentState(tmp_path / "state.json", d.deployment_id)
    ledger = PushLedger(tmp_path / "pushed.json")

    def deploy() -> tuple[object, list[PushEvent]]:
        pushed: list[PushEvent] = []
        with connect(registry_emulator) as con:
            runner = SqlRunner(con)
            pusher = RegistryPusher(
                runner,
                d,
                contexts=contexts,
                ledger=ledger,
                builder=our_builder(podman),
                on_push=pushed.append,
            )
            outcome = Deployer(
                runner,
                plan,
                state,
                lambda s: SECRETS[s.key],
                pusher,
                sleep=registry_emulator.clock.advance,
                monotonic=registry_emulator.clock.now,
            ).run()
        return outcome, pushed

    outcome, pushed = deploy()
    assert outcome.ok, outcome.failed
    assert [e.kind for e in pushed].count("done") == 3
    with connect(registry_emulator, role="SYSADMIN") as con:
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS_REPO")
        containers = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE MILVUS_DEMO.PUBLIC.MILVUS")
    assert sorted(i["image_name"] for i in images) == ["jupyter", "milvus", "milvus-gateway"]
    assert containers[0]["image_digest"] == next(
        i["digest"] for i in images if i["image_name"] == "milvus"
    )
    again, pushed_again = deploy()
    assert again.ok
    assert {"image-milvus", "image-gateway", "image-jupyter"} <= set(again.skipped)
    assert pushed_again == []  # nothing built or sent a second time


def _pushable(emulator: Emulator, podman: Podman) -> tuple[object, str]:  # noqa: F811
    make_repository(emulator)
    host = emulator.settings.registry_host
    podman.trust(host)
    return our_builder(podman), host


def test_a_push_of_an_image_never_built_says_so_and_sends_nothing(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
    tmp_path: Path,
) -> None:
    """podman pushes without tagging first: an image that is not there is said in the
    same words either way (with a ledger and the repository's digest, or without)."""
    builder, host = _pushable(registry_emulator, podman)
    pauses: list[float] = []
    with connect(registry_emulator, role="SYSADMIN") as con:
        login(builder, host, registry_token(con))  # type: ignore[arg-type]
        remote = f"{host}/db1/public/repo/never:1"
        with pytest.raises(PushError, match=r"no local image 'localhost/never:1'.*build it first"):
            push(builder, "localhost/never:1", remote, sleep=pauses.append)  # type: ignore[arg-type]
        ledger = PushLedger(tmp_path / "ledger.json")
        with pytest.raises(PushError, match=r"no local image 'localhost/never:1'"):
            push(builder, "localhost/never:1", remote, ledger=ledger,  # type: ignore[arg-type]
                 remote_digest="sha256:" + "0" * 64, sleep=pauses.append)  # fmt: skip
    assert pauses == []  # not taken for a passing failure
    assert not (tmp_path / "ledger.json").exists()


def test_a_registry_that_dies_mid_push_fails_clearly_after_retries(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
) -> None:
    builder, host = _pushable(registry_emulator, podman)
    events: list[PushEvent] = []
    pauses: list[float] = []
    with connect(registry_emulator, role="SYSADMIN") as con:
        login(builder, host, registry_token(con))  # type: ignore[arg-type]
        registry_emulator.registry_dies_on_push()  # stops once the push is authorized
        with pytest.raises(PushError, match=r"cannot be reached.*tried 3 times"):
            push(builder, "localhost/app:v1", f"{host}/db1/public/repo/app:gone",  # type: ignore[arg-type]
                 events.append, sleep=pauses.append)  # fmt: skip
    assert pauses == [1, 2]  # backoff between the three attempts
    assert [e.kind for e in events].count("retry") == 2
    assert not [e for e in events if e.kind == "done"]


def test_a_registry_that_comes_back_gets_the_push_on_a_retry(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
) -> None:
    builder, host = _pushable(registry_emulator, podman)
    events: list[PushEvent] = []
    with connect(registry_emulator, role="SYSADMIN") as con:
        login(builder, host, registry_token(con))  # type: ignore[arg-type]
        registry_emulator.registry_dies_on_push()

        def back_while_we_wait(pause: float) -> None:  # the registry returns during the pause
            pauses.append(pause)
            registry_emulator.restart_registry()

        pauses: list[float] = []
        digest = push(builder, "localhost/app:v1", f"{host}/db1/public/repo/app:back",  # type: ignore[arg-type]
                      events.append, sleep=back_while_we_wait)  # fmt: skip
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO")
    assert pauses == [1]  # one failed attempt, one pause, then the push went through
    assert [e.kind for e in events].count("retry") == 1
    assert events[-1].kind == "done"
    assert ("db1/public/repo/app:back", digest) in [(i["image_path"], i["digest"]) for i in images]


def test_a_registry_that_refuses_the_session_token_takes_the_password(
    registry_emulator: Emulator,  # noqa: F811
    podman: Podman,  # noqa: F811
    tmp_path: Path,
) -> None:
    from spcs_wizard.engine.images import RegistryPusher
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.plan import build_plan
    from tests.conftest import ADMIN_PASSWORD

    contexts = tmp_path / "images"
    (contexts / "milvus").mkdir(parents=True)
    (contexts / "milvus" / "Containerfile").write_text("FROM localhost/test-base:1\n")
    podman.trust(registry_emulator.settings.registry_host)
    registry_emulator.faults.refuse_session_token_logins = True
    # No source: Milvus is built too (copying it: test_images_copy.py).
    d = Deployment(account=registry_emulator.settings.account_identifier, milvus={"source": ""})
    plan = build_plan(d, tmp_path / "specs")
    with connect(registry_emulator, role="SYSADMIN") as con:
        runner = SqlRunner(con)
        for sql in (
            "CREATE DATABASE MILVUS_DEMO",
            "CREATE IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS_REPO",
        ):
            con.cursor().execute(sql)
        without = RegistryPusher(runner, d, contexts=contexts, builder=our_builder(podman))
        with pytest.raises(
            PushError, match=r"refused the login as 0sessiontoken.*no programmatic access token"
        ):
            without(plan.step("image-milvus"))
        pushed: list[PushEvent] = []
        with_password = RegistryPusher(
            runner,
            d,
            contexts=contexts,
            builder=our_builder(podman),
            on_push=pushed.append,
            fallback_login=lambda: ("ADMIN", ADMIN_PASSWORD),
        )
        with_password(plan.step("image-milvus"))
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS_REPO")
    assert pushed[-1].kind == "done"
    assert [i["image_name"] for i in images] == ["milvus"]
