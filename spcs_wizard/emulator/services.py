"""Services and compute pools: CREATE/ALTER SERVICE, ALTER COMPUTE POOL, and what shows
their state (SHOW SERVICE CONTAINERS/INSTANCES IN SERVICE, SHOW ENDPOINTS, SHOW IMAGES,
SYSTEM$GET_SERVICE_STATUS, SYSTEM$GET_SERVICE_LOGS).

https://docs.snowflake.com/en/sql-reference/sql/create-service,
https://docs.snowflake.com/en/sql-reference/sql/alter-service,
https://docs.snowflake.com/en/sql-reference/sql/alter-compute-pool,
https://docs.snowflake.com/en/sql-reference/sql/show-service-instances-in-service,
https://docs.snowflake.com/en/sql-reference/sql/show-images-in-image-repository,
https://docs.snowflake.com/en/sql-reference/functions/system_get_service_logs.
A public endpoint needs BIND SERVICE ENDPOINT; a service's owner role cannot be
ACCOUNTADMIN, SECURITYADMIN or ORGADMIN
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/additional-considerations-services-jobs).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import yaml

from spcs_wizard.emulator import errors, lifecycle
from spcs_wizard.emulator.catalog import Obj
from spcs_wizard.emulator.container_env import qualified
from spcs_wizard.emulator.context import Ctx, Result, bool_text
from spcs_wizard.emulator.scheduling import check_fits
from spcs_wizard.emulator.stages import read_stage_file, resolve_stage
from spcs_wizard.specs.validate import validate_document

if TYPE_CHECKING:
    from spcs_wizard.emulator.runtime import ServiceRuntime

PRIVILEGED_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "ORGADMIN")


def _invalid_spec(reason: str) -> errors.SnowflakeError:
    return errors.SnowflakeError(395018, "22023", f"Invalid spec: {reason}.")


def _read_spec(ctx: Ctx) -> str:
    """``FROM SPECIFICATION $$...$$`` or ``FROM @stage SPECIFICATION_FILE = 'file'``
    (``SPEC =`` is the older spelling the guide used)."""
    ctx.cur.expect("FROM")
    if ctx.cur.accept("SPECIFICATION"):
        return ctx.cur.string()
    stage, _ = resolve_stage(ctx, ctx.cur.take("stage"))
    if not (ctx.cur.accept("SPECIFICATION_FILE") or ctx.cur.accept("SPEC")):
        raise ctx.cur.error()
    ctx.cur.expect_punct("=")
    return read_stage_file(ctx, stage, ctx.cur.string())


def parse_spec(text: str) -> dict[str, Any]:
    """Parse and check a specification as Snowflake does (structure and consistency; not
    the extra safety rules spcs-wizard applies to its own specs)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _invalid_spec(f"not valid YAML ({exc.__class__.__name__})") from None
    problems = validate_document(data, security=False)
    if problems:
        raise _invalid_spec("; ".join(str(p) for p in problems[:3]))
    return data


# Which secret types each secretKeyRef reads (specification-reference, containers.secrets).
KEY_REFS = {
    "username": ("PASSWORD",),
    "password": ("PASSWORD",),
    "secret_string": ("GENERIC_STRING", "OAUTH2"),
}


def _check_references(ctx: Ctx, svc: Obj, data: dict[str, Any]) -> None:
    """Secrets and stage volumes named by the spec must exist and be usable by the owner."""
    for container in data["spec"]["containers"]:
        for secret in container.get("secrets") or []:
            ref = secret["snowflakeSecret"]
            name = ref.get("objectName") if isinstance(ref, dict) else ref
            if name is None:
                continue
            full = qualified(svc, str(name))
            obj = ctx.account.get("SECRET", full)
            if obj is None or not ctx.account.has_privilege(svc.owner, obj, "USAGE", "READ"):
                raise errors.does_not_exist("secret", ".".join(full))
            key = str(secret.get("secretKeyRef", "")).lower()
            kinds = KEY_REFS.get(key)
            if key and kinds is not None and str(obj.props.get("TYPE", "")).upper() not in kinds:
                raise _invalid_spec(
                    f"secretKeyRef {key} of {'.'.join(full)} needs a secret of type "
                    f"{' or '.join(kinds)}; it is {obj.props.get('TYPE')}"
                )
    for volume in data["spec"].get("volumes") or []:
        source = str(volume.get("source", ""))
        if source.startswith("@"):
            full = qualified(svc, source[1:])
            if ctx.account.get("STAGE", full) is None:
                raise errors.does_not_exist("stage", ".".join(full))


