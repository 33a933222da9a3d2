"""Shared test setup."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.tui.context import WizardContext

# sqlglot logs a warning for every Snowflake statement it parses as a generic Command;
# the tests check the parse results themselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Caches (css_cache's parsed styles) in this run's own folder, not the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="spcs-wizard-test-cache-")

ADMIN_PASSWORD = "emulator-admin-Pw1"  # a test credential of a throwaway local emulator


def _running_emulator(state_dir: Path, **settings: bool) -> Iterator[Emulator]:
    emu = Emulator(
        EmulatorSettings(state_dir=state_dir, admin_password=ADMIN_PASSWORD, **settings), Faults()
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """An SPCS emulator on a free 127.0.0.1 port, state in a temporary directory."""
    yield from _running_emulator(tmp_path / "emulator")


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator that runs no Milvus Lite, for tests about the control plane (SQL,
    grants, the engine's steps); state in a temporary directory."""
    yield from _running_emulator(tmp_path / "emu", run_services=False)


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CryptFileKeyring]:
    """keyrings.cryptfile's encrypted file backend, its file in a temporary directory."""
    backend = CryptFileKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    backend.keyring_key = "unlock-the-test-keyring"
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No keyring that can keep secrets: a rehearsal keeps its attendees' passwords in
    memory for the run (and never asks for a keyring's own password)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (the order is otherwise kept): xdist hands the rest out as
    workers free up, so no long test is left to end the run alone on one worker."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def _processes_mentioning(text: str) -> dict[int, str]:
    """Live processes (other than this one) whose command line contains ``text``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        if text in command and state != "Z":
            found[int(entry.name)] = command
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Nothing the tests started outlives the suite: every process whose command line
    names this run's temporary directory (registries, Milvus Lite, podman) must be gone.
    Ends them and fails the run when one is not (a leak is a bug, e.g. a child left
    running when its emulator was killed)."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or getattr(factory, "_basetemp", None) is None:
        return
    base = str(factory.getbasetemp())
    deadline = time.monotonic() + 15
    left = _processes_mentioning(base)
    while left and time.monotonic() < deadline:  # a child may be finishing its shutdown
        time.sleep(0.2)
        left = _processes_mentioning(base)
    if not left:
        return
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    report = "\n".join(f"  {pid}: {command[:200]}" for pid, command in sorted(left.items()))
    session.config.get_terminal_writer().line(
        f"processes started by the tests were still running after the suite:\n{report}",
        red=True,
    )
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
