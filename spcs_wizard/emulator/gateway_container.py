"""The Milvus service's gateway container, run for real while Milvus is served: the
program its specification passes to ``python3 -c`` (spcs-wizard's gateway), run with the
emulator's own Python (3.11, as in the stock image the spec names), the container's
environment and its secrets (``container_env``).

What the emulator changes is what its one machine cannot share with SPCS: the gateway
listens on a free port of 127.0.0.1 instead of the spec's ``GATEWAY_PORT``, and Milvus'
DNS name on port 19530 (``MILVUS_ADDRESS``, as SHOW SERVICES reports it) is the local
address of that Milvus' REST server. An address naming anything else is left as it is,
and fails as it would in SPCS. The program itself is the spec's: a gateway that cannot
start (no password, say) leaves the endpoint unserved, and its output is in
``gateway.log`` next to the data.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator import container_env
from spcs_wizard.emulator.children import accepting, child_environment, free_port, spawn, stop

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.emulator.catalog import Account, Obj

MARK = "spcs-wizard-gateway"  # the gateway program's server_version: how it is known
MILVUS_PORT = 19530


def gateway_container(svc: Obj) -> dict[str, Any] | None:
    """The service's container that runs the gateway program, if any."""
    spec = (svc.props.get("SPEC_DATA") or {}).get("spec") or {}
    for container in spec.get("containers") or []:
        command = [str(a) for a in container.get("command") or []]
        python = command[:2] in (["python3", "-c"], ["python", "-c"])
        if len(command) == 3 and python and MARK in command[2]:
            return container
    return None


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    port: int  # where it listens here
    spec_port: int  # where the spec says it listens (its endpoint's port)
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls, account: Account, svc: Obj, container: dict[str, Any], milvus_rest: str, data: Path
    ) -> Gateway:
        env = container_env.env(account, svc, container)
        spec_port = int(env.get("GATEWAY_PORT", "8080"))
        port = free_port()
        address = urllib.parse.urlsplit(env.get("MILVUS_ADDRESS", ""))
        if (address.hostname or "") == account.service_dns_name(svc) and (
            address.port == MILVUS_PORT
        ):
            env["MILVUS_ADDRESS"] = milvus_rest
        env.update(GATEWAY_PORT=str(port), GATEWAY_HOST="127.0.0.1")
        program = str(container["command"][2])
        with (data.parent / "gateway.log").open("wb") as log:  # this container's own
            process = spawn(
                [sys.executable, "-c", program],
                env={**child_environment(), **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return cls(process, port, spec_port)

    def address(self, timeout: float) -> str | None:
        """``127.0.0.1:<port>`` once the gateway accepts connections; None if it ended."""
        return f"127.0.0.1:{self.port}" if accepting(self.process, self.port, timeout) else None

    def ended_for(self, seconds: float) -> bool:
        """It has ended, and started at least ``seconds`` ago (SPCS restarts a container
        that ends, not at once)."""
        return self.process.poll() is not None and time.monotonic() - self.started >= seconds

    def stop(self) -> None:
        stop(self.process)
