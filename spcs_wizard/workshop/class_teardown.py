"""A class's teardown: every attendee's deployment, then, with the attendee whose run
made them, the shared objects. The class's own (its shared pools, its images' database)
always go; the account's (the ingress integration, the grants to SYSADMIN) only when no
other service in the account is left to need them (a second class, someone's own
deployment): a public endpoint needs both
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-services).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.workshop.classroom import AttendeeResult, ClassReport, Phase
from spcs_wizard.workshop.credentials import CredentialsUnavailableError

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.workshop.classroom import Classroom, RunnerPool
    from spcs_wizard.workshop.roster import Attendee


def teardown_class(
    room: Classroom,
    pool: RunnerPool,
    keep_data: bool = False,
    on_result: Callable[[AttendeeResult], None] = lambda _: None,
) -> ClassReport:
    """Remove every attendee's deployment, then the shared objects (with the run of the
    attendee who made them), said on a line of the class's own as provision does."""
    started = time.perf_counter()
    maker = room.workshop.shared_made_by

    def one(attendee: Attendee) -> AttendeeResult:
        return _teardown_one(room, pool, attendee, keep_data, False)

    results = room.each(pool, room.workshop.attendees, one, on_result)
    last = [a for a in room.workshop.attendees if a.slug == maker]
    if last and all(r.ok for r in results):  # shared objects outlive every other
        shared = _teardown_one(room, pool, last[0], keep_data, True)
        on_result(shared)
        if not shared.ok:
            results.append(shared)
    elif last:
        results.append(
            AttendeeResult(
                last[0],
                "shared",
                False,
                "the objects shared by the class are left (other services need them until "
                "every attendee's are gone), and their teardown not begun: other attendees' "
                "teardowns failed",
                "run teardown again",
            )
        )
    assert room.credentials is not None  # the users are gone: so are their passwords
    notes = []
    gone = [r for r in results if r.ok and r.phase == "teardown"]
    try:
        room.credentials.forget([room.session(r.attendee).deployment for r in gone])
    except CredentialsUnavailableError as exc:  # the account is done; say what is left
        notes.append(
            f"the attendees' passwords stay in your keyring ({exc}); they open nothing now "
            "(their users are gone)"
        )
    for result in results:
        room.note(result)
    if all(r.ok for r in results) and not keep_data:
        room.workshop.forget(room.directory)  # nothing of it left: the name is free
    # Kept data stays recorded: a teardown without --keep-data removes it later.
    if keep_data and all(r.ok for r in results):
        notes.append(
            "each attendee's database (its stages and images) is kept, and the class stays "
            "recorded: 'workshop teardown' without --keep-data removes them"
        )
    report = ClassReport("teardown", results, notes=notes)
    report.seconds = time.perf_counter() - started
    return report


def _class_owned(room: Classroom) -> set[str]:
    """The shared objects that are the class's own (its pools, its images' database
    and repository), as plan targets name them."""
    w = room.workshop
    names = {p.name for p in w.shared_pools}
    if w.images == "shared":
        n = room.session(w.attendees[0]).deployment.names()
        names |= {n.image_database.name, n.repository}
    return names


def _without_account_wide(room: Classroom, plan: Plan) -> Plan:
    """The plan without the account's shared objects (the ingress integration, the
    grants to SYSADMIN): the class's own shared ones stay in it."""
    mine = _class_owned(room)
    return replace(
        plan,
        steps=[
            s
            for s in plan.steps
            if not (s.target is not None and s.target.shared and s.target.name not in mine)
        ],
    )


def _other_services(room: Classroom, runner: SqlRunner) -> int:
    """Services in the account that are not this class's: they need the account-wide
    objects (a public endpoint needs the ingress integration and BIND SERVICE
    ENDPOINT), so those stay. https://docs.snowflake.com/en/sql-reference/sql/show-services"""
    ours = {room.session(a).deployment.names().database.name for a in room.workshop.attendees}
    role = room.session(room.workshop.attendees[0]).deployment.names().account_admin
    rows = runner.query("SHOW SERVICES IN ACCOUNT", role)
    return sum(1 for r in rows if str(r.get("database_name")) not in ours)


def _teardown_one(
    room: Classroom, pool: RunnerPool, attendee: Attendee, keep_data: bool, include_shared: bool
) -> AttendeeResult:
    """One attendee's deployment; with ``include_shared``, the run (of the attendee who
    made them) that takes the shared objects, once their deployment is gone."""
    phase: Phase = "shared" if include_shared else "teardown"
    began = time.perf_counter()
    session = room.session(attendee)
    kept = ""
    try:
        with pool.borrow() as runner:
            part = None
            if include_shared:  # the class's own shared objects go; the account's?
                others = _other_services(room, runner)
                if others:
                    part = functools.partial(_without_account_wide, room)
                    kept = (
                        f"; the account-wide objects kept: {others} other service(s) in "
                        "the account use them"
                    )
            gone = session.teardown(
                runner,
                keep_data=keep_data,
                include_shared=include_shared,
                should_stop=room.should_stop,
                part=part,
            )
    except ConnectorError as exc:
        return AttendeeResult(attendee, phase, False, str(exc), "run teardown again")
    seconds = time.perf_counter() - began
    if gone.failed is not None:
        return AttendeeResult(
            attendee, phase, False, gone.failed.message, gone.failed.hint, seconds
        )
    if gone.stopped:
        return AttendeeResult(attendee, phase, False, "stopped", "run it again", seconds)
    left = f", {len(gone.left)} left (not this workshop's)" if gone.left else ""
    # The shared run finds the attendee's own objects gone: it removes the shared ones.
    detail = f"{len(gone.removed)} removed{left}{kept}"
    return AttendeeResult(attendee, phase, True, detail, "", seconds)
