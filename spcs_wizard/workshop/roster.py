"""Who comes to a workshop: a numbered class (``--attendees 30``) or a roster file.

A roster is a CSV file with a header row naming at least a ``name`` column (an ``email``
column is kept for the handouts; other columns are ignored). Each attendee gets a prefix
made of the workshop's name and their own (``WORKSHOP_ALICE_``), which the deployment
puts in front of every account-level name, so attendees sharing an account never
collide; two attendees whose names give the same prefix are told apart by a number.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from spcs_wizard.model import identifiers

MAX_ATTENDEES = 200  # a sanity bound: a class, not an organisation
# A prefix leaves room for the deployment's own names (its longest has 20 characters).
SLUG_MAX = 40
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RosterError(ValueError):
    """A roster that cannot be used; the message says which line and what to change."""


@dataclass(frozen=True)
class Attendee:
    name: str  # as the instructor wrote it ("Alice Smith"), or "attendee 07"
    slug: str  # the identifier part of the prefix: ALICE_SMITH, 07
    email: str = ""

    def prefix(self, workshop: str) -> str:
        return f"{workshop}_{self.slug}_"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "slug": self.slug, "email": self.email}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Attendee:
        return cls(str(data["name"]), str(data["slug"]), str(data.get("email", "")))


def numbered(count: int) -> list[Attendee]:
    """``count`` attendees called 01, 02, ... (two digits at least, so they sort)."""
    if not 1 <= count <= MAX_ATTENDEES:
        raise RosterError(f"--attendees must be from 1 to {MAX_ATTENDEES}, not {count}")
    width = max(2, len(str(count)))
    return [Attendee(f"attendee {i:0{width}d}", f"{i:0{width}d}") for i in range(1, count + 1)]


def read_roster(path: Path) -> list[Attendee]:
    """The attendees of a roster file, in its order."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's export may start with a BOM
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RosterError(f"the roster {path} is not UTF-8 text; export it as CSV UTF-8") from None
    lines = text.splitlines()
    # Spreadsheets in many locales export "CSV" with semicolons: take them when the
    # header is one (name;email) and not a comma-separated one.
    first = next((line for line in lines if line.strip()), "").lower()
    semicolons = "name" in [c.strip() for c in first.split(";")]
    commas = "name" in [c.strip() for c in first.split(",")]
    rows = list(csv.reader(lines, delimiter=";" if semicolons and not commas else ","))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(
            f"the roster {path} is empty; write a header 'name,email', then a line for each person"
        )
    header = [cell.strip().lower() for cell in rows[0]]
    if "name" not in header:
        raise RosterError(
            f"the roster {path} has no 'name' column in its first line ({', '.join(rows[0])}); "
            "start it with a header such as 'name,email'"
        )
    name_at = header.index("name")
    email_at = header.index("email") if "email" in header else None
    people: list[tuple[int, str, str]] = []
    for line, row in enumerate(rows[1:], start=2):
        name = row[name_at].strip() if name_at < len(row) else ""
        email = row[email_at].strip() if email_at is not None and email_at < len(row) else ""
        if not name:
            raise RosterError(f"{path}, line {line}: the name is empty")
        if email and not _EMAIL.fullmatch(email):
            raise RosterError(f"{path}, line {line}: {email!r} is not an email address")
        people.append((line, name, email))
    if not people:
        raise RosterError(f"the roster {path} has a header and no attendees")
    if len(people) > MAX_ATTENDEES:
        raise RosterError(f"the roster {path} has {len(people)} attendees; at most {MAX_ATTENDEES}")
    return _with_slugs(path, people)


def _prefix_part(name: str) -> tuple[str, bool] | None:
    """The identifier a name gives a prefix (before a number is added to tell two
    alike apart), and whether it was cut to SLUG_MAX; None when it gives none."""
    whole = identifiers.suggest(name)
    if whole is None:
        return None
    whole = whole.lstrip("_")
    return whole[:SLUG_MAX].rstrip("_") or "ATTENDEE", len(whole.rstrip("_")) > SLUG_MAX


def cut_for_prefix(attendee: Attendee) -> bool:
    """Whether the attendee's name was longer than a prefix may take (SLUG_MAX), so their
    prefix holds only its start: an instructor should know why a name looks cut."""
    part = _prefix_part(attendee.name)
    return part is not None and part[1]


def _with_slugs(path: Path, people: list[tuple[int, str, str]]) -> list[Attendee]:
    taken: set[str] = set()
    attendees = []
    for line, name, email in people:
        part = _prefix_part(name)
        if part is None:
            raise RosterError(
                f"{path}, line {line}: {name!r} gives no name Snowflake can use; write it "
                "with some letters or digits"
            )
        base = part[0]
        slug, n = base, 1
        while slug in taken:  # "Alice" twice, or "Alice" and "Alice 2": ALICE, ALICE_2, ...
            n += 1
            slug = f"{base}_{n}"
        taken.add(slug)
        attendees.append(Attendee(name, slug, email))
    return attendees
