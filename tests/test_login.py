"""Logging in and keeping the secret, in this process: the login request's rules, a real
login against the emulator, the secret into a real encrypted-file keyring and the rest into
connections.toml. (test_credentials.py drives the same through the ``login`` command.)"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, null
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from spcs_wizard.credentials import connections_file as files
from spcs_wizard.credentials import keychain
from spcs_wizard.credentials.login import LoginError, LoginRequest, save, try_login
from spcs_wizard.credentials.login_errors import describe
from spcs_wizard.emulator.server import Emulator
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect

UNLOCK = "unlock-the-login-test-keyring"


@pytest.fixture
def snowflake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "snowflake"
    monkeypatch.setenv("SNOWFLAKE_HOME", str(home))
    return home


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CryptFileKeyring]:
    """keyrings.cryptfile's encrypted file, in a temporary directory, unlocked the way a
    server is: by KEYRING_CRYPTFILE_PASSWORD (keychain.check hands it to the backend)."""
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, UNLOCK)
    backend = CryptFileKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def request(emulator: Emulator, **changes: object) -> LoginRequest:
    fields: dict[str, object] = {
        "name": "dev",
        "account": "https://Rehearsal-Local.snowflakecomputing.com",
        "user": "  ADMIN ",
        "host": "127.0.0.1",
        "port": emulator.port,
        "protocol": "http",
    }
    fields.update(changes)
    return LoginRequest(**fields)  # type: ignore[arg-type]


# -- the request ---------------------------------------------------------------------------
def test_a_password_login_keeps_only_what_it_needs_in_the_file() -> None:
    params = LoginRequest("dev", "myorg.myaccount", " me ", role="", warehouse="WH").parameters()
    assert params == {"account": "myorg-myaccount", "user": "me", "warehouse": "WH"}
    with_role = LoginRequest("dev", "MYORG-MYACCOUNT", "me", role="SYSADMIN").parameters()
    assert with_role == {"account": "myorg-myaccount", "user": "me", "role": "SYSADMIN"}


@pytest.mark.parametrize(
    ("method", "authenticator", "secret_kind"),
    [
        ("mfa", "username_password_mfa", "password"),
        ("key-pair", "snowflake_jwt", "private_key_passphrase"),
        ("pat", "programmatic_access_token", "token"),
        ("sso", "externalbrowser", None),
        ("oauth", "oauth", None),
    ],
)
def test_each_method_names_its_authenticator_and_its_secret(
    method: str, authenticator: str, secret_kind: str | None
) -> None:
    req = LoginRequest(
        "dev",
        "MYORG-MYACCOUNT",
        "me",
        method=method,
        private_key_file="/keys/rsa.p8",
        token_file="/tokens/t",
        host="h.example",
        port=8443,
        protocol="https",
    )
    assert req.secret_kind == secret_kind
    assert req.parameters() == {
        "account": "myorg-myaccount",
        "user": "me",
        "authenticator": authenticator,
        "private_key_file": "/keys/rsa.p8",
        "token_file_path": "/tokens/t",
        "host": "h.example",
        "port": 8443,
        "protocol": "https",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"method": "magic"},
            "unknown method 'magic'; use one of "
            "['key-pair', 'mfa', 'oauth', 'password', 'pat', 'sso']",
        ),
        ({"name": "  "}, "the connection needs a name"),
        ({"user": " "}, "the connection needs a user name"),
        ({"account": " "}, "the connection needs an account"),
        ({"name": "", "user": ""}, "the connection needs a name and a user name"),
        (
            {"name": "", "account": "", "user": " "},
            "the connection needs a name, an account and a user name",
        ),
        ({"method": "key-pair"}, "a key-pair login needs the private key file"),
        (
            {"account": "not an account"},
            "'not an account' is not an account identifier in the <orgname>-<accountname> form "
            "(Snowsight shows it under your account's details, for example MYORG-MYACCOUNT)",
        ),
    ],
)
def test_an_unusable_request_says_what_is_wrong(changes: dict[str, str], message: str) -> None:
    fields = {"name": "dev", "account": "MYORG-MYACCOUNT", "user": "me", **changes}
    with pytest.raises(LoginError) as caught:
        LoginRequest(**fields).parameters()
    assert str(caught.value) == message


# -- trying it -----------------------------------------------------------------------------
def test_a_login_answers_who_it_is(emulator: Emulator) -> None:
    who = try_login(request(emulator), ADMIN_PASSWORD)
    assert (who.user, who.role) == ("ADMIN", "ACCOUNTADMIN")
    assert who.account == emulator.settings.account


def test_a_wrong_password_is_refused_with_what_to_do(emulator: Emulator) -> None:
    with pytest.raises(LoginError) as caught:
        try_login(request(emulator), "Not-the-password-1")
    message = str(caught.value)
    assert message.startswith(
        "connection 'dev': Snowflake did not accept the user name and password (or token). "
        "Check them, then run 'spcs-wizard login' again (it replaces any secret stored for "
        "the connection)."  # none is stored yet when the login is being made
    )
    assert message.endswith("[390100])")


def test_a_secret_given_to_a_method_that_takes_none_is_left_out(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The connection form keeps what was typed when the method changes to OAuth."""
    emulator.sessions.oauth_tokens["oauth-access-token-2"] = "ADMIN"
    token_file = tmp_path / "token"
    token_file.write_text("oauth-access-token-2")
    who = try_login(request(emulator, method="oauth", token_file=str(token_file)), "Typed-1")
    assert (who.user, who.role) == ("ADMIN", "ACCOUNTADMIN")


