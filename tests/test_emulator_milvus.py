"""The emulator serves a RUNNING Milvus service with a real Milvus Lite, whose data
survives a service restart (its volume)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest
from pymilvus import MilvusClient
from snowflake.connector import SnowflakeConnection

from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect, rows, service_named, until

SPEC = """spec:
  containers:
  - name: milvus
    image: /db1/public/repo/milvus:v2.5.4
    volumeMounts:
    - name: data
      mountPath: /var/lib/milvus
  endpoints:
  - name: grpc
    port: 19530
  - name: health
    port: 9091
  volumes:
  - name: data
    source: block
    size: 10Gi
"""
# The guide's flaw: no volume, so the data is the container's.
SPEC_WITHOUT_VOLUME = """spec:
  containers:
  - name: milvus
    image: /db1/public/repo/milvus:v2.5.4
  endpoints:
  - name: grpc
    port: 19530
"""


def endpoint(con: SnowflakeConnection, name: str = "grpc") -> str | None:
    result = rows(con, f"SELECT SYSTEM$SPCS_EMULATOR_ENDPOINT('MILVUS', '{name}')")
    return next(iter(result[0].values()))


@pytest.fixture(params=["with-volume"])
def milvus_service(emulator: Emulator, tmp_path: Path, request: pytest.FixtureRequest):
    spec = tmp_path / "milvus.yaml"
    spec.write_text(SPEC if request.param == "with-volume" else SPEC_WITHOUT_VOLUME)
    emulator.add_image("db1/public/repo", "milvus", "v2.5.4", "sha256:" + "d" * 64)
    with connect(emulator) as con:  # SYSADMIN needs CREATE COMPUTE POOL first, as in Snowflake
        con.cursor().execute("GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN")
    with connect(emulator, role="SYSADMIN") as con:
        cur = con.cursor()
        for statement in (
            "CREATE DATABASE DB1",
            "CREATE STAGE SPECS",
            f"PUT 'file://{spec}' @SPECS AUTO_COMPRESS = FALSE",
            "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_S",
            "CREATE SERVICE MILVUS IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE = "
            "'milvus.yaml'",
        ):
            cur.execute(statement)
        yield con


def test_pending_service_is_not_served(emulator: Emulator, milvus_service) -> None:
    assert endpoint(milvus_service) is None


def _containers(con: SnowflakeConnection) -> list[tuple[str, str, str]]:
    found = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE MILVUS")
    return [(r["service_status"], r["status"], r["message"]) for r in found]


def _serves(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _until_ready(emulator: Emulator, con: SnowflakeConnection) -> list[tuple[str, str, str]]:
    """SHOW SERVICE CONTAINERS, polled (60 s at most), until the container is READY; at
    that moment Milvus Lite must accept connections. Returns what was seen before."""
    svc = service_named(emulator, "MILVUS")
    seen: list[tuple[str, str, str]] = []
    ready: list[tuple[str, str, str]] = []

    def holds() -> bool:
        now = _containers(con)[0]
        if now[1] != "READY":
            seen.append(now)
            return False
        served = emulator.runtime.served[svc.fqn]
        assert _serves(f"127.0.0.1:{served.port}"), "READY before Milvus Lite serves"
        ready.append(now)
        return True

    until(holds, "never READY", timeout=60)
    assert ready[0][0] == "RUNNING"
    return seen


def test_a_started_milvus_container_is_ready_only_once_milvus_serves(
    emulator: Emulator, milvus_service
) -> None:
    """The readiness probe: the clock starts the container, and it reads PENDING, saying
    what it waits for, until Milvus Lite accepts connections (a console opened as soon as
    the service is RUNNING found nothing serving on a slow machine)."""
    con = milvus_service
    s = emulator.settings
    emulator.clock.advance(s.pool_start_secs + s.container_start_secs)
    # Milvus Lite starts only now, and takes far longer than one query to serve.
    waiting = ("PENDING", "PENDING", "Started; waiting for it to serve.")
    assert _containers(con) == [waiting]
    assert rows(con, "SHOW SERVICES LIKE 'MILVUS'")[0]["status"] == "PENDING"
    seen = _until_ready(emulator, con)
    assert seen
    assert set(seen) == {waiting}
    # Milvus ends (killed): the container is not READY again until a new one serves.
    svc = service_named(emulator, "MILVUS")
    served = emulator.runtime.served[svc.fqn]
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait()
    assert _containers(con)[0][1] in ("FAILED", "PENDING")
    _until_ready(emulator, con)
    again = emulator.runtime.served[svc.fqn]
    assert again.process.pid != served.process.pid
    client = MilvusClient(uri=f"http://{endpoint(con)}")
    assert client.list_collections() == []  # up again, answering
    client.close()


def test_running_milvus_service_answers_pymilvus_and_keeps_data_across_restart(
    emulator: Emulator, milvus_service
) -> None:
    con = milvus_service
    s = emulator.settings
    emulator.clock.advance(s.pool_start_secs + s.container_start_secs)
    address = endpoint(con)
    assert address is not None
    assert address.startswith("127.0.0.1:")
    assert endpoint(con, "health") is None  # only the gRPC endpoint is Milvus
    client = MilvusClient(uri=f"http://{address}")
    client.create_collection("docs", dimension=4)
    client.insert("docs", [{"id": 7, "vector": [0.1, 0.2, 0.3, 0.4]}])
    client.close()

    cur = con.cursor()
    cur.execute("ALTER SERVICE MILVUS SUSPEND")
    emulator.runtime.reconcile()
    assert endpoint(con) is None  # a suspended service serves nothing
    cur.execute("ALTER SERVICE MILVUS RESUME")
    emulator.clock.advance(s.container_start_secs)
    again = endpoint(con)
    assert again is not None
    client = MilvusClient(uri=f"http://{again}")
    assert client.list_collections() == ["docs"]
    client.load_collection("docs")  # a restarted Milvus starts with collections released
    hits = client.query("docs", filter="id == 7", output_fields=["id"])
    client.close()
    assert [h["id"] for h in hits] == [7]  # the volume kept the collection


@pytest.mark.parametrize("milvus_service", ["without-volume"], indirect=True)
def test_without_a_volume_a_restart_loses_the_data(emulator: Emulator, milvus_service) -> None:
    con = milvus_service
    s = emulator.settings
    emulator.clock.advance(s.pool_start_secs + s.container_start_secs)
    client = MilvusClient(uri=f"http://{endpoint(con)}")
    client.create_collection("docs", dimension=4)
    client.close()
    cur = con.cursor()
    cur.execute("ALTER SERVICE MILVUS SUSPEND")
    emulator.runtime.reconcile()
    cur.execute("ALTER SERVICE MILVUS RESUME")
    emulator.clock.advance(s.container_start_secs)
    client = MilvusClient(uri=f"http://{endpoint(con)}")
    assert client.list_collections() == []
    client.close()


def test_drop_service_deletes_its_block_volume(emulator: Emulator, milvus_service) -> None:
    con = milvus_service
    s = emulator.settings
    emulator.clock.advance(s.pool_start_secs + s.container_start_secs)
    client = MilvusClient(uri=f"http://{endpoint(con)}")
    client.create_collection("docs", dimension=4)
    client.close()
    volume = s.state_dir / "volumes" / "db1" / "public" / "milvus" / "data"
    assert any(volume.iterdir())
    con.cursor().execute("DROP SERVICE MILVUS")
    assert not volume.exists()  # block volumes do not outlive DROP SERVICE
