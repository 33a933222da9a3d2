"""Shared test setup."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.tui.context import WizardContext

# sqlglot logs a warning for every Snowflake statement it parses as a generic Command;
# the tests check the parse results themselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

ADMIN_PASSWORD = "emulator-admin-Pw1"  # a test credential of a throwaway local emulator


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """An SPCS emulator on a free 127.0.0.1 port, state in a temporary directory."""
    emu = Emulator(
        EmulatorSettings(state_dir=tmp_path / "emulator", admin_password=ADMIN_PASSWORD), Faults()
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def deployed_wizard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Rehearsal, WizardContext]]:
    """A rehearsal with the whole deployment made and its endpoints assigned, and the
    wizard's context for it (state in a temporary directory)."""
    from tests.wizard_harness import deployed_rehearsal

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    rehearsal, context = deployed_rehearsal(tmp_path / "rehearsal")
    yield rehearsal, context
    rehearsal.stop()
