"""One look at a whole class: every attendee's pools and services listed once, for
everyone, then each attendee's containers and endpoints side by side.

Looking at each deployment alone (what ``spcs-wizard status`` of each would do) sends two
listing statements per attendee before any service is read: 60 for a class of 30. The
class's look lists the compute pools LIKE the class's names and the services IN ACCOUNT
(sql-reference/sql/show-services: IN ACCOUNT lists every database's and schema's), and
each attendee's look takes its own rows from them (``Listing``); what is left per
attendee is what its kept readings need (a healthy service's containers in turn,
endpoints when they may have changed: ``KeptReadings``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.engine.snapshot import Listing, pool_listing, pool_names
from spcs_wizard.workshop.classroom import AttendeeResult

if TYPE_CHECKING:
    from spcs_wizard.engine.snapshot import Snapshot
    from spcs_wizard.workshop.classroom import Classroom, RunnerPool
    from spcs_wizard.workshop.roster import Attendee

Looks = dict[str, "Snapshot | AttendeeResult"]  # attendee's slug -> their look, or why not


def look_at_class(room: Classroom, pool: RunnerPool) -> Looks:
    """Every attendee's look, from one listing of the class (a failed look: why)."""
    try:
        listing = class_listing(room, pool)
    except ConnectorError as exc:
        return {a.slug: _failed(a, exc) for a in room.workshop.attendees}
    return look_at_each(room, pool, listing)


def class_listing(room: Classroom, pool: RunnerPool) -> Listing | None:
    """The class's compute pools and services, two statements, as the role every
    attendee's look uses; None when their looks use different roles (then each lists its
    own)."""
    deployments = [room.session(a).deployment for a in room.workshop.attendees]
    roles = {d.names().sys_admin for d in deployments}
    if len(roles) != 1:
        return None
    role = roles.pop()
    names = set().union(*map(pool_names, deployments))
    with pool.borrow() as runner:
        pools = runner.query(pool_listing(names), role)
        services = runner.query("SHOW SERVICES IN ACCOUNT", role)
    return Listing(pools, services)


def look_at_each(room: Classroom, pool: RunnerPool, listing: Listing | None = None) -> Looks:
    """Every attendee's look, side by side: from ``listing``, else each lists its own
    pools and services too."""
    found: Looks = {}

    def look(attendee: Attendee) -> AttendeeResult:
        try:
            with pool.borrow() as runner:
                found[attendee.slug] = room.session(attendee).snapshot(runner, listing)
        except ConnectorError as exc:
            found[attendee.slug] = failed = _failed(attendee, exc)
            return failed
        return AttendeeResult(attendee, "status", True, "")

    room.each(pool, room.workshop.attendees, look, lambda _: None)
    return {a.slug: found[a.slug] for a in room.workshop.attendees}


def _failed(attendee: Attendee, exc: ConnectorError) -> AttendeeResult:
    return AttendeeResult(attendee, "status", False, f"cannot look: {exc}")
