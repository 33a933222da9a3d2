"""``spcs-wizard emulator`` as a separate process, reached by the real connector."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import snowflake.connector
from snowflake.connector.errors import ProgrammingError

COMMAND = Path(sys.executable).with_name("spcs-wizard")
PASSWORD = "cli-emulator-Pw1"  # throwaway credential of a test emulator


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    faults = tmp_path / "faults.toml"
    faults.write_text(
        '[[statement]]\nmatch = "CREATE ROLE DOOMED"\ncode = 390144\n'
        'sqlstate = "08001"\nmessage = "Injected from the file."\n'
    )
    env = {**os.environ, "SPCS_WIZARD_EMULATOR_PASSWORD": PASSWORD}
    proc = subprocess.Popen(
        [
            str(COMMAND),
            "emulator",
            "--port",
            "0",
            "--speed",
            "50",
            "--state-dir",
            str(tmp_path / "state"),
            "--faults",
            str(faults),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # printed once the socket listens: the readiness signal
    match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", first)
    assert match, f"unexpected output: {first!r} {proc.stderr.read() if proc.stderr else ''}"
    yield proc, int(match.group(1)), tmp_path
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_emulator_command_serves_the_connector_and_stops_on_sigterm(running) -> None:
    proc, port, _ = running
    con = snowflake.connector.connect(
        account="rehearsal-local",
        user="ADMIN",
        password=PASSWORD,
        host="127.0.0.1",
        port=port,
        protocol="http",
    )
    cur = con.cursor()
    cur.execute("SELECT CURRENT_ACCOUNT_NAME(), CURRENT_ORGANIZATION_NAME()")
    assert cur.fetchone() == ("LOCAL", "REHEARSAL")
    with pytest.raises(ProgrammingError) as caught:
        cur.execute("CREATE ROLE DOOMED")
    assert caught.value.errno == 390144
    assert "Injected from the file" in caught.value.msg
    con.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def test_first_start_without_a_password_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SPCS_WIZARD_EMULATOR_PASSWORD"}
    result = subprocess.run(
        [str(COMMAND), "emulator", "--port", "0", "--state-dir", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SPCS_WIZARD_EMULATOR_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_port_is_reported_clearly(running, tmp_path: Path) -> None:
    _, port, _ = running
    env = {**os.environ, "SPCS_WIZARD_EMULATOR_PASSWORD": PASSWORD}
    result = subprocess.run(
        [str(COMMAND), "emulator", "--port", str(port), "--state-dir", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another --port" in result.stderr
