"""A whole workshop rehearsed in one run (``spcs-wizard workshop rehearse``): the
instructor's part and the attendees', against the local emulator, so an instructor can
practise offline.

Stages: start the emulator; provision every attendee side by side; check that every
deployment runs; sign in as each attendee with the password their handout gives and
check they see their own database and are refused their neighbour's; suspend and resume
the class; tear down, and check the account lists what it listed before. The first
stage that fails ends the run and leaves the class for a look (``workshop status
--rehearsal``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.engine.deployment_session import Target
from spcs_wizard.engine.rehearsal import why_not_started
from spcs_wizard.engine.stages import Stage, StageFailedError, Stages
from spcs_wizard.workshop.classroom import Classroom, RunnerPool
from spcs_wizard.workshop.inventory import account_objects
from spcs_wizard.workshop.status import class_rows
from spcs_wizard.workshop.workshop import Workshop, workshop_dir

# How long a resumed pool and its services may take to run again, in real seconds (the
# engine's own limits for a pool and a service wait: apply.WAIT_LIMITS).
RESUME_LIMIT_SECS = 40 * 60.0

if TYPE_CHECKING:
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.engine.snapshot import Snapshot
    from spcs_wizard.workshop.classroom import AttendeeResult


@dataclass
class WorkshopRehearsal:
    stages: list[Stage] = field(default_factory=list)
    kept: bool = False  # the class is still in the rehearsal account at the end
    # Why the attendees' passwords are not in a keyring (kept for the run only), if so:
    # a kept class then has no handouts.
    passwords_unkept: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.stages) and all(s.ok for s in self.stages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kept": self.kept,
            "passwords_unkept": self.passwords_unkept,
            "stages": [asdict(s) for s in self.stages],
            "seconds": round(sum(s.seconds for s in self.stages), 3),
        }


def rehearse_workshop(
    rehearsal: Rehearsal,
    workshop: Workshop,
    keep: bool = False,
    on_stage: Callable[[Stage], None] = lambda _: None,
    on_result: Callable[[AttendeeResult], None] = lambda _: None,
    clock: Callable[[], float] = time.perf_counter,
) -> WorkshopRehearsal:
    from spcs_wizard.model.config_file import with_settings

    outcome = WorkshopRehearsal(kept=keep)
    stages = Stages(outcome.stages, on_stage, clock)
    try:
        with stages.stage("start") as said:
            try:
                emulator = rehearsal.start()
            except OSError as exc:
                raise StageFailedError(
                    *why_not_started(rehearsal, exc, "SPCS_WIZARD_HOME")
                ) from None
            target = Target(rehearsal=rehearsal)
            directory = workshop_dir(target, workshop.name)
            if (directory / "workshop.json").exists():
                outcome.kept = True  # someone's earlier class: not this run's to end
                raise StageFailedError(
                    f"a workshop named {workshop.name} is already in the rehearsal account",
                    f"tear it down first (spcs-wizard workshop teardown --rehearsal --name "
                    f"{workshop.name}), or rehearse under another --name",
                )
            workshop.settings = with_settings(
                workshop.settings, {"account": rehearsal.account}, "rehearsal"
            )
            room = Classroom(workshop, target, directory, image_mode="record")
            said.append(
                f"local SPCS emulator on 127.0.0.1:{emulator.port}, {rehearsal.speed:g}x real "
                f"time; {len(workshop.attendees)} attendees, {workshop.connections} connections"
            )
        pool = room.pool()
        try:
            _run(room, pool, stages, outcome, on_result)
        finally:
            pool.close()
            credentials = room.credentials
            if credentials is not None and (not credentials.usable() or credentials.unopened):
                outcome.passwords_unkept = credentials.unopened or "the keyring cannot be used"
    except StageFailedError:
        if any(s.name == "provision" for s in outcome.stages):
            outcome.kept = True  # left for a look; 'workshop teardown --rehearsal' ends it
    finally:
        rehearsal.stop()
    return outcome


def _run(
    room: Classroom,
    pool: RunnerPool,
    stages: Stages,
    outcome: WorkshopRehearsal,
    on_result: Callable[[AttendeeResult], None],
) -> None:
    admin = room.workshop.settings.names().account_admin
    with pool.borrow() as runner:
        before = account_objects(runner, admin)
    with stages.stage("provision") as said:
        report = room.provision(pool, on_result)
        if not report.ok:
            first = report.failed[0]
            raise StageFailedError(
                f"{len(report.failed)} of {len(room.workshop.attendees)} attendees failed; "
                f"{first.attendee.slug}: {first.detail}",
                "it is left in the rehearsal account: 'spcs-wizard workshop status --rehearsal' "
                "shows each attendee's last error",
            )
        said.append(f"{len(report.results)} deployments in {report.seconds:.1f} s")
    with stages.stage("running") as said:
        looks = room.snapshots(pool)
        down = [slug for slug, look in looks.items() if _condition(look) != "running"]
        if down:
            raise StageFailedError(
                f"not running: {', '.join(down)}",
                "'spcs-wizard workshop status --rehearsal' shows why",
            )
        rate = round(sum(r.credits_per_hour or 0 for r in class_rows(room, looks)), 4)
        said.append(f"all {len(looks)} running; a class like this bills {rate:g} credits an hour")
    with stages.stage("sign-in") as said:
        said.append(_sign_in_each(room))
    with stages.stage("suspend") as said:
        _switched(room, pool, "suspend", "suspended")
        said.append("every service and pool suspended (nothing billed)")
    with stages.stage("resume") as said:
        report = room.switch(pool, "resume")
        if not report.ok:
            raise StageFailedError(report.failed[0].detail, "run it again")
        _until_running(room, pool)
        said.append(f"all {len(report.results)} resumed and running again")
    if outcome.kept:
        return
    with stages.stage("teardown") as said:
        gone = room.teardown(pool)
        if not gone.ok:
            raise StageFailedError(gone.failed[0].detail, gone.failed[0].hint)
        with pool.borrow() as runner:
            after = account_objects(runner, admin)
        changed = sorted(k for k in before if before[k] != after[k])
        if changed:
            raise StageFailedError(
                f"the account does not list what it did before: {', '.join(changed)} differ",
                "report it with the output of 'spcs-wizard workshop rehearse --json'",
            )
        said.append(f"{len(gone.results)} torn down; the account lists what it did before")


def _condition(look: Snapshot | AttendeeResult) -> str:
    return str(getattr(look, "condition", "unknown"))


def _until_running(room: Classroom, pool: RunnerPool) -> None:
    """Poll the class until every deployment runs again (its pools and services start
    on the emulator's clock), within what a real start may take at this speed."""
    rehearsal = room.target.rehearsal
    assert rehearsal is not None
    deadline = time.monotonic() + max(10.0, RESUME_LIMIT_SECS / rehearsal.speed)
    while True:
        looks = room.snapshots(pool)
        down = [slug for slug, look in looks.items() if _condition(look) != "running"]
        if not down:
            return
        if time.monotonic() > deadline:
            raise StageFailedError(
                f"not running again after resume: {', '.join(down)}",
                "'spcs-wizard workshop status --rehearsal' shows why",
            )
        time.sleep(0.2)


def _switched(room: Classroom, pool: RunnerPool, verb: str, condition: str) -> None:
    report = room.switch(pool, verb)  # type: ignore[arg-type]
    if not report.ok:
        raise StageFailedError(report.failed[0].detail, f"run {verb} again")
    looks = room.snapshots(pool)
    off = [slug for slug, look in looks.items() if _condition(look) != condition]
    if off:
        raise StageFailedError(f"not {condition}: {', '.join(off)}", "look at workshop status")


def _sign_in_each(room: Classroom) -> str:
    """Each attendee signs in with their own password, sees their own database only, and
    is refused the next attendee's."""
    import snowflake.connector

    rehearsal = room.target.rehearsal
    assert rehearsal is not None
    assert room.credentials is not None
    people = room.workshop.attendees
    for i, attendee in enumerate(people):
        d = room.session(attendee).deployment
        neighbour = room.session(people[(i + 1) % len(people)]).deployment
        password = room.credentials.load(d, "milvus_user_password")
        args = rehearsal.started.connect_args(user=d.names().user.name, password=password)
        try:
            with snowflake.connector.connect(**args) as con:
                cur = con.cursor()
                cur.execute("SHOW DATABASES")
                seen = sorted(str(row[1]) for row in cur.fetchall())
                if seen != [d.names().database.name]:
                    raise StageFailedError(
                        f"{attendee.slug} sees {seen}, not only {d.names().database.name}",
                        "report it: an attendee's role must hold only their own objects",
                    )
                if neighbour is not d and _allowed(
                    cur, f"USE DATABASE {neighbour.names().database.name}"
                ):
                    raise StageFailedError(
                        f"{attendee.slug} could use {neighbour.names().database.name}",
                        "report it: an attendee's role must hold only their own objects",
                    )
        except ConnectorError as exc:
            raise StageFailedError(
                f"{attendee.slug} could not sign in: {exc}",
                f"check the handout ('spcs-wizard workshop handout --rehearsal {attendee.slug}')",
            ) from None
    alone = " (one attendee: no neighbour to try)" if len(people) == 1 else ""
    return (
        f"each of {len(people)} attendees signed in with their handout's password and saw "
        f"only their own database; the next attendee's was refused{alone}"
    )


def _allowed(cursor: Any, sql: str) -> bool:
    from snowflake.connector.errors import ProgrammingError

    try:
        cursor.execute(sql)
    except ProgrammingError:
        return False
    return True
