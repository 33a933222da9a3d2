"""One process at a time on a rehearsal account.

The emulator keeps its account in memory and writes it back to its directory after each
change: two processes on one directory would each write their own account over the
other's (a deploy in one, lost by a look in the other). So a rehearsal takes an exclusive
lock on its directory while its emulator runs, and a second process is told which one
holds it instead of starting.

The lock is the kernel's (``flock``): it goes with the process, also one killed with
SIGKILL, so a stale lock file is never in the way. The file holds the holder's process id
and command, for the message.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

LOCK_NAME = "in-use.lock"


class AccountInUseError(OSError):
    """Another process has this rehearsal account open."""

    def __init__(self, directory: Path, holder: str) -> None:
        self.directory = directory
        self.holder = holder
        self.what = (
            f"the rehearsal account in {directory} is open in another spcs-wizard ({holder})"
        )
        self.next = (
            "quit that wizard first, then try again"
            if holder.endswith(("spcs-wizard", "spcs-wizard tui"))
            else "stop that command (Ctrl-C) or let it end first, then try again"
        )
        super().__init__(f"{self.what}; {self.next}")


class AccountLock:
    """The exclusive lock on one rehearsal account's directory (POSIX; elsewhere, none)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``AccountInUseError`` naming the process that has it."""
        if self._fd is not None:
            return
        try:
            import fcntl
        except ImportError:  # not POSIX: nothing to lock with
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise AccountInUseError(self.directory, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {_command()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor lets the lock go


def _holder(fd: int) -> str:
    """ "process 1234: spcs-wizard tui", as the holder wrote it (or what is known)."""
    with contextlib.suppress(OSError):
        pid, _, command = os.pread(fd, 4096, 0).decode(errors="replace").strip().partition(" ")
        if pid.isdigit():
            return f"process {pid}: {command}" if command else f"process {pid}"
    return "another process"


def _command() -> str:
    """What this process is, in a few words: the program and its subcommand."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    words = ["spcs-wizard" if program == "__main__.py" else program]  # python -m spcs_wizard
    words += [a for a in sys.argv[1:3] if not a.startswith("-")][:1]
    return " ".join(words)
