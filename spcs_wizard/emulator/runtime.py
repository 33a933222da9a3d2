"""Runs the Milvus service for real: while a service whose image is the Milvus image is
RUNNING, a Milvus Lite gRPC server (``python -m milvus_lite server``) serves it on
127.0.0.1, so rehearsals can talk to "the deployed Milvus" end to end.

When the specification mounts a block (or stage) volume in the Milvus container, its
data lives in that volume's directory under the emulator's state, so it survives a
service restart, suspend/resume, upgrade or an emulator restart; without one, the data
is the container's and is lost when it stops, as in SPCS. A reconciler thread starts
and stops the processes as the service's state changes on the emulated clock, and probes
them: the Milvus container reads READY only once Milvus Lite accepts connections, and the
gateway container once the gateway does (``running``, the account's readiness probe), so
a service is RUNNING, and its endpoint provisioned, only once it serves.

The emulator-only function ``SYSTEM$SPCS_EMULATOR_ENDPOINT('<service>', '<endpoint>')``
returns ``127.0.0.1:<port>`` for a served endpoint (NULL otherwise); Snowflake has no such
function: a real deployment is reached through its ingress URL.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator import lifecycle
from spcs_wizard.emulator.children import accepting, free_port, spawn, stop
from spcs_wizard.emulator.gateway_container import Gateway, gateway_container
from spcs_wizard.emulator.milvus_grpc_auth import GrpcAuth
from spcs_wizard.emulator.milvus_http import MilvusRest, root_credential

if TYPE_CHECKING:
    from spcs_wizard.emulator.catalog import Account, Obj
    from spcs_wizard.emulator.clock import Clock
    from spcs_wizard.emulator.settings import EmulatorSettings

MILVUS_IMAGE = "milvus"
MILVUS_GRPC_PORT = 19530
GATEWAY_RESTART_SECS = 5.0  # a gateway that ended is started again after this (wall time)


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
    rest: MilvusRest | None = None  # Milvus' REST v2 on "19530", started once gRPC answers
    gateway: Gateway | None = None  # the gateway container, when the spec has one
    gateway_ready: bool = False  # the gateway has accepted a connection since it started
    grpc_auth: GrpcAuth | None = None  # checks gRPC credentials, with authentication on


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
        self.account.running = self.running
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
            try:
                self.reconcile()
            except Exception:  # one bad look must not end the loop: nothing would start
                logging.getLogger("spcs_wizard.emulator").exception("runtime reconcile failed")

    def wanted(self) -> dict[str, Obj]:
        """Milvus services whose containers have started by the clock (READY once they
        pass their readiness probes)."""
        now = self.clock.now()
        with self.account.lock:
            found = {}
            for svc in self.account.of_kind("SERVICE"):
                if milvus_container(svc) is None:
                    continue
                state = lifecycle.service_state(self.account, svc, now, self.settings, False)
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
        for fqn, svc in wanted.items():  # the readiness probes, without waiting
            served = self.served.get(fqn)
            if served is None:
                continue
            gateway = served.gateway
            ended = gateway is not None and gateway.ended_for(GATEWAY_RESTART_SECS)
            if (served.rest is None and accepting(served.process, served.port, 0)) or ended:
                self._bring_up(svc, served)
            gateway = served.gateway
            if gateway is not None and not served.gateway_ready:
                served.gateway_ready = accepting(gateway.process, gateway.port, 0)

    def running(self, svc: Obj, container: dict[str, Any]) -> str:
        """How a container run for real runs: "ready" once it has answered (its
        readiness probe, as SPCS probes a container), "starting" before, "exited" once
        its process has ended (until it starts again). A container not run here is
        "ready". Read without the lock: it is asked under the account's."""
        milvus, gateway = milvus_container(svc), gateway_container(svc)
        name = container.get("name")
        is_milvus = milvus is not None and milvus.get("name") == name
        is_gateway = milvus is not None and gateway is not None and gateway.get("name") == name
        if not (is_milvus or is_gateway):
            return "ready"
        served = self.served.get(svc.fqn)
        if served is None or served.started_at != svc.props.get("STARTED_AT"):
            return "starting"  # not started yet, or starting again (a resume, an upgrade)
        if is_milvus:
            process, ready = served.process, served.rest is not None
        elif served.gateway is None:
            return "starting"
        else:
            process, ready = served.gateway.process, served.gateway_ready
        if process.poll() is not None:
            return "exited"
        return "ready" if ready else "starting"

    def _serve(self, svc: Obj) -> None:
        data, persistent = data_dir(self.settings.state_dir, svc)
        if not persistent:
            shutil.rmtree(data, ignore_errors=True)  # a new container starts empty
        data.mkdir(parents=True, exist_ok=True)
        port = free_port()
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
        if served.gateway is not None:
            served.gateway.stop()
        if served.rest is not None:
            served.rest.stop()
        if served.grpc_auth is not None:
            served.grpc_auth.stop()
        stop(served.process)
        if not served.persistent:
            shutil.rmtree(served.data, ignore_errors=True)

    def _ready(self, svc: Obj, timeout: float) -> Served | None:
        """The Milvus serving this service once its gRPC port accepts a connection, with
        its REST server and gateway started (None: not running, or it died)."""
        self.reconcile()
        with self._lock:
            served = self.served.get(svc.fqn)
        if served is None:
            return None
        if not accepting(served.process, served.port, timeout):  # readiness: it serves
            return None
        self._bring_up(svc, served)
        return served

    def until_serving(self, timeout: float) -> bool:
        """Wait (``timeout`` seconds at most) until every Milvus service the clock has
        started serves, gateway included: what a command that asks Milvus waits for when
        the rehearsal's emulator has just started again (its services' processes start
        with it). False: one still does not serve."""
        deadline = time.monotonic() + timeout
        for svc in self.wanted().values():
            served = self._ready(svc, max(0.0, deadline - time.monotonic()))
            if served is None:
                return False
            if served.gateway is not None and not served.gateway_ready:
                left = max(0.0, deadline - time.monotonic())
                served.gateway_ready = served.gateway.address(left) is not None
                if not served.gateway_ready:
                    return False
        return True

    def _bring_up(self, svc: Obj, served: Served) -> None:
        """Once Milvus answers: its REST server (and credential check) once, and the
        gateway, started again if it ended (SPCS restarts a container)."""
        with self._lock:
            if self.served.get(svc.fqn) is not served:  # halted meanwhile
                return
            if served.rest is None:
                container = milvus_container(svc) or {}
                credential = root_credential(self.account, svc, container, served.data)
                if credential is not None:
                    served.grpc_auth = GrpcAuth(f"127.0.0.1:{served.port}", credential)
                served.rest = MilvusRest(f"127.0.0.1:{served.port}", credential)
            gateway = gateway_container(svc)
            ended = served.gateway is not None and served.gateway.process.poll() is not None
            if gateway is not None and (served.gateway is None or ended):
                served.gateway_ready = False
                served.gateway = Gateway.start(
                    self.account, svc, gateway, f"http://127.0.0.1:{served.rest.port}", served.data
                )

    def container_log(self, svc: Obj, container: str, most: int = 1000) -> list[str]:
        """The last lines a container run for real (the gateway) wrote; [] for others."""
        with self._lock:
            served = self.served.get(svc.fqn)
        gateway = gateway_container(svc)
        if served is None or gateway is None or gateway.get("name") != container:
            return []
        try:
            text = (served.data.parent / "gateway.log").read_text(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-most:]

    def _endpoint_port(self, svc: Obj, endpoint: str) -> int | None:
        spec = (svc.props.get("SPEC_DATA") or {}).get("spec") or {}
        ports = {str(e.get("name", "")).upper(): e.get("port") for e in spec.get("endpoints") or []}
        port = ports.get(endpoint.upper())
        return port if isinstance(port, int) else None

    def address(self, svc: Obj, endpoint: str, timeout: float = 30.0) -> str | None:
        """``127.0.0.1:<port>`` of Milvus' gRPC for the endpoint on Milvus' port 19530, once
        it accepts connections (what ``SYSTEM$SPCS_EMULATOR_ENDPOINT`` gives): Milvus Lite,
        or with authentication on, the server that checks credentials in front of it."""
        if milvus_container(svc) is None or self._endpoint_port(svc, endpoint) != MILVUS_GRPC_PORT:
            return None
        served = self._ready(svc, timeout)
        if served is None:
            return None
        return f"127.0.0.1:{served.grpc_auth.port if served.grpc_auth else served.port}"

    def http_address(self, svc: Obj, endpoint: str, timeout: float = 30.0) -> str | None:
        """Where an HTTP request to the endpoint goes: Milvus' REST server for port 19530,
        the gateway for the gateway's port; None when nothing serves it (yet)."""
        port = self._endpoint_port(svc, endpoint)
        if milvus_container(svc) is None or port is None:
            return None
        served = self._ready(svc, timeout)
        if served is None or served.rest is None:
            return None
        if port == MILVUS_GRPC_PORT:
            return f"127.0.0.1:{served.rest.port}"
        if served.gateway is not None and port == served.gateway.spec_port:
            return served.gateway.address(timeout)
        return None
