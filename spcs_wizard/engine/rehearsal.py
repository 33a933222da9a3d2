"""Rehearsal mode: the whole flow against a local SPCS emulator, no account needed.

The emulator runs in this process on a free 127.0.0.1 port with its state in
``<state home>/rehearsal`` (so a rehearsal deployment survives a restart of the wizard
and can be torn down later). Its administrator gets a new random password on every
start, held in memory only. Pools and services move through their states ``speed``
times faster than in a real account. With Debian's docker-registry installed, the
account's image registry is real and images can be built and pushed for real;
otherwise (or when asked) images are recorded as pushed without a build.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.engine.account_lock import AccountInUseError, AccountLock
from spcs_wizard.paths import state_home

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection

    from spcs_wizard.emulator.server import Emulator
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.step import Step

DEFAULT_SPEED = 30.0
SERVING_WAIT_SECS = 60.0  # Milvus Lite starts in seconds; a loaded machine takes longer


def rehearsal_home() -> Path:
    return state_home() / "rehearsal"


@dataclass
class Rehearsal:
    directory: Path = field(default_factory=rehearsal_home)
    speed: float = DEFAULT_SPEED
    registry: bool | None = None  # None: when docker-registry is installed
    network_timeout: float = 30.0  # seconds before a request to the emulator gives up
    # Milvus Lite behind each running Milvus service (False: the control plane alone, for
    # many deployments at once where nobody asks Milvus anything).
    run_services: bool = True
    emulator: Emulator | None = None
    # Two threads may start it at once (the wizard's look at its deployments, Connection).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # The connections ``connect`` made, closed by ``stop`` if they are still open then.
    _connections: weakref.WeakSet[SnowflakeConnection] = field(
        default_factory=weakref.WeakSet, repr=False, compare=False
    )
    # Held while the emulator runs: one process at a time on this account.
    _lock_file: AccountLock | None = field(default=None, repr=False, compare=False)

    def start(self) -> Emulator:
        with self._lock:
            return self._start()

    def _start(self) -> Emulator:
        if self.emulator is not None:
            return self.emulator
        self._lock_file = self._lock_file or AccountLock(self.directory)
        self._lock_file.acquire()  # raises AccountInUseError, naming the process
        try:
            return self._start_emulator()
        except BaseException:
            self._lock_file.release()
            raise

    def _start_emulator(self) -> Emulator:
        # The emulator's modules (its server, registry, spec validation) are imported only
        # here: a rehearsal is made at the wizard's start to find its deployments, and
        # most starts never start one (a fifth of a second of work, docs/performance.md).
        from spcs_wizard.emulator.faults import Faults
        from spcs_wizard.emulator.registry import find_registry_binary
        from spcs_wizard.emulator.server import Emulator
        from spcs_wizard.emulator.settings import EmulatorSettings

        password = secrets.token_urlsafe(24)
        settings = EmulatorSettings(
            state_dir=self.directory / "account",
            admin_password=password,
            speed=self.speed,
            registry=self.registry if self.registry is not None else bool(find_registry_binary()),
            run_services=self.run_services,
        )
        emulator = Emulator(settings, Faults())
        emulator.reset_admin_password(password)  # an earlier run's account: same new password
        emulator.start("127.0.0.1", 0)
        self.emulator = emulator
        return emulator

    def stop(self) -> None:
        """Stop the emulator; the connections to it still open are closed first: one with
        a statement still running (a look in a thread the wizard left when it closed)
        would have the connector's cancel timer fail against the stopped emulator, in a
        thread of its own."""
        with self._lock:
            still_open = list(self._connections)
            self._connections.clear()
        for con in still_open:
            with contextlib.suppress(Exception):  # a connection already broken: let it be
                con.close()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self._lock_file is not None:
            self._lock_file.release()

    def until_serving(self, timeout: float = SERVING_WAIT_SECS) -> bool:
        """Wait until the Milvus services that run serve again: the emulator starts
        their processes with it, so a command that asks Milvus right after starting the
        rehearsal waits for that (False: one still did not serve within ``timeout``)."""
        if not self.run_services:
            return True
        return self.started.runtime.until_serving(timeout)

    def connect(self) -> SnowflakeConnection:
        """A connection to the started emulator (closed by ``stop`` if still open)."""
        import snowflake.connector

        con = snowflake.connector.connect(**self.connect_args())
        with self._lock:
            self._connections.add(con)
        return con

    @property
    def account(self) -> str:
        return self.started.settings.account_identifier

    @property
    def started(self) -> Emulator:
        if self.emulator is None:
            raise RuntimeError("the rehearsal emulator is not started")
        return self.emulator

    def connect_args(self) -> dict[str, Any]:
        return self.started.connect_args(network_timeout=self.network_timeout)

    @property
    def has_registry(self) -> bool:
        return bool(self.started.settings.registry_host)

    def builder_env(self) -> dict[str, str]:
        """podman settings for the emulator's plain-HTTP registry on 127.0.0.1: marked
        insecure in a registries.conf of our own, with a login file of our own (the
        user's own podman/docker configuration is left untouched)."""
        host = self.started.settings.registry_host
        conf = self.directory / "registries.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n', encoding="utf-8")
        return {
            "CONTAINERS_REGISTRIES_CONF": str(conf),
            "REGISTRY_AUTH_FILE": str(self.directory / "registry-auth.json"),
        }

    def record_image(self, deployment: Deployment, step: Step, context_dir: Path) -> str:
        """Images without a build: record the image as pushed, with a digest derived from
        its build context so a changed context gives a new digest."""
        from spcs_wizard.model.registry import repository_path

        svc = deployment.image(step.id.removeprefix("image-"))
        digest = "sha256:" + context_digest(context_dir / svc.image)
        self.started.add_image(repository_path(deployment), svc.image, svc.tag, digest)
        return digest


def why_not_started(rehearsal: Rehearsal, exc: OSError, home_hint: str) -> tuple[str, str]:
    """What to say when the rehearsal's emulator did not start, and what to do next."""
    if isinstance(exc, AccountInUseError):
        return exc.what, exc.next
    return (
        f"cannot keep the rehearsal account in {rehearsal.directory}: {exc}",
        f"choose a directory this user can write ({home_hint})",
    )


def context_digest(directory: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        sha.update(str(path.relative_to(directory)).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()
