"""The deployments this machine knows, so the wizard can list them and pick any back up.

Each deployment's local state directory holds ``known.json`` beside ``state.json``:
where it went (a connection's name, or the rehearsal), its settings, and when it was
last used. Names and settings only, never a secret. The settings the wizard's Naming
step last had are kept as a draft (``<state home>/wizard-draft.toml``) for its next
start.
"""

from __future__ import annotations

import contextlib
import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from spcs_wizard.model.config_file import ConfigError, save_deployment, to_toml, validate
from spcs_wizard.paths import state_home

if TYPE_CHECKING:
    from collections.abc import Callable

    from spcs_wizard.engine.deployment_session import DeploymentSession
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment

RECORD = "known.json"
DRAFT = "wizard-draft.toml"
# How far a deployment got, by its local record: nothing of it made, part of it, all.
Progress = Literal["start", "deploy", "monitor"]
PROGRESS_WORDS: dict[str, str] = {
    "start": "nothing made",
    "deploy": "partly",
    "monitor": "deployed",
}


@dataclass(frozen=True)
class KnownDeployment:
    deployment: Deployment
    connection_name: str | None  # None: the rehearsal
    last_used: float
    progress: Progress  # from the local record (what this tool made and has not removed)
    cut_short: tuple[str, ...] = ()  # steps begun and not known to have ended

    @property
    def rehearsal(self) -> bool:
        return self.connection_name is None

    @property
    def where(self) -> str:
        return "rehearsal" if self.rehearsal else f"connection {self.connection_name}"

    @property
    def place(self) -> str:
        """Short: "rehearsal", or the connection's name."""
        return self.connection_name or "rehearsal"

    @property
    def key(self) -> str:
        """Unique on this machine: the same id may be deployed to two places."""
        return f"{self.deployment.deployment_id}@{self.connection_name or '-rehearsal'}"

    @property
    def recorded(self) -> str:
        """The local record in words: "deployed", "partly, cut short"."""
        words = PROGRESS_WORDS[self.progress]
        return words + (", cut short" if self.cut_short else "")


def remember(
    state_dir: Path,
    deployment: Deployment,
    connection_name: str | None,
    workshop: str | None = None,
) -> None:
    """Record (or refresh) a deployment the tool is about to work on; ``workshop``: an
    attendee's, which the class dashboard lists instead of the wizard's Welcome."""
    state_dir.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {
        "deployment_id": deployment.deployment_id,
        "connection": connection_name,
        "last_used": time.time(),
        "settings": to_toml(deployment, with_comments=False),
    }
    if workshop is not None:
        record["workshop"] = workshop
    _write(state_dir, record)


