"""``spcs-wizard emulator`` as a separate process, reached by the real connector."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
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
    if proc.poll() is None:  # stopped as a service manager would: it ends its children
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
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
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()  # stop ran twice once: server_close on None


def test_children_end_with_the_emulator_even_when_it_is_killed(running) -> None:
    """SIGKILL leaves no handler to run: the registry must still end (PR_SET_PDEATHSIG),
    and it sees none of the emulator's secrets in its environment."""
    proc, _, _ = running
    registry = [
        pid
        for pid, command in _children_of(proc.pid).items()
        if "docker-registry" in command or "registry serve" in command
    ]
    assert registry, "the emulator runs a registry here (docker-registry is installed)"
    environ = Path(f"/proc/{registry[0]}/environ").read_bytes().split(b"\0")
    names = {item.split(b"=", 1)[0].decode() for item in environ if item}
    assert "SPCS_WIZARD_EMULATOR_PASSWORD" not in names
    assert not {n for n in names if n.startswith(("REGISTRY_", "KEYRING_"))}
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(registry[0]) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the end of a process: no event to wait on
    assert not _alive(registry[0]), "the registry outlived its emulator"


def _alive(pid: int) -> bool:
    """Running (a zombie has ended; it only waits to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def _children_of(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().split(") ", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found[int(entry.name)] = command
    return found


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
