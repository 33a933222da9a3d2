"""The workshop's tables on a terminal: its objects, its cost, its attendees' status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from spcs_wizard.fitted_text import fitted
from spcs_wizard.model.cost import starting_note
from spcs_wizard.state_style import condition
from spcs_wizard.workshop.status import NAME_CELLS, pool_states, states_in_words

if TYPE_CHECKING:
    from spcs_wizard.workshop.cost import WorkshopCost
    from spcs_wizard.workshop.status import AttendeeRow
    from spcs_wizard.workshop.workshop import Workshop


def objects_table(workshop: Workshop) -> Group:
    from spcs_wizard.workshop.inventory import class_objects

    objects = class_objects(workshop)
    entries: list[dict[str, Any]] = objects["attendees"]  # type: ignore[assignment]
    people = Table(
        title=f"Workshop {workshop.name}: {len(entries)} attendees, a deployment each",
        title_justify="left",
    )
    # A prefix is typed and searched for whole: it folds onto a second line at 80
    # columns, never ends in "…"; so do an e-mail address and a name.
    people.add_column("attendee", overflow="fold")
    people.add_column("email", overflow="fold")
    people.add_column("prefix", overflow="fold")
    people.add_column("objects")
    for entry in entries:
        attendee = workshop.attendee(entry["attendee"])
        people.add_row(
            entry["name"], attendee.email or "-", entry["prefix"], str(len(entry["objects"]))
        )
    from spcs_wizard.workshop.roster import SLUG_MAX, cut_for_prefix

    cut = [a for a in workshop.attendees if cut_for_prefix(a)]
    cut_notes: list[Text] = []
    if cut:
        cut_notes.append(
            Text(
                f"Names longer than a prefix takes ({SLUG_MAX} characters) give only their "
                "start: " + "; ".join(f"{a.name} → {a.prefix(workshop.name)}" for a in cut)
            )
        )
    first = entries[0]
    each = Table(title="Each attendee gets (their prefix in front)", title_justify="left")
    each.add_column("kind")
    each.add_column("name")
    for item in first["objects"]:
        each.add_row(item["kind"].lower(), item["name"].replace(first["prefix"], "<prefix>"))
    shared = ", ".join(i["name"] for i in objects["account_wide"])  # type: ignore[union-attr]
    d = workshop.deployment(workshop.attendees[0])
    names = d.names()
    # Provision's "class" line counts these steps too: the objects, then the images.
    images = (
        f" The {len(d.image_keys)} images ({', '.join(d.image_keys)}) go once into "
        f"{names.repository}, for the class."
        if names.shared_repository
        else ""
    )
    note = Text(
        f"Once for the account (made if missing, removed at teardown only if this workshop "
        f"made them): {shared}.{images} Each attendee's role is given only their own objects."
    )
    return Group(people, *cut_notes, each, note)


def cost_table(cost: WorkshopCost) -> Group:
    from spcs_wizard.model.cost import SOURCE

    table = Table(
        title=f"Cost: {cost.attendees} attendees for {cost.hours:g} h (credits)",
        title_justify="left",
    )
    for column in (
        "item",
        "what",
        "per hour, each",
        "per hour, class",
        f"{cost.hours:g} h",
    ):
        table.add_column(column, justify="right" if column not in ("item", "what") else "left")

    def figure(value: float | None, bound: bool) -> str:
        if value is None:
            return "no figure"
        return ("at most " if bound else "") + f"{value:g}"

    for row in cost.rows:
        table.add_row(
            row.item,
            f"{row.detail}\n{row.note}",
            figure(row.each_per_hour, row.upper_bound),
            figure(row.class_per_hour, row.upper_bound),
            figure(row.for_workshop, row.upper_bound),
        )
    more = "" if cost.complete else " or more (a pool family without a confirmed figure)"
    total = Text.from_markup(
        f"[bold]While everything runs: {cost.running_per_hour:g} credits an hour, "
        f"{cost.running_total:g} for {cost.hours:g} h{more}[/]; warehouses add at most "
        f"{cost.warehouse_at_most:g} (they bill only while queries run). Pools bill per second "
        "after a 5-minute minimum each time they start; suspended, they bill nothing. "
        f"Storage is billed apart. Figures: {SOURCE}"
    )
    return Group(table, total)


def status_table(workshop: Workshop, rows: list[AttendeeRow], rehearsal: bool = False) -> Group:
    """The class at a glance, then each attendee's user and endpoint on a line of their
    own (an address in a narrow column cannot be read or copied)."""
    table = Table(
        title=f"Workshop {workshop.name}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    # At 80 columns the table fits with the ids and the pools' and services' states wrapped
    # (a long id folded, never cut: the commands take it); a name takes one line, cut to
    # NAME_CELLS with "…" (each is said whole under the table); the state and the figures
    # stay on one line. No box lines: they took 8 of the 80 columns.
    for column in ("attendee", "name", "state", "pools", "services", "restarts", "cr/h"):
        table.add_column(
            column,
            no_wrap=column in ("name", "state", "restarts", "cr/h"),
            overflow="fold",
            min_width=8 if column == "name" else None,
        )
    errors = any(r.last_error for r in rows)
    if errors:
        table.add_column("last error", overflow="fold")
    for r in rows:
        cells = (
            r.attendee,
            fitted(r.name, NAME_CELLS),
            condition(r.condition),
            states_in_words(r.pools),
            states_in_words(r.services),
            "-" if r.condition == "not deployed" else str(r.restarts),  # nothing to count
            "-"
            if r.credits_per_hour is None or r.condition == "not deployed"
            else f"{r.credits_per_hour:.4g}",
        )
        table.add_row(*cells, *((r.last_error,) if errors else ()))
    rate = round(sum(r.credits_per_hour or 0.0 for r in rows), 4)
    running = sum(1 for r in rows if r.condition == "running")
    bills = (  # a rehearsal's figure is what the same class would bill on an account
        f"on an account the class would bill {rate:g} credits an hour now (rehearsal: "
        "nothing is billed)"
        if rehearsal
        else f"the class bills {rate:g} credits an hour now"
    )
    note = starting_note(pool_states(rows))
    lines = [Text(f"{running} of {len(rows)} running; {bills}" + (f"; {note}." if note else "."))]
    if workshop.shared_pools and any(r.pools for r in rows):  # (gone after a teardown)
        names = ", ".join(f"{p.name} (up to {p.max_nodes} nodes)" for p in workshop.shared_pools)
        lines.append(Text(f"Pools shared by the class: {names}; cr/h is each one's share."))
    lines.append(Text("Users and endpoints:"))
    for r in rows:  # each address whole on a line of its own, named
        named = f" ({r.name})" if r.name != r.attendee else ""  # "01" is called 01
        if r.condition == "not deployed":  # torn down (keeping data), or not made yet
            lines.append(Text(f"  {r.attendee}{named}: not deployed (no user, no endpoint)"))
            continue
        lines.append(Text(f"  {r.attendee}{named}: {r.user} (role {r.role})"))
        width = max((len(name) for name in r.endpoints), default=0) + 1
        for name, url in r.endpoints.items():
            lines.append(Text(f"      {name + ':':<{width}} {url}"))
        if not r.endpoints:  # (suspended: none until resumed, as status says)
            why = (
                "no public address while suspended ('workshop resume' brings it back)"
                if r.condition in ("suspended", "suspending")
                else "no public address yet (being assigned, or not running)"
            )
            lines.append(Text(f"      {why}"))
    return Group(table, *lines)