class _Unavailable(BaseHTTPRequestHandler):
    """An address that answers every request with 503 Service Unavailable."""

    def do_POST(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_login_to_an_address_that_only_answers_503_gives_up_with_what_to_check() -> None:
    """The connector retries a 503 a few times, then stops; the reason says what to check
    and keeps Snowflake's code."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    unavailable = LoginRequest(
        name="dev",
        account="myorg-myaccount",
        user="ADMIN",
        host="127.0.0.1",
        port=server.server_address[1],
        protocol="http",
    )
    try:
        with pytest.raises(LoginError) as caught:
            try_login(unavailable, "Any-password-1", timeout=1)
    finally:
        server.shutdown()
        server.server_close()
    assert str(caught.value).startswith(
        "connection 'dev': Snowflake could not be reached. Check the account identifier "
        "(ORG-ACCOUNT, as Snowsight shows it), the host and port if the connection names "
        "them, and the network or proxy settings."  # (this one names 127.0.0.1 and a port)
    )
    assert str(caught.value).endswith("[250001])")


@pytest.mark.parametrize(
    ("method", "needed"),
    [("password", "a password is needed"), ("pat", "a programmatic access token is needed")],
)
def test_a_missing_secret_is_asked_for_before_trying(
    emulator: Emulator, method: str, needed: str
) -> None:
    with pytest.raises(LoginError) as caught:
        try_login(request(emulator, method=method), None)
    assert str(caught.value) == needed


# -- keeping it ----------------------------------------------------------------------------
def test_saving_puts_the_secret_in_the_keyring_and_the_rest_in_the_file(
    emulator: Emulator, snowflake_home: Path, file_keyring: CryptFileKeyring
) -> None:
    path, backend = save(request(emulator), "Kept-in-the-keyring-1")
    assert path == snowflake_home / "connections.toml"
    assert backend == "keyrings.cryptfile.cryptfile.CryptFileKeyring"
    assert files.list_connections(path)["dev"] == {
        "account": "rehearsal-local",
        "user": "ADMIN",
        "host": "127.0.0.1",
        "port": emulator.port,
        "protocol": "http",
    }
    assert keychain.load(keychain.connection_key("dev", "password")) == "Kept-in-the-keyring-1"
    for stored in (path, Path(file_keyring.file_path)):
        assert b"Kept-in-the-keyring-1" not in stored.read_bytes()


def test_saving_without_a_secret_touches_no_keyring(
    emulator: Emulator, snowflake_home: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())  # would refuse any secret
    try:
        path, backend = save(request(emulator, method="sso"), None)
        again, kept_in = save(request(emulator, name="later"), None)  # a password not given
    finally:
        keyring.set_keyring(previous)
    assert (backend, kept_in) == (None, None)
    assert files.list_connections(path)["dev"]["authenticator"] == "externalbrowser"
    assert "password" not in files.list_connections(again)["later"]


def test_saving_with_no_safe_keyring_saves_nothing(
    emulator: Emulator, snowflake_home: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(LoginError) as caught:
            save(request(emulator), "Never-stored-1")
    finally:
        keyring.set_keyring(previous)
    assert str(caught.value) == (
        "no secure keyring is available (found keyring.backends.null.Keyring). Install one, "
        "for example the Secret Service (apt-get install gnome-keyring) or 'pip install "
        "keyrings.cryptfile' and set "
        "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring; spcs-wizard "
        "does not store secrets in plain text."
    )
    assert not (snowflake_home / "connections.toml").exists()


def test_saving_with_a_file_that_would_hold_a_secret_is_refused(
    emulator: Emulator, snowflake_home: Path, file_keyring: CryptFileKeyring
) -> None:
    """The connections file refuses secret keys; login reports it as a LoginError."""
    with pytest.raises(files.ConnectionsFileError) as caught:
        files.save_connection("x", {"account": "a", "token": "t", "password": "p"})
    assert str(caught.value) == (
        "refusing to write password, token into connections.toml: secrets go to the OS keyring"
    )


# -- the keyring ---------------------------------------------------------------------------
def test_the_file_keyring_is_unlocked_by_its_variable_and_stays_encrypted(
    file_keyring: CryptFileKeyring,
) -> None:
    assert keychain.check() == "keyrings.cryptfile.cryptfile.CryptFileKeyring"
    assert file_keyring.keyring_key == UNLOCK
    keychain.store("connection:dev:password", "Encrypted-at-rest-1")
    again = CryptFileKeyring()  # a second process: the same file, the same unlock
    again.file_path = file_keyring.file_path  # type: ignore[misc]
    again.keyring_key = UNLOCK
    assert again.get_password(keychain.SERVICE, "connection:dev:password") == (
        "Encrypted-at-rest-1"
    )


def _chain(*members: keyring.backend.KeyringBackend) -> chainer.ChainerBackend:
    """keyring's own chain of backends (what it uses when several are installed), with
    these members instead of the ones installed here."""

    class Chain(chainer.ChainerBackend):
        @property
        def backends(self) -> list[keyring.backend.KeyringBackend]:  # type: ignore[override]
            return list(members)

    return Chain()


def test_a_chain_of_keyrings_is_usable_when_one_of_them_is_safe(
    file_keyring: CryptFileKeyring,
) -> None:
    keyring.set_keyring(_chain(null.Keyring(), file_keyring))
    assert keychain.check() == "keyrings.cryptfile.cryptfile.CryptFileKeyring"
    assert file_keyring.keyring_key == UNLOCK  # the member was unlocked, not the chain


def test_a_chain_of_only_unsafe_keyrings_is_refused() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(_chain(null.Keyring()))
    try:
        with pytest.raises(
            keychain.KeychainUnavailableError, match=r"found tests\.test_login\.Chain\)"
        ):
            keychain.check()
    finally:
        keyring.set_keyring(previous)


def test_deleting_what_is_not_there_says_so(file_keyring: CryptFileKeyring) -> None:
    assert keychain.delete("connection:nobody:password") is False
    keychain.store("connection:dev:password", "Delete-me-1")
    assert keychain.delete("connection:dev:password") is True
    assert keychain.delete("connection:dev:password") is False


def test_a_keyring_that_fails_to_store_says_how_to_unlock_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file keyring whose file cannot be written (a read-only directory)."""
    if os.geteuid() == 0:
        # root writes anywhere: a path under a file cannot be created by anyone
        target = tmp_path / "not-a-directory"
        target.write_text("")
        file_path = target / "sub" / "keyring.cfg"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        file_path = locked / "keyring.cfg"
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, UNLOCK)
    backend = CryptFileKeyring()
    backend.file_path = str(file_path)  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(keychain.KeychainUnavailableError) as caught:
            keychain.store("connection:dev:password", "Cannot-store-1")
    finally:
        keyring.set_keyring(previous)
    message = str(caught.value)
    assert message.startswith(
        "the keyring could not store 'connection:dev:password' "
        + (
            "(NotADirectoryError: [Errno 20] Not a directory: "
            if os.geteuid() == 0
            else "(PermissionError: [Errno 13] Permission denied: "
        )
    )
    assert message.endswith(
        "); unlock it, or set KEYRING_CRYPTFILE_PASSWORD for the encrypted-file keyring"
    )
    assert "Cannot-store-1" not in message


