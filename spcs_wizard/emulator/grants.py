"""GRANT, REVOKE and SHOW GRANTS.

https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
https://docs.snowflake.com/en/sql-reference/sql/grant-role,
https://docs.snowflake.com/en/sql-reference/sql/grant-service-role ("only the service
owner can grant the service role"), https://docs.snowflake.com/en/sql-reference/sql/show-grants.
Granting a privilege on an object needs its ownership or MANAGE GRANTS.
"""

from __future__ import annotations

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.catalog import Grant, Obj, RoleGrant, ServiceRoleGrant
from spcs_wizard.emulator.context import Ctx, Result

OBJECT_KINDS = (
    "DATABASE",
    "SCHEMA",
    "WAREHOUSE",
    "STAGE",
    "INTEGRATION",
    "COMPUTE POOL",
    "IMAGE REPOSITORY",
    "SECRET",
    "SERVICE",
    "NETWORK RULE",
)
DEFAULT_SERVICE_ROLES = ("ALL_ENDPOINTS_USAGE",)


def _privileges(ctx: Ctx) -> list[str]:
    words: list[str] = []
    privileges: list[str] = []
    while not ctx.cur.accept("ON"):
        if ctx.cur.at_end():
            raise ctx.cur.error()
        if ctx.cur.punct(","):
            privileges.append(" ".join(words))
            words = []
            continue
        words.append(ctx.cur.take("word").upper())
    privileges.append(" ".join(words))
    return ["ALL" if p == "ALL PRIVILEGES" else p for p in privileges]


def _can_manage(ctx: Ctx, obj: Obj | None) -> bool:
    if ctx.account.has_account_privilege(ctx.role, "MANAGE GRANTS"):
        return True
    return obj is not None and ctx.account.owns(ctx.role, obj)


def _role(ctx: Ctx, name: str) -> Obj:
    role = ctx.account.get("ROLE", (name,))
    if role is None:
        raise errors.does_not_exist("role", name)
    return role


def _service_role(ctx: Ctx) -> tuple[Obj, str]:
    parts = list(ctx.cur.name())
    ctx.cur.expect_punct("!")
    service_role = ctx.cur.name_part()
    service = ctx.find("SERVICE", tuple(parts))
    spec_roles = [  # a spec's role has a name: CREATE SERVICE refuses one without
        str(r.get("name")).upper()
        for r in ((service.props.get("SPEC_DATA") or {}).get("serviceRoles") or [])
    ]
    if service_role not in (*DEFAULT_SERVICE_ROLES, *spec_roles):
        raise errors.does_not_exist("service role", f"{service.fqn}!{service_role}")
    return service, service_role


def grant_or_revoke(ctx: Ctx, revoke: bool) -> Result:
    now = ctx.clock.now()
    to = "FROM" if revoke else "TO"
    if ctx.cur.accept("SERVICE ROLE"):
        service, service_role = _service_role(ctx)
        ctx.cur.expect(to)
        ctx.cur.accept("ROLE")  # GRANT ... TO [ ROLE ] <name>
        role = _role(ctx, ctx.cur.name_part()).short
        ctx.cur.done()
        if not ctx.account.owns(ctx.role, service):
            raise errors.insufficient_privileges(f"service '{service.fqn}'")
        ctx.account.service_role_grants = [
            g
            for g in ctx.account.service_role_grants
            if not (g.service == service.fqn and g.service_role == service_role and g.role == role)
        ]
        if not revoke:
            ctx.account.service_role_grants.append(
                ServiceRoleGrant(service.fqn, service_role, role, ctx.role, now)
            )
        return Result.status("Statement executed successfully.")
    if ctx.cur.accept("ROLE"):
        granted = _role(ctx, ctx.cur.name_part())
        ctx.cur.expect(to)
        kind = "USER" if ctx.cur.accept("USER") else ("ROLE" if ctx.cur.accept("ROLE") else None)
        if kind is None:
            raise ctx.cur.error()
        grantee = ctx.cur.name_part()
        ctx.cur.done()
        if ctx.account.get(kind, (grantee,)) is None:
            raise errors.does_not_exist(kind, grantee)
        if not _can_manage(ctx, granted):
            raise errors.insufficient_privileges(f"role '{granted.short}'")
        ctx.account.role_grants = [
            g
            for g in ctx.account.role_grants
            if not (g.role == granted.short and g.grantee_kind == kind and g.grantee == grantee)
        ]
        if not revoke:
            ctx.account.role_grants.append(RoleGrant(granted.short, kind, grantee, ctx.role, now))
        return Result.status("Statement executed successfully.")
    privileges = _privileges(ctx)
    if ctx.cur.accept("ACCOUNT"):
        obj, on_kind, on_name = None, "ACCOUNT", ""
    else:
        on_kind = next((k for k in OBJECT_KINDS if ctx.cur.accept(k)), None)
        if on_kind is None:
            raise ctx.cur.error()
        # A MANAGE GRANTS holder sees every object (Ctx.visible), so it finds any.
        obj = ctx.find(on_kind, ctx.cur.name())
        on_name = obj.fqn
    ctx.cur.expect(to)
    ctx.cur.accept("ROLE")  # GRANT ... TO [ ROLE ] <name>
    role = _role(ctx, ctx.cur.name_part()).short
    ctx.cur.done()
    if not _can_manage(ctx, obj):
        what = f"account '{ctx.account.name}'" if obj is None else f"{on_kind.lower()} '{on_name}'"
        raise errors.insufficient_privileges(what)
    for privilege in privileges:
        ctx.account.grants = [
            g
            for g in ctx.account.grants
            if not (
                g.privilege == privilege
                and g.on_kind == on_kind
                and g.on_name == on_name
                and g.role == role
            )
        ]
        if not revoke:
            ctx.account.grants.append(Grant(privilege, on_kind, on_name, role, ctx.role, now))
    return Result.status("Statement executed successfully.")


