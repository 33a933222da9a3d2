"""Output columns of SHOW and DESCRIBE, named and ordered as each command's page documents
(https://docs.snowflake.com/en/sql-reference/sql/show-<kind>s). Columns the emulator has no
meaningful value for are returned as NULL rather than left out, so column positions hold.
"""

from __future__ import annotations

from typing import Any

from spcs_wizard.emulator import lifecycle
from spcs_wizard.emulator.catalog import Obj
from spcs_wizard.emulator.context import Ctx, bool_text
from spcs_wizard.emulator.scheduling import place
from spcs_wizard.model.registry import registry_host

COLUMNS: dict[str, list[str]] = {
    "ROLE": [
        "created_on",
        "name",
        "is_default",
        "is_current",
        "is_inherited",
        "assigned_to_users",
        "granted_to_roles",
        "granted_roles",
        "owner",
        "comment",
    ],
    "USER": [
        "name",
        "created_on",
        "login_name",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "comment",
        "disabled",
        "must_change_password",
        "default_warehouse",
        "default_namespace",
        "default_role",
        "default_secondary_roles",
        "owner",
        "has_password",
        "has_rsa_public_key",
        "type",
    ],
    "WAREHOUSE": [
        "name",
        "state",
        "type",
        "size",
        "min_cluster_count",
        "max_cluster_count",
        "started_clusters",
        "running",
        "queued",
        "is_default",
        "is_current",
        "auto_suspend",
        "auto_resume",
        "created_on",
        "owner",
        "comment",
    ],
    "DATABASE": [
        "created_on",
        "name",
        "is_default",
        "is_current",
        "origin",
        "owner",
        "comment",
        "options",
        "retention_time",
        "kind",
    ],
    "SCHEMA": [
        "created_on",
        "name",
        "is_default",
        "is_current",
        "database_name",
        "owner",
        "comment",
        "options",
        "retention_time",
    ],
    "STAGE": [
        "created_on",
        "name",
        "database_name",
        "schema_name",
        "url",
        "has_credentials",
        "has_encryption_key",
        "owner",
        "comment",
        "region",
        "type",
        "cloud",
        "storage_integration",
        "endpoint",
        "owner_role_type",
        "directory_enabled",
    ],
    "IMAGE REPOSITORY": [
        "created_on",
        "name",
        "database_name",
        "schema_name",
        "repository_url",
        "owner",
        "owner_role_type",
        "comment",
    ],
    "NETWORK RULE": [
        "created_on",
        "name",
        "database_name",
        "schema_name",
        "owner",
        "comment",
        "type",
        "mode",
        "entries_in_value_list",
        "owner_role_type",
    ],
    "SECRET": [
        "created_on",
        "name",
        "schema_name",
        "database_name",
        "owner",
        "comment",
        "secret_type",
        "oauth_scopes",
        "owner_role_type",
    ],
    "INTEGRATION": ["name", "type", "category", "enabled", "comment", "created_on"],
    "COMPUTE POOL": [
        "name",
        "state",
        "min_nodes",
        "max_nodes",
        "instance_family",
        "num_services",
        "num_jobs",
        "auto_suspend_secs",
        "auto_resume",
        "active_nodes",
        "idle_nodes",
        "target_nodes",
        "created_on",
        "resumed_on",
        "updated_on",
        "owner",
        "comment",
        "is_exclusive",
        "application",
        "error_code",
        "status_message",
    ],
    "SERVICE": [
        "name",
        "status",
        "database_name",
        "schema_name",
        "owner",
        "compute_pool",
        "dns_name",
        "current_instances",
        "target_instances",
        "min_ready_instances",
        "min_instances",
        "max_instances",
        "auto_resume",
        "external_access_integrations",
        "created_on",
        "updated_on",
        "resumed_on",
        "suspended_on",
        "comment",
        "owner_role_type",
        "query_warehouse",
        "is_job",
        "spec_digest",
        "is_upgrading",
    ],
}
FIXED = {
    "WAREHOUSE": {
        "min_cluster_count",
        "max_cluster_count",
        "started_clusters",
        "running",
        "queued",
        "auto_suspend",
    },
    "NETWORK RULE": {"entries_in_value_list"},
    "COMPUTE POOL": {
        "min_nodes",
        "max_nodes",
        "num_services",
        "num_jobs",
        "auto_suspend_secs",
        "active_nodes",
        "idle_nodes",
        "target_nodes",
    },
    "SERVICE": {
        "current_instances",
        "target_instances",
        "min_ready_instances",
        "min_instances",
        "max_instances",
    },
}


def show_columns(kind: str, describe: bool = False) -> tuple[list[str], frozenset[str]]:
    columns = list(COLUMNS[kind])
    if describe and kind == "SERVICE":
        columns.append("spec")
    return columns, frozenset(FIXED.get(kind, set()))


def _owner_type(obj: Obj) -> str:
    return "ROLE"


