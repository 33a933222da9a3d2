"""Secrets in the OS keyring, under the service name ``spcs-wizard``.

Entries are named ``connection:<name>:<kind>`` (kind: password, token,
private_key_passphrase) and ``deployment:<id>:<secret>`` (the Milvus user's and the
notebook's passwords). A backend that would keep secrets in plain text, or none at all,
is refused with a message saying what to install: this tool never falls back silently.
"""

from __future__ import annotations

import configparser
import os
import sys
import threading
import weakref
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "spcs-wizard"
# Unlocks the encrypted-file backend (keyrings.cryptfile) without a prompt, for machines
# with no desktop keyring (servers, CI); its file stays encrypted on disk.
CRYPTFILE_PASSWORD_ENV = "KEYRING_CRYPTFILE_PASSWORD"
# The password each file backend was unlocked with: derivation (Argon2) is slow.
_UNLOCKED: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_INSECURE = ("PlaintextKeyring", "fail.Keyring", "null.Keyring")
# Keyring backends are not made for threads: two first uses of the encrypted file at once
# both create it, and it ends up unreadable. One call at a time (a workshop's attendees
# run side by side).
_LOCK = threading.RLock()


class KeychainUnavailableError(RuntimeError):
    pass


def _backends(backend: KeyringBackend) -> list[KeyringBackend]:
    children = getattr(backend, "backends", None)
    return list(children) if children else [backend]


def _name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def check() -> str:
    """The backend in use, or KeychainUnavailableError when none keeps secrets safely."""
    with _LOCK:
        try:
            return _check()
        except configparser.Error as exc:  # the encrypted file's own layout is broken
            raise KeychainUnavailableError(
                f"the keyring's file cannot be read ({type(exc).__name__}: {exc}); move it "
                "aside, or choose another keyring"
            ) from None
        except ValueError as exc:  # the encrypted file, unlocked with a wrong password
            raise KeychainUnavailableError(
                f"the keyring could not be opened ({_why(exc)}); check {CRYPTFILE_PASSWORD_ENV}"
            ) from None


def _check() -> str:
    backend = keyring.get_keyring()
    password = os.environ.get(CRYPTFILE_PASSWORD_ENV)
    if password:
        for candidate in _backends(backend):
            if (
                type(candidate).__name__ == "CryptFileKeyring"
                and _UNLOCKED.get(candidate) != password
            ):
                candidate.keyring_key = password  # type: ignore[attr-defined]
                _UNLOCKED[candidate] = password
    usable = [b for b in _backends(backend) if not any(bad in _name(b) for bad in _INSECURE)]
    if usable and not password and not sys.stdin.isatty() and _locked_file(usable[0]):
        # Opening it would ask for its password on a terminal there is not (the prompt
        # falls back to echoing input, then fails): say so instead.
        raise KeychainUnavailableError(
            "the encrypted-file keyring asks for its own password, and there is no terminal "
            f"to ask on; set {CRYPTFILE_PASSWORD_ENV}, or run the command in a terminal"
        )
    if not usable:
        raise KeychainUnavailableError(
            f"no secure keyring is available (found {_name(backend)}). Install one, for "
            "example the Secret Service (apt-get install gnome-keyring) or "
            "'pip install keyrings.cryptfile' and set "
            "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring; "
            "spcs-wizard does not store secrets in plain text."
        )
    return _name(usable[0])


def _locked_file(backend: KeyringBackend) -> bool:
    """keyrings.cryptfile's backend, not unlocked yet (it would prompt)."""
    # The backend sets _keyring_key (None) when it is made; keyring_key would prompt.
    return (
        type(backend).__name__ == "CryptFileKeyring" and vars(backend).get("_keyring_key") is None
    )


def connection_key(connection: str, kind: str) -> str:
    return f"connection:{connection}:{kind}"


def deployment_key(deployment_id: str, secret: str) -> str:
    return f"deployment:{deployment_id}:{secret}"


def store(key: str, value: str) -> None:
    with _LOCK:
        _store(key, value)


# What a keyring raises when it cannot be opened: EOFError when it asks for its own
# password and no input is left; ValueError ("MAC check failed") from the encrypted file
# when the password given is wrong.
_UNOPENED = (KeyringError, EOFError, OSError, configparser.Error, ValueError)


def _why(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "it asked for its own password, and there was no terminal to answer on"
    if isinstance(exc, ValueError) and "MAC check" in str(exc):
        return "the password given for the keyring itself is not its password"
    return f"{type(exc).__name__}: {exc}"


def _store(key: str, value: str) -> None:
    try:
        check()  # unlocking the encrypted file creates it: that can fail as storing does
        keyring.set_password(SERVICE, key, value)
    except _UNOPENED as exc:
        raise KeychainUnavailableError(
            f"the keyring could not store {key!r} ({_why(exc)}); unlock it, "
            f"or set {CRYPTFILE_PASSWORD_ENV} for the encrypted-file keyring"
        ) from None


def load(key: str) -> str | None:
    """The secret, or None when it is missing or the keyring cannot be opened."""
    try:
        return load_strict(key)
    except KeychainUnavailableError:
        return None


def load_strict(key: str) -> str | None:
    """The secret, or None when it is missing; KeychainUnavailableError, saying why, when
    the keyring cannot be opened (a wrong password for it, no terminal to ask on)."""
    with _LOCK:
        check()
        try:
            return keyring.get_password(SERVICE, key)
        except _UNOPENED as exc:
            raise KeychainUnavailableError(
                f"the keyring could not be opened ({_why(exc)}); run the command again in a "
                f"terminal, or set {CRYPTFILE_PASSWORD_ENV} for the encrypted-file keyring"
            ) from None


def delete(key: str) -> bool:
    with _LOCK:
        try:
            check()
            keyring.delete_password(SERVICE, key)
        except (PasswordDeleteError, KeychainUnavailableError, *_UNOPENED):
            return False
        return True


def prompt_note(creating: bool = True) -> str | None:
    """What to tell a person before the encrypted-file keyring asks for its own password
    (its prompt says nothing of what it is for); None when it will not ask. Reading a
    keyring file that does not exist asks nothing; storing makes it (``creating``)."""
    if os.environ.get(CRYPTFILE_PASSWORD_ENV):
        return None
    for backend in _backends(keyring.get_keyring()):
        if not _locked_file(backend):
            continue
        path = backend.file_path  # type: ignore[attr-defined]  # a CryptFileKeyring's
        if os.path.exists(path):
            return (
                f"Your keyring (the encrypted file {path}) asks for its own password next: "
                "the one chosen when it was made."
            )
        if not creating:
            return None
        return (
            f"Your keyring is an encrypted file ({path}) that does not exist yet: it asks you "
            "to choose its password next. spcs-wizard keeps passwords in it; you will need "
            f"that password again to read them (or set {CRYPTFILE_PASSWORD_ENV})."
        )
    return None