def _apply_spec(ctx: Ctx, svc: Obj, text: str) -> None:
    data = parse_spec(text)
    _check_references(ctx, svc, data)
    public = any(ep.get("public") for ep in data["spec"].get("endpoints") or [])
    if public and not ctx.account.has_account_privilege(svc.owner, "BIND SERVICE ENDPOINT"):
        raise errors.insufficient_privileges(
            f"account '{ctx.account.name}' (a public endpoint needs BIND SERVICE ENDPOINT)"
        )
    svc.props.update(
        SPEC_TEXT=text,
        SPEC_DATA=data,
        SPEC_DIGEST=hashlib.sha256(text.encode()).hexdigest(),
        STARTED_AT=ctx.clock.now(),
        UPDATED_AT=ctx.clock.now(),
    )


def _use_pool(ctx: Ctx, pool: Obj) -> None:
    now = ctx.clock.now()
    lifecycle.settle_pool(ctx.account, pool, now, ctx.settings)
    if pool.props.get("SUSPENDED"):
        if not pool.props.get("AUTO_RESUME", True):
            raise errors.SnowflakeError(
                395003,
                "22000",
                f"Compute pool {pool.short} is suspended and AUTO_RESUME is "
                "FALSE; run ALTER COMPUTE POOL ... RESUME.",
            )
        lifecycle.resume_pool(pool, now)
    pool.props["LAST_SERVICE_CHANGE"] = now


def create_service(ctx: Ctx) -> Result:
    if_not_exists = ctx.cur.accept("IF NOT EXISTS")
    name = ctx.qualify(ctx.cur.name(), "SERVICE")
    ctx.cur.expect("IN COMPUTE POOL")
    pool = ctx.find("COMPUTE POOL", ctx.cur.name(), "compute pool")
    schema = ctx.parent(name)
    if ctx.account.get("SERVICE", name) is not None:
        if if_not_exists:
            return Result.status(f"SERVICE {name[-1]} already exists, statement succeeded.")
        raise errors.already_exists("service", ".".join(name))
    if not ctx.account.owns(ctx.role, schema):
        raise errors.insufficient_privileges(f"schema '{schema.fqn}'")
    if ctx.role in PRIVILEGED_ROLES:
        raise errors.SnowflakeError(
            3001,
            "42501",
            f"SQL access control error:\nA service cannot be owned by "
            f"{ctx.role}; create it with a less privileged role such as SYSADMIN.",
        )
    text = _read_spec(ctx)
    props = ctx.cur.properties()
    for eai in props.get("EXTERNAL_ACCESS_INTEGRATIONS") or []:
        integration = ctx.find("INTEGRATION", (str(eai).upper(),), "integration")
        if not ctx.account.has_privilege(ctx.role, integration, "USAGE"):
            raise errors.insufficient_privileges(f"integration '{integration.short}'")
    svc = Obj("SERVICE", name, ctx.role, ctx.clock.now(), dict(props))
    svc.props["COMPUTE_POOL"] = pool.short
    _apply_spec(ctx, svc, text)
    check_fits(pool, svc.props["SPEC_DATA"])
    _use_pool(ctx, pool)
    ctx.account.put(svc)
    return Result.status(f"Service {name[-1]} successfully created.")


def alter_service(ctx: Ctx) -> Result:
    if_exists = ctx.cur.accept("IF EXISTS")
    parts = ctx.cur.name()
    svc = ctx.account.get("SERVICE", ctx.qualify(parts, "SERVICE"))
    if svc is None or not ctx.visible(svc):
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise errors.does_not_exist("service", ".".join(parts))
    if not ctx.account.owns(ctx.role, svc):
        raise errors.insufficient_privileges(f"service '{svc.fqn}'")
    pool = ctx.account.get("COMPUTE POOL", (svc.props["COMPUTE_POOL"],))
    if ctx.cur.accept("SUSPEND"):
        svc.props["SUSPENDED"] = True
    elif ctx.cur.accept("RESUME"):
        if svc.props.get("SUSPENDED"):  # resuming a running service changes nothing
            svc.props["SUSPENDED"] = False
            svc.props["STARTED_AT"] = ctx.clock.now()
            svc.props.pop("FAIL_AFTER", None)
    elif ctx.cur.peek() is not None and ctx.cur.peek().upper == "FROM":
        text = _read_spec(ctx)
        if pool is not None:
            check_fits(pool, parse_spec(text))
        _apply_spec(ctx, svc, text)  # rolling upgrade: containers restart
    elif ctx.cur.accept("SET"):
        svc.props.update(ctx.cur.properties())
    else:
        raise ctx.cur.error()
    ctx.cur.done()
    if pool is not None:
        if svc.props.get("SUSPENDED"):
            pool.props["LAST_SERVICE_CHANGE"] = ctx.clock.now()
        else:
            _use_pool(ctx, pool)
    return Result.status("Statement executed successfully.")


