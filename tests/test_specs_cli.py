"""``spcs-wizard specs`` as a user runs it, including a diff against the emulator through a
connection from connections.toml."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.specs.render import write_all
from tests.command import clean_environment, run_command
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, run_plan


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_command(*args, env=clean_environment(env), cwd=cwd)


def test_render_writes_valid_files(tmp_path: Path) -> None:
    result = run("specs", "render", "--prefix", "carol", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    milvus = yaml.safe_load((tmp_path / "out" / "milvus.yaml").read_text())
    assert milvus["spec"]["containers"][0]["image"].startswith("/carol_milvus_demo/")
    assert run("specs", "validate", "--prefix", "carol", cwd=tmp_path).stdout.splitlines() == [
        "milvus.yaml: valid",
        "jupyter.yaml: valid",
    ]


def test_validate_reports_each_problem_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "spec:\n  containers:\n  - name: Web\n    image: x\n  endpoints:\n"
        "  - name: etcd\n    port: 2379\n    public: true\n    protocol: TCP\n"
    )
    result = run("specs", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{bad}: spec.containers[0].name:") for line in lines)
    assert any(
        "spec.endpoints[0].protocol: 'TCP': only HTTP endpoints can be public" in line
        for line in lines
    )
    assert any(
        "spec.endpoints[0].public: port 2379 (etcd) must not be public" in line for line in lines
    )
    assert "Traceback" not in result.stderr


def test_diff_against_a_file(tmp_path: Path) -> None:
    run("specs", "render", "--out", "out", cwd=tmp_path)
    same = run("specs", "diff", "milvus", "--running", "out/milvus.yaml", cwd=tmp_path)
    assert same.returncode == 0
    assert "matches" in same.stdout
    changed = run(
        "specs",
        "diff",
        "milvus",
        "--running",
        "out/milvus.yaml",
        "--set",
        "milvus.volume_size=99Gi",
        cwd=tmp_path,
    )
    assert changed.returncode == 3
    assert "-    size: 20Gi" in changed.stdout
    assert "+    size: 99Gi" in changed.stdout


def test_diff_reads_the_running_spec_through_a_connection(
    emulator: Emulator, tmp_path: Path
) -> None:
    d = Deployment(account=emulator.settings.account_identifier)
    plan = build_plan(d, tmp_path / "specs")
    write_all(d, tmp_path / "specs")
    with connect(emulator) as con:
        stop = [s.id for s in plan].index("service-milvus") + 1
        run_plan(emulator, con, plan, stop_after=stop)
    home = tmp_path / "snowflake"
    home.mkdir()
    toml = home / "connections.toml"
    toml.write_text(
        f'[rehearsal]\naccount = "rehearsal-local"\nuser = "ADMIN"\n'
        f'host = "127.0.0.1"\nport = {emulator.port}\nprotocol = "http"\n'
    )
    toml.chmod(0o600)
    # No password in the file: Snowflake CLI's environment override supplies it.
    env = {"SNOWFLAKE_HOME": str(home), "SNOWFLAKE_CONNECTIONS_REHEARSAL_PASSWORD": ADMIN_PASSWORD}
    same = run("specs", "diff", "milvus", "-c", "rehearsal", cwd=tmp_path, env=env)
    assert same.returncode == 0, same.stderr
    assert "MILVUS_DEMO.PUBLIC.MILVUS (running) matches" in same.stdout
    changed = run(
        "specs",
        "diff",
        "milvus",
        "-c",
        "rehearsal",
        "--set",
        "milvus.tag=v9",
        cwd=tmp_path,
        env=env,
    )
    assert changed.returncode == 3
    assert "+    image: /milvus_demo/public/milvus_repo/milvus:v9" in changed.stdout
    missing = run("specs", "diff", "milvus", "-c", "nope", cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert "no connection named 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_validate_says_a_file_that_is_not_utf8_is_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / "latin1.yaml"
    spec.write_bytes(b"spec:\n  containers:\n  - name: m\n    image: caf\xe9\n")
    result = run("specs", "validate", str(spec), cwd=tmp_path)
    assert result.returncode == 1
    assert "is not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr
