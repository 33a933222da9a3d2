"""How each step of the plan is derived from the deployment model.

Most steps have one of two shapes, built by :meth:`StepBuilder.create` (``CREATE <kind>
IF NOT EXISTS``, checked with ``SHOW <kinds> LIKE``, undone with ``DROP <kind> IF
EXISTS``) and :meth:`StepBuilder.grant` (``GRANT``, checked with ``SHOW GRANTS``, undone
with ``REVOKE``). Statement syntax follows the Snowflake page each step links to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spcs_wizard.model import identifiers
from spcs_wizard.model.identifiers import Identifier, qualified, string_literal
from spcs_wizard.model.sql import SecretSlot, Sql, join_lines
from spcs_wizard.model.step import DOCS, Check, Listing, Step, StepKind, Target

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.names import Names

SQL_DOCS = DOCS + "sql-reference/sql/"
REGISTRY_DOCS = (
    DOCS + "developer-guide/snowpark-container-services/working-with-registry-repository"
)
USER_PASSWORD = SecretSlot(
    "milvus_user_password", "password of the Milvus user", is_user_password=True
)
JUPYTER_PASSWORD = SecretSlot("jupyter_password", "password protecting the notebook")
MILVUS_ROOT_PASSWORD = SecretSlot(
    "milvus_root_password", "Milvus' root password (made up, kept by Snowflake)", generated=True
)
MILVUS_ROOT_USER = "root"  # Milvus' built-in administrator (https://milvus.io/docs/authenticate.md)
COMMENT_MARKER = "spcs-wizard deployment"

FIX_REPLACE = "The guide used CREATE OR REPLACE, which {what}; IF NOT EXISTS makes a re-run safe."
FIX_NARROW = (
    "The guide granted ALL PRIVILEGES; the role's users only need to use these objects, so "
    "it gets USAGE (and READ, WRITE on the files stage)."
)


def ownership_comment(deployment: Deployment) -> str:
    """The COMMENT put on every object we create, so teardown can tell ours from others."""
    return f"{COMMENT_MARKER} {deployment.deployment_id}"


def show_like(kind: str, name: Identifier, where: str = "") -> Check:
    """``SHOW <kind> LIKE '<name>' [IN ...]``, matched on the exact name."""
    suffix = f" IN {where}" if where else ""
    sql = Sql.of(f"SHOW {kind} LIKE {string_literal(name.name)}{suffix}")
    return Check(sql, expect=({"name": (name.name,)},), listing=Listing(kind, where, name.name))


class StepBuilder:
    def __init__(self, d: Deployment, spec_dir: Path) -> None:
        self.d = d
        self.n: Names = d.names()
        self.spec_dir = spec_dir
        self.comment = f"COMMENT = {string_literal(ownership_comment(d))}"
        self.in_schema = f"SCHEMA {qualified(self.n.database, self.n.schema_)}"
        self.steps: list[Step] = []
        self.ids: set[str] = set()

    # -- shapes ---------------------------------------------------------------------------
    def add(self, step: Step) -> None:
        assert step.id not in self.ids, step.id
        missing = [dep for dep in step.depends_on if dep not in self.ids]
        assert not missing, (step.id, missing)
        self.ids.add(step.id)
        self.steps.append(step)

    def deps(self, *ids: str) -> tuple[str, ...]:
        """Only the dependencies that exist in this plan (optional steps may be off)."""
        return tuple(i for i in ids if i in self.ids)

    def create(
        self,
        step_id: str,
        title: str,
        role: Identifier,
        kind: str,
        name: str,
        clauses: Sequence[str | Sql | None],
        check: Check,
        scope: str,
        *,
        doc: str | None = None,
        undo: tuple[Sql, ...] | None = None,
        **extra: Any,
    ) -> None:
        """``CREATE <kind> IF NOT EXISTS <name> <clauses> COMMENT = ...``, undone by DROP."""
        shared, data = extra.pop("shared", False), extra.pop("data", False)
        self.add(
            Step(
                id=step_id,
                title=title,
                role=role,
                kind=StepKind.SQL,
                doc=SQL_DOCS + (doc or "create-" + kind.lower().replace(" ", "-")),
                statements=(
                    join_lines([f"CREATE {kind} IF NOT EXISTS {name}", *clauses, self.comment]),
                ),
                check=check,
                undo=undo or (Sql.of(f"DROP {kind} IF EXISTS {name}"),),
                target=Target(kind, name, scope, shared=shared, data=data),
                **extra,
            )
        )

    def grant(
        self,
        step_id: str,
        title: str,
        role: Identifier,
        what: str,
        grantee: str,
        check: Check,
        *,
        doc: str = "grant-privilege",
        **extra: Any,
    ) -> None:
        """``GRANT <what> TO <grantee>``, undone by ``REVOKE <what> FROM <grantee>``."""
        shared = extra.pop("shared", False)
        self.add(
            Step(
                id=step_id,
                title=title,
                role=role,
                kind=StepKind.SQL,
                doc=SQL_DOCS + doc,
                statements=(Sql.of(f"GRANT {what} TO {grantee}"),),
                check=check,
                undo=(Sql.of(f"REVOKE {what} FROM {grantee}"),),
                target=Target("GRANT", f"{what} TO {grantee}", "grant", shared=shared),
                **extra,
            )
        )

    def wait(
        self, step_id: str, title: str, doc: str, check: Check, after: str, **extra: Any
    ) -> None:
        self.add(
            Step(
                id=step_id,
                title=title,
                role=self.n.sys_admin,
                kind=StepKind.WAIT,
                doc=SQL_DOCS + doc,
                check=check,
                depends_on=(after,),
                **extra,
            )
        )

    # -- the steps --------------------------------------------------------------------------
    def security_integration(self) -> None:
        if not self.d.security_integration.create:
            return
        name = self.n.security_integration
        self.create(
            "security-integration",
            "Create the OAuth integration that SPCS public endpoints log in through",
            self.n.account_admin,
            "SECURITY INTEGRATION",
            name.sql(),
            ["TYPE = OAUTH", "OAUTH_CLIENT = SNOWSERVICES_INGRESS", "ENABLED = TRUE"],
            show_like("SECURITY INTEGRATIONS", name),
            "account",
            shared=True,
            doc="create-security-integration-oauth-snowflake",
            fixes="IF NOT EXISTS: the account may already have it; it is shared, so "
            "teardown leaves it unless asked (--include-shared).",
        )

    def role_and_user(self) -> None:
        n = self.n
        self.create(
            "role",
            f"Create the role {n.role.name} for the people who use Milvus",
            n.security_admin,
            "ROLE",
            n.role.sql(),
            [],
            show_like("ROLES", n.role),
            "account",
        )
        for other in self.d.user.grant_to:
            user = identifiers.parse(other)
            self._role_to_user(
                "grant-role-to-existing-" + re.sub(r"[^a-z0-9]+", "-", user.name.lower()),
                user,
                f"the existing user {user.name}",
                fixes="An existing user signs in as themselves (with their own MFA) instead of "
                "sharing a password user.",
            )
        if not self.d.user.create:
            return
        self.create(
            "user",
            f"Create the user {n.user.name} (its password is a secret: never shown)",
            n.user_admin,
            "USER",
            n.user.sql(),
            [
                # A person signs in to the notebook in a browser; Snowflake's MFA rollout
                # asks a PERSON user with a password to enrol at first sign-in
                # (sql-reference/sql/create-user: TYPE; user-guide/security-mfa-rollout).
                "TYPE = PERSON",
                Sql.of("PASSWORD = ", USER_PASSWORD),
                f"DEFAULT_ROLE = {n.role}",
                "DEFAULT_SECONDARY_ROLES = ('ALL')",
                "MUST_CHANGE_PASSWORD = FALSE",
            ],
            show_like("USERS", n.user),
            "account",
            depends_on=("role",),
            fixes="The guide wrote the password into the SQL; here it comes from the OS "
            "keyring at run time and is never shown or saved.",
        )
        self._role_to_user("grant-role-to-user", n.user, n.user.name, depends_on=("user",))

    def _role_to_user(
        self,
        step_id: str,
        user: Identifier,
        who: str,
        *,
        depends_on: tuple[str, ...] = (),
        **extra: Any,
    ) -> None:
        n = self.n
        self.grant(
            step_id,
            f"Give {n.role.name} to {who}",
            n.security_admin,
            f"ROLE {n.role}",
            f"USER {user}",
            Check(Sql.of(f"SHOW GRANTS TO USER {user}"), expect=({"role": (n.role.name,)},)),
            doc="grant-role",
            depends_on=("role", *depends_on),
            **extra,
        )

    def warehouse_and_database(self) -> None:
        n, w = self.n, self.d.warehouse
        self.create(
            "warehouse",
            f"Create the warehouse {n.warehouse.name} ({w.size}, suspends after "
            f"{w.auto_suspend_secs} s)",
            n.sys_admin,
            "WAREHOUSE",
            n.warehouse.sql(),
            [
                f"WAREHOUSE_SIZE = {w.size}",
                f"AUTO_SUSPEND = {w.auto_suspend_secs}",
                f"AUTO_RESUME = {str(w.auto_resume).upper()}",
                f"INITIALLY_SUSPENDED = {str(w.initially_suspended).upper()}",
            ],
            show_like("WAREHOUSES", n.warehouse),
            "account",
            fixes=FIX_REPLACE.format(what="replaces a warehouse that already exists")
            + " It starts suspended: no cost until used.",
        )
        self.create(
            "database",
            f"Create the database {n.database.name}",
            n.sys_admin,
            "DATABASE",
            n.database.sql(),
            [],
            show_like("DATABASES", n.database),
            "account",
            data=True,
        )
        if n.schema_.name != "PUBLIC":  # every new database has PUBLIC already
            schema = qualified(n.database, n.schema_)
            self.create(
                "schema",
                f"Create the schema {schema}",
                n.sys_admin,
                "SCHEMA",
                schema,
                [],
                show_like("SCHEMAS", n.schema_, f"DATABASE {n.database}"),
                "database",
                data=True,
                depends_on=("database",),
            )

    def repository_and_stages(self) -> None:
        n = self.n
        base = self.deps("database", "schema")
        repo = n.repository
        shared = n.shared_repository
        if shared:  # a database of its own, shared (a workshop's class): images pushed once
            self.create(
                "image-database",
                f"Create the database {n.image_database.name} for the shared image repository",
                n.sys_admin,
                "DATABASE",
                n.image_database.sql(),
                [],
                show_like("DATABASES", n.image_database),
                "account",
                data=True,
                shared=True,
                fixes="Shared by several deployments: the images are copied once, not once "
                "for each; teardown leaves it unless asked.",
            )
            base = ("image-database",)
        self.create(
            "image-repository",
            f"Create the {'shared ' if shared else ''}image repository {repo}",
            n.sys_admin,
            "IMAGE REPOSITORY",
            repo,
            [],
            show_like(
                "IMAGE REPOSITORIES",
                n.image_repository,
                f"SCHEMA {qualified(n.image_database, n.image_schema)}",
            ),
            "schema",
            data=True,
            shared=shared,
            depends_on=base,
        )
        for step_id, stage, sse, purpose in (
            ("stage-specs", n.spec_stage, False, "service specifications"),
            ("stage-data", n.data_stage, True, "Milvus data"),
            ("stage-files", n.files_stage, True, "notebook files"),
        ):
            if step_id == "stage-files" and not self.d.notebook:
                continue
            name = n.in_schema(stage)
            self.create(
                step_id,
                f"Create the stage {name} for {purpose}",
                n.sys_admin,
                "STAGE",
                name,
                ["ENCRYPTION = (TYPE = 'SNOWFLAKE_SSE')" if sse else None],
                show_like("STAGES", stage, self.in_schema),
                "schema",
                data=True,
                depends_on=base,
                fixes=FIX_REPLACE.format(what="empties a stage that already exists"),
            )

    def role_grants(self) -> None:
        n = self.n
        db, schema = n.database.name, f"{n.database.name}.{n.schema_.name}"
        files = f"{schema}.{n.files_stage.name}"
        for step_id, privileges, on, sql_name, shown, deps in (
            ("grant-database", "USAGE", "DATABASE", n.database.sql(), db, ("database",)),
            (
                "grant-schema",
                "USAGE",
                "SCHEMA",
                qualified(n.database, n.schema_),
                schema,
                self.deps("database", "schema"),
            ),
            (
                "grant-warehouse",
                "USAGE",
                "WAREHOUSE",
                n.warehouse.sql(),
                n.warehouse.name,
                ("warehouse",),
            ),
            (
                "grant-files-stage",
                "READ, WRITE",
                "STAGE",
                n.in_schema(n.files_stage),
                files,
                ("stage-files",),
            ),
        ):
            if step_id == "grant-files-stage" and not self.d.notebook:
                continue  # the stage is the notebook's
            expect = tuple(
                {"privilege": (p.strip(),), "granted_on": (on,), "name": (shown,)}
                for p in privileges.split(",")
            )
            self.grant(
                step_id,
                f"Grant {privileges} on {on.lower()} {shown} to {n.role.name}",
                n.security_admin,
                f"{privileges} ON {on} {sql_name}",
                f"ROLE {n.role}",
                Check(Sql.of(f"SHOW GRANTS TO ROLE {n.role}"), expect=expect),
                depends_on=("role", *deps),
                fixes=FIX_NARROW,
            )

    def _sysadmin_grant_check(self, privilege: str, on: str, name: str | None) -> Check:
        matcher: dict[str, tuple[str, ...]] = {"privilege": (privilege,), "granted_on": (on,)}
        if name is not None:
            matcher["name"] = (name,)
        return Check(Sql.of(f"SHOW GRANTS TO ROLE {self.n.sys_admin}"), expect=(matcher,))

    def _owner_account_grant(self, step_id: str, privilege: str, what: str, **extra: Any) -> None:
        """An account privilege the services' owner role needs, granted by the account
        administrator and shared by the account (teardown keeps it unless asked)."""
        n = self.n
        self.grant(
            step_id,
            f"Allow {n.sys_admin.name} to create {what}",
            n.account_admin,
            f"{privilege} ON ACCOUNT",
            f"ROLE {n.sys_admin}",
            self._sysadmin_grant_check(privilege, "ACCOUNT", None),
            shared=True,
            **extra,
        )

    def networking(self) -> None:
        n, e = self.n, self.d.egress
        self._owner_account_grant(
            "bind-service-endpoint", "BIND SERVICE ENDPOINT", "public endpoints"
        )
        # SYSADMIN does not hold CREATE COMPUTE POOL by default; Snowflake's SPCS setup
        # grants it from ACCOUNTADMIN (developer-guide/snowpark-container-services/
        # tutorials/common-setup, and sql-reference/sql/create-compute-pool: "Access
        # control requirements").
        self._owner_account_grant(
            "create-compute-pool-privilege",
            "CREATE COMPUTE POOL",
            "compute pools",
            fixes="The guide created the pools as ACCOUNTADMIN; here SYSADMIN owns them, "
            "so it is granted CREATE COMPUTE POOL first (a system role lacks it by default).",
        )
        if not (e.enabled and self.d.notebook):  # egress is the notebook's alone
            return
        rule = n.in_schema(n.network_rule)
        values = ", ".join(string_literal(h) for h in e.hosts)
        self.create(
            "network-rule",
            f"Create the egress rule {rule} ({len(e.hosts)} hosts)",
            n.sys_admin,
            "NETWORK RULE",
            rule,
            ["TYPE = HOST_PORT", "MODE = EGRESS", f"VALUE_LIST = ({values})"],
            show_like("NETWORK RULES", n.network_rule, self.in_schema),
            "schema",
            depends_on=self.deps("database", "schema"),
            details={"hosts": ", ".join(e.hosts)},
            fixes="The guide opened 0.0.0.0:80 and 0.0.0.0:443 (the whole internet). This "
            "rule lists only the package and model hosts the notebook uses, on 443, and "
            "only the notebook service gets it; Milvus has no egress at all.",
        )
        eai = n.external_access_integration
        self.create(
            "external-access-integration",
            f"Create the external access integration {eai.name}",
            n.account_admin,
            "EXTERNAL ACCESS INTEGRATION",
            eai.sql(),
            [f"ALLOWED_NETWORK_RULES = ({rule})", "ENABLED = TRUE"],
            show_like("EXTERNAL ACCESS INTEGRATIONS", eai),
            "account",
            undo=(Sql.of(f"DROP INTEGRATION IF EXISTS {eai}"),),
            depends_on=("network-rule",),
        )
        self.grant(
            "grant-integration",
            f"Let {n.sys_admin.name} attach {eai.name} to services",
            n.account_admin,
            f"USAGE ON INTEGRATION {eai}",
            f"ROLE {n.sys_admin}",
            self._sysadmin_grant_check("USAGE", "INTEGRATION", eai.name),
            depends_on=("external-access-integration",),
        )

    def secrets(self) -> None:
        n = self.n
        secret = n.in_schema(n.milvus_secret)
        self.create(
            "secret-milvus",
            f"Store Milvus' root password in the secret {secret}",
            n.sys_admin,
            "SECRET",
            secret,
            [
                "TYPE = PASSWORD",
                f"USERNAME = {string_literal(MILVUS_ROOT_USER)}",
                Sql.of("PASSWORD = ", MILVUS_ROOT_PASSWORD),
            ],
            show_like("SECRETS", n.milvus_secret, self.in_schema),
            "schema",
            depends_on=self.deps("database", "schema"),
            fixes="The guide ran Milvus with authentication off: anyone who reached it was "
            "root. Milvus now checks credentials; its root password is made up here, held "
            "only by this secret, and read by the services' containers.",
        )
        if not self.d.notebook:
            return
        secret = n.in_schema(n.jupyter_secret)
        self.create(
            "secret-jupyter",
            f"Store the notebook password in the secret {secret}",
            n.sys_admin,
            "SECRET",
            secret,
            ["TYPE = GENERIC_STRING", Sql.of("SECRET_STRING = ", JUPYTER_PASSWORD)],
            show_like("SECRETS", n.jupyter_secret, self.in_schema),
            "schema",
            depends_on=self.deps("database", "schema"),
            fixes="The guide ran the notebook with an empty token; its password is now a "
            "Snowflake SECRET that the service specification references.",
        )
