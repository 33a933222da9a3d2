"""Each attendee's passwords: made up here, kept in the instructor's keyring, given out
only by ``workshop handout``.

An attendee's deployment needs two: the password of their Snowflake user (they sign in
with it, and Snowflake asks them to enrol in MFA at first sign-in) and the notebook's.
On an account they sit under the same keyring entries ``spcs-wizard deploy`` uses for a
deployment (``deployment:<id>:<secret>``), so the instructor's other commands find them.
A rehearsal's go under ``rehearsal:deployment:...``; with no usable keyring, a
rehearsal keeps them in memory for the run (an emulator's throwaway users) and an
account's provisioning stops before any change.
"""

from __future__ import annotations

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
    _memory: dict[str, str] = field(default_factory=dict, repr=False)
    _keyring: bool | None = None

    def _key(self, d: Deployment, secret: str) -> str:
        key = keychain.deployment_key(d.deployment_id, secret)
        return f"rehearsal:{key}" if self.rehearsal else key

    def usable(self) -> bool:
        """Whether the keyring can keep them (checked once)."""
        if self._keyring is None:
            try:
                keychain.check()
                self._keyring = True
            except keychain.KeychainUnavailableError:
                self._keyring = False
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

    def ensure(self, d: Deployment) -> dict[str, str]:
        """The attendee's passwords, made up (and kept) the first time."""
        found = {}
        for secret in ATTENDEE_SECRETS:
            value = self.load(d, secret)
            if value is None:
                value = new_password()
                self._store(d, secret, value)
            found[secret] = value
        return found

    def load(self, d: Deployment, secret: str) -> str | None:
        key = self._key(d, secret)
        if key in self._memory:
            return self._memory[key]
        return keychain.load(key) if self.usable() else None

    def _store(self, d: Deployment, secret: str, value: str) -> None:
        key = self._key(d, secret)
        if self.usable():
            try:
                keychain.store(key, value)
                return
            except keychain.KeychainUnavailableError as exc:
                if not self.rehearsal:
                    raise CredentialsUnavailableError(str(exc)) from None
        self._memory[key] = value

    def forget(self, d: Deployment) -> None:
        """After the attendee's user is gone: their passwords open nothing any more."""
        for secret in ATTENDEE_SECRETS:
            key = self._key(d, secret)
            self._memory.pop(key, None)
            if self.usable():
                keychain.delete(key)
