"""Asking for the deployment's secrets before a step that needs them runs: from the
environment or the keyring first (a worker: keyring I/O stays off the UI thread), then
a dialog for what is still missing. Build & push and Deploy both start this way, so a
real account is asked wherever the secrets are first needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.screens.secrets_dialog import SecretsDialog

if TYPE_CHECKING:
    from spcs_wizard.model.sql import SecretSlot


class AsksForSecrets(WizardScreen):
    """A step screen whose main action needs the deployment's secrets."""

    def with_secrets(self, proceed: Callable[[], object], *, images_only: bool = False) -> None:
        """Call ``proceed`` on the UI thread once every secret the (partial) plan needs
        is known; ``secrets_refused`` when the dialog is cancelled."""
        self._find_secrets(proceed, images_only)

    def secrets_refused(self) -> None:
        raise NotImplementedError

    def confirm_billable(self, proceed: Callable[[], object]) -> None:
        """On a real account, say what starting compute costs and ``proceed`` on Yes; a
        rehearsal bills nothing and goes straight on."""
        session = self.wizard.session
        if session.target.is_rehearsal:
            proceed()
            return
        self.ask_first(
            f"Create and start {session.deployment.deployment_id}?",
            "deploy",
            confirm="Create and start",
            danger=False,
            then=proceed,
        )

    @work(thread=True, exclusive=True, group="secrets")
    def _find_secrets(self, proceed: Callable[[], object], images_only: bool) -> None:
        missing = self.wizard.session.missing_secrets(images_only=images_only)
        self.from_worker(self._ask_or_proceed, missing, proceed)

    def _ask_or_proceed(self, missing: list[SecretSlot], proceed: Callable[[], object]) -> None:
        if not missing:
            proceed()
            return

        def given(values: dict[str, str] | None) -> None:
            if values is None:
                self.secrets_refused()
                return
            self._keep_secrets(missing, values, proceed)

        self.app.push_screen(SecretsDialog(missing), given)

    @work(thread=True, exclusive=True, group="secrets")
    def _keep_secrets(
        self, slots: list[SecretSlot], values: dict[str, str], proceed: Callable[[], object]
    ) -> None:
        for slot in slots:
            problem = self.wizard.session.give_secret(slot, values[slot.key])
            if problem:
                self.from_worker(self.notify, f"Not kept: {problem}", severity="warning")
        self.from_worker(proceed)