def row_for(ctx: Ctx, obj: Obj, describe: bool = False) -> list[Any]:
    p, created = obj.props, ctx.timestamp(obj.created_on)
    values: dict[str, Any] = {
        "created_on": created,
        "name": obj.short,
        "owner": obj.owner,
        "comment": obj.comment,
        "owner_role_type": _owner_type(obj),
    }
    if len(obj.name) == 3:
        values.update(database_name=obj.name[0], schema_name=obj.name[1])
    if obj.kind == "SCHEMA":
        values["database_name"] = obj.name[0]
    now, s = ctx.clock.now(), ctx.settings
    if obj.kind == "ROLE":
        values.update(
            is_current="Y" if obj.short == ctx.role else "N",
            is_default="N",
            is_inherited="N",
            assigned_to_users=sum(
                1
                for g in ctx.account.role_grants
                if g.role == obj.short and g.grantee_kind == "USER"
            ),
        )
    elif obj.kind == "USER":
        values.update(
            login_name=str(p.get("LOGIN_NAME", obj.short)).upper(),
            display_name=p.get("DISPLAY_NAME", obj.short),
            disabled="false",
            must_change_password=bool_text(p.get("MUST_CHANGE_PASSWORD", False)),
            default_role=p.get("DEFAULT_ROLE"),
            default_secondary_roles=str(p.get("DEFAULT_SECONDARY_ROLES", "")) or None,
            has_password=bool_text("PASSWORD" in p),
            has_rsa_public_key=bool_text("RSA_PUBLIC_KEY" in p),
            type=p.get("TYPE", "PERSON"),
        )
    elif obj.kind == "WAREHOUSE":
        suspended = p.get("INITIALLY_SUSPENDED", False) or p.get("SUSPENDED", False)
        values.update(
            state="SUSPENDED" if suspended else "STARTED",
            type="STANDARD",
            size=str(p.get("WAREHOUSE_SIZE", "X-Small")),
            min_cluster_count=1,
            max_cluster_count=1,
            started_clusters=0 if suspended else 1,
            running=0,
            queued=0,
            is_default="N",
            is_current="Y" if ctx.session.warehouse == obj.short else "N",
            auto_suspend=p.get("AUTO_SUSPEND", 600),
            auto_resume=bool_text(p.get("AUTO_RESUME", True)),
        )
    elif obj.kind == "DATABASE":
        values.update(
            is_default="N",
            is_current="Y" if ctx.session.database == obj.short else "N",
            origin="",
            options="",
            retention_time="1",
            kind="STANDARD",
        )
    elif obj.kind == "SCHEMA":
        values.update(
            is_default="N",
            is_current="Y" if ctx.session.schema == obj.short else "N",
            options="",
            retention_time="1",
        )
    elif obj.kind == "STAGE":
        encryption = p.get("ENCRYPTION") or [{}]
        values.update(
            url="",
            has_credentials="N",
            has_encryption_key="Y" if encryption[0].get("TYPE") else "N",
            type="INTERNAL",
            directory_enabled="N",
        )
    elif obj.kind == "IMAGE REPOSITORY":
        host = s.registry_host or registry_host(s.account_identifier)
        values["repository_url"] = f"{host}/{'/'.join(obj.name).lower()}"
    elif obj.kind == "NETWORK RULE":
        values.update(
            type=p.get("TYPE"),
            mode=p.get("MODE"),
            entries_in_value_list=len(p.get("VALUE_LIST") or []),
        )
    elif obj.kind == "SECRET":
        values["secret_type"] = p.get("TYPE")
    elif obj.kind == "INTEGRATION":
        values.update(
            type="OAUTH - SNOWSERVICES_INGRESS"
            if p.get("CATEGORY") == "SECURITY"
            else "EXTERNAL_ACCESS",
            category=p.get("CATEGORY"),
            enabled=bool_text(p.get("ENABLED", False)),
        )
    elif obj.kind == "COMPUTE POOL":
        lifecycle.settle_pool(ctx.account, obj, now, s)
        state = lifecycle.pool_state(ctx.account, obj, now, s)
        services = lifecycle.services_on(ctx.account, obj)
        # The nodes its services need (autoscaled up to MAX_NODES), at least MIN_NODES.
        used = place(ctx.account, obj).nodes_used if services else 0
        wanted = max(int(p["MIN_NODES"]), used)
        nodes = 0 if state in ("SUSPENDED", "STARTING") else wanted
        values.update(
            state=state,
            min_nodes=p["MIN_NODES"],
            max_nodes=p["MAX_NODES"],
            instance_family=p["INSTANCE_FAMILY"],
            num_services=len(services),
            num_jobs=0,
            auto_suspend_secs=p.get("AUTO_SUSPEND_SECS"),
            auto_resume=bool_text(p.get("AUTO_RESUME", True)),
            active_nodes=nodes if services else 0,
            idle_nodes=0 if services else nodes,
            target_nodes=wanted,
            resumed_on=ctx.timestamp(float(p["STATE_SINCE"])),
            updated_on=created,
            is_exclusive="false",
            error_code=None,
            status_message=None,
        )
    elif obj.kind == "SERVICE":
        state = lifecycle.service_state(ctx.account, obj, now, s)
        running = sum(1 for c in state.containers if c.status == "READY")
        values.update(
            status=state.status,
            compute_pool=p["COMPUTE_POOL"],
            dns_name=ctx.account.service_dns_name(obj),
            current_instances=1 if running else 0,
            target_instances=int(p.get("MIN_INSTANCES", 1)),
            min_ready_instances=1,
            min_instances=int(p.get("MIN_INSTANCES", 1)),
            max_instances=int(p.get("MAX_INSTANCES", 1)),
            auto_resume="true",
            external_access_integrations=str(p.get("EXTERNAL_ACCESS_INTEGRATIONS") or []),
            updated_on=ctx.timestamp(float(p.get("UPDATED_AT", obj.created_on))),
            resumed_on=None,
            suspended_on=None,
            query_warehouse=p.get("QUERY_WAREHOUSE"),
            is_job="false",
            spec_digest=p.get("SPEC_DIGEST"),
            is_upgrading="false",
            spec=p.get("SPEC_TEXT"),
        )
    columns, _ = show_columns(obj.kind, describe)
    return [values.get(c) for c in columns]
