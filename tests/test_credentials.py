"""Connections in Snowflake CLI's files and secrets in a real keyring backend (an encrypted
file keyring in a temporary directory): nothing secret ever lands in a readable file."""

from __future__ import annotations

import base64
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from keyring.backends import null
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from spcs_wizard.credentials import connections_file as files
from spcs_wizard.credentials import keychain
from spcs_wizard.emulator.server import Emulator
from tests.command import clean_environment, run_command
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, rows

ORIGINAL = """# my Snowflake connections
[prod]   # the real one
account = "acme-prod"
user = "ops"   # keep this comment
authenticator = "externalbrowser"

[dev]
account = "acme-dev"
user = "me"
"""


def test_loading_and_saving_keeps_comments_and_foreign_connections(tmp_path: Path) -> None:
    path = tmp_path / "connections.toml"
    path.write_text(ORIGINAL)
    assert set(files.list_connections(path)) == {"prod", "dev"}
    files.save_connection("spcs", {"account": "acme-test", "user": "u"}, path)
    text = path.read_text()
    assert text.startswith(ORIGINAL)  # every byte of what was there is still there
    assert '[spcs]\naccount = "acme-test"\nuser = "u"\n' in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    files.remove_connection("spcs", path)
    assert path.read_text().rstrip("\n") == ORIGINAL.rstrip("\n")


def test_connections_file_refuses_secrets(tmp_path: Path) -> None:
    with pytest.raises(files.ConnectionsFileError, match="OS keyring"):
        files.save_connection("x", {"account": "a", "password": "p"}, tmp_path / "c.toml")
    assert not (tmp_path / "c.toml").exists()


def test_secrets_round_trip_through_the_keyring(
    file_keyring: CryptFileKeyring, tmp_path: Path
) -> None:
    key = keychain.connection_key("dev", "password")
    keychain.store(key, "Very-Secret-1")
    assert keychain.load(key) == "Very-Secret-1"
    assert b"Very-Secret-1" not in Path(file_keyring.file_path).read_bytes()
    assert keychain.delete(key) is True
    assert keychain.load(key) is None


def test_a_keyring_that_cannot_keep_secrets_is_refused() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(keychain.KeychainUnavailableError, match="not store secrets in plain"):
            keychain.store("connection:x:password", "p")
        assert keychain.load("connection:x:password") is None
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def cli_env(tmp_path: Path, emulator: Emulator) -> dict[str, str]:
    return clean_environment(
        {
            "SNOWFLAKE_HOME": str(tmp_path / "snowflake"),
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
            "KEYRING_CRYPTFILE_PASSWORD": "unlock-the-cli-keyring",
        }
    )


def login(
    emulator: Emulator, env: dict[str, str], name: str, user: str, secret: str | None, *extra: str
):
    args = [
        "login",
        "--name",
        name,
        "--account",
        "https://rehearsal-local.snowflakecomputing.com",
        "--user",
        user,
        "--host",
        "127.0.0.1",
        "--port",
        str(emulator.port),
        "--protocol",
        "http",
        *extra,
    ]
    if secret is not None:
        args.append("--secret-stdin")
    return run_command(*args, env=env, input_text=(secret or "") + "\n")


def files_written(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p.is_file() and "emulator" not in p.parts]


