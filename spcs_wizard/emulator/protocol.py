"""JSON envelopes of the connector's REST protocol, as snowflake-connector-python 4.x
reads them (network.py, auth/_auth.py, cursor.py): ``{"data", "code", "message",
"success"}``; query results with ``rowtype`` and an inline JSON ``rowset``."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator.context import Result, Session
from spcs_wizard.emulator.errors import SnowflakeError

if TYPE_CHECKING:
    from spcs_wizard.emulator.auth import SessionRecord
    from spcs_wizard.emulator.settings import EmulatorSettings

# Connector/GS codes (snowflake/connector/network.py).
SESSION_EXPIRED = "390112"
MASTER_TOKEN_EXPIRED = "390114"
INCORRECT_CREDENTIALS = "390100"
ROLE_NOT_GRANTED = "390189"
STATEMENT_TYPE_SELECT = 4096


def ok(data: Any) -> dict[str, Any]:
    return {"data": data, "code": None, "message": None, "success": True}


def failure(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"data": data or {}, "code": code, "message": message, "success": False}


def query_error(error: SnowflakeError) -> dict[str, Any]:
    code = f"{error.code:06d}"
    return failure(
        code,
        error.message,
        {
            "errorCode": code,
            "sqlState": error.sqlstate,
            "queryId": str(uuid.uuid4()),
            "internalError": False,
        },
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query_result(result: Result, session: Session) -> dict[str, Any]:
    data: dict[str, Any] = {
        "queryId": str(uuid.uuid4()),
        "finalDatabaseName": session.database,
        "finalSchemaName": session.schema,
        "finalWarehouseName": session.warehouse,
        "finalRoleName": session.role,
        "sendResultTime": int(time.time() * 1000),
        "queryResultFormat": "json",
        "statementTypeId": STATEMENT_TYPE_SELECT,
        "parameters": [],
        "version": 1,
        "numberOfBinds": 0,
    }
    if result.transfer is not None:
        data.update(result.transfer)
        return ok(data)
    rowtype = []
    for name in result.columns:
        fixed = name in result.fixed
        rowtype.append(
            {
                "name": name,
                "database": "",
                "schema": "",
                "table": "",
                "nullable": True,
                "type": "fixed" if fixed else "text",
                "length": None if fixed else 16777216,
                "precision": 38 if fixed else None,
                "scale": 0 if fixed else None,
                "byteLength": None if fixed else 16777216,
                "collation": None,
            }
        )
    rows = [[_text(v) for v in row] for row in result.rows]
    data.update(rowtype=rowtype, rowset=rows, total=len(rows), returned=len(rows))
    return ok(data)


def login_response(
    record: SessionRecord, settings: EmulatorSettings, mfa_token: str | None
) -> dict[str, Any]:
    """What the connector reads after a login (auth/_auth.py): tokens, their validity,
    the session's id, parameters and current database/schema/warehouse/role."""
    s = record.session
    return ok(
        {
            "mfaToken": mfa_token,
            "token": record.token,
            "masterToken": record.master_token,
            "validityInSeconds": int(settings.session_validity_secs),
            "masterValidityInSeconds": int(settings.master_validity_secs),
            "displayUserName": s.user,
            "serverVersion": "9.0.0-spcs-emulator",
            "firstLogin": False,
            "sessionId": s.id,
            "healthCheckInterval": 45,
            "parameters": [
                {"name": "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY", "value": 3600}
            ],
            "sessionInfo": {
                "databaseName": s.database,
                "schemaName": s.schema,
                "warehouseName": s.warehouse,
                "roleName": s.role,
            },
        }
    )
