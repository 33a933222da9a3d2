"""PUT, GET, LIST and REMOVE on internal stages, kept in the state directory.

PUT and GET answer with a LOCAL_FS stage location, so the real connector copies the files
itself, as it does against Snowflake with cloud storage
(https://docs.snowflake.com/en/sql-reference/sql/put, .../sql/get, .../sql/list,
.../sql/remove). OVERWRITE defaults to FALSE and AUTO_COMPRESS to TRUE, as documented.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from spcs_wizard.emulator import errors
from spcs_wizard.emulator.catalog import Obj
from spcs_wizard.emulator.context import Ctx, Result


def resolve_stage(ctx: Ctx, ref: str) -> tuple[Obj, str]:
    """``DB.S.STAGE/dir/file`` -> (stage, "dir/file")."""
    name, _, sub = ref.partition("/")
    parts = tuple(p.strip('"') if p.startswith('"') else p.upper() for p in name.split("."))
    stage = ctx.find("STAGE", parts, "stage")
    return stage, sub.strip("/")


def read_stage_file(ctx: Ctx, stage: Obj, path: str) -> str:
    target = (ctx.account.stage_dir(stage) / path).resolve()
    if not target.is_file() or ctx.account.stage_dir(stage).resolve() not in target.parents:
        raise errors.SnowflakeError(
            2003,
            "02000",
            f"SQL compilation error:\nFile '{path}' does not exist on stage "
            f"'{stage.fqn}' or not authorized.",
        )
    return target.read_text(encoding="utf-8")


def put(ctx: Ctx) -> Result:
    source = (
        ctx.cur.take("path")
        if ctx.cur.peek() and ctx.cur.peek().kind == "path"
        else ctx.cur.string()
    )
    stage, sub = resolve_stage(ctx, ctx.cur.take("stage"))
    props = ctx.cur.properties()
    if not ctx.account.has_privilege(ctx.role, stage, "WRITE"):
        raise errors.insufficient_privileges(f"stage '{stage.fqn}'")
    location = ctx.account.stage_dir(stage) / sub
    location.mkdir(parents=True, exist_ok=True)
    local = source[len("file://") :] if source.lower().startswith("file://") else source
    transfer = {
        "command": "UPLOAD",
        "src_locations": [local],
        "parallel": 1,
        "overwrite": bool(props.get("OVERWRITE", False)),
        "autoCompress": bool(props.get("AUTO_COMPRESS", True)),
        "sourceCompression": str(props.get("SOURCE_COMPRESSION", "auto_detect")),
        "stageInfo": {
            "locationType": "LOCAL_FS",
            "location": str(location),
            "path": "",
            "region": None,
            "storageAccount": None,
            "isClientSideEncrypted": False,
            "creds": {},
            "endPoint": None,
        },
        "encryptionMaterial": None,
    }
    return Result([], transfer=transfer)


def get(ctx: Ctx) -> Result:
    stage, sub = resolve_stage(ctx, ctx.cur.take("stage"))
    target = (
        ctx.cur.take("path")
        if ctx.cur.peek() and ctx.cur.peek().kind == "path"
        else ctx.cur.string()
    )
    if not ctx.account.has_privilege(ctx.role, stage, "READ"):
        raise errors.insufficient_privileges(f"stage '{stage.fqn}'")
    root = ctx.account.stage_dir(stage)
    files = [p.relative_to(root).as_posix() for p in _listing(ctx, stage, sub)]
    local = target[len("file://") :] if target.lower().startswith("file://") else target
    transfer = {
        "command": "DOWNLOAD",
        "src_locations": files,
        "parallel": 1,
        "localLocation": local,
        "stageInfo": {
            "locationType": "LOCAL_FS",
            "location": str(root),
            "path": "",
            "creds": {},
            "isClientSideEncrypted": False,
        },
        "encryptionMaterial": [],
    }
    return Result([], transfer=transfer)


def _listing(ctx: Ctx, stage: Obj, sub: str) -> list[Path]:
    root = ctx.account.stage_dir(stage)
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and str(p.relative_to(root)).startswith(sub)
    ]


def list_stage(ctx: Ctx) -> Result:
    stage, sub = resolve_stage(ctx, ctx.cur.take("stage"))
    ctx.cur.properties()  # PATTERN = '...' is accepted and ignored
    if not ctx.account.has_privilege(ctx.role, stage, "READ"):
        raise errors.insufficient_privileges(f"stage '{stage.fqn}'")
    root = ctx.account.stage_dir(stage)
    rows = []
    for path in _listing(ctx, stage, sub):
        stat = path.stat()
        rows.append(
            [
                f"{stage.short.lower()}/{path.relative_to(root).as_posix()}",
                stat.st_size,
                hashlib.md5(path.read_bytes()).hexdigest(),
                ctx.timestamp(stat.st_mtime),
            ]
        )
    return Result(["name", "size", "md5", "last_modified"], rows, frozenset({"size"}))


def remove(ctx: Ctx) -> Result:
    stage, sub = resolve_stage(ctx, ctx.cur.take("stage"))
    if not ctx.account.has_privilege(ctx.role, stage, "WRITE"):
        raise errors.insufficient_privileges(f"stage '{stage.fqn}'")
    root = ctx.account.stage_dir(stage)
    rows = []
    for path in _listing(ctx, stage, sub):
        rows.append([f"{stage.short.lower()}/{path.relative_to(root).as_posix()}", "removed"])
        os.remove(path)
    return Result(["name", "result"], rows)
