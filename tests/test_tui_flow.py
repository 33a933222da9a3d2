"""The whole rehearsal through the real wizard, driven by Textual's Pilot: connection,
naming with a mistake corrected, review, a real podman build pushed to the emulator's
registry, deploy, the monitor showing RUNNING, the seed's question answered by the
deployed Milvus, teardown."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, ProgressBar, RadioButton, Static, Switch

from spcs_wizard.console import demo
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.screens.build import ImageProgress
from spcs_wizard.tui.widgets.checklist import Checklist
from tests.test_emulator_registry import Podman, podman  # noqa: F401 - fixture
from tests.test_images import our_builder
from tests.tools import require_tool
from tests.wizard_harness import table_text, text_of, until, until_deployed


@pytest.fixture
def contexts(tmp_path: Path) -> Path:
    """Stand-ins for images/<name> (nothing can be pulled here): built for real."""
    root = tmp_path / "images"
    for name in ("milvus", "milvus-gateway", "jupyter"):
        (root / name).mkdir(parents=True)
        (root / name / "Containerfile").write_text(
            f"FROM localhost/test-base:1\nLABEL service={name}\n"
        )
    return root


@pytest.mark.long
def test_the_whole_rehearsal_flow(
    tmp_path: Path,
    podman: Podman,  # noqa: F811
    contexts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asyncio.run(flow(tmp_path, podman, contexts, monkeypatch))


async def flow(
    tmp_path: Path,
    podman: Podman,  # noqa: F811
    contexts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_tool("docker-registry", "docker-registry")
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=600, registry=True)
    wizard = WizardContext(
        # every image built (copying: test_images_copy)
        chosen=Deployment(milvus={"source": ""}, gateway={"source": ""}),
        rehearsal=rehearsal,
        contexts=contexts,
        builder=our_builder(podman),
        image_mode="build",
        refresh_seconds=0.5,
    )
    app = WizardApp(wizard)
    async with app.run_test(size=(120, 40)) as pilot:
        # Welcome: rehearsal is the default; the cost of two CPU_X64_S pools is shown.
        assert app.screen.query_one("#rehearsal", RadioButton).value
        assert "0.22" in text_of(app.screen.query_one("#cost", Static))
        await pilot.press("ctrl+n")

        # Connection: the emulator starts, the login works, every preflight check passes.
        await until(pilot, lambda: wizard.ready, what="the rehearsal connection")
        podman.trust(rehearsal.started.settings.registry_host)
        preflight = text_of(app.screen.query_one("#preflight", Static))
        assert "Snowpark Container Services" in preflight
        assert "✗" not in preflight
        await pilot.press("ctrl+n")

        # Naming: a bad database name is refused with the reason, then corrected.
        assert app.step == "naming"
        next_button = app.screen.query_one("#next", Button)
        database = app.screen.query_one("#set-database-name", Input)
        database.value = "1 bad"
        await until(pilot, lambda: next_button.disabled, what="Next disabled")
        assert database.has_class("-invalid")
        assert "Database: '1 bad'" in text_of(app.screen.query_one("#problem", Static))
        app.screen.query_one("#set-prefix", Input).value = "bad name!"
        problem = app.screen.query_one("#problem", Static)
        await until(pilot, lambda: "Prefix: 'bad name!'" in text_of(problem), what="said")
        assert "Prefix (workshops" not in text_of(problem)  # its label, short
        await pilot.press("ctrl+n")
        assert app.step == "naming"  # a refused Next goes nowhere
        database.value = "VECTORS"
        app.screen.query_one("#set-prefix", Input).value = "alice"
        await until(pilot, lambda: not next_button.disabled, what="Next enabled")
        assert "ALICE_VECTORS" in table_text(app.screen.query_one("#names", DataTable))
        assert wizard.deployment.deployment_id == "ALICE_VECTORS"
        await pilot.press("ctrl+n")

        # Review: every step with its role.
        steps = app.screen.query_one("#steps", DataTable)
        assert steps.row_count == len(wizard.session.plan().steps)
        assert "SECURITYADMIN" in table_text(steps)
        await pilot.press("ctrl+n")

        # Build & push: a real podman build, pushed to the emulator's registry.
        assert app.step == "build"
        await pilot.click("#start")
        next_button = app.screen.query_one("#next", Button)
        await until(pilot, lambda: not next_button.disabled, timeout=300, what="images pushed")
        for image in ("milvus", "gateway", "jupyter"):
            progress = app.screen.query_one(f"#image-{image}", ImageProgress)
            assert "pushed" in text_of(progress.query_one(f"#phase-{image}", Static))
            assert progress.query_one(ProgressBar).percentage == 1  # every byte sent
        # The images stand on the same base layer: sent in full once, then skipped.
        layers = {
            image: text_of(app.screen.query_one(f"#layers-{image}", Static))
            for image in ("milvus", "gateway", "jupyter")
        }
        assert "██████████" in layers["milvus"]
        assert "already there" in layers["gateway"]
        assert "already there" in layers["jupyter"]
        await pilot.press("ctrl+n")

        # Deploy: every step ticks; what the build step made is checked, not redone.
        await pilot.click("#start")
        await until_deployed(pilot, app, timeout=300)
        checklist = app.screen.query_one(Checklist)
        assert checklist.states["image-milvus"] == "skipped"
        assert checklist.states["service-milvus"] == "done"
        assert set(checklist.states.values()) <= {"done", "skipped"}
        first = app.job
        assert first is not None
        assert first.message.startswith("Deployed (")
        # Deploy again: everything is in place, and it says nothing changed (it said
        # "Deployed." whatever the run did).
        await pilot.click("#start")
        await until(
            pilot, lambda: app.job is not first and app.job.finished, what="the re-run's end"
        )
        assert app.job.ok, app.job.message
        assert app.job.message.startswith("Nothing changed (0 steps done, "), app.job.message
        await pilot.press("ctrl+n")

        # Monitor: the services run, the endpoints have URLs.
        freshness = app.screen.query_one("#freshness", Static)
        await until(pilot, lambda: "healthy" in text_of(freshness), what="a healthy refresh")
        services = table_text(app.screen.query_one("#services", DataTable))
        assert "ALICE_VECTORS" not in services  # services are named in the schema
        assert "RUNNING" in services
        assert "READY" in services
        assert "snowflakecomputing" in table_text(app.screen.query_one("#endpoints", DataTable))
        await pilot.press("ctrl+n")

        # Console: the seed's demo through the Milvus endpoint, from deploy to answer.
        assert app.step == "console"
        rehearsal.started.clock.advance(120)  # the endpoint gets its URL
        status = app.screen.query_one("#answer-status", Static)
        await until(pilot, lambda: "connected" in text_of(status), what="the console")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: "demo: 3 rows" in text_of(status), what="the demo")
        question = app.screen.query_one("#question", Input)
        question.focus()
        question.value = demo.QUESTION
        await pilot.press("enter")
        await until(pilot, lambda: "hits in" in text_of(status), what="the answer")
        assert app.screen.query_one("#answers", DataTable).get_row_at(0)[2].plain == demo.DOCS[1]
        await pilot.press("ctrl+n")

        # Teardown: confirm, then everything of ours is removed.
        assert app.step == "teardown"
        removals = app.screen.query_one(Checklist)
        assert str(removals.get_row("role")[2]).startswith("DROP ROLE IF EXISTS ")
        assert "REVOKE " in str(removals.get_row("grant-warehouse")[2])
        # By keyboard: Escape closes the question and Enter asks it again. (Tear down was
        # disabled while asking, so focus fell to the "keep database" switch and came back
        # there: Enter then turned it on.)
        teardown = app.screen
        start = teardown.query_one("#start", Button)
        switches = [teardown.query_one(f"#{i}", Switch) for i in ("keep-data", "include-shared")]
        start.focus()
        for _ in range(2):
            await pilot.press("enter")
            await until(pilot, lambda: app.screen.query("#yes"), what="the question")
            assert getattr(app.focused, "id", None) != "yes"  # never on the destructive one
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is teardown, what="closed")
            await until(pilot, lambda: app.focused is start, what="focus on Tear down again")
            assert [switch.value for switch in switches] == [False, False]
        await until(pilot, lambda: not start.has_class("-active"), what="released")
        await pilot.click("#start")
        await until(pilot, lambda: app.screen.query("#yes"), what="the confirmation")
        question = text_of(app.screen.query_one("#question", Static))
        assert "cannot be recovered" in question  # data goes without 'keep database'
        # Milvus' collections go either way: the way to keep them is said.
        assert "to stop the billing and keep them, suspend instead" in " ".join(question.split())
        assert "Rehearsal: nothing is billed" in question
        await pilot.click("#yes")
        summary = app.screen.query_one("#summary", Static)
        await until(pilot, lambda: "Removed" in text_of(summary), timeout=120, what="removed")
        # Every item counted, as the job line counts them: removed, or not there.
        said = r"Removed (\d+) items(?:; (\d+) (?:was|were) not there)?"
        counts = re.search(said, text_of(summary))
        assert counts is not None, text_of(summary)
        shown = sum(int(n or 0) for n in counts.groups())
        assert shown == len(app.screen.query_one(Checklist).states), text_of(summary)
        assert wizard.session.resume_point() == "start"
        start = app.screen.query_one("#start", Button)
        await until(pilot, lambda: not start.disabled, what="ready again")
        await pilot.click("#start")  # a second time: it looks, and asks nothing
        await until(pilot, lambda: "Nothing to remove" in text_of(summary), what="nothing")
        assert not app.screen.query("#yes")
        runner = wizard.session.connect()
        try:
            names = {r["name"] for r in runner.query("SHOW DATABASES")}
            pools = {r["name"] for r in runner.query("SHOW COMPUTE POOLS")}
        finally:
            runner.con.close()
        assert "ALICE_VECTORS" not in names
        assert not {"ALICE_MILVUS_COMPUTE_POOL", "ALICE_JUPYTER_COMPUTE_POOL"} & pools
        # Back at Deploy: the deploy shown there before told of an account no longer so;
        # the screen reads the record again (no "35/35 steps done", no "Deploy again").
        app.go("deploy")
        await until(pilot, lambda: bool(app.screen.query("#summary")), what="deploy")
        summary = app.screen.query_one("#summary", Static)
        await until(pilot, lambda: "account-wide" in text_of(summary), what="the record")
        assert text_of(summary).startswith("Only the account-wide prerequisites are in place")
        assert str(app.screen.query_one("#start", Button).label) == "Deploy"
    assert rehearsal.emulator is None  # leaving the wizard stops the rehearsal
