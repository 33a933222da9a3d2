"""The emulator across restarts and drops: the emulated clock goes on, dropped
repositories lose their images, and only its own account name logs in."""

from __future__ import annotations

from pathlib import Path

import pytest
import snowflake.connector
from snowflake.connector.errors import DatabaseError

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, rows


def started(state: Path, speed: float = 1.0) -> Emulator:
    e = Emulator(
        EmulatorSettings(
            state_dir=state, admin_password=ADMIN_PASSWORD, speed=speed, run_services=False
        ),
        Faults(),
    )
    e.start()
    return e


def test_a_restart_keeps_the_emulated_clock(tmp_path: Path) -> None:
    """Saved events carry emulated times; a restart that started the clock over at real
    time left pools STARTING for minutes."""
    first = started(tmp_path / "emu")
    try:
        with connect(first) as con:
            cur = con.cursor()
            cur.execute("CREATE COMPUTE POOL P MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
            first.clock.advance(first.settings.pool_start_secs + 1)
            cur.execute("SHOW DATABASES")  # any statement saves the account
            assert rows(con, "DESCRIBE COMPUTE POOL P")[0]["state"] == "IDLE"
        before = first.clock.now()
    finally:
        first.stop()
    second = started(tmp_path / "emu")
    try:
        assert second.clock.now() >= before
        with connect(second) as con:
            assert rows(con, "DESCRIBE COMPUTE POOL P")[0]["state"] == "IDLE"
    finally:
        second.stop()


def test_dropping_a_repository_drops_its_images(emulator: Emulator) -> None:
    emulator.add_image("db1/public/repo", "app", "v1", "sha256:" + "c" * 64)
    with connect(emulator, role="SYSADMIN") as con:
        cur = con.cursor()
        cur.execute("CREATE DATABASE DB1")
        cur.execute("CREATE IMAGE REPOSITORY REPO")
        assert len(rows(con, "SHOW IMAGES IN IMAGE REPOSITORY REPO")) == 1
        cur.execute("DROP IMAGE REPOSITORY REPO")
        cur.execute("CREATE IMAGE REPOSITORY REPO")
        assert rows(con, "SHOW IMAGES IN IMAGE REPOSITORY REPO") == []
    emulator.add_image("db1/public/repo", "app", "v2", "sha256:" + "d" * 64)
    with connect(emulator, role="SYSADMIN") as con:
        con.cursor().execute("DROP DATABASE DB1")
        con.cursor().execute("CREATE DATABASE DB1")
        con.cursor().execute("CREATE IMAGE REPOSITORY DB1.PUBLIC.REPO")
        assert rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO") == []


@pytest.mark.parametrize("account", ["someone-else", "rehearsal-locals", "local"])
def test_only_its_own_account_name_logs_in(emulator: Emulator, account: str) -> None:
    args = emulator.connect_args(account=account, login_timeout=10)
    with pytest.raises(DatabaseError, match="no account"):
        snowflake.connector.connect(**args)
    with connect(emulator, account="REHEARSAL_LOCAL") as con:  # _ and - name the same
        assert rows(con, "SELECT CURRENT_ACCOUNT_NAME()")[0]["CURRENT_ACCOUNT_NAME()"] == "LOCAL"
