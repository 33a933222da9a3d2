"""The installed command in a real terminal (tmux): prompts, masked secrets, confirmation,
and what stays in the scrollback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.terminal import Terminal
from tests.test_engine_cli import fast  # noqa: F401 - the fast emulator fixture

COMMAND = str(Path(sys.executable).with_name("spcs-wizard"))
TYPED = {"user": "Typed-user-Pw-7", "notebook": "Typed-notebook-Pw-8"}


def deploy_in_a_terminal(env: dict[str, str]) -> None:
    deploy = Terminal([COMMAND, "deploy"], env)
    try:
        deploy.wait_for("Deployed CLI_MILVUS_DEMO", timeout=90)
    finally:
        deploy.close()


def test_deploy_asks_for_secrets_without_showing_them(fast) -> None:  # noqa: F811
    _, env = fast
    env = {k: v for k, v in env.items() if not k.startswith("SPCS_WIZARD_SECRET_")}
    term = Terminal([COMMAND, "deploy"], env)
    try:
        for prompt, secret in (
            ("Password of the milvus user:", TYPED["user"]),
            ("Password protecting the notebook:", TYPED["notebook"]),
        ):
            term.wait_for(prompt)
            term.type(secret)
            term.send("Enter")
            term.wait_for("Once more, to confirm:")
            term.type(secret)
            term.send("Enter")
        screen = term.wait_for("Deployed CLI_MILVUS_DEMO", timeout=90)
        assert "✓ user" in screen
        scrollback = term.screen(history=True)
        assert TYPED["user"] not in scrollback
        assert TYPED["notebook"] not in scrollback
    finally:
        term.close()


def test_teardown_offers_existing_connections_and_asks_before_removing(fast) -> None:  # noqa: F811
    _, env = fast
    deploy_in_a_terminal(env)
    env = {k: v for k, v in env.items() if k != "SPCS_WIZARD_CONNECTION"}
    term = Terminal([COMMAND, "teardown", "-c", "nope"], env)
    try:
        term.wait_for("There is no connection named 'nope'. Use which one?")
        assert "rehearsal" in term.screen()
        term.send("Enter")
        term.wait_for("Remove these")
        listed = term.screen(history=True)
        assert "DROP COMPUTE POOL IF EXISTS CLI_MILVUS_COMPUTE_POOL" in listed
        said = "".join(listed.split())  # wrapped at 80 columns, even mid-word
        # The block volume is the service's; suspending is the way to keep it.
        assert "Milvus'datagowithitsservice(tokeepthem,'spcs-wizardsuspend'instead" in said
        assert "Thedatabase,itsstagesandimagesgotoo." in said
        term.send("y")
        term.wait_for("Removed", timeout=60)
    finally:
        term.close()


def test_status_watch_refreshes_in_place_and_shows_a_failure(fast) -> None:  # noqa: F811
    emu, env = fast
    deploy_in_a_terminal(env)
    term = Terminal([COMMAND, "status", "--watch", "--interval", "1"], env, width=160)
    try:
        term.wait_for("RUNNING")
        assert "FAILED" not in term.screen()
        assert term.screen().splitlines()[0].startswith("every 1 s · Ctrl-C stops watching")
        emu.fail_service("CLI_MILVUS_DEMO.PUBLIC.MILVUS")
        screen = term.wait_for("FAILED", timeout=30)  # within a few refreshes
        assert "Container exited with code 1" in screen
        term.send("C-c")
    finally:
        term.close()


def test_the_wizard_in_a_real_terminal(tmp_path: Path) -> None:
    """``spcs-wizard`` alone on a terminal starts the wizard in rehearsal mode; typing
    through the first screens works as a person would see it, at 80x24."""
    env = {"SPCS_WIZARD_HOME": str(tmp_path / "state"), "TERM": "xterm-256color"}
    term = Terminal(["sh", "-c", f"{COMMAND}; echo wizard-exited-$?"], env, width=80, height=24)
    try:
        term.wait_for("Where to deploy", timeout=60)
        # The cost estimate comes on the first screen, once the model is loaded after its
        # first frame.
        term.wait_for("CPU_X64_S", timeout=30)
        term.send("C-n")
        term.wait_for("logged in as ADMIN with role ACCOUNTADMIN", timeout=60)
        term.send("C-n")
        term.wait_for("Names in the account")
        term.type("bob")
        screen = term.wait_for("BOB_MILVUS_DEMO")
        assert "BOB_MILVUS_ROLE" in screen
        term.send("C-n")
        term.wait_for("steps for BOB_MILVUS_DEMO")
        term.send("C-q")
        # Quitting stops the rehearsal emulator and gives the terminal back: exit 0, and
        # nothing (no traceback, no library warning) printed over it.
        after = term.wait_for("wizard-exited-0", timeout=30)
        assert "Traceback" not in after
        assert "WARNING" not in after
    finally:
        term.close()


@pytest.mark.long
def test_quit_mid_deploy_and_restart_into_the_resumed_job(tmp_path: Path) -> None:
    """Left while it waits for a pool (the rehearsal at real speed: 90 s), the deploy is
    cut short; the next start lists the deployment as cut short, says so, and Enter on
    its row lands on Deploy with the record shown and Resume focused; Enter finishes it."""
    env = {"SPCS_WIZARD_HOME": str(tmp_path / "state"), "TERM": "xterm-256color"}

    def palette(term: Terminal, entry: str) -> None:
        term.send("C-p")
        term.wait_for("Search for commands")
        term.type(entry)
        term.wait_for(entry)
        term.send("Enter")

    first = Terminal(["sh", "-c", f"{COMMAND} tui --speed 1; echo wizard-exited-$?"], env)
    try:
        first.wait_for("Where to deploy")
        first.send("C-n")
        first.wait_for("logged in as ADMIN with role ACCOUNTADMIN")
        palette(first, "Go to: Deploy")
        first.wait_for("what it does")  # Deploy's checklist
        palette(first, "Deploy (or retry)")
        first.wait_for("wait-pool-milvus 0:0", timeout=60)  # the strip: in the pool's wait
        first.send("C-q")
        first.wait_for("Leave it and quit")
        first.send("Tab", "Tab", "Enter")  # past Cancel and Stop: Leave
        after = first.wait_for("wizard-exited-0", timeout=30)
        assert "Cut short now (the rehearsal's emulator stops with the wizard): Deploy" in after
    finally:
        first.close()

    again = Terminal(["sh", "-c", f"{COMMAND} tui --speed 600; echo wizard-exited-$?"], env)
    try:
        screen = again.wait_for("partly, cut short")
        assert "MILVUS_DEMO" in screen
        again.wait_for("cut short at")  # the notice, with the step
        again.wait_for("wait-pool-milvus")
        again.send("Enter")  # the list has the focus: pick it up
        again.wait_for("Earlier runs:", timeout=60)
        said = " ".join(again.wait_for("Resume deploy").split())  # as one line, unwrapped
        assert "cut short at wait-pool-milvus" in said
        again.send("Enter")  # Resume deploy has the focus
        again.wait_for("35/35 steps done", timeout=120)
        again.send("C-q")
        assert "Traceback" not in again.wait_for("wizard-exited-0", timeout=30)
    finally:
        again.close()
