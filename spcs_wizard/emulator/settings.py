"""Settings of one emulator instance: account identity, credentials, timings, faults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class EmulatorSettings:
    state_dir: Path
    organization: str = "REHEARSAL"
    account: str = "LOCAL"
    admin_user: str = "ADMIN"
    # The admin's password: given by the caller (a test fixture, or the rehearsal mode,
    # which keeps it in the keyring). Only a salted hash reaches the state directory.
    admin_password: str = ""
    speed: float = 1.0
    # Nominal durations, in emulated seconds (divide by speed for wall time). Real pools
    # take minutes to start; these keep the shape without the wait.
    pool_start_secs: float = 90.0
    container_start_secs: float = 45.0
    endpoint_secs: float = 60.0
    restart_period_secs: float = 30.0
    # Run a docker-registry as the account's image registry (token auth through us).
    registry: bool = False
    registry_port: int = 0  # 0: any free port
    registry_host: str = ""  # set once the registry listens, e.g. 127.0.0.1:5123
    # Serve Milvus services for real with Milvus Lite (see runtime.py).
    run_services: bool = True
    # "standard", or "trial": what a trial account refuses, it refuses (external access
    # is not enabled on trial accounts by default,
    # https://docs.snowflake.com/en/developer-guide/external-network-access/external-network-access-limitations).
    profile: str = "standard"
    session_validity_secs: float = 3600.0
    master_validity_secs: float = 4 * 3600.0

    @property
    def account_identifier(self) -> str:
        return f"{self.organization}-{self.account}"
