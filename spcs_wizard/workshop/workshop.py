"""A workshop on one shared account: its name, its attendees, the settings each
attendee's deployment starts from, and the local record the instructor's commands share.

Every attendee gets a deployment of their own (the settings with the attendee's prefix):
their own role, user, warehouse, database, compute pools and services. The role is given
only its own deployment's objects, so an attendee can neither see nor touch another's.

The record (``<state home>/workshops/<name>/workshop.json``, with the settings beside it
in ``settings.toml``) holds names, settings, which attendee's run made the account-wide
objects, and each attendee's last error: never a password (those go to the keyring).
"""

from __future__ import annotations

import contextlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.model import identifiers
from spcs_wizard.model.config_file import ConfigError, save_deployment, validate, with_settings
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.paths import state_home
from spcs_wizard.workshop.roster import Attendee
from spcs_wizard.workshop.shared_pools import (
    POOL_SHAPES,
    PoolShape,
    PoolSizeError,
    SharedPool,
    check_node_limit,
    shared_pools,
    with_shared_pools,
)

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Target

DEFAULT_NAME = "WORKSHOP"
DEFAULT_HOURS = 3.0
DEFAULT_CONNECTIONS = 8  # at most this many attendees' deployments run at once
RECORD = "workshop.json"
SETTINGS = "settings.toml"


class WorkshopError(ValueError):
    """Settings or a record a workshop cannot use; the message says what to change."""


class NotRecordedError(WorkshopError):
    """No record of the workshop: never provisioned here, or torn down."""


def workshop_name(value: str) -> str:
    """The workshop's name as it goes in front of each attendee's prefix (upper case)."""
    try:
        name = identifiers.parse(value.strip().rstrip("_"), what="workshop name").name
    except identifiers.IdentifierError as exc:
        raise WorkshopError(str(exc)) from None
    if len(name) > 40:
        raise WorkshopError(f"the workshop name {value!r} is longer than 40 characters")
    return name


def check_settings(settings: Deployment) -> None:
    """Refuse settings a workshop cannot give each attendee."""
    if settings.prefix:
        raise WorkshopError(
            f"the settings have the prefix {settings.prefix!r}; a workshop gives each "
            "attendee their own prefix (<workshop>_<attendee>_): leave prefix out"
        )
    if not settings.user.create:
        raise WorkshopError(
            "the settings have user.create = false; a workshop makes one user per attendee "
            "(each signs in as themselves): leave user.create at true"
        )
    if any(settings.service(key).pool.shared for key in settings.service_keys):
        raise WorkshopError(
            "the settings mark a compute pool as shared (pool.shared); a workshop names and "
            "sizes its shared pools itself: leave pool.shared out and use --pools shared"
        )
    if settings.image_repository.database:
        raise WorkshopError(
            "the settings put the image repository in a database of its own "
            "(image_repository.database); a workshop names the class's itself: leave it out "
            "and use --images shared"
        )
    if settings.user.grant_to:
        raise WorkshopError(
            "the settings grant the role to existing users (user.grant_to); in a workshop "
            "every attendee gets their own role: leave user.grant_to out"
        )