def _without_a_terminal(work: Callable[[], object]) -> str:
    """What ``work`` returned, or the exception it raised, run in a forked copy of this
    process that has no controlling terminal and nothing on stdin (a CI job, a cron job)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setsid()  # no controlling terminal: /dev/tty cannot be opened
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the child exits at once
            said = repr(work())
        except BaseException as exc:  # reported to the parent
            said = f"{type(exc).__name__}: {exc}"
        os.write(write, said.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    return said


def test_a_locked_keyring_with_no_one_to_ask_says_how_to_unlock_it(
    file_keyring: CryptFileKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The encrypted file exists and the unlock variable is not set: the keyring would ask
    for its password, and where there is no terminal it is not even opened (its prompt
    would echo, then fail): the message says how to unlock it."""
    keychain.store("connection:dev:password", "First-one-1")  # unlocked by the variable
    monkeypatch.delenv(keychain.CRYPTFILE_PASSWORD_ENV)
    locked = CryptFileKeyring()  # a new process's view of the same file: not unlocked
    locked.file_path = file_keyring.file_path  # type: ignore[misc]
    keyring.set_keyring(locked)
    said = _without_a_terminal(lambda: keychain.store("connection:dev:password", "Second-1"))
    assert said == (
        "KeychainUnavailableError: the encrypted-file keyring asks for its own password, "
        "and there is no terminal to ask on; set KEYRING_CRYPTFILE_PASSWORD, or run the "
        "command in a terminal"
    )
    assert file_keyring.get_password(keychain.SERVICE, "connection:dev:password") == ("First-one-1")


