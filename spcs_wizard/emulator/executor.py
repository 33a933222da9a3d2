"""Runs one SQL statement against the emulated account, as a session's current role."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator import errors, grants, objects, services, stages, users
from spcs_wizard.emulator.catalog import Account
from spcs_wizard.emulator.clock import Clock
from spcs_wizard.emulator.context import Ctx, Result, Session

if TYPE_CHECKING:
    from spcs_wizard.emulator.runtime import ServiceRuntime
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.emulator.sql_lexer import Cursor

READ_ONLY = ("SHOW", "DESCRIBE", "DESC", "SELECT", "LIST", "LS", "USE", "CALL", "GET")


class Executor:
    def __init__(self, account: Account, clock: Clock, settings: EmulatorSettings) -> None:
        self.account = account
        self.clock = clock
        self.settings = settings
        self.runtime: ServiceRuntime | None = None

    def execute(self, session: Session, sql: str) -> Result:
        cur = Cursor(sql)
        if cur.at_end():
            raise errors.SnowflakeError(900, "42000", "Empty SQL statement.")
        ctx = Ctx(self.account, session, self.clock, cur, self.settings)
        verb = cur.peek().upper
        with self.account.lock:
            result = self._dispatch(ctx)
            if verb not in READ_ONLY:
                self.account.save()
        return result

    def _dispatch(self, ctx: Ctx) -> Result:
        cur = ctx.cur
        if cur.accept("CREATE"):
            or_replace = cur.accept("OR REPLACE")
            if cur.accept("SERVICE"):
                if or_replace:
                    raise errors.syntax_error(0, "OR REPLACE")
                return services.create_service(ctx)
            return objects.create(ctx, or_replace)
        if cur.accept("DROP"):
            return objects.drop(ctx)
        if cur.accept("SHOW"):
            return self._show(ctx)
        if cur.accept("DESCRIBE") or cur.accept("DESC"):
            return objects.describe(ctx)
        if cur.accept("GRANT"):
            return grants.grant_or_revoke(ctx, revoke=False)
        if cur.accept("REVOKE"):
            return grants.grant_or_revoke(ctx, revoke=True)
        if cur.accept("ALTER COMPUTE POOL"):
            return services.alter_pool(ctx)
        if cur.accept("ALTER SERVICE"):
            return services.alter_service(ctx)
        if cur.accept("ALTER USER"):
            return users.alter_user(ctx)
        if cur.accept("ALTER SESSION"):
            return Result.status("Statement executed successfully.")
        if cur.accept("ALTER"):
            return objects.alter(ctx)
        if cur.accept("USE"):
            return self._use(ctx)
        if cur.accept("PUT"):
            return stages.put(ctx)
        if cur.accept("GET"):
            return stages.get(ctx)
        if cur.accept("LIST") or cur.accept("LS"):
            return stages.list_stage(ctx)
        if cur.accept("REMOVE") or cur.accept("RM"):
            return stages.remove(ctx)
        if cur.accept("SELECT") or cur.accept("CALL"):
            return self._select(ctx)
        if cur.accept("BEGIN") or cur.accept("COMMIT") or cur.accept("ROLLBACK"):
            return Result.status("Statement executed successfully.")
        raise errors.unsupported(cur.text)

    def _show(self, ctx: Ctx) -> Result:
        cur = ctx.cur
        if cur.accept("GRANTS"):
            return grants.show_grants(ctx)
        if cur.accept("IMAGES IN IMAGE REPOSITORY"):
            return services.show_images(ctx)
        nxt = [t.upper for t in cur.tokens[cur.i : cur.i + 2]]
        if nxt and (
            nxt[0] == "ENDPOINTS"
            or nxt == ["SERVICE", "CONTAINERS"]
            or nxt == ["SERVICE", "INSTANCES"]
        ):
            return services.show_in_service(ctx)
        return objects.show(ctx)

    def _use(self, ctx: Ctx) -> Result:
        cur, s = ctx.cur, ctx.session
        if cur.accept("ROLE"):
            role = cur.name_part()
            cur.done()
            if ctx.account.get("ROLE", (role,)) is None or role not in ctx.account.user_roles(
                s.user
            ):
                raise errors.SnowflakeError(
                    3013,
                    "42501",
                    f"SQL access control error:\nRequested role '{role}' is "
                    "not assigned to the executing user. Specify another role to activate.",
                )
            s.role = role
        elif cur.accept("WAREHOUSE"):
            s.warehouse = ctx.find("WAREHOUSE", cur.name(), "warehouse").short
        elif cur.accept("SCHEMA"):
            schema = ctx.find("SCHEMA", cur.name(), "schema")
            s.database, s.schema = schema.name
        else:
            cur.accept("DATABASE")
            s.database = ctx.find("DATABASE", cur.name(), "database").short
            s.schema = "PUBLIC" if ctx.account.get("SCHEMA", (s.database, "PUBLIC")) else None
        cur.done()
        return Result.status("Statement executed successfully.")

    def _select(self, ctx: Ctx) -> Result:
        cur = ctx.cur
        columns: list[str] = []
        values: list[Any] = []
        while True:
            token = cur.peek()
            if token is None:
                raise cur.error()
            if token.kind in ("string", "number"):
                value = cur.value()
                columns.append(str(token.value) if token.kind == "number" else f"'{value}'")
                values.append(value)
            else:
                name = cur.take("word").upper()
                while cur.punct("."):  # SNOWFLAKE.CORTEX.EMBED_TEXT_768(...)
                    name += "." + cur.take("word").upper()
                args: list[Any] = []
                cur.expect_punct("(")
                while not cur.punct(")"):
                    args.append(cur.value())
                    cur.punct(",")
                columns.append(f"{name}()" if not args else name)
                values.append(self._function(ctx, name, args))
            if not cur.punct(","):
                break
        cur.done()
        return Result(columns, [values])

    def _function(self, ctx: Ctx, name: str, args: list[Any]) -> Any:
        s = ctx.session
        simple = {
            "CURRENT_ROLE": s.role,
            "CURRENT_USER": s.user,
            "CURRENT_DATABASE": s.database,
            "CURRENT_SCHEMA": s.schema,
            "CURRENT_WAREHOUSE": s.warehouse,
            "CURRENT_ACCOUNT": self.settings.account,
            "CURRENT_ACCOUNT_NAME": self.settings.account,
            "CURRENT_ORGANIZATION_NAME": self.settings.organization,
            "CURRENT_VERSION": "9.0.0-spcs-emulator",
            "CURRENT_REGION": "LOCAL",
            "CURRENT_SESSION": str(s.id),
        }
        if name in simple:
            return simple[name]
        if name == "CURRENT_AVAILABLE_ROLES":
            return json.dumps(sorted(ctx.account.user_roles(s.user)))
        if name == "SYSTEM$SPCS_EMULATOR_ENDPOINT":
            if len(args) != 2:
                raise errors.invalid_value(f"{name} takes a service name and an endpoint name")
            parts = tuple(p.upper() for p in str(args[0]).split("."))
            svc = ctx.find("SERVICE", parts, "service")
            return None if self.runtime is None else self.runtime.address(svc, str(args[1]))
        if name in ("SNOWFLAKE.CORTEX.EMBED_TEXT_768", "SNOWFLAKE.CORTEX.EMBED_TEXT_1024"):
            from spcs_wizard.emulator.cortex import embed

            return embed(name, args)
        if name == "SYSTEM$GET_SERVICE_DNS_DOMAIN":
            return services.dns_domain(ctx, args)
        if name in ("SYSTEM$GET_SERVICE_STATUS", "SYSTEM$GET_SERVICE_LOGS"):
            return services.system_function(ctx, name, args, self.runtime)
        raise errors.SnowflakeError(
            2140, "42601", f"SQL compilation error:\nUnknown function {name}"
        )
