"""The connector's protocol against the emulator: logins, sessions and network faults.
Everything goes through snowflake-connector-python unmodified."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from snowflake.connector.errors import DatabaseError, ProgrammingError

from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect, rows


def no_wait() -> Iterator[int]:
    """A retry backoff of zero seconds, so fault tests do not sleep."""
    while True:
        yield 0


def make_user(emulator: Emulator, name: str, extra: str = "") -> None:
    with connect(emulator) as con:
        cur = con.cursor()
        cur.execute("USE ROLE USERADMIN")
        cur.execute(f"CREATE USER {name} PASSWORD = 'Pw-{name}-pass-1a' {extra}")
        cur.execute("USE ROLE SECURITYADMIN")
        cur.execute(f"GRANT ROLE SYSADMIN TO USER {name}")


def test_password_login_and_session_info(emulator: Emulator) -> None:
    with connect(emulator, database="NOPE") as con:
        got = rows(con, "SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_DATABASE()")[0]
        assert got == {
            "CURRENT_USER()": "ADMIN",
            "CURRENT_ROLE()": "ACCOUNTADMIN",
            "CURRENT_DATABASE()": None,
        }


def test_wrong_password_is_refused_with_snowflakes_code(emulator: Emulator) -> None:
    with pytest.raises(DatabaseError) as caught:
        connect(emulator, user="ADMIN", password="wrong")
    assert caught.value.errno == 390100
    assert "Incorrect username or password" in caught.value.msg


def test_role_not_granted_at_login(emulator: Emulator) -> None:
    make_user(emulator, "BOB")
    with pytest.raises(DatabaseError) as caught:
        connect(emulator, user="BOB", password="Pw-BOB-pass-1a", role="ACCOUNTADMIN")
    assert caught.value.errno == 390189


def _key_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(public).decode()


def test_key_pair_login_checks_the_signature(emulator: Emulator) -> None:
    private, public = _key_pair()
    make_user(emulator, "KEYUSER", f"RSA_PUBLIC_KEY = '{public}'")
    with connect(emulator, user="KEYUSER", password=None, private_key=private) as con:
        assert rows(con, "SELECT CURRENT_USER()")[0]["CURRENT_USER()"] == "KEYUSER"
    other_private, _ = _key_pair()
    with pytest.raises(DatabaseError) as caught:
        connect(emulator, user="KEYUSER", password=None, private_key=other_private)
    assert caught.value.errno == 390144


def test_a_key_pair_is_only_good_for_its_own_user(emulator: Emulator) -> None:
    private, public = _key_pair()
    make_user(emulator, "KEYUSER2", f"RSA_PUBLIC_KEY = '{public}'")
    # KEYUSER2's key, presented for ADMIN (who has no public key): refused.
    with pytest.raises(DatabaseError) as caught:
        connect(emulator, user="ADMIN", password=None, private_key=private)
    assert caught.value.errno == 390144


def test_programmatic_access_token_login(emulator: Emulator) -> None:
    make_user(emulator, "PATUSER")
    with connect(emulator, user="PATUSER", password="Pw-PATUSER-pass-1a") as con:
        created = rows(con, "ALTER USER ADD PROGRAMMATIC ACCESS TOKEN ci_token")[0]
    secret = created["token_secret"]
    assert created["token_name"] == "CI_TOKEN"
    assert secret.startswith("pat-")
    with connect(
        emulator,
        user="PATUSER",
        password=None,
        authenticator="PROGRAMMATIC_ACCESS_TOKEN",
        token=secret,
    ) as con:
        assert rows(con, "SELECT CURRENT_USER()")[0]["CURRENT_USER()"] == "PATUSER"
    with pytest.raises(DatabaseError) as caught:
        connect(
            emulator,
            user="PATUSER",
            password=None,
            authenticator="PROGRAMMATIC_ACCESS_TOKEN",
            token="pat-wrong",
        )
    assert caught.value.errno == 390100  # an authorization failure, as the connector names it
    # Nothing on disk holds the secret.
    for path in emulator.settings.state_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes()
            assert b"Pw-PATUSER-pass-1a" not in path.read_bytes()


def test_expired_session_is_renewed_by_the_connector(emulator: Emulator) -> None:
    with connect(emulator) as con:
        first = con.rest.token
        emulator.sessions.expire_all()
        assert rows(con, "SELECT CURRENT_ROLE()")[0]["CURRENT_ROLE()"] == "ACCOUNTADMIN"
        assert con.rest.token != first  # renewed with the master token (code 390112)


def test_logout_ends_the_session(emulator: Emulator) -> None:
    con = connect(emulator)
    assert emulator.sessions.active() == 1
    con.close()
    assert emulator.sessions.active() == 0


@pytest.mark.parametrize("status", [503, 429])
def test_transient_http_errors_are_retried(emulator: Emulator, status: int) -> None:
    with connect(emulator, backoff_policy=no_wait) as con:
        emulator.faults.http_statuses.extend([status, status])
        assert rows(con, "SELECT CURRENT_USER()")[0]["CURRENT_USER()"] == "ADMIN"
        assert not emulator.faults.http_statuses  # both failures were consumed


def test_dropped_connection_is_retried(emulator: Emulator) -> None:
    with connect(emulator, backoff_policy=no_wait) as con:
        emulator.faults.drop_connections = 1
        assert rows(con, "SELECT CURRENT_USER()")[0]["CURRENT_USER()"] == "ADMIN"
        assert emulator.faults.drop_connections == 0


def test_injected_statement_error_reaches_the_caller(emulator: Emulator) -> None:
    from spcs_wizard.emulator.faults import StatementFault

    emulator.faults.statements.append(
        StatementFault(code=2003, sqlstate="02000", message="Injected: gone.", match="CREATE ROLE")
    )
    with connect(emulator) as con:
        with pytest.raises(ProgrammingError) as caught:
            con.cursor().execute("CREATE ROLE R1")
        assert caught.value.errno == 2003
        assert "Injected" in caught.value.msg
        con.cursor().execute("CREATE ROLE R1")  # the fault fired once
        assert rows(con, "SHOW ROLES LIKE 'R1'")


def test_expired_master_token_ends_the_session(emulator: Emulator) -> None:
    con = connect(emulator)
    emulator.sessions.expire_all(master=True)
    with pytest.raises(DatabaseError) as caught:
        con.cursor().execute("SELECT CURRENT_ROLE()")
    assert caught.value.errno == 390114  # the user must authenticate again
    con.close()


def test_statement_fault_by_index_and_fault_file(tmp_path) -> None:
    from spcs_wizard.emulator.errors import SnowflakeError
    from spcs_wizard.emulator.faults import Faults

    path = tmp_path / "faults.toml"
    path.write_text(
        '[[statement]]\nindex = 2\ncode = 1234\nmessage = "second"\n'
        '[http]\nstatuses = [503]\ndrop = 2\nstuck_pools = ["p"]\n'
    )
    faults = Faults.from_file(path)
    faults.before_statement("SELECT 1")
    with pytest.raises(SnowflakeError, match="second"):
        faults.before_statement("SELECT 2")
    faults.before_statement("SELECT 3")
    assert [faults.next_http_fault() for _ in range(4)] == [503, "drop", "drop", None]
    path.write_text("[[statement]\n")
    with pytest.raises(ValueError, match="cannot read the fault file"):
        Faults.from_file(path)
