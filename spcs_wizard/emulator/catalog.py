"""The emulated account: objects, owners, role grants and privilege grants.

Object names are stored resolved (unquoted identifiers upper-cased), qualified by
database and schema for schema-level objects, as Snowflake stores them
(https://docs.snowflake.com/en/sql-reference/name-resolution).
System roles and their hierarchy follow
https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles
"""

from __future__ import annotations

import json
import secrets
import shutil
import string
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN", "PUBLIC")
# Role -> roles it inherits (system hierarchy).
SYSTEM_HIERARCHY = {
    "ACCOUNTADMIN": ("SECURITYADMIN", "SYSADMIN"),
    "SECURITYADMIN": ("USERADMIN",),
}
# Account-level privileges the system roles hold by default.
# SYSADMIN creates warehouses and databases; it does not hold CREATE COMPUTE POOL or
# BIND SERVICE ENDPOINT until granted them (Snowflake's SPCS tutorials grant both from
# ACCOUNTADMIN: https://docs.snowflake.com/en/developer-guide/snowpark-container-services/tutorials/common-setup).
# ACCOUNTADMIN holds every account privilege.
ACCOUNT_PRIVILEGES = frozenset(
    {
        "CREATE ROLE",
        "CREATE USER",
        "MANAGE GRANTS",
        "CREATE WAREHOUSE",
        "CREATE DATABASE",
        "CREATE COMPUTE POOL",
        "CREATE INTEGRATION",
        "BIND SERVICE ENDPOINT",
    }
)
SYSTEM_PRIVILEGES = {
    "USERADMIN": {"CREATE ROLE", "CREATE USER"},
    "SECURITYADMIN": {"MANAGE GRANTS"},
    "SYSADMIN": {"CREATE WAREHOUSE", "CREATE DATABASE"},
    "ACCOUNTADMIN": set(ACCOUNT_PRIVILEGES),
}
SCHEMA_KINDS = ("STAGE", "IMAGE REPOSITORY", "NETWORK RULE", "SECRET", "SERVICE")


@dataclass
class Obj:
    kind: str
    name: tuple[str, ...]
    owner: str
    created_on: float
    props: dict[str, Any] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return self.name[-1]

    @property
    def fqn(self) -> str:
        return ".".join(self.name)

    @property
    def comment(self) -> str | None:
        value = self.props.get("COMMENT")
        return None if value is None else str(value)


@dataclass
class Grant:
    privilege: str
    on_kind: str  # ACCOUNT, DATABASE, SCHEMA, WAREHOUSE, STAGE, INTEGRATION, COMPUTE POOL...
    on_name: str  # qualified name ("" for ACCOUNT)
    role: str
    granted_by: str
    created_on: float


@dataclass
class RoleGrant:
    role: str
    grantee_kind: str  # USER or ROLE
    grantee: str
    granted_by: str
    created_on: float


@dataclass
class ServiceRoleGrant:
    service: str  # qualified service name
    service_role: str
    role: str
    granted_by: str
    created_on: float


