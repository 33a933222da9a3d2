"""A job's progress as its events tell it (engine), and the wizard's job runner (Pilot):
one job at a time, and a job whose code fails still ends and says so."""

from __future__ import annotations

import asyncio
import threading

from spcs_wizard.engine.events import StepDone, StepFailed, StepSkipped, StepStarted, StepWaiting
from spcs_wizard.engine.job import JobProgress, clock, sentence
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.jobs import JobFeed
from tests.wizard_harness import until


def test_the_summary_follows_the_events_and_its_clock_stops_when_it_ends() -> None:
    now = [100.0]
    job = JobProgress.of("Deploy", ["role", "user", "wait-pool-milvus"], monotonic=lambda: now[0])
    assert job.summary() == "Deploy 0/3"
    job.record("event", StepSkipped("role", "already done"))
    job.record("event", StepStarted("user", "Create the user"))
    now[0] = 107.0
    assert job.summary() == "Deploy 1/3 · user 0:07"
    job.record("event", StepDone("user", 1, 7.0))
    job.record("event", StepStarted("wait-pool-milvus", "Wait"))
    job.record("event", StepWaiting("wait-pool-milvus", "pool MILVUS state=STARTING " * 3, 2))
    now[0] = 172.0
    line = job.summary()
    assert line.startswith("Deploy 2/3 · wait-pool-milvus 1:05 · pool MILVUS state=STARTING")
    assert line.endswith("…")
    assert len(line.split(" · ")[-1]) == 40
    job.stop_requested = True
    assert job.summary().endswith(" · stopping after this step")
    job.record("event", StepFailed("wait-pool-milvus", "no", "hint"))
    job.finish(False, "stopped on request")
    now[0] = 500.0  # later: a finished job's time no longer moves
    assert job.summary() == "Deploy 2/3 · stopped after 1:12"
    assert [kind for kind, _ in job.log] == ["event"] * 6
    assert (clock(59.9), clock(61), clock(3600 + 62)) == ("0:59", "1:01", "1:01:02")
    # Said as a sentence: one full stop, none after a detail cut short.
    assert sentence("Deploy 2/3 · stopped after 1:12") == "Deploy 2/3 · stopped after 1:12."
    assert sentence(line) == line  # it ended in "…"
    assert sentence("Removed 3 items.") == "Removed 3 items."


def test_an_ended_job_tells_only_of_what_it_ran_on_and_the_subject_follows_the_names() -> None:
    """While it runs a job is the wizard's whatever is shown; once ended, only for the
    settings and target it ran on. The subject changes with any name, the pool size or
    the target, and not with an equal deployment made again."""
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment

    wizard = WizardContext(chosen=Deployment())
    first = wizard.job_subject
    job = JobProgress.of("Deploy", ["role"], subject=first)
    assert job.tells_of("another") and job.tells_of(first)  # noqa: PT018 - running: both
    job.finish(True)
    assert job.tells_of(first)
    assert not job.tells_of("another")
    wizard.deployment = Deployment()  # the same settings, a new object
    assert wizard.job_subject == first
    for change in ({"warehouse.name": "WH2"}, {"milvus.pool.instance_family": "CPU_X64_M"}):
        wizard.deployment = with_settings(Deployment(), change, "test")
        assert wizard.job_subject != first, change
    wizard.deployment = Deployment()
    wizard.mode, wizard.connection_name = "account", "prod"
    assert wizard.job_subject != first
    assert wizard.job_subject.endswith(" on connection prod")


def test_one_job_at_a_time_and_a_failing_one_still_ends_and_says_so() -> None:
    """The wizard's runner: a second job while one runs is refused with the running one's
    status; a job whose code raises (a bug) ends as failed with the error, never stuck
    as running (the strip would show it forever, and ctrl+q's "stop" would never close)."""

    async def scenario() -> None:
        app = WizardApp(WizardContext(), start="welcome")
        async with app.run_test(size=(120, 40)) as pilot:
            go_on = threading.Event()

            def waits(feed: JobFeed) -> tuple[bool, str]:
                go_on.wait(30)
                return True, ""

            def broken(feed: JobFeed) -> tuple[bool, str]:
                raise TypeError("'NoneType' object is not callable")

            first = JobProgress.of("Deploy", ["role"])
            assert app.run_job(first, waits)
            assert not app.run_job(JobProgress.of("Teardown", ["role"]), broken)
            await until(
                pilot,
                lambda: any(n.message.startswith("Deploy 0/1") for n in app._notifications),
                what="the refusal, with the running job's status",
            )
            go_on.set()
            await until(pilot, lambda: first.finished, what="the first job")
            assert first.ok
            second = JobProgress.of("Teardown", ["role"])
            assert app.run_job(second, broken)
            await until(pilot, lambda: second.finished, what="the broken job ended")
            assert not second.ok
            assert "ended on an unexpected error: TypeError(" in second.message
            # An ended teardown leaves the deploy shown before out of date: Deploy reads
            # the record again (engine.job.OUTDATES).
            assert app.jobs == {"Teardown": second}

    asyncio.run(scenario())
