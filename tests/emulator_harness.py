"""Test helpers that drive the emulator through the real connector.

``run_plan`` is a deliberately small stand-in for the deployment engine (issue 4): it runs
each step's statements with the step's role, registers images as pushed, and advances the
emulator's clock until each wait step's check holds.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import snowflake.connector
from snowflake.connector import SnowflakeConnection
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.emulator import lifecycle
from spcs_wizard.emulator.catalog import Obj
from spcs_wizard.emulator.faults import StatementFault
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.model.names import dns_domain
from spcs_wizard.model.plan import Plan
from spcs_wizard.model.registry import repository_path
from spcs_wizard.model.step import Check, StepKind
from spcs_wizard.specs.render import dns_domain_sql, write_all

SECRETS = {
    "milvus_user_password": "user-Pw-1'\\x-long",
    "jupyter_password": "nb-Pw-2",
    "milvus_root_password": "root-Pw-3",
}


def until(holds: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll ``holds`` (``timeout`` seconds at most) until it is true: for what runs in
    real time (Milvus Lite's start, say), which advancing the clock does not hasten."""
    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout} s")
        time.sleep(0.05)


def service_named(emulator: Emulator, service: str) -> Obj:
    """The emulator's record of the service whose short name is ``service``."""
    return next(s for s in emulator.account.of_kind("SERVICE") if s.short == service)


def service_status(emulator: Emulator, service: str) -> str:
    """The status of the service named ``service`` (its short name), as SHOW SERVICES
    would say it now."""
    with emulator.account.lock:
        svc = service_named(emulator, service)
        now, settings = emulator.clock.now(), emulator.settings
        return lifecycle.service_state(emulator.account, svc, now, settings).status


def until_running(emulator: Emulator, service: str) -> None:
    """Until the service is RUNNING: its containers started by the clock and passing
    their readiness probes, which for Milvus Lite takes real time."""
    until(lambda: service_status(emulator, service) == "RUNNING", f"{service} not RUNNING")


def refuse(
    emulator: Emulator, match: str, message: str = "Insufficient privileges", times: int = 1
) -> str:
    """The account refuses the next statement containing ``match`` (the next ``times``)
    as Snowflake refuses what the role may not do; returns the failure's message as
    shown."""
    emulator.faults.statements.append(
        StatementFault(code=3001, sqlstate="42501", message=message, match=match, times=times)
    )
    return f"003001 (42501): {message}"


def connect(emulator: Emulator, **kwargs: Any) -> SnowflakeConnection:
    return snowflake.connector.connect(**emulator.connect_args(**kwargs))


def rows(con: SnowflakeConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def check_holds(con: SnowflakeConnection, check: Check) -> bool:
    """Run a step's check; a container that does not exist (002003) means "not done"."""
    try:
        return check.satisfied_by(rows(con, check.sql.text()))
    except ProgrammingError as exc:
        if exc.errno == 2003:
            return False
        raise


def write_specs(plan: Plan, spec_dir: Path) -> None:
    """The real rendered specifications, where the plan's PUT steps read them."""
    write_all(plan.deployment, spec_dir)


def push_images(emulator: Emulator, plan: Plan) -> None:
    d = plan.deployment
    for svc in map(d.image, ("milvus", "gateway", "jupyter")):
        emulator.add_image(repository_path(d), svc.image, svc.tag, f"sha256:{svc.image:0>64}")


def run_plan(
    emulator: Emulator, con: SnowflakeConnection, plan: Plan, stop_after: int | None = None
) -> list[str]:
    """Run the plan; return the ids of the steps that ran. Stops after ``stop_after`` steps."""
    done = []
    cur = con.cursor()
    for step in plan.steps[:stop_after]:
        cur.execute(f"USE ROLE {step.role}")
        if step.kind is StepKind.IMAGE:
            push_images(emulator, plan)
        elif step.kind is StepKind.WAIT:
            assert step.check is not None
            for _ in range(40):  # the clock starts the pools and the containers
                if check_holds(con, step.check):
                    break
                emulator.clock.advance(10)
            else:  # and what runs for real (Milvus Lite) passes its readiness in time
                holds = functools.partial(check_holds, con, step.check)
                until(holds, f"{step.id} never completed")
        if step.kind is StepKind.PUT:  # as the engine does: the schema's DNS domain is known
            (answer,) = cur.execute(dns_domain_sql(plan.deployment)).fetchone()
            write_all(plan.deployment, Path(step.details["local_file"]).parent, dns_domain(answer))
        for sql in step.statements:
            cur.execute(sql.executable(SECRETS))
        done.append(step.id)
    return done
