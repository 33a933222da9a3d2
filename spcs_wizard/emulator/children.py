"""Processes the emulator starts (docker-registry, Milvus Lite, a gateway container):
what they inherit, when they serve, and how they end.

A child gets only the environment it needs: never the emulator's administrator password,
a keyring's password, or variables such as REGISTRY_AUTH_FILE that docker-registry reads
as its own settings. On Linux it is also told to stop when the emulator dies, even by
SIGKILL (PR_SET_PDEATHSIG), so nothing is left running, orphaned, after a crash.

That signal comes when the *thread* that started the child ends, not the process
(prctl(2): "the parent thread"). So every child is started from one thread that lives as
long as the process: a registry started from a short-lived thread (a wizard's look at
its deployments) was killed as that thread ended, and the emulator failed after it.

The child asks for the signal itself, once it runs (a few lines of Python that then
exec the program), not between fork and exec: Popen's ``preexec_fn`` runs Python in
the forked copy of a process with many threads, and about one gateway in a hundred
started that way died at once of SIGABRT, with nothing written, under parallel tests
(the deploy's wait then read it FAILED).
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# What a child process may see of ours: where programs are, locale and time zone, the
# temporary directory, the virtual environment, and the numeric libraries' settings
# (OpenBLAS is told how to behave on some processors here).
_KEPT = ("PATH", "HOME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH")
_KEPT_PREFIXES = ("LC_", "OPENBLAS_", "OMP_")
# Where a child's port is drawn from, up to the ephemeral range: above the well-known
# ports of the servers a machine may run (Milvus' 19530, a notebook's 8888, 8080, 5000).
PORTS_FROM = 20000


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items() if k in _KEPT or k.startswith(_KEPT_PREFIXES)}


# Run first in the child (after exec, so no lock of ours is held in it): ask to be sent
# SIGTERM when the parent thread ends; end at once if the parent is gone already (it
# died before the ask: the child was handed to another process); then become the
# program, same process, same pid.
_DIE_WITH_PARENT = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None).prctl(1, 15, 0, 0, 0)\n"  # PR_SET_PDEATHSIG, SIGTERM
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execv(sys.argv[2], sys.argv[3:])\n"
)


def dying_with_parent(args: Sequence[str]) -> list[str]:
    """``args``, run so that the child ends when the thread starting it does (Linux;
    elsewhere as they are). -I -S: no environment or site packages read, a quick start."""
    if not sys.platform.startswith("linux"):
        return list(args)
    program = shutil.which(args[0])
    if program is None:  # said here, as Popen says it, not by the child after it started
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), args[0])
    return [sys.executable, "-I", "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), program, *args]


_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def spawn(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **kwargs)`` with only the environment a child needs and
    told to die with this process, started from the process's one spawning thread."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:  # one idle thread for the life of the process
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spcs-spawner")
    kwargs.setdefault("env", child_environment())
    return _spawner.submit(subprocess.Popen, dying_with_parent(args), **kwargs).result()


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """End a child: SIGTERM, then SIGKILL if it has not ended within ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ephemeral_ports() -> tuple[int, int]:
    """The range the kernel picks a connection's own port from (Linux's default if it
    cannot be read)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now, for a child to listen on.

    It is drawn at random from below the ephemeral range, not asked of the kernel (bind
    to 0): a port the kernel hands out there goes next to any connection or ``bind(0)``
    of any process, so in the moment before the child listens another process may take
    it, and a probe of the port would reach that listener and take it for the child's.
    (A precaution: the gateway that died under parallel tests died of its start, see
    the module's note, not of a taken port.)"""
    low, _ = ephemeral_ports()
    draw = random.SystemRandom()  # not the tests' seeded ``random``: workers would agree
    for _ in range(64):
        port = draw.randint(PORTS_FROM, max(PORTS_FROM, low - 1))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a machine whose ports below are all taken
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepting(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    """Whether the child accepts connections on ``port`` of 127.0.0.1 within ``timeout``
    (tried once with ``timeout`` 0; False at once if it has ended): the readiness of a
    server it runs."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:  # one try at least, even with no time to wait
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
    return False
