"""Steps that run Milvus: compute pools, images, specification uploads, services, and
waiting for them (containers READY, a public URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcs_wizard.model.identifiers import string_literal
from spcs_wizard.model.plan_steps import REGISTRY_DOCS, SQL_DOCS, StepBuilder, show_like
from spcs_wizard.model.registry import (
    AccountMissingError,
    image_reference,
    repository_path,
    repository_url,
)
from spcs_wizard.model.sql import Sql
from spcs_wizard.model.step import HOSTNAME, Check, Step, StepKind, Target

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment, ServiceConfig
    from spcs_wizard.model.identifiers import Identifier


def _services(b: StepBuilder) -> tuple[tuple[str, ServiceConfig, Identifier, Identifier], ...]:
    """Milvus, and the notebook unless the deployment leaves it out."""
    n = b.n
    every = (
        ("milvus", b.d.milvus, n.milvus_pool, n.milvus_service),
        ("jupyter", b.d.jupyter, n.jupyter_pool, n.jupyter_service),
    )
    return tuple(service for service in every if service[0] in b.d.service_keys)


def pools_and_images(b: StepBuilder) -> None:
    n = b.n
    repo = n.repository
    for key, svc, pool, _ in _services(b):
        p = svc.pool
        # A shared pool holds other deployments' services too: never STOP ALL it (that
        # would drop theirs); DROP refuses while any service is left in it.
        stop = () if p.shared else (Sql.of(f"ALTER COMPUTE POOL IF EXISTS {pool} STOP ALL"),)
        b.create(
            f"compute-pool-{key}",
            f"Create the {'shared ' if p.shared else ''}compute pool {pool.name} "
            f"({p.min_nodes}-{p.max_nodes} x {p.instance_family})",
            n.sys_admin,
            "COMPUTE POOL",
            pool.sql(),
            [
                f"MIN_NODES = {p.min_nodes}",
                f"MAX_NODES = {p.max_nodes}",
                f"INSTANCE_FAMILY = {p.instance_family}",
                f"AUTO_RESUME = {str(p.auto_resume).upper()}",
                f"AUTO_SUSPEND_SECS = {p.auto_suspend_secs}",
            ],
            show_like("COMPUTE POOLS", pool),
            "account",
            undo=(*stop, Sql.of(f"DROP COMPUTE POOL IF EXISTS {pool}")),
            depends_on=("create-compute-pool-privilege",),
            shared=p.shared,
            fixes="Suspends itself after AUTO_SUSPEND_SECS without services, so a "
            "forgotten pool stops costing credits.",
        )
    for key in b.d.image_keys:
        svc = b.d.image(key)
        try:
            ref, where = image_reference(b.d, svc), repository_url(b.d)
        except AccountMissingError:
            ref = f"<registry host>/{svc.image}:{svc.tag}"
            where = f"the account's registry ({repo})"
        # image_path is documented as db/schema/repository/image:tag
        # (https://docs.snowflake.com/en/sql-reference/sql/show-images-in-image-repository).
        path = f"{repository_path(b.d)}/{svc.image}:{svc.tag}"
        how = (
            f"Copy {svc.image}:{svc.tag} (linux/amd64) from {svc.source} to {where}"
            if svc.source
            else f"Build {svc.image}:{svc.tag} for linux/amd64 and push it to {where}"
        )
        b.add(
            Step(
                id=f"image-{key}",
                title=how,
                role=n.sys_admin,
                kind=StepKind.IMAGE,
                doc=REGISTRY_DOCS,
                check=Check(
                    Sql.of(f"SHOW IMAGES IN IMAGE REPOSITORY {repo}"),
                    expect=({"image_path": (path,)},),
                ),
                depends_on=("image-repository",),
                fixes="Registry host derived from the account; always linux/amd64 (the only "
                "platform SPCS runs), copied as it is where no build is needed; login with "
                "the session token.",
                details={"image": ref, "platform": "linux/amd64"},
            )
        )
    for key, _, pool, _ in _services(b):
        b.wait(
            f"wait-pool-{key}",
            f"Wait until {pool.name} is IDLE or ACTIVE",
            "describe-compute-pool",
            Check(Sql.of(f"DESCRIBE COMPUTE POOL {pool}"), every_row={"state": ("IDLE", "ACTIVE")}),
            after=f"compute-pool-{key}",
        )


def services(b: StepBuilder) -> None:
    stage = b.n.in_schema(b.n.spec_stage)
    for key, svc, pool, name in _services(b):
        _upload(b, key, svc, stage)
        _service(b, key, svc, pool, name, stage)
    for key, _, _, name in _services(b):
        _after_service(b, key, name)


def _upload(b: StepBuilder, key: str, svc: ServiceConfig, stage: str) -> None:
    local = (b.spec_dir / svc.spec_file).resolve()
    b.add(
        Step(
            id=f"upload-spec-{key}",
            title=f"Upload the {key} specification to @{stage}",
            role=b.n.sys_admin,
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
    b: StepBuilder, key: str, svc: ServiceConfig, pool: Identifier, name: Identifier, stage: str
) -> None:
    n = b.n
    egress = key == "jupyter" and b.d.egress.enabled
    deps = [
        f"compute-pool-{key}",
        f"upload-spec-{key}",
        f"image-{key}",
        "bind-service-endpoint",
        "warehouse",
        "secret-milvus",  # both read Milvus' credentials
    ]
    if key == "milvus":
        deps += ["image-gateway"]
    if key == "jupyter":
        deps += ["secret-jupyter", "grant-integration"]
    b.create(
        f"service-{key}",
        f"Create the service {n.in_schema(name)} in {pool.name}",
        n.sys_admin,
        "SERVICE",
        n.in_schema(name),
        [
            f"IN COMPUTE POOL {pool}",
            f"FROM @{stage}",
            f"SPECIFICATION_FILE = {string_literal(svc.spec_file)}",
            f"MIN_INSTANCES = {svc.min_instances}",
            f"MAX_INSTANCES = {svc.max_instances}",
            f"QUERY_WAREHOUSE = {n.warehouse}",
            f"EXTERNAL_ACCESS_INTEGRATIONS = ({n.external_access_integration})" if egress else None,
        ],
        show_like("SERVICES", name, b.in_schema),
        "schema",
        depends_on=b.deps(*deps),
    )


def _after_service(b: StepBuilder, key: str, name: Identifier) -> None:
    n, q = b.n, b.n.in_schema(name)
    b.wait(
        f"wait-service-{key}",
        f"Wait until every container of {name.name} is READY",
        "show-service-containers-in-service",
        Check(Sql.of(f"SHOW SERVICE CONTAINERS IN SERVICE {q}"), every_row={"status": ("READY",)}),
        after=f"service-{key}",
        fixes="The guide polled the deprecated SYSTEM$GET_SERVICE_STATUS; this uses "
        "SHOW SERVICE CONTAINERS IN SERVICE.",
        details={"service": q},  # whose container logs a failure shows
    )
    service_role = f"{q}!ALL_ENDPOINTS_USAGE"
    b.grant(
        f"grant-endpoints-{key}",
        f"Let {n.role.name} use the endpoints of {name.name}",
        n.sys_admin,
        f"SERVICE ROLE {service_role}",
        f"ROLE {n.role}",
        Check(
            Sql.of(f"SHOW GRANTS OF SERVICE ROLE {service_role}"),
            expect=({"grantee_name": (n.role.name,)},),
        ),
        doc="grant-service-role",
        depends_on=(f"service-{key}", "role"),
        fixes="The guide granted USAGE on the service; endpoint access is now given "
        "through the service role ALL_ENDPOINTS_USAGE.",
    )
    b.wait(
        f"wait-endpoints-{key}",
        f"Wait for the public URL of {name.name}",
        "show-endpoints",
        Check(
            Sql.of(f"SHOW ENDPOINTS IN SERVICE {q}"),
            expect=({"is_public": ("true",), "ingress_url": (HOSTNAME,)},),
        ),
        after=f"wait-service-{key}",
    )


def spec_upgrade_sql(d: Deployment, key: str) -> Sql:
    """``ALTER SERVICE ... FROM @stage SPECIFICATION_FILE = ...``: rolls a changed
    specification out to a running service without dropping it (or its volumes)
    (https://docs.snowflake.com/en/sql-reference/sql/alter-service)."""
    n = d.names()
    service = n.service(key)
    svc = d.service(key)
    return Sql.of(
        f"ALTER SERVICE {n.in_schema(service)} FROM @{n.in_schema(n.spec_stage)} "
        f"SPECIFICATION_FILE = {string_literal(svc.spec_file)}"
    )
