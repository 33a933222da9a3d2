"""Each attendee's passwords: made up here, kept in the instructor's keyring, given out
only by ``workshop handout``.

An attendee's deployment needs two: the password of their Snowflake user (they sign in
with it, and Snowflake asks them to enrol in MFA at first sign-in) and the notebook's.
A class's passwords are one keyring entry (``workshop:<connection>:<name>``, or
``rehearsal:workshop:<name>``), a JSON object by deployment: an encrypted-file keyring
spends about 0.4 s on each read or write (its key derivation), so thirty attendees' sixty
passwords are one read and one write, not a minute. With no usable keyring, a rehearsal
keeps them in memory for the run (an emulator's throwaway users) and an account's
provisioning stops before any change.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from spcs_wizard.credentials import keychain
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.secret_rules import new_password

# The secrets a workshop makes for each attendee, and what they are called in a handout.
ATTENDEE_SECRETS = {
    "milvus_user_password": "Snowflake password",
    "jupyter_password": "notebook password",
}


class CredentialsUnavailableError(RuntimeError):
    pass


@dataclass
class AttendeeCredentials:
    rehearsal: bool
    key: str  # the class's keyring entry
    _known: dict[str, dict[str, str]] | None = field(default=None, repr=False)
    _keyring: bool | None = None
    unopened: str = ""  # why a rehearsal's keyring could not be opened (its passwords: memory)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def of(cls, workshop: str, connection: str | None) -> AttendeeCredentials:
        """The credentials of workshop ``workshop`` on a connection (None: the rehearsal)."""
        if connection is None:
            return cls(rehearsal=True, key=f"rehearsal:workshop:{workshop}")
        return cls(rehearsal=False, key=f"workshop:{connection}:{workshop}")

    def usable(self) -> bool:
        """Whether the keyring can keep them (checked once)."""
        if self._keyring is None:
            try:
                keychain.check()
                self._keyring = True
            except keychain.KeychainUnavailableError as exc:
                self._keyring = False
                self.unopened = str(exc)
        return self._keyring

    def require(self) -> None:
        """Before anything is made: an account's passwords must have somewhere safe to go."""
        if self.rehearsal or self.usable():
            return
        try:
            keychain.check()
        except keychain.KeychainUnavailableError as exc:
            raise CredentialsUnavailableError(
                f"the attendees' passwords need the keyring, and it cannot be used: {exc}"
            ) from None

    def _all(self) -> dict[str, dict[str, str]]:
        with self._lock:
            if self._known is None:
                text = None
                if self.usable():
                    try:
                        text = keychain.load_strict(self.key)
                    except keychain.KeychainUnavailableError as exc:
                        if not self.rehearsal:
                            raise CredentialsUnavailableError(str(exc)) from None
                        self.unopened = str(exc)  # a rehearsal goes on, in memory
                elif not self.rehearsal:  # an account's passwords are only in the keyring
                    raise CredentialsUnavailableError(self.unopened)
                try:
                    loaded = json.loads(text) if text else {}
                except ValueError:
                    loaded = {}
                self._known = loaded if isinstance(loaded, dict) else {}
            return self._known

    def ensure(self, deployments: list[Deployment]) -> dict[str, dict[str, str]]:
        """Each deployment's passwords, made up (and kept, in one write) the first time."""
        with self._lock:
            known = self._all()
            made = False
            for d in deployments:
                mine = known.setdefault(d.deployment_id, {})
                for secret in ATTENDEE_SECRETS:
                    if not mine.get(secret):
                        mine[secret] = new_password()
                        made = True
            if made:
                self._save()
            return {d.deployment_id: dict(known[d.deployment_id]) for d in deployments}

    def renew(self, deployments: list[Deployment]) -> dict[str, dict[str, str]]:
        """New passwords for these deployments, kept (in one write) before they are used."""
        with self._lock:
            known = self._all()
            for d in deployments:
                known[d.deployment_id] = {secret: new_password() for secret in ATTENDEE_SECRETS}
            self._save()
            return {d.deployment_id: dict(known[d.deployment_id]) for d in deployments}

    def load(self, d: Deployment, secret: str) -> str | None:
        with self._lock:
            return self._all().get(d.deployment_id, {}).get(secret)

    def forget(self, deployments: list[Deployment]) -> None:
        """After their users are gone: their passwords open nothing any more."""
        with self._lock:
            known = self._all()
            gone = [d for d in deployments if known.pop(d.deployment_id, None) is not None]
            if gone:
                self._save()

    def _save(self) -> None:
        assert self._known is not None
        if not self.usable():
            return  # a rehearsal without a keyring: in memory, for this run
        try:
            if self._known:
                keychain.store(self.key, json.dumps(self._known))
            else:
                keychain.delete(self.key)
        except keychain.KeychainUnavailableError as exc:
            if not self.rehearsal:
                raise CredentialsUnavailableError(str(exc)) from None