def new_dns_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Account:
    """All state of one emulated account; thread-safe through one lock."""

    def __init__(self, name: str, state_dir: Path | None = None) -> None:
        self.name = name
        self.state_dir = state_dir
        self.lock = threading.RLock()
        self.objects: dict[tuple[str, tuple[str, ...]], Obj] = {}
        self.grants: list[Grant] = []
        self.role_grants: list[RoleGrant] = []
        self.service_role_grants: list[ServiceRoleGrant] = []
        # Images recorded without a registry: "db/schema/repo" -> {"name:tag": digest}.
        self.images: dict[str, dict[str, str]] = {}
        # Where images are looked up; the emulator points this at the real registry.
        self.images_in: Callable[[str], dict[str, str]] = lambda path: self.images.get(path, {})
        # How a started container of a service runs now: "ready" (its readiness probe
        # passes), "starting" or "exited". What the emulator runs for real (Milvus, its
        # gateway) is ready once its process serves; the rest once started by the clock.
        # Never persisted: the processes start again with the emulator.
        self.running: Callable[[Obj, dict[str, Any]], str] = lambda svc, container: "ready"
        # The emulated clock, read at each save so a restart resumes the same time line.
        self.clock_reading: Callable[[], float] | None = None
        # Called with "db[/schema[/repo]]" when images under it go (the registry's part).
        self.on_images_dropped: Callable[[str], None] | None = None
        self._saved_clock: dict[str, float] | None = None
        for role in SYSTEM_ROLES:
            self.objects[("ROLE", (role,))] = Obj("ROLE", (role,), "ACCOUNTADMIN", 0.0)

    # -- objects -------------------------------------------------------------------------
    def get(self, kind: str, name: tuple[str, ...]) -> Obj | None:
        return self.objects.get((kind, name))

    def put(self, obj: Obj) -> None:
        self.objects[(obj.kind, obj.name)] = obj

    def remove(self, kind: str, name: tuple[str, ...]) -> Obj | None:
        obj = self.objects.pop((kind, name), None)
        if obj is None:
            return None
        if kind in ("IMAGE REPOSITORY", "DATABASE", "SCHEMA"):
            self._drop_images(name)
        if kind in ("SERVICE", "DATABASE", "SCHEMA"):
            self._drop_volumes(name)
        if kind == "DATABASE":  # dropping a database drops what it contains
            for key in [k for k in self.objects if len(k[1]) > 1 and k[1][0] == name[0]]:
                del self.objects[key]
        if kind == "SCHEMA":
            for key in [k for k in self.objects if len(k[1]) == 3 and k[1][:2] == name]:
                del self.objects[key]
        fqn = ".".join(name)
        self.grants = [g for g in self.grants if not (g.on_name == fqn and g.on_kind == kind)]
        if kind == "ROLE":
            self.grants = [g for g in self.grants if g.role != name[0]]
            self.role_grants = [
                g
                for g in self.role_grants
                if g.role != name[0] and not (g.grantee_kind == "ROLE" and g.grantee == name[0])
            ]
        if kind == "USER":
            self.role_grants = [
                g
                for g in self.role_grants
                if not (g.grantee_kind == "USER" and g.grantee == name[0])
            ]
        if kind == "SERVICE":
            self.service_role_grants = [g for g in self.service_role_grants if g.service != fqn]
        return obj

    def _drop_images(self, name: tuple[str, ...]) -> None:
        """Dropping an image repository (or the database or schema holding it) deletes
        its images (sql-reference/sql/drop-image-repository): a repository made again
        under the same name starts empty."""
        prefix = "/".join(name).lower()
        for path in [p for p in self.images if p == prefix or p.startswith(prefix + "/")]:
            del self.images[path]
        if self.on_images_dropped is not None:
            self.on_images_dropped(prefix)

    def _drop_volumes(self, name: tuple[str, ...]) -> None:
        """A service's block volumes go with it (DROP SERVICE deletes them, as documented
        in https://docs.snowflake.com/en/developer-guide/snowpark-container-services/block-storage-volume);
        so do those of every service in a dropped database or schema."""
        if self.state_dir is not None:
            shutil.rmtree(
                self.state_dir.joinpath("volumes", *(p.lower() for p in name)), ignore_errors=True
            )

    def dns_domain(self, schema: Obj) -> str:
        """The schema's service DNS domain, ``<unique-id>.svc.spcs.internal``: a 4 to 8
        character id of this instance of the schema (a schema dropped and made again gets
        a new one), https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_06/bcr-1656."""
        if "DNS_ID" not in schema.props:  # state saved before the emulator kept it
            schema.props["DNS_ID"] = new_dns_id()
        return f"{schema.props['DNS_ID']}.svc.spcs.internal"

    def service_dns_name(self, svc: Obj) -> str | None:
        """The service's DNS name, as SHOW SERVICES reports it in ``dns_name``."""
        from spcs_wizard.model.names import service_dns_name

        schema = self.get("SCHEMA", svc.name[:2])
        return None if schema is None else service_dns_name(svc.short, self.dns_domain(schema))

    def service_dns_names(self) -> set[str]:
        """Every service's DNS name: what a container can resolve."""
        return {n for n in map(self.service_dns_name, self.of_kind("SERVICE")) if n is not None}

    def of_kind(self, kind: str) -> list[Obj]:
        return sorted((o for (k, _), o in self.objects.items() if k == kind), key=lambda o: o.name)

    # -- roles -----------------------------------------------------------------------------
    def effective_roles(self, role: str) -> set[str]:
        """``role`` plus every role it inherits, and PUBLIC."""
        seen = {"PUBLIC"}
        stack = [role]
        while stack:
            current = stack.pop()
            if current in seen and current != "PUBLIC":
                continue
            seen.add(current)
            stack.extend(SYSTEM_HIERARCHY.get(current, ()))
            stack.extend(
                g.role
                for g in self.role_grants
                if g.grantee_kind == "ROLE" and g.grantee == current
            )
        return seen

    def user_roles(self, user: str) -> set[str]:
        roles: set[str] = {"PUBLIC"}
        for grant in self.role_grants:
            if grant.grantee_kind == "USER" and grant.grantee == user:
                roles |= self.effective_roles(grant.role)
        return roles

    def has_account_privilege(self, role: str, privilege: str) -> bool:
        for r in self.effective_roles(role):
            if privilege in SYSTEM_PRIVILEGES.get(r, set()):
                return True
        return any(
            g.on_kind == "ACCOUNT"
            and g.privilege == privilege
            and g.role in self.effective_roles(role)
            for g in self.grants
        )

    def owns(self, role: str, obj: Obj) -> bool:
        return obj.owner in self.effective_roles(role)

    def has_privilege(self, role: str, obj: Obj, *privileges: str) -> bool:
        if self.owns(role, obj):
            return True
        roles = self.effective_roles(role)
        wanted = set(privileges) | {"ALL"}
        return any(
            g.on_kind == obj.kind
            and g.on_name == obj.fqn
            and g.role in roles
            and g.privilege in wanted
            for g in self.grants
        )

    # -- persistence -------------------------------------------------------------------------
    def save(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data = {
            "name": self.name,
            "objects": [asdict(o) for o in self.objects.values()],
            "grants": [asdict(g) for g in self.grants],
            "role_grants": [asdict(g) for g in self.role_grants],
            "service_role_grants": [asdict(g) for g in self.service_role_grants],
            "images": self.images,
        }
        if self.clock_reading is not None:
            data["clock"] = {"emulated": self.clock_reading(), "real": time.time()}
        tmp = self.state_dir / "account.json.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.state_dir / "account.json")

    @classmethod
    def load(cls, name: str, state_dir: Path) -> Account:
        account = cls(name, state_dir)
        path = state_dir / "account.json"
        if not path.exists():
            return account
        data = json.loads(path.read_text())
        for raw in data["objects"]:
            raw["name"] = tuple(raw["name"])
            account.put(Obj(**raw))
        account.grants = [Grant(**g) for g in data["grants"]]
        account.role_grants = [RoleGrant(**g) for g in data["role_grants"]]
        account.service_role_grants = [ServiceRoleGrant(**g) for g in data["service_role_grants"]]
        account.images = data.get("images", {})
        clock = data.get("clock")
        if isinstance(clock, dict) and {"emulated", "real"} <= set(clock):
            account._saved_clock = {k: float(clock[k]) for k in ("emulated", "real")}
        return account

    def resumed_time(self, speed: float = 1.0) -> float:
        """Emulated time now: the saved reading plus the real time since it was saved, at
        the clock's ``speed`` (never before real time), or real time for a new account.
        At its speed: a rehearsal's commands each run the emulator for a moment, and a
        resume's pools and services would otherwise start at real speed between them."""
        now = time.time()
        saved = self._saved_clock
        if saved is None:
            return now
        return max(now, saved["emulated"] + max(0.0, now - saved["real"]) * speed)

    def stage_dir(self, stage: Obj) -> Path:
        """Where the files of an internal stage live (the connector PUTs into it)."""
        if self.state_dir is None:
            raise RuntimeError("stages need a state directory")
        path = self.state_dir.joinpath("stages", *stage.name)
        path.mkdir(parents=True, exist_ok=True)
        return path