def test_an_unknown_login_failure_keeps_snowflakes_first_line_and_code() -> None:
    said = describe("dev", 123456, "  Something odd.\nsecond line\n")
    assert said == "connection 'dev': Something odd. [123456]"
    assert describe("dev", None, "   ") == "connection 'dev': no message"


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (394299, None),
        (394300, "The key-pair login was refused."),  # 394300-394306: JWT rejections
        (394306, "The key-pair login was refused."),
        (394307, None),
        (249999, None),
        (250000, "Snowflake could not be reached."),  # 250000-250009: could not connect
        (250009, "Snowflake could not be reached."),
        (250010, None),
    ],
)
def test_ranges_of_login_codes_end_where_the_connector_says(code: int, meaning: str | None) -> None:
    from spcs_wizard.credentials.login_errors import explain

    problem = explain(code, "no words to go by")
    assert (problem.sentence if problem else None) == meaning
    tagged = describe("dev", code, "no words to go by")
    assert tagged.endswith(f"no words to go by [{code}])" if meaning else f" [{code}]")


def test_an_mfa_login_sends_the_passcode(emulator: Emulator) -> None:
    with connect(emulator) as con:
        con.cursor().execute(
            "CREATE USER MFAUSER PASSWORD = 'Mfa-user-pw1-long' DEFAULT_ROLE = PUBLIC "
            "EXT_AUTHN_DUO = TRUE"
        )
    emulator.sessions.mfa_passcodes["MFAUSER"] = "246810"
    mfa = request(emulator, user="MFAUSER", method="mfa")
    with pytest.raises(LoginError, match="must use multi-factor authentication"):
        try_login(mfa, "Mfa-user-pw1-long")  # no passcode: refused
    who = try_login(mfa, "Mfa-user-pw1-long", passcode="246810")
    assert (who.user, who.role) == ("MFAUSER", "PUBLIC")
