"""The ``spcs-wizard`` command's entry (cli/entry.py): alone or as ``tui`` on a terminal
with no settings given, it starts the wizard without importing Click, exactly as the
``tui`` command would start it; anything else is the command line, as before. The wizard
itself is not run here (its start is recorded): the wizard's own tests drive it, and
tests/test_terminal.py runs the bare command in tmux."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spcs_wizard.cli import entry, wizard_start

ROOT = Path(__file__).resolve().parents[1]

# A fresh interpreter (what it imports is the point): the terminal check passes, the
# wizard's start is recorded, not run.
RECORDED = """
import json, sys
import spcs_wizard.cli.wizard_start as wizard_start
wizard_start.interactive = lambda: True
started = []
def start_wizard(deployment, from_draft, connection, refresh, speed, given):
    started.append([deployment is not None, from_draft, connection, refresh, speed, given])
wizard_start.start_wizard = start_wizard
from spcs_wizard.cli.entry import main
code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "started": started, "click": "click" in sys.modules}))
"""


def started(args: list[str], tmp_path: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPCS_WIZARD_")}
    out = subprocess.run(
        [sys.executable, "-c", RECORDED, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean | {"SPCS_WIZARD_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)} | env,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [[], ["tui"]])
def test_alone_on_a_terminal_the_wizard_starts_without_click(
    args: list[str], tmp_path: Path
) -> None:
    result = started(args, tmp_path, SPCS_WIZARD_CONNECTION="myconn")
    assert result == {
        "code": 0,
        "started": [
            [False, False, "myconn", 5.0, 30.0, "$SPCS_WIZARD_CONNECTION"]
        ],  # as -c reads it
        "click": False,
    }
    assert started(args, tmp_path)["started"] == [[False, False, None, 5.0, 30.0, ""]]  # rehearsal


def test_with_settings_around_the_command_line_checks_them_first(tmp_path: Path) -> None:
    """A settings variable (or file) is checked by the command line before the wizard
    starts: the deployment it gives is what the wizard starts with."""
    by_env = started([], tmp_path, SPCS_WIZARD_WAREHOUSE__SIZE="SMALL")
    assert by_env["click"] is True
    assert by_env["started"] == [[True, False, None, 5.0, 30.0, ""]]
    (tmp_path / "spcs-wizard.toml").write_text('prefix = "ALICE_"\n')
    by_file = started(["tui"], tmp_path, SPCS_WIZARD_CONNECTION="myconn")
    assert by_file["click"] is True
    # The bare command reads its -c from the environment too, as `tui` does.
    assert by_file["started"] == started([], tmp_path, SPCS_WIZARD_CONNECTION="myconn")["started"]
    assert by_file["started"] == [[True, False, "myconn", 5.0, 30.0, "$SPCS_WIZARD_CONNECTION"]]
    by_flag = started(["tui", "-c", "other"], tmp_path, SPCS_WIZARD_CONNECTION="myconn")
    assert by_flag["started"] == [[True, False, "other", 5.0, 30.0, "-c"]]  # -c wins, said so


def test_anything_else_is_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(wizard_start, "interactive", lambda: True)
    assert entry.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("spcs-wizard, version")
    assert entry.main(["tui", "--refresh", "0"]) == 2  # an option: Click reads and checks it
    assert "--refresh" in capsys.readouterr().err
    monkeypatch.setattr(wizard_start, "interactive", lambda: False)
    assert entry.main([]) == 0  # no terminal: the help, as before
    assert "Usage: spcs-wizard" in capsys.readouterr().out