def test_login_with_a_password_keeps_it_in_the_keyring_only(
    emulator: Emulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    result = login(emulator, cli_env, "rehearsal", "ADMIN", ADMIN_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "Connected to LOCAL as ADMIN with role ACCOUNTADMIN" in result.stdout
    toml = (tmp_path / "snowflake" / "connections.toml").read_text()
    assert 'account = "rehearsal-local"' in toml  # the URL was normalised
    listed = run_command("connections", "list", "--json", env=cli_env)
    assert '"keyring": [\n      "password"\n    ]' in listed.stdout
    tested = run_command("connections", "test", "rehearsal", env=cli_env)
    assert tested.returncode == 0, tested.stderr  # the password came from the keyring
    for path in files_written(tmp_path):
        assert ADMIN_PASSWORD.encode() not in path.read_bytes(), path
    removed = run_command("connections", "remove", "rehearsal", env=cli_env)
    assert "and 1 secret(s) from the keyring" in removed.stdout
    failing = run_command("connections", "test", "rehearsal", env=cli_env)
    assert failing.returncode == 2  # a configuration error, as the README says
    assert "no connection named 'rehearsal'" in failing.stderr
    assert "spcs-wizard login -n rehearsal" in failing.stderr


def test_login_with_a_key_pair_and_with_a_programmatic_access_token(
    emulator: Emulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key-passphrase"),
    )
    key_file = tmp_path / "rsa_key.p8"
    key_file.write_bytes(pem)
    public = base64.b64encode(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()
    with connect(emulator) as con:
        cur = con.cursor()
        cur.execute(f"CREATE USER KEYUSER RSA_PUBLIC_KEY = '{public}' DEFAULT_ROLE = PUBLIC")
        cur.execute("CREATE USER PATUSER PASSWORD = 'Pat-user-pw1-long' DEFAULT_ROLE = PUBLIC")
    with connect(emulator, user="PATUSER", password="Pat-user-pw1-long") as con:
        token = rows(con, "ALTER USER ADD PAT ci")[0]["token_secret"]
    by_key = login(
        emulator,
        cli_env,
        "bykey",
        "KEYUSER",
        "key-passphrase",
        "--auth",
        "key-pair",
        "--private-key-file",
        str(key_file),
    )
    assert by_key.returncode == 0, by_key.stderr
    assert "as KEYUSER" in by_key.stdout
    by_pat = login(emulator, cli_env, "bypat", "PATUSER", token, "--auth", "pat")
    assert by_pat.returncode == 0, by_pat.stderr
    assert "as PATUSER" in by_pat.stdout
    for path in files_written(tmp_path):
        content = path.read_bytes()
        assert token.encode() not in content, path
        assert b"key-passphrase" not in content, path


def test_login_refuses_a_keyring_that_would_store_in_plain_text(
    emulator: Emulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cli_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    result = login(emulator, env, "rehearsal", "ADMIN", ADMIN_PASSWORD)
    assert result.returncode == 1
    assert "no secure keyring is available" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "snowflake" / "connections.toml").exists()  # nothing half-made


def test_a_wrong_password_is_reported_clearly(emulator: Emulator, cli_env: dict[str, str]) -> None:
    result = login(emulator, cli_env, "rehearsal", "ADMIN", "wrong-password")
    assert result.returncode == 1
    assert "Incorrect username or password" in result.stderr
    assert "Traceback" not in result.stderr
    listed = run_command("connections", "list", "--json", env=cli_env)
    assert listed.stdout.strip() == "[]"  # a failed login saved nothing


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (390100, "Incorrect username or password was specified.", "did not accept"),
        (390144, "JWT token is invalid.", "key-pair login was refused"),
        (394304, "JWT token is invalid.", "key-pair login was refused"),
        (390318, "OAuth access token expired.", "OAuth access token has expired"),
        (
            390189,
            "Role 'X' specified in the connect string is not granted",
            "not granted to this user",
        ),
        (
            250001,
            "Could not connect to Snowflake backend after 2 attempt(s).",
            "could not be reached",
        ),
        (390102, "User temporarily locked.", "user is locked"),
        (
            None,
            "Incoming request with IP/Token 10.1.2.3 is not allowed to access Snowflake.",
            "network policy",
        ),
        (390120, "Multi-factor authentication is required (MFA).", "multi-factor"),
    ],
)
def test_login_failures_say_what_happened_and_what_to_do(
    code: int | None, message: str, expected: str
) -> None:
    from spcs_wizard.credentials.login_errors import describe

    text = describe("prod", code, message)
    assert text.startswith("connection 'prod': ")
    assert expected in text
    assert message.splitlines()[0] in text  # Snowflake's own words are kept


def test_an_unknown_failure_keeps_snowflakes_message() -> None:
    from spcs_wizard.credentials.login_errors import describe

    assert describe("x", 123456, "Something new.") == "connection 'x': Something new. [123456]"


def test_preflight_names_what_is_missing_and_the_fix(emulator: Emulator, tmp_path: Path) -> None:
    from spcs_wizard.engine import preflight
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.plan import build_plan

    plan = build_plan(Deployment(), tmp_path / "specs")
    with connect(emulator) as con:
        findings = {f.check: f for f in preflight.run(SqlRunner(con), plan)}
        assert all(f.ok for f in findings.values()), findings
        cur = con.cursor()
        cur.execute("CREATE USER ENGINEER PASSWORD = 'Engineer-pw-1-long' DEFAULT_ROLE = SYSADMIN")
        cur.execute("GRANT ROLE SYSADMIN TO USER ENGINEER")
    with connect(emulator, user="ENGINEER", password="Engineer-pw-1-long") as con:
        findings = {f.check: f for f in preflight.run(SqlRunner(con), plan)}
    assert findings["role SYSADMIN"].ok
    assert not findings["role ACCOUNTADMIN"].ok
    assert findings["role ACCOUNTADMIN"].fix == "GRANT ROLE ACCOUNTADMIN TO USER ENGINEER;"
    assert findings["role USERADMIN"].fix == "GRANT ROLE USERADMIN TO USER ENGINEER;"
    assert not findings["BIND SERVICE ENDPOINT"].ok
    assert findings["BIND SERVICE ENDPOINT"].fix == (
        "GRANT BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN;"
    )
    assert findings["Snowpark Container Services"].ok


def test_login_with_mfa_needs_the_passcode(emulator: Emulator, cli_env: dict[str, str]) -> None:
    with connect(emulator) as con:
        con.cursor().execute(
            "CREATE USER MFAUSER PASSWORD = 'Mfa-user-pw1-long' DEFAULT_ROLE = PUBLIC "
            "EXT_AUTHN_DUO = TRUE"
        )
    # Stands in for the authenticator app, which cannot run here.
    emulator.sessions.mfa_passcodes["MFAUSER"] = "246810"
    plain = login(emulator, cli_env, "mfa", "MFAUSER", "Mfa-user-pw1-long")
    assert plain.returncode == 1
    assert "must use multi-factor authentication" in plain.stderr
    wrong = login(
        emulator,
        {**cli_env, "SNOWFLAKE_PASSCODE": "000000"},
        "mfa",
        "MFAUSER",
        "Mfa-user-pw1-long",
        "--auth",
        "mfa",
    )
    assert wrong.returncode == 1
    assert "MFA passcode is not valid" in wrong.stderr
    right = login(
        emulator,
        {**cli_env, "SNOWFLAKE_PASSCODE": "246810"},
        "mfa",
        "MFAUSER",
        "Mfa-user-pw1-long",
        "--auth",
        "mfa",
    )
    assert right.returncode == 0, right.stderr
    assert "as MFAUSER" in right.stdout
    saved = files.list_connections(Path(cli_env["SNOWFLAKE_HOME"]) / "connections.toml")
    assert saved["mfa"]["authenticator"] == "username_password_mfa"
    assert "passcode" not in saved["mfa"]


def test_the_connector_can_reuse_an_mfa_token(emulator: Emulator) -> None:
    with connect(emulator) as con:
        con.cursor().execute("CREATE USER MFA2 PASSWORD = 'Mfa-two-pw1-long' EXT_AUTHN_DUO = TRUE")
    emulator.sessions.mfa_passcodes["MFA2"] = "135790"
    with connect(
        emulator,
        user="MFA2",
        password="Mfa-two-pw1-long",
        authenticator="username_password_mfa",
        passcode="135790",
        client_request_mfa_token=True,
        client_store_temporary_credential=False,
    ) as con:
        token = con.rest.mfa_token
    assert token is not None
    assert token.startswith("mfa-")
    # A later login that presents the token (as the connector's MFA-token cache does:
    # usrpwdmfa.py sends it as TOKEN) needs no passcode.
    from spcs_wizard.emulator.auth import Sessions

    sessions: Sessions = emulator.sessions
    record = sessions.login(
        {
            "AUTHENTICATOR": "USERNAME_PASSWORD_MFA",
            "ACCOUNT_NAME": emulator.settings.account_identifier,
            "LOGIN_NAME": "MFA2",
            "PASSWORD": "Mfa-two-pw1-long",
            "TOKEN": token,
        },
        {},
    )
    assert record.session.user == "MFA2"


def test_login_with_an_oauth_token_file(
    emulator: Emulator, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Stands in for an OAuth authorization server, which cannot run here.
    emulator.sessions.oauth_tokens["oauth-access-token-1"] = "ADMIN"
    token_file = tmp_path / "token"
    token_file.write_text("oauth-access-token-1")
    token_file.chmod(0o600)
    result = login(
        emulator,
        cli_env,
        "oauth",
        "ADMIN",
        None,
        "--auth",
        "oauth",
        "--token-file",
        str(token_file),
    )
    assert result.returncode == 0, result.stderr
    assert "as ADMIN" in result.stdout
    token_file.write_text("revoked-token")
    again = run_command("connections", "test", "oauth", env=cli_env)
    assert again.returncode == 1
    assert "OAuth access token is not valid" in again.stderr


class FakeBrowser:
    """Stands in for the user's web browser, the one part of an SSO login that cannot run
    here: it opens the SSO URL and follows the identity provider's redirect back to the
    connector's local port, as a browser would after the user signs in."""

    def __init__(self) -> None:
        self.visited: list[str] = []

    def open_new(self, url: str) -> bool:
        import threading

        import requests

        self.visited.append(url)
        threading.Thread(target=lambda: requests.get(url, timeout=30), daemon=True).start()
        return True


def test_sso_login_through_the_browser_round_trip(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "open_new", browser.open_new)
    with connect(
        emulator,
        user="ADMIN",
        password=None,
        authenticator="externalbrowser",
        client_store_temporary_credential=False,
    ) as con:
        assert rows(con, "SELECT CURRENT_USER()")[0]["CURRENT_USER()"] == "ADMIN"
    assert browser.visited
    assert browser.visited[0].startswith(f"http://127.0.0.1:{emulator.port}/sso?proof=")


def test_the_default_connection_is_used_when_none_is_named(
    emulator: Emulator, cli_env: dict[str, str]
) -> None:
    made = login(emulator, cli_env, "rehearsal", "ADMIN", ADMIN_PASSWORD, "--default")
    assert made.returncode == 0, made.stderr
    listed = run_command("connections", "list", env=cli_env).stdout.splitlines()
    assert listed[0].split() == ["NAME", "ACCOUNT", "USER", "AUTHENTICATOR", "IN", "THE", "KEYRING"]
    assert listed[1].startswith("* rehearsal")
    assert listed[1].split()[3:5] == ["ADMIN", "snowflake"]  # under USER and AUTHENTICATOR
    checked = run_command("preflight", env=cli_env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✓ role ACCOUNTADMIN" in checked.stdout
    assert run_command("connections", "test", env=cli_env).returncode == 0


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("acme-prod", "ACME-PROD"),
        ("https://acme-prod.snowflakecomputing.com", "ACME-PROD"),
        ("xy12345.us-east-2.aws", "xy12345.us-east-2.aws"),
    ],
)
def test_login_accepts_every_account_form(given: str, stored: str) -> None:
    from spcs_wizard.credentials.login import LoginRequest

    assert LoginRequest("c", given, "me").parameters()["account"] == stored.lower()
