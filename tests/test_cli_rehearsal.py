"""The account commands on the wizard's rehearsal account (``--rehearsal``), and one
process at a time on a rehearsal account: the installed command, run as a user would,
against the rehearsal account the wizard keeps under the state home."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spcs_wizard.console import demo
from spcs_wizard.engine.account_lock import AccountInUseError
from spcs_wizard.engine.known_deployments import known
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.engine.rehearse import rehearse
from spcs_wizard.model.deployment import Deployment
from tests.command import COMMAND, clean_environment, run_command
from tests.terminal import Terminal


def _env(home: Path) -> dict[str, str]:
    snowflake = home / "snowflake"  # no connections.toml: nobody has an account here
    snowflake.mkdir(parents=True, exist_ok=True)
    return clean_environment(
        {
            "SPCS_WIZARD_HOME": str(home / "state"),
            "SNOWFLAKE_HOME": str(snowflake),
            "COLUMNS": "160",
        }
    )


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_command(*args, env=_env(home), cwd=home, timeout=120)


@contextmanager
def _held_by_a_watch(home: Path) -> Iterator[subprocess.Popen[str]]:
    """``status --rehearsal --watch`` running: it holds the rehearsal account. Ready once
    its first look is printed (into a pipe, one look after another)."""
    watch = subprocess.Popen(
        [str(COMMAND), "status", "--rehearsal", "--watch", "--interval", "60"],
        env=_env(home),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert watch.stdout is not None
        first = watch.stdout.readline()  # blocks until the first look is out
        assert first.startswith("MILVUS_DEMO: "), first + watch.stderr.read()  # type: ignore[union-attr]
        yield watch
    finally:
        watch.kill()
        watch.wait(timeout=30)
        for stream in (watch.stdout, watch.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.long
def test_the_commands_work_on_the_rehearsal_account_the_wizard_keeps(tmp_path: Path) -> None:
    """What the wizard (or `rehearse --keep`) left in its rehearsal account is looked
    at, asked, suspended and torn down by the commands with --rehearsal, and the
    wizard's record of it follows."""
    directory = tmp_path / "state" / "rehearsal"  # the wizard's, under SPCS_WIZARD_HOME
    kept = rehearse(Rehearsal(directory, speed=600, registry=False), Deployment(), keep=True)
    assert kept.ok, kept.stages
    assert [k.deployment.deployment_id for k in known(directory)] == ["MILVUS_DEMO"]

    status = _run(tmp_path, "status", "--rehearsal", "--json")
    assert status.returncode == 0, status.stderr
    snap = json.loads(status.stdout)
    assert {s["name"]: s["status"] for s in snap["services"]} == {
        "MILVUS": "RUNNING",
        "JUPYTER": "RUNNING",
    }
    # Deployed again, it finds every step in place and says nothing changed, its waits
    # apart (it said "Deployed MILVUS_DEMO: 6 steps run" of the six waits that passed).
    again = _run(tmp_path, "deploy", "--rehearsal")
    assert again.returncode == 0, again.stderr
    said = " ".join(again.stdout.split())
    assert re.search(
        r"MILVUS_DEMO is in place: nothing changed \(0 steps done, \d+ already in place, "
        r"6 waits passed\)\.",
        said,
    ), said
    urls = _run(tmp_path, "endpoints", "--rehearsal", "--json")
    assert urls.returncode == 0, urls.stderr
    assert {e["service"] for e in json.loads(urls.stdout) if e["url"]} == {"MILVUS", "JUPYTER"}
    # Into a pipe at Rich's default 80 columns, a table takes the width it needs: each
    # public URL stays whole on its line, as a script reading `status` needs (the URL
    # column used to fold it in two), and the long lines of a command are not broken.
    narrow = run_command(
        "status", "--rehearsal", env=_env(tmp_path) | {"COLUMNS": "80"}, cwd=tmp_path
    )
    lines = narrow.stdout.splitlines()
    for e in json.loads(urls.stdout):
        assert any(e["link"] in line for line in lines), narrow.stdout
    assert max(len(line) for line in lines) > 80
    # In a terminal narrower than the tables, the URL cells fold, so each public URL is
    # said again whole on a line of its own, which the terminal wraps and keeps one line.
    narrow_env = {k: v for k, v in _env(tmp_path).items() if k != "COLUMNS"}
    term = Terminal(["sh", "-c", f"{COMMAND} status --rehearsal; echo status-ended-$?"],
                    narrow_env, width=70)  # fmt: skip
    try:
        term.wait_for("status-ended-0")
        shown = term.screen(history=True, joined=True).splitlines()
        for e in json.loads(urls.stdout):
            assert f"  {e['service']} {e['endpoint']}: {e['link']}" in shown, shown
    finally:
        term.close()

    # The console reaches the rehearsal's Milvus through its endpoint: the rows the
    # rehearsal loaded are there (not loaded again), and the seed's answer comes first.
    answer = _run(tmp_path, "query", "--rehearsal", demo.QUESTION, "--json")
    assert answer.returncode == 0, answer.stderr
    hits = json.loads(answer.stdout)["hits"]
    assert hits[0]["text"] == demo.DOCS[1]
    assert sorted(h["text"] for h in hits) == sorted(demo.DOCS)

    suspended = _run(tmp_path, "suspend", "--rehearsal")
    assert suspended.returncode == 0, suspended.stderr
    assert "ALTER COMPUTE POOL IF EXISTS MILVUS_COMPUTE_POOL SUSPEND" in suspended.stdout
    assert suspended.stdout.splitlines()[-1] == (
        "Suspended MILVUS_DEMO: its services, then its pools; no credits while suspended "
        "(storage is still billed). 'spcs-wizard resume --rehearsal' brings it back."
    )
    after = _run(tmp_path, "status", "--rehearsal", "--json")
    assert after.returncode == 3  # not running: needs attention
    assert {s["status"] for s in json.loads(after.stdout)["services"]} == {"SUSPENDED"}
    # Suspended, nothing has an address: said as such (not "provisioning, try again
    # soon"), with what brings it back.
    none = _run(tmp_path, "endpoints", "--rehearsal")
    assert (none.returncode, none.stdout) == (3, "")
    assert none.stderr.startswith("No public address: MILVUS_DEMO is suspended")
    assert none.stderr.rstrip().endswith("'spcs-wizard resume --rehearsal' brings it back.")
    asked = _run(tmp_path, "query", "--rehearsal", demo.QUESTION)
    assert asked.returncode == 3  # needs attention, as status, endpoints and logs say
    assert "MILVUS_DEMO.PUBLIC.MILVUS is suspended" in asked.stderr
    assert "resume it first (spcs-wizard resume, with the same -c or --rehearsal" in asked.stderr
    resumed = _run(tmp_path, "resume", "--rehearsal")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[-1].startswith(
        "Resumed MILVUS_DEMO: its pools, then its services; they take a few minutes"
    )
    # Between two commands the account's time runs at the rehearsal's speed, as while
    # one runs: the resume completes with nobody watching (at real speed it took minutes).
    deadline = time.monotonic() + 90
    while (look := _run(tmp_path, "endpoints", "--rehearsal")).returncode != 0:
        assert time.monotonic() < deadline, look.stdout + look.stderr  # running, addressed
    assert _run(tmp_path, "status", "--rehearsal").stdout.startswith("MILVUS_DEMO: running")
    again = _run(tmp_path, "query", "--rehearsal", demo.QUESTION, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["hits"][0]["text"] == demo.DOCS[1]  # the rows kept

    gone = _run(tmp_path, "teardown", "--rehearsal", "--yes", "--json")
    assert gone.returncode == 0, gone.stderr
    summary = json.loads(gone.stdout.splitlines()[-1])
    assert summary["ok"] is True
    assert (len(summary["removed"]), summary["left"]) == (23, {})
    assert known(directory) == []  # the wizard's Welcome no longer lists it
    empty = _run(tmp_path, "status", "--rehearsal")
    assert empty.returncode == 3
    assert empty.stdout.splitlines() == [  # no empty tables: what there is to do
        "MILVUS_DEMO: not deployed",
        "No compute pools or services of it in the account (a teardown keeping the database "
        "leaves that): 'spcs-wizard deploy --rehearsal' makes them.",
    ]
    # Asked of a deployment that is not there: said, exit 3 (as status says it), not 1.
    nothing = _run(tmp_path, "query", "--rehearsal", demo.QUESTION)
    assert nothing.returncode == 3
    assert nothing.stderr == (
        "Error: MILVUS_DEMO.PUBLIC.MILVUS does not exist or has no endpoints: deploy first\n"
    )
    assert "Traceback" not in status.stderr + answer.stderr + gone.stderr + empty.stderr


def test_a_rehearsal_account_is_open_in_one_process_at_a_time(tmp_path: Path) -> None:
    """A second process is told which one has the account (and starts nothing); once
    that process is gone (even killed), the account opens again."""
    directory = tmp_path / "state" / "rehearsal"
    with _held_by_a_watch(tmp_path) as watch:
        second = Rehearsal(directory, registry=False, run_services=False)
        with pytest.raises(AccountInUseError) as refused:
            second.start()
        assert refused.value.holder == f"process {watch.pid}: spcs-wizard status"
        assert second.emulator is None
        command = _run(tmp_path, "status", "--rehearsal")
        assert command.returncode == 2  # nothing was done, as `rehearse` says it
        assert command.stdout == ""
        assert command.stderr == (
            f"Error: the rehearsal emulator could not start: the rehearsal account in "
            f"{directory} is open in another spcs-wizard (process {watch.pid}: spcs-wizard "
            "status); stop that command (Ctrl-C) or let it end first, then "
            "try again\n"
        )
        rehearsed = _run(tmp_path, "rehearse", "--speed", "600")
        assert rehearsed.returncode != 0
        assert f"(process {watch.pid}: spcs-wizard status)" in rehearsed.stdout
        assert "next: stop that command (Ctrl-C) or let it end first" in rehearsed.stdout
        watch.send_signal(signal.SIGKILL)  # no clean stop: the kernel lets the lock go
        watch.wait(timeout=30)
    again = Rehearsal(directory, registry=False, run_services=False)
    again.start()
    try:
        assert (directory / "in-use.lock").read_text().split()[0] == str(os.getpid())
    finally:
        again.stop()
    assert (directory / "in-use.lock").read_text() == ""  # let go: no holder named


def test_rehearsal_or_a_connection_and_what_a_missing_connection_says(tmp_path: Path) -> None:
    both = _run(tmp_path, "status", "--rehearsal", "-c", "prod")
    assert both.returncode == 2
    assert "Error: --rehearsal or --connection: one account at a time" in both.stderr
    # With no account at all, the command says where the wizard's rehearsal is.
    missing = _run(tmp_path, "status")
    assert missing.returncode == 2
    assert missing.stderr.rstrip().endswith(
        "; or, for the wizard's rehearsal account, add --rehearsal"
    )
    # Pushing images is for an account (deploy --rehearsal records them): not offered.
    assert "--rehearsal" not in _run(tmp_path, "images", "push", "--help").stdout
    pushed = _run(tmp_path, "images", "push")
    assert pushed.returncode == 2
    assert "--rehearsal" not in pushed.stderr
    assert not (tmp_path / "state" / "rehearsal").exists()  # nothing was started


def test_the_wizard_says_who_has_its_rehearsal_account_and_reaches_it_once_free(
    tmp_path: Path,
) -> None:
    """The wizard's face of the same rule: Connection names the process that has the
    rehearsal account (and offers no way on but "Try again", focused); once that
    process ends, trying again reaches the account."""
    from textual.widgets import Button, Static

    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext
    from tests.wizard_harness import text_of, until

    directory = tmp_path / "state" / "rehearsal"
    rehearsal = Rehearsal(directory, speed=600, registry=False, run_services=False)

    async def scenario() -> None:
        app = WizardApp(WizardContext(rehearsal=rehearsal), start="connection")
        with _held_by_a_watch(tmp_path) as watch:
            async with app.run_test(size=(120, 40)) as pilot:
                said = lambda: text_of(app.screen.query_one("#who", Static))  # noqa: E731
                await until(pilot, lambda: "✗" in said(), what="the problem said")
                assert f"is open in another spcs-wizard (process {watch.pid}: " in said()
                assert said().endswith(
                    "stop that command (Ctrl-C) or let it end first, then try again"
                )
                assert app.screen.query_one("#next", Button).disabled
                retry = app.screen.query_one("#retry", Button)
                assert retry.display
                await until(pilot, lambda: app.focused is retry, what="Try again focused")
                watch.kill()
                watch.wait(timeout=30)
                await pilot.press("enter")
                await until(pilot, lambda: "✓" in said(), what="reached", timeout=60)
                assert not retry.display
                assert not app.screen.query_one("#next", Button).disabled
                assert "rehearsal (" in said()
                await pilot.pause()
        rehearsal.stop()

    asyncio.run(scenario())


def test_time_runs_at_the_rehearsals_speed_while_its_emulator_is_stopped(tmp_path: Path) -> None:
    """A rehearsal's commands each run the emulator for a moment: between them its clock
    goes on at the same speed, not at real speed (a resume's pools and services took
    real minutes to start then, whoever looked)."""
    rehearsal = Rehearsal(tmp_path / "r", speed=60, registry=False, run_services=False)
    before = rehearsal.start().clock.now()
    rehearsal.stop()
    stopped = time.monotonic()
    while time.monotonic() - stopped < 1.0:  # the time whose passing is the point
        time.sleep(0.05)
    after = rehearsal.start().clock.now()
    rehearsal.stop()
    assert after - before >= 55  # a second at 60x (real speed: one second)


@pytest.mark.parametrize(
    ("holder", "advice"),
    [
        ("process 7: spcs-wizard", "quit that wizard first, then try again"),
        ("process 7: spcs-wizard tui", "quit that wizard first, then try again"),
        (
            "process 7: spcs-wizard status",
            "stop that command (Ctrl-C) or let it end first, then try again",
        ),
        ("another process", "stop that command (Ctrl-C) or let it end first, then try again"),
    ],
)
def test_what_to_do_depends_on_what_holds_the_account(holder: str, advice: str) -> None:
    refused = AccountInUseError(Path("/r"), holder)
    assert str(refused) == (
        f"the rehearsal account in /r is open in another spcs-wizard ({holder}); {advice}"
    )


def test_welcome_says_its_rehearsal_deployment_is_open_elsewhere(tmp_path: Path) -> None:
    """A deployment in the rehearsal account, which another process has open: Welcome's
    row says so (it stayed "looking…" for ever); picked up, Connection says who has it,
    and once that process ends, "Try again" goes on where the deployment stopped (it
    stayed on Connection)."""
    from textual.widgets import DataTable, Static

    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext
    from spcs_wizard.tui.screens.monitor import MonitorScreen
    from tests.wizard_harness import deployed_rehearsal, notes, table_text, text_of, until

    directory = tmp_path / "state" / "rehearsal"
    made, _ = deployed_rehearsal(directory)
    made.stop()

    async def scenario() -> None:
        app = WizardApp(WizardContext(rehearsal=Rehearsal(directory, registry=False)))
        with _held_by_a_watch(tmp_path) as watch:
            async with app.run_test(size=(120, 40)) as pilot:
                await until(pilot, lambda: bool(app.screen.query("#known")), what="the list")
                table = app.screen.query_one("#known", DataTable)
                await until(pilot, lambda: "open elsewhere" in table_text(table), what="said")
                assert "MILVUS_DEMO | rehearsal |" in table_text(table)
                table.focus()
                await pilot.press("enter")  # picked up: to Connection, which cannot reach it
                await until(pilot, lambda: bool(app.screen.query("#retry")), what="connection")
                who = app.screen.query_one("#who", Static)
                await until(pilot, lambda: "open in another" in text_of(who), what="who")
                assert not any("connecting" in m for m in notes(app))  # superseded: gone
                watch.kill()
                watch.wait(timeout=30)
                retry = app.screen.query_one("#retry")
                await until(pilot, lambda: app.focused is retry, what="Try again focused")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="on")
                await pilot.pause()

    asyncio.run(scenario())
