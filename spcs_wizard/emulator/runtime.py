"""Runs the Milvus service for real: while a service whose image is the Milvus image is
RUNNING, a Milvus Lite gRPC server (``python -m milvus_lite server``) serves it on
127.0.0.1, so rehearsals can talk to "the deployed Milvus" end to end.

When the specification mounts a block (or stage) volume in the Milvus container, its
data lives in that volume's directory under the emulator's state, so it survives a
service restart, suspend/resume, upgrade or an emulator restart; without one, the data
is the container's and is lost when it stops, as in SPCS. A reconciler thread starts
and stops the processes as the service's state changes on the emulated clock.

The emulator-only function ``SYSTEM$SPCS_EMULATOR_ENDPOINT('<service>', '<endpoint>')``
returns ``127.0.0.1:<port>`` for a served endpoint (NULL otherwise); Snowflake has no such
function: a real deployment is reached through its ingress URL.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator import lifecycle
from spcs_wizard.emulator.children import spawn

if TYPE_CHECKING:
    from spcs_wizard.emulator.catalog import Account, Obj
    from spcs_wizard.emulator.clock import Clock
    from spcs_wizard.emulator.settings import EmulatorSettings

MILVUS_IMAGE = "milvus"
MILVUS_GRPC_PORT = 19530


def _image_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def milvus_container(svc: Obj) -> dict[str, Any] | None:
    spec = (svc.props.get("SPEC_DATA") or {}).get("spec") or {}
    for container in spec.get("containers") or []:
        if _image_name(str(container.get("image", ""))) == MILVUS_IMAGE:
            return container
    return None


def data_dir(state_dir: Path, svc: Obj) -> tuple[Path, bool]:
    """Where this Milvus keeps its data, and whether that outlives a restart.

    A block (or stage) volume mounted in the Milvus container persists, as in SPCS; with
    no such volume the data lives in the container and is lost when it restarts, which
    is what the guide's specification did.
    """
    spec = (svc.props.get("SPEC_DATA") or {}).get("spec") or {}
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    for mount in (milvus_container(svc) or {}).get("volumeMounts") or []:
        source = str(volumes.get(mount.get("name"), {}).get("source", ""))
        if source == "block" or source.startswith("@"):
            parts = (*(p.lower() for p in svc.name), str(mount.get("name")))
            return state_dir.joinpath("volumes", *parts), True
    return state_dir.joinpath("ephemeral", *(p.lower() for p in svc.name)), False


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    data: Path
    persistent: bool
    started_at: float | None  # the service's STARTED_AT when this process began serving it


class ServiceRuntime:
    def __init__(self, account: Account, clock: Clock, settings: EmulatorSettings) -> None:
        self.account = account
        self.clock = clock
        self.settings = settings
        self.served: dict[str, Served] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="spcs-runtime")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for fqn in list(self.served):
                self._halt(fqn)

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.reconcile()

    def wanted(self) -> dict[str, Obj]:
        """Milvus services whose containers are READY now."""
        now = self.clock.now()
        with self.account.lock:
            found = {}
            for svc in self.account.of_kind("SERVICE"):
                if milvus_container(svc) is None:
                    continue
                state = lifecycle.service_state(self.account, svc, now, self.settings)
                if state.status == "RUNNING":
                    found[svc.fqn] = svc
            return found

    def reconcile(self) -> None:
        wanted = self.wanted()
        with self._lock:
            for fqn in list(self.served):
                served = self.served[fqn]
                if (
                    fqn not in wanted
                    or served.process.poll() is not None
                    # started again since (an upgrade, a resume): its container restarted,
                    # even when no reconcile saw it between stop and start
                    or wanted[fqn].props.get("STARTED_AT") != served.started_at
                ):
                    self._halt(fqn)
            for fqn, svc in wanted.items():
                if fqn not in self.served:
                    self._serve(svc)

    def _serve(self, svc: Obj) -> None:
        data, persistent = data_dir(self.settings.state_dir, svc)
        if not persistent:
            shutil.rmtree(data, ignore_errors=True)  # a new container starts empty
        data.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        log = (data.parent / "milvus-lite.log").open("ab")
        process = spawn(
            [
                sys.executable,
                "-m",
                "milvus_lite",
                "server",
                "--data-dir",
                str(data),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.served[svc.fqn] = Served(process, port, data, persistent, svc.props.get("STARTED_AT"))

    def _halt(self, fqn: str) -> None:
        served = self.served.pop(fqn)
        if served.process.poll() is None:
            served.process.terminate()
            try:
                served.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                served.process.kill()
                served.process.wait()
        if not served.persistent:
            shutil.rmtree(served.data, ignore_errors=True)

    def address(self, svc: Obj, endpoint: str, timeout: float = 30.0) -> str | None:
        """``127.0.0.1:<port>`` once Milvus Lite accepts connections for that endpoint."""
        container = milvus_container(svc)
        spec = (svc.props.get("SPEC_DATA") or {}).get("spec") or {}
        ports = {str(e.get("name", "")).upper(): e.get("port") for e in spec.get("endpoints") or []}
        if container is None or ports.get(endpoint.upper()) != MILVUS_GRPC_PORT:
            return None
        self.reconcile()
        with self._lock:
            served = self.served.get(svc.fqn)
        if served is None:
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # readiness: the port accepts a connection
            if served.process.poll() is not None:
                return None
            try:
                with socket.create_connection(("127.0.0.1", served.port), timeout=0.5):
                    return f"127.0.0.1:{served.port}"
            except OSError:
                time.sleep(0.05)
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