def alter_pool(ctx: Ctx) -> Result:
    if_exists = ctx.cur.accept("IF EXISTS")
    parts = ctx.cur.name()
    pool = ctx.account.get("COMPUTE POOL", parts[-1:])
    if pool is None or not ctx.visible(pool):
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise errors.does_not_exist("compute pool", parts[-1])
    if not ctx.account.has_privilege(ctx.role, pool, "OPERATE", "MODIFY"):
        raise errors.insufficient_privileges(f"compute pool '{pool.short}'")
    now = ctx.clock.now()
    lifecycle.settle_pool(ctx.account, pool, now, ctx.settings)
    services = lifecycle.services_on(ctx.account, pool)
    if ctx.cur.accept("SUSPEND"):
        pool.props["SUSPENDED"] = True
        for svc in services:
            svc.props["SUSPENDED"] = True
    elif ctx.cur.accept("RESUME"):
        if pool.props.get("SUSPENDED"):
            lifecycle.resume_pool(pool, now)
    elif ctx.cur.accept("STOP ALL"):
        for svc in services:
            ctx.account.remove("SERVICE", svc.name)
        pool.props["LAST_SERVICE_CHANGE"] = now
    elif ctx.cur.accept("SET"):
        pool.props.update(ctx.cur.properties())
    else:
        raise ctx.cur.error()
    ctx.cur.done()
    return Result.status("Statement executed successfully.")


def _service_for_show(ctx: Ctx) -> Obj:
    svc = ctx.find("SERVICE", ctx.cur.name(), "service")
    ctx.cur.done()
    return svc


def show_in_service(ctx: Ctx) -> Result:
    now, s = ctx.clock.now(), ctx.settings
    if ctx.cur.accept("ENDPOINTS IN SERVICE"):
        svc = _service_for_show(ctx)
        rows = [
            [e["name"], e["port"], None, e["protocol"], bool_text(e["is_public"]), e["ingress_url"]]
            for e in lifecycle.endpoints(ctx.account, svc, now, s, s.account_identifier)
        ]
        return Result(
            ["name", "port", "port_range", "protocol", "is_public", "ingress_url"],
            rows,
            frozenset({"port"}),
        )
    containers = ctx.cur.accept("SERVICE CONTAINERS IN SERVICE")
    if not containers:
        ctx.cur.expect("SERVICE INSTANCES IN SERVICE")
    svc = _service_for_show(ctx)
    state = lifecycle.service_state(ctx.account, svc, now, s)
    head = [svc.name[0], svc.name[1], svc.short, state.status]
    if containers:
        columns = [
            "database_name",
            "schema_name",
            "service_name",
            "service_status",
            "instance_id",
            "instance_status",
            "container_name",
            "status",
            "message",
            "image_name",
            "image_digest",
            "restart_count",
            "start_time",
            "last_exit_code",
            "last_restart_time",
        ]
        rows = [
            [
                *head,
                c.instance_id,
                c.instance_status,
                c.name,
                c.status,
                c.message,
                c.image,
                c.digest,
                c.restart_count,
                None if c.start_time is None else ctx.timestamp(c.start_time),
                c.last_exit_code,
                None,
            ]
            for c in state.containers
        ]
        if not rows:
            rows = [head + [None] * (len(columns) - 4)]
        return Result(columns, rows, frozenset({"restart_count", "last_exit_code"}))
    columns = [
        "database_name",
        "schema_name",
        "service_name",
        "service_status",
        "instance_id",
        "status",
        "spec_digest",
        "creation_time",
        "start_time",
    ]
    instances: dict[str, list[Any]] = {}
    for c in state.containers:
        row = instances.setdefault(
            c.instance_id or "0",
            [
                *head,
                c.instance_id,
                c.instance_status,
                svc.props.get("SPEC_DIGEST"),
                ctx.timestamp(svc.created_on),
                None if c.start_time is None else ctx.timestamp(c.start_time),
            ],
        )
        if c.instance_status == "FAILED":
            row[5] = "FAILED"
    return Result(columns, list(instances.values()))