def _write(state_dir: Path, record: dict[str, Any]) -> None:
    tmp = state_dir / (RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    tmp.replace(state_dir / RECORD)  # atomic: a kill never leaves half a record


def _load(state_dir: Path) -> dict[str, Any] | None:
    """The record as written, or None (none, unreadable, or not an object)."""
    try:
        data = json.loads((state_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def refresh(state_dir: Path, deployment: Deployment, connection_name: str | None) -> None:
    """``remember`` again, if the deployment is known already (a teardown: its record
    then says how far it is, and drops a note of an earlier run cut short)."""
    record = _load(state_dir)
    if record is not None:
        workshop = record.get("workshop")
        remember(
            state_dir, deployment, connection_name, workshop if isinstance(workshop, str) else None
        )


def mark_left(state_dir: Path, step_id: str) -> None:
    """The run was left while ``step_id`` ran (the wizard closed without waiting): the next
    start says so, until the next run begins (``remember`` writes the record anew)."""
    record = _load(state_dir)
    if record is None:
        return  # no record to add it to: the state's own pending steps still tell
    record["left_at"] = step_id
    _write(state_dir, record)


def left_at(state_dir: Path) -> str | None:
    """The step a run was left at (``mark_left``), if the record says so."""
    step = (_load(state_dir) or {}).get("left_at")
    return step if isinstance(step, str) else None


def _read(directory: Path) -> tuple[Deployment, str | None, float] | None:
    """One record, or None for a directory without a readable one (a state written
    before records existed, a file edited by hand into something invalid)."""
    data = _load(directory)
    if data is None or data.get("workshop"):  # an attendee's: the class dashboard's
        return None
    try:
        deployment = validate(tomllib.loads(data["settings"]))
        connection = data.get("connection")
        return deployment, connection if isinstance(connection, str) else None, data["last_used"]
    except (ValueError, KeyError, TypeError):  # bad TOML or settings are ValueErrors too
        return None


def known(rehearsal_dir: Path) -> list[KnownDeployment]:
    """Every deployment this machine has a record of and something made, the last used
    first: the real accounts' (under the state home) and the rehearsal's (under
    ``rehearsal_dir``)."""
    found = []
    for root in (state_home() / "deployments", rehearsal_dir / "deployments"):
        for directory in sorted(root.glob("*")) if root.is_dir() else ():
            read = _read(directory)
            if read is None:
                continue
            # (Imported once there is a record: a first start has none, and the plan's
            # modules are a fair part of the work just after the wizard's first frame.)
            from spcs_wizard.engine.deployment_session import DeploymentSession, Target
            from spcs_wizard.engine.rehearsal import Rehearsal

            deployment, connection, last_used = read
            in_rehearsal = root.parent == rehearsal_dir
            if in_rehearsal != (connection is None):
                continue  # a record copied between the two places: not where it says
            target = (
                Target(rehearsal=Rehearsal(directory=rehearsal_dir))  # not started: its paths
                if in_rehearsal
                else Target(connection)
            )
            session = DeploymentSession(target, deployment)
            try:
                record = session.record()
                progress, pending = record.point, tuple(sorted(record.pending))
            except ValueError:  # an unreadable state: listed, as far as it is known
                progress, pending = "deploy", ()
            if progress == "start":
                # Nothing of ours in the account: an image push begun then (a deploy that
                # failed at its push, then torn down) went to a repository that is gone
                # with the database, so it is no run to pick up.
                pending = tuple(p for p in pending if not p.startswith("image-"))
                if not pending:
                    continue  # nothing made (refused before its first change, torn down)
            found.append(KnownDeployment(deployment, connection, last_used, progress, pending))
    return sorted(found, key=lambda k: k.last_used, reverse=True)


@dataclass(frozen=True)
class LiveStatus:
    condition: str  # Snapshot.condition, or "unknown" with the reason in ``detail``
    credits_per_hour: float | None
    detail: str = ""


def can_probe_quietly(connection_name: str | None) -> bool:
    """Whether a status look needs nobody: not a browser sign-in or an MFA prompt."""
    if connection_name is None:
        return True
    from spcs_wizard.connection import MFA, ConnectionFailedError, connection_parameters

    try:
        params = connection_parameters(connection_name)
    except (ConnectionFailedError, ValueError, OSError):  # no such connection, a bad file
        return False
    authenticator = str(params.get("authenticator") or "").lower()
    return authenticator not in (MFA, "externalbrowser")


def probe(session: DeploymentSession, connect: Callable[[], SqlRunner]) -> LiveStatus:
    """One look at the deployment in its account: its condition and what it costs now.
    Any failure is a status too ("unknown", with the reason), never an exception."""
    try:
        runner = connect()
    except Exception as exc:  # unreachable, refused: said in the row
        return LiveStatus("unknown", None, f"not reached: {exc}")
    try:
        snap = session.snapshot(runner)
    except Exception as exc:
        return LiveStatus("unknown", None, f"status failed: {exc}")
    finally:
        with contextlib.suppress(Exception):
            runner.con.close()
    return LiveStatus(snap.condition, snap.credits_per_hour)


def save_draft(deployment: Deployment) -> None:
    """The wizard's settings for its next start (what Naming last had)."""
    save_deployment(deployment, state_home() / DRAFT)


def load_draft() -> Deployment | None:
    """The last draft, or None (none yet, or no longer valid: the defaults then)."""
    try:
        return validate(tomllib.loads((state_home() / DRAFT).read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ConfigError):
        return None


def starting_deployment(given: Deployment) -> tuple[Deployment, bool]:
    """What the wizard starts with: the settings given (a file, the environment, flags),
    else the draft Naming left last time. True when it is the draft."""
    from spcs_wizard.model.deployment import Deployment

    if given != Deployment():
        return given, False
    draft = load_draft()
    return (draft, True) if draft is not None else (given, False)