def show_grants(ctx: Ctx) -> Result:
    if ctx.cur.accept("TO USER"):
        user = ctx.cur.name_part()
        ctx.cur.done()
        if ctx.account.get("USER", (user,)) is None:
            raise errors.does_not_exist("user", user)
        rows = [
            [ctx.timestamp(g.created_on), g.role, "USER", g.grantee, g.granted_by]
            for g in ctx.account.role_grants
            if g.grantee_kind == "USER" and g.grantee == user
        ]
        return Result(["created_on", "role", "granted_to", "grantee_name", "granted_by"], rows)
    if ctx.cur.accept("OF SERVICE ROLE"):
        service, service_role = _service_role(ctx)
        ctx.cur.done()
        rows = [
            [
                ctx.timestamp(g.created_on),
                f"{service.short}!{service_role}",
                "ROLE",
                g.role,
                g.granted_by,
            ]
            for g in ctx.account.service_role_grants
            if g.service == service.fqn and g.service_role == service_role
        ]
        return Result(["created_on", "role", "granted_to", "grantee_name", "granted_by"], rows)
    if ctx.cur.accept("OF ROLE"):
        role = _role(ctx, ctx.cur.name_part()).short
        ctx.cur.done()
        rows = [
            [ctx.timestamp(g.created_on), g.role, g.grantee_kind, g.grantee, g.granted_by]
            for g in ctx.account.role_grants
            if g.role == role
        ]
        return Result(["created_on", "role", "granted_to", "grantee_name", "granted_by"], rows)
    ctx.cur.expect("TO ROLE")
    role = _role(ctx, ctx.cur.name_part()).short
    ctx.cur.done()
    columns = [
        "created_on",
        "privilege",
        "granted_on",
        "name",
        "granted_to",
        "grantee_name",
        "grant_option",
        "granted_by",
    ]
    rows = []
    for g in ctx.account.grants:
        if g.role == role:
            name = ctx.account.name if g.on_kind == "ACCOUNT" else g.on_name
            rows.append(
                [
                    ctx.timestamp(g.created_on),
                    g.privilege,
                    g.on_kind.replace(" ", "_"),
                    name,
                    "ROLE",
                    role,
                    "false",
                    g.granted_by,
                ]
            )
    for obj in ctx.account.objects.values():
        if obj.owner == role and obj.created_on > 0:
            rows.append(
                [
                    ctx.timestamp(obj.created_on),
                    "OWNERSHIP",
                    obj.kind.replace(" ", "_"),
                    obj.fqn,
                    "ROLE",
                    role,
                    "true",
                    role,
                ]
            )
    for g in ctx.account.role_grants:
        if g.grantee_kind == "ROLE" and g.grantee == role:
            rows.append(
                [
                    ctx.timestamp(g.created_on),
                    "USAGE",
                    "ROLE",
                    g.role,
                    "ROLE",
                    role,
                    "false",
                    g.granted_by,
                ]
            )
    return Result(columns, rows)