@dataclass
class Workshop:
    name: str
    attendees: list[Attendee]
    settings: Deployment
    hours: float = DEFAULT_HOURS
    connections: int = DEFAULT_CONNECTIONS
    # The attendee whose run made the account-wide objects (the OAuth integration and
    # the account grants), when the account did not have them: teardown removes them
    # with that attendee, last, so the account is left as it was.
    shared_made_by: str | None = None
    last_errors: dict[str, str] = field(default_factory=dict)
    # "each": two compute pools per attendee; "shared": one per service for the class.
    pools: PoolShape = "each"
    # "shared": one image repository for the class (<name>_IMAGES), the images copied
    # once; "each": a repository in every attendee's database.
    images: PoolShape = "shared"

    def __post_init__(self) -> None:
        check_settings(self.settings)
        if not self.attendees:
            raise WorkshopError("a workshop needs at least one attendee")
        for option, shape in (("--pools", self.pools), ("--images", self.images)):
            if shape not in POOL_SHAPES:
                raise WorkshopError(f"{option} is each or shared, not {shape!r}")
        try:
            nodes = sum(p.max_nodes for p in self.shared_pools) or len(self.attendees) * sum(
                self.settings.service(key).pool.max_nodes for key in self.settings.service_keys
            )
            check_node_limit(nodes, self.pools)
        except PoolSizeError as exc:
            raise WorkshopError(str(exc)) from None
        if not 0 < self.hours <= 24 * 14:
            raise WorkshopError(f"--hours must be more than 0 and at most 336, not {self.hours:g}")
        if not 1 <= self.connections <= 32:
            raise WorkshopError(f"--connections must be from 1 to 32, not {self.connections}")

    @property
    def images_database(self) -> str:
        """The database of the class's shared image repository."""
        return f"{self.name}_IMAGES"

    @property
    def shared_pools(self) -> list[SharedPool]:
        """The class's pools when they are shared (none when each attendee has theirs)."""
        if self.pools != "shared":
            return []
        return shared_pools(self.name, self.settings, len(self.attendees))

    def deployment(self, attendee: Attendee) -> Deployment:
        changes = {"prefix": attendee.prefix(self.name), **with_shared_pools(self.shared_pools)}
        if self.images == "shared":
            changes["image_repository.database"] = self.images_database
        try:
            return with_settings(self.settings, changes, "workshop")
        except ConfigError as exc:
            raise WorkshopError(f"{attendee.name}: {exc}") from None

    def attendee(self, who: str) -> Attendee:
        """An attendee by slug, name, email or prefix (any case)."""
        wanted = who.strip().lower()
        exact = [
            a for a in self.attendees if wanted in {a.slug.lower(), a.prefix(self.name).lower()}
        ]
        if exact:
            return exact[0]  # slugs are unique
        found = [a for a in self.attendees if wanted in {a.name.lower(), a.email.lower()} - {""}]
        if len(found) > 1:  # two people of one name: never guess whose passwords to give
            slugs = " or ".join(a.slug for a in found)
            raise WorkshopError(
                f"{len(found)} attendees of workshop {self.name} are called {who!r}: name one "
                f"by {slugs} (or by their email)"
            )
        if found:
            return found[0]
        known = ", ".join(a.slug for a in self.attendees[:8])
        more = ", ..." if len(self.attendees) > 8 else ""
        raise WorkshopError(
            f"no attendee {who!r} in workshop {self.name} (attendees: {known}{more})"
        )

    # -- the record ---------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write atomically (a crash mid-write never leaves half a record)."""
        directory.mkdir(parents=True, exist_ok=True)
        save_deployment(self.settings, directory / SETTINGS)
        data = {
            "name": self.name,
            "hours": self.hours,
            "connections": self.connections,
            "attendees": [a.to_dict() for a in self.attendees],
            "shared_made_by": self.shared_made_by,
            "last_errors": self.last_errors,
            "pools": self.pools,
            "images": self.images,
        }
        tmp = directory / (RECORD + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(directory / RECORD)

    def forget(self, directory: Path) -> None:
        """Remove the record (after a teardown that left nothing of the workshop)."""
        for name in (RECORD, SETTINGS):
            (directory / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            directory.rmdir()

    @classmethod
    def load(cls, directory: Path) -> Workshop:
        path = directory / RECORD
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            settings = validate(tomllib.loads((directory / SETTINGS).read_text(encoding="utf-8")))
            return cls(
                name=str(data["name"]),
                attendees=[Attendee.from_dict(a) for a in data["attendees"]],
                settings=settings,
                hours=float(data["hours"]),
                connections=int(data["connections"]),
                shared_made_by=data.get("shared_made_by"),
                last_errors={str(k): str(v) for k, v in (data.get("last_errors") or {}).items()},
                pools=data.get("pools", "each"),
                images=data.get("images", "each"),  # recorded before classes shared them
            )
        except FileNotFoundError:
            raise NotRecordedError(
                f"no workshop is recorded in {directory}; 'spcs-wizard workshop provision' "
                "makes one"
            ) from None
        except (OSError, ValueError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
            raise WorkshopError(
                f"the workshop record in {directory} cannot be read: {exc}"
            ) from None


def workshop_rehearsal_home() -> Path:
    """The rehearsal account workshops are rehearsed on: apart from the wizard's (whose
    emulator runs a Milvus Lite for every Milvus service it finds)."""
    return state_home() / "workshop-rehearsal"


def recorded_workshops() -> list[tuple[str | None, str]]:
    """Every workshop recorded on this machine: (connection, name); None: the rehearsal's."""
    found: list[tuple[str | None, str]] = []
    accounts = state_home() / "workshops"
    for record in sorted(accounts.glob(f"*/*/{RECORD}")) if accounts.is_dir() else ():
        found.append((record.parent.parent.name, _recorded_name(record)))
    rehearsed = workshop_rehearsal_home() / "workshops"
    for record in sorted(rehearsed.glob(f"*/{RECORD}")) if rehearsed.is_dir() else ():
        found.append((None, _recorded_name(record)))
    return found


def _recorded_name(record: Path) -> str:
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return record.parent.name.upper()


def workshop_dir(target: Target, name: str) -> Path:
    """Where a workshop's record lives: beside the rehearsal's account, or under the state
    home by connection (one workshop name may be used on two accounts)."""
    if target.rehearsal is not None:
        return target.rehearsal.directory / "workshops" / name.lower()
    connection = (target.connection_name or "default").lower()
    return state_home() / "workshops" / connection / name.lower()