def show_images(ctx: Ctx) -> Result:
    repo = ctx.find("IMAGE REPOSITORY", ctx.cur.name(), "image repository")
    ctx.cur.done()
    if not ctx.account.has_privilege(ctx.role, repo, "READ"):
        raise errors.insufficient_privileges(f"image repository '{repo.fqn}'")
    path = "/".join(repo.name).lower()
    rows = []
    for ref, digest in sorted(ctx.account.images_in(path).items()):
        name, _, tag = ref.partition(":")
        rows.append([ctx.timestamp(repo.created_on), name, tag, digest, f"{path}/{name}:{tag}"])
    return Result(["created_on", "image_name", "tags", "digest", "image_path"], rows)


def dns_domain(ctx: Ctx, args: list[Any]) -> str:
    """SYSTEM$GET_SERVICE_DNS_DOMAIN('<db>.<schema>'): the schema's service DNS domain
    (https://docs.snowflake.com/en/sql-reference/functions/system_get_service_dns_domain).
    The schema must be fully qualified and visible to the role."""
    parts = tuple(p.strip('"').upper() for p in str(args[0]).split(".")) if args else ()
    if len(parts) != 2:
        raise errors.invalid_value(
            "SYSTEM$GET_SERVICE_DNS_DOMAIN takes one argument, the schema as '<db>.<schema>'"
        )
    schema = ctx.find("SCHEMA", parts, "schema")
    return ctx.account.dns_domain(schema)


def system_function(
    ctx: Ctx, name: str, args: list[Any], runtime: ServiceRuntime | None = None
) -> str:
    now, s = ctx.clock.now(), ctx.settings
    if not args:
        raise errors.invalid_value(f"{name} needs the service name")
    svc = ctx.find("SERVICE", tuple(p.upper() for p in str(args[0]).split(".")), "service")
    state = lifecycle.service_state(ctx.account, svc, now, s)
    if name == "SYSTEM$GET_SERVICE_STATUS":
        return json.dumps(
            [
                {
                    "status": c.status,
                    "message": c.message,
                    "containerName": c.name,
                    "instanceId": c.instance_id,
                    "serviceName": svc.short,
                    "image": c.image,
                    "restartCount": c.restart_count,
                    "startTime": "" if c.start_time is None else ctx.timestamp(c.start_time),
                }
                for c in state.containers
            ]
        )
    if len(args) < 3:
        raise errors.invalid_value(
            "SYSTEM$GET_SERVICE_LOGS needs the service, the instance id and the container"
        )
    # The docs name an instance "starting with 0" and a container "as specified in the
    # service specification file"; they are silent on any other, and on a suspended
    # service (no instance runs): refused here. One still starting has no lines yet (the
    # seed guide asks right after CREATE SERVICE).
    instance, container = str(args[1]), str(args[2])
    spec: dict[str, Any] = svc.props.get("SPEC_DATA") or {}
    declared = {str(c.get("name")) for c in (spec.get("spec") or {}).get("containers") or []}
    if svc.props.get("SUSPENDED"):
        raise errors.invalid_value(f"{name}: service {svc.fqn} is suspended: no instance runs")
    if instance not in {str(i) for i in range(int(svc.props.get("MIN_INSTANCES", 1)))}:
        raise errors.invalid_value(f"{name}: service {svc.fqn} has no instance {instance!r}")
    if container not in declared:
        raise errors.invalid_value(f"{name}: service {svc.fqn} has no container {container!r}")
    lines = lifecycle.service_logs(ctx.account, svc, now, s, container)
    if runtime is not None:  # what a container run for real wrote (the gateway)
        lines += [f"[{container}] {line}" for line in runtime.container_log(svc, container)]
    if len(args) > 3:
        lines = lines[-int(args[3]) :]
    return "\n".join(lines)
