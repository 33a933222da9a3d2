"""The keyring's own failures, in this process, with keyrings.cryptfile's encrypted file in
a temporary directory: what a person is told before it asks for its own password, and
what they are told when it cannot be opened (a wrong password for it, a broken file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null
from keyring.backends.chainer import ChainerBackend
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from spcs_wizard.credentials import keychain

RIGHT = "the-keyring-s-own-1"


@pytest.fixture
def use() -> Iterator[object]:
    """Sets the process's keyring to a backend for the test; the one before comes back."""
    previous = keyring.get_keyring()

    def set_backend(backend: object) -> object:
        keyring.set_keyring(backend)  # type: ignore[arg-type]
        return backend

    yield set_backend
    keyring.set_keyring(previous)


def locked_file(path: Path) -> CryptFileKeyring:
    """A process's first view of the encrypted file at ``path``: not unlocked yet."""
    backend = CryptFileKeyring()
    backend.file_path = str(path)  # type: ignore[misc]
    return backend


def made(path: Path, **entries: str) -> None:
    """The encrypted file at ``path``, made with password RIGHT, holding ``entries``."""
    backend = locked_file(path)
    backend.keyring_key = RIGHT
    for key, value in entries.items():
        backend.set_password(keychain.SERVICE, key, value)


def test_before_the_encrypted_file_asks_for_its_password_the_person_is_told_why(
    tmp_path: Path, use, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(keychain.CRYPTFILE_PASSWORD_ENV, raising=False)
    missing = tmp_path / "new" / "keyring.cfg"
    use(locked_file(missing))
    assert keychain.prompt_note() == (
        f"Your keyring is an encrypted file ({missing}) that does not exist yet: it asks you "
        "to choose its password next. spcs-wizard keeps passwords in it; you will need "
        "that password again to read them (or set KEYRING_CRYPTFILE_PASSWORD)."
    )
    assert keychain.prompt_note(creating=True) == keychain.prompt_note()
    # Reading a file that is not there asks nothing.
    assert keychain.prompt_note(creating=False) is None

    there = tmp_path / "keyring.cfg"
    made(there, a="b")
    use(locked_file(there))
    said = (
        f"Your keyring (the encrypted file {there}) asks for its own password next: "
        "the one chosen when it was made."
    )
    assert keychain.prompt_note() == said
    assert keychain.prompt_note(creating=False) == said

    # The unlock variable answers it: nothing to say.
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, RIGHT)
    assert keychain.prompt_note() is None
    monkeypatch.delenv(keychain.CRYPTFILE_PASSWORD_ENV)
    # Unlocked already, or not an encrypted file: it will not ask.
    unlocked = use(locked_file(there))
    unlocked.keyring_key = RIGHT  # type: ignore[attr-defined]
    assert keychain.prompt_note() is None
    use(null.Keyring())
    assert keychain.prompt_note() is None


def test_only_an_encrypted_file_not_unlocked_yet_would_prompt(tmp_path: Path) -> None:
    backend = locked_file(tmp_path / "keyring.cfg")
    assert keychain._locked_file(backend) is True
    backend.keyring_key = RIGHT
    assert keychain._locked_file(backend) is False
    assert keychain._locked_file(null.Keyring()) is False


def test_each_way_a_keyring_cannot_be_opened_is_said_in_words() -> None:
    assert keychain._why(EOFError()) == (
        "it asked for its own password, and there was no terminal to answer on"
    )
    assert keychain._why(ValueError("MAC check failed")) == (
        "the password given for the keyring itself is not its password"
    )
    assert keychain._why(ValueError("bad padding")) == "ValueError: bad padding"
    assert keychain._why(OSError("disk full")) == "OSError: disk full"


def test_a_wrong_password_for_the_keyring_is_said_and_nothing_is_read_or_removed(
    tmp_path: Path, use, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    there = tmp_path / "keyring.cfg"
    made(there, **{"connection:dev:password": "Kept-1"})
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, "not-the-password")
    use(locked_file(there))
    said = (
        "the keyring could not be opened (the password given for the keyring itself is "
        "not its password); check KEYRING_CRYPTFILE_PASSWORD"
    )
    with pytest.raises(keychain.KeychainUnavailableError) as caught:
        keychain.check()
    assert str(caught.value) == said
    with pytest.raises(keychain.KeychainUnavailableError) as caught:
        keychain.load_strict("connection:dev:password")
    assert str(caught.value) == said
    assert keychain.load("connection:dev:password") is None
    assert keychain.delete("connection:dev:password") is False
    # The right password opens it again, and the entry is still there.
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, RIGHT)
    assert keychain.load_strict("connection:dev:password") == "Kept-1"
    assert keychain.check() == "keyrings.cryptfile.cryptfile.CryptFileKeyring"


def test_a_broken_keyring_file_is_said_with_what_to_do(
    tmp_path: Path, use, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "keyring.cfg"
    broken.write_text("[half a section\nkey = value\n")
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, RIGHT)
    use(locked_file(broken))
    with pytest.raises(keychain.KeychainUnavailableError) as caught:
        keychain.check()
    message = str(caught.value)
    assert message.startswith(
        "the keyring's file cannot be read (MissingSectionHeaderError: File contains no "
        "section headers."
    )
    assert message.endswith("); move it aside, or choose another keyring")
    assert keychain.load("anything") is None


def test_a_file_swapped_for_one_with_another_password_is_said_when_read(
    tmp_path: Path, use, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The keyring opened with its password, then its file replaced by one made with
    another (a restored backup, another machine's): reading says why it cannot."""
    ours, theirs = tmp_path / "keyring.cfg", tmp_path / "other.cfg"
    made(ours, k="ours-1")
    other = locked_file(theirs)
    other.keyring_key = "another-password-2"
    other.set_password(keychain.SERVICE, "k", "theirs-2")
    monkeypatch.setenv(keychain.CRYPTFILE_PASSWORD_ENV, RIGHT)
    use(locked_file(ours))
    assert keychain.load_strict("k") == "ours-1"
    ours.write_bytes(theirs.read_bytes())
    with pytest.raises(keychain.KeychainUnavailableError) as caught:
        keychain.load_strict("k")
    assert str(caught.value) == (
        "the keyring could not be opened (the password given for the keyring itself is "
        "not its password); run the command again in a terminal, or set "
        "KEYRING_CRYPTFILE_PASSWORD for the encrypted-file keyring"
    )


def chain(*backends: object) -> ChainerBackend:
    """keyring's chain of backends, holding the ones given (in that order)."""
    return type("Chain", (ChainerBackend,), {"backends": list(backends)})()  # type: ignore[no-any-return]


def test_in_a_chain_of_keyrings_the_encrypted_file_that_will_ask_is_the_one_named(
    tmp_path: Path, use, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(keychain.CRYPTFILE_PASSWORD_ENV, raising=False)
    unlocked = locked_file(tmp_path / "first.cfg")
    unlocked.keyring_key = RIGHT
    waiting = tmp_path / "second.cfg"
    made(waiting)
    use(chain(unlocked, locked_file(waiting)))
    assert keychain.prompt_note() == (
        f"Your keyring (the encrypted file {waiting}) asks for its own password next: "
        "the one chosen when it was made."
    )
