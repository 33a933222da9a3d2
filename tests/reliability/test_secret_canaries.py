"""Canary secrets through a whole journey with the real command: an administrator's
password, a key pair's passphrase and a programmatic access token given to ``login``, the
deployment's two secrets to ``deploy``; then plan --sql --out, deploy twice, status
(signed in with the token), suspend and teardown. Every byte written under the test's
directory (the state home, connections.toml, the keyring file, the emulator's own account)
and every line printed is scanned for each canary, as written, JSON-escaped, URL-encoded
and in base64: zero hits. (The wizard's screens: test_tui_wizard.py's account test.)"""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.registry import repository_path
from tests.command import clean_environment, run_command
from tests.emulator_harness import connect, rows

CANARIES = {
    "admin password": "Canary-Admin-Pw-7Qx",
    "key passphrase": "canary-key-passphrase-4Zr",
    "user password": "Canary-User-Pw-'$$;-9Kd",
    "notebook password": 'Canary-Nb-Pw-"\\-2Lm',
    "milvus root password": "Canary-Root-Pw-'%-6Hs",
    "keyring unlock": "canary-keyring-unlock-8Tp",
}


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [
        raw,
        json.dumps(secret)[1:-1].encode(),
        urllib.parse.quote(secret, safe="").encode(),
        base64.b64encode(raw),
    ]


def found(blob: bytes, secrets: dict[str, str]) -> list[str]:
    """Which secrets appear in the blob, in any of their forms."""
    return [what for what, secret in secrets.items() if any(f in blob for f in forms(secret))]


@pytest.mark.long
def test_no_secret_is_ever_written_or_printed(tmp_path: Path) -> None:
    emu = Emulator(
        EmulatorSettings(
            state_dir=tmp_path / "emulator",
            admin_password=CANARIES["admin password"],
            speed=300,
            run_services=False,
        ),
        Faults(),
    )
    emu.start()
    secrets = dict(CANARIES)
    printed: list[bytes] = []
    try:
        d = Deployment(prefix="canary")
        for svc in map(d.image, d.image_keys):
            emu.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "c" * 64)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (tmp_path / "rsa_key.p8").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(secrets["key passphrase"].encode()),
            )
        )
        public = base64.b64encode(
            key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode()
        with connect(emu, password=secrets["admin password"]) as con:
            cur = con.cursor()
            cur.execute(f"CREATE USER KEYUSER RSA_PUBLIC_KEY = '{public}' DEFAULT_ROLE = PUBLIC")
            secrets["access token"] = rows(con, "ALTER USER ADD PAT canary")[0]["token_secret"]

        env = clean_environment(
            {
                "COLUMNS": "200",
                "SNOWFLAKE_HOME": str(tmp_path / "snowflake"),
                "SPCS_WIZARD_HOME": str(tmp_path / "state"),
                "XDG_DATA_HOME": str(tmp_path / "data"),
                "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
                "KEYRING_CRYPTFILE_PASSWORD": secrets["keyring unlock"],
                "SPCS_WIZARD_PREFIX": "canary",
            }
        )
        where = ["--account", "rehearsal-local", "--host", "127.0.0.1"]
        where += ["--port", str(emu.port), "--protocol", "http", "--secret-stdin"]

        def run(*args: str, stdin: str | None = None, extra: dict[str, str] | None = None) -> str:
            result = run_command(*args, env=env | (extra or {}), input_text=stdin)
            printed.extend([result.stdout.encode(), result.stderr.encode()])
            assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
            return result.stdout

        run("login", "-n", "admin", "-u", "ADMIN", *where, stdin=secrets["admin password"])
        run(
            "login", "-n", "bykey", "-u", "KEYUSER", *where, "--auth", "key-pair",
            "--private-key-file", str(tmp_path / "rsa_key.p8"), stdin=secrets["key passphrase"],
        )  # fmt: skip
        run("login", "-n", "bypat", "-u", "ADMIN", *where, "--auth", "pat",
            stdin=secrets["access token"])  # fmt: skip
        deploy_secrets = {
            "SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD": secrets["user password"],
            "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD": secrets["notebook password"],
            "SPCS_WIZARD_SECRET_MILVUS_ROOT_PASSWORD": secrets["milvus root password"],
        }
        run("plan", "--sql", "--out", str(tmp_path / "plan"))
        run("deploy", "-c", "admin", "--json", extra=deploy_secrets)
        run("deploy", "-c", "admin")  # a re-run: nothing to create, no secret needed
        run("status", "-c", "bypat", "--json")
        run("suspend", "-c", "admin")
        run("teardown", "-c", "admin", "--yes", "--json")
        emu.stop()  # the emulator saves its account: scan that too

        assert len(printed) == 2 * 9
        assert found(json.dumps({"x": secrets["user password"]}).encode(), secrets) == [
            "user password"
        ]  # the scan finds a leak where there is one
        hits = [(i, found(blob, secrets)) for i, blob in enumerate(printed)]
        assert [h for h in hits if h[1]] == []
        files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "rsa_key.p8"]
        assert any(p.name == "connections.toml" for p in files)
        assert any(p.name == "state.json" for p in files)
        assert any(p.name == "deploy.sql" for p in files)
        leaks = {str(p): found(p.read_bytes(), secrets) for p in files}
        assert {p: w for p, w in leaks.items() if w} == {}
    finally:
        emu.stop()
