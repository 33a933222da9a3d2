"""Rows a user inserted through the console survive what an operator does to a running
deployment: a suspend and resume, an upgrade (the service's specification rolled out
again) and a restart of the emulator itself. Milvus Lite keeps them on the service's
block volume, as Milvus keeps them on its volume in SPCS."""

from __future__ import annotations

import time
from collections.abc import Callable

from spcs_wizard.console import demo
from spcs_wizard.console.console import Console
from spcs_wizard.console.targets import endpoint_console
from spcs_wizard.console.transport import ConsoleError
from spcs_wizard.engine import operations, snapshot
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.tui.context import WizardContext
from tests.emulator_harness import connect

MARKER = "Rows typed in by a user must outlive the operator."


def until_serving(rehearsal: Rehearsal, context: WizardContext) -> Callable[[], Console]:
    """Advances the emulated clock until the deployment is healthy, then waits (polling,
    60 s at most) for Milvus Lite to answer through the public endpoint."""

    def console() -> Console:
        emu = rehearsal.started
        deadline = time.monotonic() + 60
        while True:
            emu.clock.advance(30)
            emu.runtime.reconcile()
            con = connect(emu)
            runner = SqlRunner(con)
            try:
                if snapshot.take(runner, context.deployment).healthy:
                    opened = endpoint_console(runner, context.deployment)
                    opened.collections()
                    return opened
            except ConsoleError:
                pass  # Milvus Lite is still starting
            assert time.monotonic() < deadline, "the deployment never served again"
            con.close()

    return console


def milvus_process(rehearsal: Rehearsal) -> int:
    """The pid of the Milvus Lite serving the deployment now: a new one after each event
    proves the rows came back from the volume, not from a process that lived on."""
    served = rehearsal.started.runtime.served
    (fqn,) = [f for f in served if f.endswith(".MILVUS")]
    return int(served[fqn].process.pid)


def marker_rows(console: Console) -> list[dict]:
    rows, _ = console.query("demo", f'text == "{MARKER}"')
    return rows


def test_inserted_rows_survive_suspend_resume_upgrade_and_restart(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    rehearsal, context = deployed_wizard
    serving = until_serving(rehearsal, context)
    console = serving()
    assert console.load_demo() == 3
    console.insert("demo", [{"text": MARKER}])
    assert len(marker_rows(console)) == 1
    pids = [milvus_process(rehearsal)]

    with connect(rehearsal.started) as con:
        runner = SqlRunner(con)
        operations.switch(runner, context.deployment, "suspend")
        rehearsal.started.runtime.reconcile()
        operations.switch(runner, context.deployment, "resume")
    console = serving()
    pids.append(milvus_process(rehearsal))
    assert len(marker_rows(console)) == 1
    assert console.ask("demo", demo.QUESTION).hits[0].fields["text"].startswith("Alan Turing")

    n = context.deployment.names()
    schema = f"{n.database}.{n.schema_}"
    with connect(rehearsal.started, role="SYSADMIN") as con:
        con.cursor().execute(
            f"ALTER SERVICE {schema}.{n.milvus_service} FROM @{schema}.{n.spec_stage} "
            "SPECIFICATION_FILE = 'milvus.yaml'"
        )  # the upgrade the engine runs for a changed spec
    console = serving()
    pids.append(milvus_process(rehearsal))
    assert len(marker_rows(console)) == 1

    rehearsal.stop()
    rehearsal.start()  # the same account directory: a new process, a new port
    console = serving()
    pids.append(milvus_process(rehearsal))
    assert len(marker_rows(console)) == 1
    _, count = console.describe("demo")
    assert count == 4
    assert len(set(pids)) == 4  # four different Milvus processes, the same rows
