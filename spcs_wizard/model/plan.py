"""The plan: every step of a deployment, derived from the model, in order.

The plan is the single source of truth for what is created in the account, in what
order and by which role. It covers the whole procedure of the Milvus guide this tool
replaces, with its flaws fixed; each step says in ``fixes`` what changed and why.
Statement syntax follows the Snowflake page each step links to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spcs_wizard.model.identifiers import Identifier, qualified, string_literal
from spcs_wizard.model.registry import (
    AccountMissingError,
    image_reference,
    repository_path,
    repository_url,
)
from spcs_wizard.model.sql import SecretSlot, Sql, join_lines
from spcs_wizard.model.step import DOCS, HOSTNAME, Check, Step, StepKind, Target

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from spcs_wizard.model.deployment import Deployment, Names, ServiceConfig

SQL_DOCS = DOCS + "sql-reference/sql/"
REGISTRY_DOCS = (
    DOCS + "developer-guide/snowpark-container-services/working-with-registry-repository"
)

USER_PASSWORD = SecretSlot("milvus_user_password", "password of the Milvus user")
JUPYTER_PASSWORD = SecretSlot("jupyter_password", "password protecting the notebook")

COMMENT_MARKER = "spcs-wizard deployment"


def ownership_comment(deployment: Deployment) -> str:
    """The COMMENT put on every object we create, so teardown can tell ours from others."""
    return f"{COMMENT_MARKER} {deployment.deployment_id}"


@dataclass(frozen=True)
class Plan:
    deployment: Deployment
    steps: tuple[Step, ...]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def teardown(self, *, keep_data: bool = False, include_shared: bool = False) -> list[Step]:
        """Steps to undo, in reverse dependency order (dependents before what they need).

        Shared prerequisites (the account's ingress integration, BIND SERVICE ENDPOINT) are
        left alone unless asked: other deployments in the account may rely on them.
        """
        chosen = []
        for step in reversed(self.steps):
            if not step.undo or step.target is None:
                continue
            if step.target.shared and not include_shared:
                continue
            if keep_data and step.target.data:
                continue
            chosen.append(step)
        return chosen

    @property
    def secrets(self) -> tuple[SecretSlot, ...]:
        found: dict[str, SecretSlot] = {}
        for step in self.steps:
            for sql in step.statements:
                for slot in sql.secrets:
                    found.setdefault(slot.key, slot)
        return tuple(found.values())


def _show_like(kind: str, name: Identifier, where: str = "") -> Check:
    """``SHOW <kind> LIKE '<name>' [IN ...]``, matched on the exact name."""
    suffix = f" IN {where}" if where else ""
    sql = Sql.of(f"SHOW {kind} LIKE {string_literal(name.name)}{suffix}")
    return Check(sql, expect=({"name": (name.name,)},))


def _grant_check(grantee: Identifier, privilege: str, on: str, name: str | None) -> Check:
    matcher: dict[str, tuple[str, ...]] = {"privilege": (privilege,), "granted_on": (on,)}
    if name is not None:
        matcher["name"] = (name,)
    return Check(Sql.of(f"SHOW GRANTS TO ROLE {grantee}"), expect=(matcher,))


class _Builder:
    def __init__(self, d: Deployment, spec_dir: Path) -> None:
        self.d = d
        self.n: Names = d.names()
        self.spec_dir = spec_dir
        self.comment = f"COMMENT = {string_literal(ownership_comment(d))}"
        self.steps: list[Step] = []
        self.ids: set[str] = set()

    def add(self, step: Step) -> None:
        assert step.id not in self.ids, step.id
        missing = [dep for dep in step.depends_on if dep not in self.ids]
        assert not missing, (step.id, missing)
        self.ids.add(step.id)
        self.steps.append(step)

    def deps(self, *ids: str) -> tuple[str, ...]:
        """Only the dependencies that exist in this plan (optional steps may be off)."""
        return tuple(i for i in ids if i in self.ids)

    def schema_obj(self, name: Identifier) -> str:
        return self.n.in_schema(name)

    # -- account prerequisites -------------------------------------------------------
    def security_integration(self) -> None:
        if not self.d.security_integration.create:
            return
        name = self.n.security_integration
        self.add(
            Step(
                id="security-integration",
                title="Create the OAuth integration that SPCS public endpoints log in through",
                role=self.n.account_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-security-integration-oauth-snowflake",
                statements=(
                    join_lines(
                        [
                            f"CREATE SECURITY INTEGRATION IF NOT EXISTS {name}",
                            "TYPE = OAUTH",
                            "OAUTH_CLIENT = SNOWSERVICES_INGRESS",
                            "ENABLED = TRUE",
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like("SECURITY INTEGRATIONS", name),
                undo=(Sql.of(f"DROP SECURITY INTEGRATION IF EXISTS {name}"),),
                target=Target("SECURITY INTEGRATION", name.sql(), "account", shared=True),
                fixes="IF NOT EXISTS: the account may already have it; it is shared, so "
                "teardown leaves it unless asked (--include-shared).",
            )
        )

    def role_and_user(self) -> None:
        n = self.n
        self.add(
            Step(
                id="role",
                title=f"Create the role {n.role.name} for the people who use Milvus",
                role=n.security_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-role",
                statements=(join_lines([f"CREATE ROLE IF NOT EXISTS {n.role}", self.comment]),),
                check=_show_like("ROLES", n.role),
                undo=(Sql.of(f"DROP ROLE IF EXISTS {n.role}"),),
                target=Target("ROLE", n.role.sql(), "account"),
            )
        )
        if not self.d.user.create:
            return
        self.add(
            Step(
                id="user",
                title=f"Create the user {n.user.name} (password from the keyring)",
                role=n.user_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-user",
                statements=(
                    join_lines(
                        [
                            f"CREATE USER IF NOT EXISTS {n.user}",
                            Sql.of("PASSWORD = ", USER_PASSWORD),
                            f"DEFAULT_ROLE = {n.role}",
                            "DEFAULT_SECONDARY_ROLES = ('ALL')",
                            "MUST_CHANGE_PASSWORD = FALSE",
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like("USERS", n.user),
                undo=(Sql.of(f"DROP USER IF EXISTS {n.user}"),),
                depends_on=("role",),
                target=Target("USER", n.user.sql(), "account"),
                fixes="The guide wrote the password into the SQL; here it comes from the OS "
                "keyring at run time and is never shown or saved.",
            )
        )
        self.add(
            Step(
                id="grant-role-to-user",
                title=f"Give {n.role.name} to {n.user.name}",
                role=n.security_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "grant-role",
                statements=(Sql.of(f"GRANT ROLE {n.role} TO USER {n.user}"),),
                check=Check(
                    Sql.of(f"SHOW GRANTS TO USER {n.user}"), expect=({"role": (n.role.name,)},)
                ),
                undo=(Sql.of(f"REVOKE ROLE {n.role} FROM USER {n.user}"),),
                depends_on=("role", "user"),
                target=Target("GRANT", f"ROLE {n.role} TO USER {n.user}", "grant"),
            )
        )

    # -- storage ------------------------------------------------------------------------
    def warehouse_and_database(self) -> None:
        n, w = self.n, self.d.warehouse
        self.add(
            Step(
                id="warehouse",
                title=f"Create the warehouse {n.warehouse.name} ({w.size}, suspends after "
                f"{w.auto_suspend_secs} s)",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-warehouse",
                statements=(
                    join_lines(
                        [
                            f"CREATE WAREHOUSE IF NOT EXISTS {n.warehouse}",
                            f"WAREHOUSE_SIZE = {w.size}",
                            f"AUTO_SUSPEND = {w.auto_suspend_secs}",
                            f"AUTO_RESUME = {str(w.auto_resume).upper()}",
                            f"INITIALLY_SUSPENDED = {str(w.initially_suspended).upper()}",
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like("WAREHOUSES", n.warehouse),
                undo=(Sql.of(f"DROP WAREHOUSE IF EXISTS {n.warehouse}"),),
                target=Target("WAREHOUSE", n.warehouse.sql(), "account"),
                fixes="The guide used CREATE OR REPLACE, which replaces a warehouse that "
                "already exists; IF NOT EXISTS makes a re-run safe. It starts suspended: no "
                "cost until used.",
            )
        )
        self.add(
            Step(
                id="database",
                title=f"Create the database {n.database.name}",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-database",
                statements=(
                    join_lines([f"CREATE DATABASE IF NOT EXISTS {n.database}", self.comment]),
                ),
                check=_show_like("DATABASES", n.database),
                undo=(Sql.of(f"DROP DATABASE IF EXISTS {n.database}"),),
                target=Target("DATABASE", n.database.sql(), "account", data=True),
            )
        )
        schema_q = qualified(n.database, n.schema_)
        if n.schema_.name != "PUBLIC":  # every new database has PUBLIC already
            self.add(
                Step(
                    id="schema",
                    title=f"Create the schema {schema_q}",
                    role=n.sys_admin,
                    kind=StepKind.SQL,
                    doc=SQL_DOCS + "create-schema",
                    statements=(
                        join_lines([f"CREATE SCHEMA IF NOT EXISTS {schema_q}", self.comment]),
                    ),
                    check=_show_like("SCHEMAS", n.schema_, f"DATABASE {n.database}"),
                    undo=(Sql.of(f"DROP SCHEMA IF EXISTS {schema_q}"),),
                    depends_on=("database",),
                    target=Target("SCHEMA", schema_q, "database", data=True),
                )
            )

    def repository_and_stages(self) -> None:
        n = self.n
        where = f"SCHEMA {qualified(n.database, n.schema_)}"
        base = self.deps("database", "schema")
        repo = self.schema_obj(n.image_repository)
        self.add(
            Step(
                id="image-repository",
                title=f"Create the image repository {repo}",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-image-repository",
                statements=(
                    join_lines([f"CREATE IMAGE REPOSITORY IF NOT EXISTS {repo}", self.comment]),
                ),
                check=_show_like("IMAGE REPOSITORIES", n.image_repository, where),
                undo=(Sql.of(f"DROP IMAGE REPOSITORY IF EXISTS {repo}"),),
                depends_on=base,
                target=Target("IMAGE REPOSITORY", repo, "schema", data=True),
            )
        )
        stages = (
            ("stage-specs", n.spec_stage, False, "service specifications"),
            ("stage-data", n.data_stage, True, "Milvus data"),
            ("stage-files", n.files_stage, True, "notebook files"),
        )
        for step_id, stage, sse, purpose in stages:
            q = self.schema_obj(stage)
            self.add(
                Step(
                    id=step_id,
                    title=f"Create the stage {q} for {purpose}",
                    role=n.sys_admin,
                    kind=StepKind.SQL,
                    doc=SQL_DOCS + "create-stage",
                    statements=(
                        join_lines(
                            [
                                f"CREATE STAGE IF NOT EXISTS {q}",
                                "ENCRYPTION = (TYPE = 'SNOWFLAKE_SSE')" if sse else None,
                                self.comment,
                            ]
                        ),
                    ),
                    check=_show_like("STAGES", stage, where),
                    undo=(Sql.of(f"DROP STAGE IF EXISTS {q}"),),
                    depends_on=base,
                    target=Target("STAGE", q, "schema", data=True),
                    fixes="The guide used CREATE OR REPLACE, which empties a stage that already "
                    "exists; IF NOT EXISTS keeps its files.",
                )
            )

    def role_grants(self) -> None:
        n = self.n
        schema_q = qualified(n.database, n.schema_)
        files = self.schema_obj(n.files_stage)
        grants = (
            (
                "grant-database",
                "USAGE",
                "DATABASE",
                n.database.sql(),
                n.database.name,
                ("database",),
            ),
            (
                "grant-schema",
                "USAGE",
                "SCHEMA",
                schema_q,
                f"{n.database.name}.{n.schema_.name}",
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
                files,
                f"{n.database.name}.{n.schema_.name}.{n.files_stage.name}",
                ("stage-files",),
            ),
        )
        for step_id, privileges, on, sql_name, shown_name, deps in grants:
            expect = tuple(
                {"privilege": (p.strip(),), "granted_on": (on,), "name": (shown_name,)}
                for p in privileges.split(",")
            )
            self.add(
                Step(
                    id=step_id,
                    title=f"Grant {privileges} on {on.lower()} {shown_name} to {n.role.name}",
                    role=n.security_admin,
                    kind=StepKind.SQL,
                    doc=SQL_DOCS + "grant-privilege",
                    statements=(Sql.of(f"GRANT {privileges} ON {on} {sql_name} TO ROLE {n.role}"),),
                    check=Check(Sql.of(f"SHOW GRANTS TO ROLE {n.role}"), expect=expect),
                    undo=(Sql.of(f"REVOKE {privileges} ON {on} {sql_name} FROM ROLE {n.role}"),),
                    depends_on=("role", *deps),
                    target=Target("GRANT", f"{privileges} ON {on} {sql_name}", "grant"),
                    fixes="The guide granted ALL PRIVILEGES; the role's users only need to use "
                    "these objects, so it gets USAGE (and READ, WRITE on the files stage).",
                )
            )

    # -- networking -----------------------------------------------------------------------
    def networking(self) -> None:
        n, e = self.n, self.d.egress
        self.add(
            Step(
                id="bind-service-endpoint",
                title=f"Allow {n.sys_admin.name} to create public endpoints",
                role=n.account_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "grant-privilege",
                statements=(
                    Sql.of(f"GRANT BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE {n.sys_admin}"),
                ),
                check=_grant_check(n.sys_admin, "BIND SERVICE ENDPOINT", "ACCOUNT", None),
                undo=(Sql.of(f"REVOKE BIND SERVICE ENDPOINT ON ACCOUNT FROM ROLE {n.sys_admin}"),),
                target=Target(
                    "GRANT", f"BIND SERVICE ENDPOINT TO ROLE {n.sys_admin}", "grant", shared=True
                ),
            )
        )
        if not e.enabled:
            return
        rule = self.schema_obj(n.network_rule)
        values = ", ".join(string_literal(h) for h in e.hosts)
        self.add(
            Step(
                id="network-rule",
                title=f"Create the egress rule {rule} ({len(e.hosts)} hosts)",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-network-rule",
                statements=(
                    join_lines(
                        [
                            f"CREATE NETWORK RULE IF NOT EXISTS {rule}",
                            "TYPE = HOST_PORT",
                            "MODE = EGRESS",
                            f"VALUE_LIST = ({values})",
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like(
                    "NETWORK RULES", n.network_rule, f"SCHEMA {qualified(n.database, n.schema_)}"
                ),
                undo=(Sql.of(f"DROP NETWORK RULE IF EXISTS {rule}"),),
                depends_on=self.deps("database", "schema"),
                target=Target("NETWORK RULE", rule, "schema"),
                fixes="The guide opened 0.0.0.0:80 and 0.0.0.0:443 (the whole internet). This "
                "rule lists only the package and model hosts the notebook uses, on 443, and only "
                "the notebook service gets it; Milvus has no egress at all.",
                details={"hosts": ", ".join(e.hosts)},
            )
        )
        eai = n.external_access_integration
        self.add(
            Step(
                id="external-access-integration",
                title=f"Create the external access integration {eai.name}",
                role=n.account_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-external-access-integration",
                statements=(
                    join_lines(
                        [
                            f"CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS {eai}",
                            f"ALLOWED_NETWORK_RULES = ({rule})",
                            "ENABLED = TRUE",
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like("EXTERNAL ACCESS INTEGRATIONS", eai),
                undo=(Sql.of(f"DROP INTEGRATION IF EXISTS {eai}"),),
                depends_on=("network-rule",),
                target=Target("EXTERNAL ACCESS INTEGRATION", eai.sql(), "account"),
            )
        )
        self.add(
            Step(
                id="grant-integration",
                title=f"Let {n.sys_admin.name} attach {eai.name} to services",
                role=n.account_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "grant-privilege",
                statements=(Sql.of(f"GRANT USAGE ON INTEGRATION {eai} TO ROLE {n.sys_admin}"),),
                check=_grant_check(n.sys_admin, "USAGE", "INTEGRATION", eai.name),
                undo=(Sql.of(f"REVOKE USAGE ON INTEGRATION {eai} FROM ROLE {n.sys_admin}"),),
                depends_on=("external-access-integration",),
                target=Target("GRANT", f"USAGE ON INTEGRATION {eai}", "grant"),
            )
        )

    def secrets(self) -> None:
        n = self.n
        secret = self.schema_obj(n.jupyter_secret)
        self.add(
            Step(
                id="secret-jupyter",
                title=f"Store the notebook password in the secret {secret}",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-secret",
                statements=(
                    join_lines(
                        [
                            f"CREATE SECRET IF NOT EXISTS {secret}",
                            "TYPE = GENERIC_STRING",
                            Sql.of("SECRET_STRING = ", JUPYTER_PASSWORD),
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like(
                    "SECRETS", n.jupyter_secret, f"SCHEMA {qualified(n.database, n.schema_)}"
                ),
                undo=(Sql.of(f"DROP SECRET IF EXISTS {secret}"),),
                depends_on=self.deps("database", "schema"),
                target=Target("SECRET", secret, "schema"),
                fixes="The guide ran the notebook with an empty token; its password is now a "
                "Snowflake SECRET that the service specification references.",
            )
        )

    # -- compute ------------------------------------------------------------------------------
    def pools_and_images(self) -> None:
        n = self.n
        repo = self.schema_obj(n.image_repository)
        for key, svc, pool in (
            ("milvus", self.d.milvus, n.milvus_pool),
            ("jupyter", self.d.jupyter, n.jupyter_pool),
        ):
            p = svc.pool
            self.add(
                Step(
                    id=f"compute-pool-{key}",
                    title=f"Create the compute pool {pool.name} ({p.min_nodes}-{p.max_nodes} x "
                    f"{p.instance_family})",
                    role=n.sys_admin,
                    kind=StepKind.SQL,
                    doc=SQL_DOCS + "create-compute-pool",
                    statements=(
                        join_lines(
                            [
                                f"CREATE COMPUTE POOL IF NOT EXISTS {pool}",
                                f"MIN_NODES = {p.min_nodes}",
                                f"MAX_NODES = {p.max_nodes}",
                                f"INSTANCE_FAMILY = {p.instance_family}",
                                f"AUTO_RESUME = {str(p.auto_resume).upper()}",
                                f"AUTO_SUSPEND_SECS = {p.auto_suspend_secs}",
                                self.comment,
                            ]
                        ),
                    ),
                    check=_show_like("COMPUTE POOLS", pool),
                    undo=(
                        Sql.of(f"ALTER COMPUTE POOL IF EXISTS {pool} STOP ALL"),
                        Sql.of(f"DROP COMPUTE POOL IF EXISTS {pool}"),
                    ),
                    target=Target("COMPUTE POOL", pool.sql(), "account"),
                    fixes="Suspends itself after AUTO_SUSPEND_SECS without services, so a "
                    "forgotten pool stops costing credits.",
                )
            )
        for key, svc in (("milvus", self.d.milvus), ("jupyter", self.d.jupyter)):
            try:
                ref = image_reference(self.d, svc)
                where = repository_url(self.d)
            except AccountMissingError:
                ref = f"<registry host>/{svc.image}:{svc.tag}"
                where = f"the account's registry ({repo})"
            self.add(
                Step(
                    id=f"image-{key}",
                    title=f"Build {svc.image}:{svc.tag} for linux/amd64 and push it to {where}",
                    role=n.sys_admin,
                    kind=StepKind.IMAGE,
                    doc=REGISTRY_DOCS,
                    # image_path is documented as db/schema/repository/image:tag
                    # (https://docs.snowflake.com/en/sql-reference/sql/show-images-in-image-repository).
                    check=Check(
                        Sql.of(f"SHOW IMAGES IN IMAGE REPOSITORY {repo}"),
                        expect=(
                            {"image_path": (f"{repository_path(self.d)}/{svc.image}:{svc.tag}",)},
                        ),
                    ),
                    depends_on=("image-repository",),
                    fixes="Registry host derived from the account; always built for "
                    "linux/amd64 (the only platform SPCS runs); login with the session token.",
                    details={"image": ref, "platform": "linux/amd64"},
                )
            )
        for key, pool in (("milvus", n.milvus_pool), ("jupyter", n.jupyter_pool)):
            self.add(
                Step(
                    id=f"wait-pool-{key}",
                    title=f"Wait until {pool.name} is IDLE or ACTIVE",
                    role=n.sys_admin,
                    kind=StepKind.WAIT,
                    doc=SQL_DOCS + "describe-compute-pool",
                    check=Check(
                        Sql.of(f"DESCRIBE COMPUTE POOL {pool}"),
                        every_row={"state": ("IDLE", "ACTIVE")},
                    ),
                    depends_on=(f"compute-pool-{key}",),
                )
            )

    def services(self) -> None:
        n = self.n
        stage = self.schema_obj(n.spec_stage)
        for key, svc, pool, name in (
            ("milvus", self.d.milvus, n.milvus_pool, n.milvus_service),
            ("jupyter", self.d.jupyter, n.jupyter_pool, n.jupyter_service),
        ):
            self._upload(key, svc, stage)
            self._service(key, svc, pool, name, stage)
        for key, name in (("milvus", n.milvus_service), ("jupyter", n.jupyter_service)):
            self._after_service(key, name)

    def _upload(self, key: str, svc: ServiceConfig, stage: str) -> None:
        local = (self.spec_dir / svc.spec_file).resolve()
        self.add(
            Step(
                id=f"upload-spec-{key}",
                title=f"Upload the {key} specification to @{stage}",
                role=self.n.sys_admin,
                kind=StepKind.PUT,
                doc=SQL_DOCS + "put",
                statements=(
                    Sql.of(
                        f"PUT {string_literal('file://' + local.as_posix())} @{stage} "
                        "OVERWRITE = TRUE AUTO_COMPRESS = FALSE"
                    ),
                ),
                undo=(Sql.of(f"REMOVE @{stage}/{svc.spec_file}"),),
                depends_on=("stage-specs",),
                target=Target("FILE", f"@{stage}/{svc.spec_file}", "schema", data=True),
                details={"local_file": local.as_posix()},
            )
        )

    def _service(
        self, key: str, svc: ServiceConfig, pool: Identifier, name: Identifier, stage: str
    ) -> None:
        n, q = self.n, self.schema_obj(name)
        egress = key == "jupyter" and self.d.egress.enabled
        deps = [
            f"compute-pool-{key}",
            f"upload-spec-{key}",
            f"image-{key}",
            "bind-service-endpoint",
            "warehouse",
        ]
        if key == "jupyter":
            deps += ["secret-jupyter", "grant-integration"]
        self.add(
            Step(
                id=f"service-{key}",
                title=f"Create the service {q} in {pool.name}",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "create-service",
                statements=(
                    join_lines(
                        [
                            f"CREATE SERVICE IF NOT EXISTS {q}",
                            f"IN COMPUTE POOL {pool}",
                            f"FROM @{stage}",
                            f"SPECIFICATION_FILE = {string_literal(svc.spec_file)}",
                            f"MIN_INSTANCES = {svc.min_instances}",
                            f"MAX_INSTANCES = {svc.max_instances}",
                            f"QUERY_WAREHOUSE = {n.warehouse}",
                            f"EXTERNAL_ACCESS_INTEGRATIONS = ({n.external_access_integration})"
                            if egress
                            else None,
                            self.comment,
                        ]
                    ),
                ),
                check=_show_like("SERVICES", name, f"SCHEMA {qualified(n.database, n.schema_)}"),
                undo=(Sql.of(f"DROP SERVICE IF EXISTS {q}"),),
                depends_on=self.deps(*deps),
                target=Target("SERVICE", q, "schema"),
            )
        )

    def _after_service(self, key: str, name: Identifier) -> None:
        n, q = self.n, self.schema_obj(name)
        self.add(
            Step(
                id=f"wait-service-{key}",
                title=f"Wait until every container of {name.name} is READY",
                role=n.sys_admin,
                kind=StepKind.WAIT,
                doc=SQL_DOCS + "show-service-containers-in-service",
                check=Check(
                    Sql.of(f"SHOW SERVICE CONTAINERS IN SERVICE {q}"),
                    every_row={"status": ("READY",)},
                ),
                depends_on=(f"service-{key}",),
                fixes="The guide polled the deprecated SYSTEM$GET_SERVICE_STATUS; this uses "
                "SHOW SERVICE CONTAINERS IN SERVICE.",
            )
        )
        service_role = f"{q}!ALL_ENDPOINTS_USAGE"
        self.add(
            Step(
                id=f"grant-endpoints-{key}",
                title=f"Let {n.role.name} use the endpoints of {name.name}",
                role=n.sys_admin,
                kind=StepKind.SQL,
                doc=SQL_DOCS + "grant-service-role",
                statements=(Sql.of(f"GRANT SERVICE ROLE {service_role} TO ROLE {n.role}"),),
                check=Check(
                    Sql.of(f"SHOW GRANTS OF SERVICE ROLE {service_role}"),
                    expect=({"grantee_name": (n.role.name,)},),
                ),
                undo=(Sql.of(f"REVOKE SERVICE ROLE {service_role} FROM ROLE {n.role}"),),
                depends_on=(f"service-{key}", "role"),
                target=Target("GRANT", f"SERVICE ROLE {service_role}", "grant"),
                fixes="The guide granted USAGE on the service; endpoint access is now given "
                "through the service role ALL_ENDPOINTS_USAGE.",
            )
        )
        self.add(
            Step(
                id=f"wait-endpoints-{key}",
                title=f"Wait for the public URL of {name.name}",
                role=n.sys_admin,
                kind=StepKind.WAIT,
                doc=SQL_DOCS + "show-endpoints",
                check=Check(
                    Sql.of(f"SHOW ENDPOINTS IN SERVICE {q}"),
                    expect=({"is_public": ("true",), "ingress_url": (HOSTNAME,)},),
                ),
                depends_on=(f"wait-service-{key}",),
            )
        )


def build_plan(deployment: Deployment, spec_dir: Path | None = None) -> Plan:
    """Every step of the deployment, in an order that respects their dependencies."""
    if spec_dir is None:
        from spcs_wizard.paths import deployment_dir

        spec_dir = deployment_dir(deployment.deployment_id) / "specs"
    b = _Builder(deployment, spec_dir)
    b.security_integration()
    b.role_and_user()
    b.warehouse_and_database()
    b.repository_and_stages()
    b.role_grants()
    b.networking()
    b.secrets()
    b.pools_and_images()
    b.services()
    return Plan(deployment, tuple(b.steps))
