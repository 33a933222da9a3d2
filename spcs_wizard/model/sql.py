"""SQL statements that may carry secrets without ever showing them.

A :class:`Sql` is a sequence of plain text and :class:`SecretSlot` parts. Rendering it
without secret values (for the screen, the ``--sql`` script, logs) writes each slot as a
Snowflake CLI template variable, ``'&{ name }'``, which ``snow sql -f plan.sql -D name=...``
fills in (https://docs.snowflake.com/en/developer-guide/snowflake-cli/sql/execute-sql).
Only :meth:`Sql.executable` puts the real value in, escaped as a string constant, and the
result is meant for the connection and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spcs_wizard.model.identifiers import string_literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass(frozen=True)
class SecretSlot:
    """A secret the statement needs: a key (keyring entry / template variable) and why."""

    key: str
    description: str
    is_user_password: bool = False  # a Snowflake user's password: the password policy applies
    # Nobody types or keeps it: the tool makes one up for each run and only Snowflake holds
    # it (CREATE SECRET IF NOT EXISTS keeps the first one); the services read it there.
    generated: bool = False

    def placeholder(self) -> str:
        return "'&{ " + self.key + " }'"


class MissingSecretError(KeyError):
    def __init__(self, slot: SecretSlot) -> None:
        self.slot = slot
        super().__init__(f"no value for the secret {slot.key!r} ({slot.description})")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Sql:
    parts: tuple[str | SecretSlot, ...]

    @classmethod
    def of(cls, *parts: str | SecretSlot) -> Sql:
        return cls(tuple(parts))

    @property
    def secrets(self) -> tuple[SecretSlot, ...]:
        return tuple(p for p in self.parts if isinstance(p, SecretSlot))

    def text(self) -> str:
        """The statement with every secret replaced by its template variable."""
        return "".join(p if isinstance(p, str) else p.placeholder() for p in self.parts)

    def executable(self, secrets: Mapping[str, str]) -> str:
        """The statement to send to Snowflake, secrets filled in. Never print this."""
        out = []
        for part in self.parts:
            if isinstance(part, SecretSlot):
                if part.key not in secrets:
                    raise MissingSecretError(part)
                out.append(string_literal(secrets[part.key]))
            else:
                out.append(part)
        return "".join(out)

    @property
    def verb(self) -> str:
        """First keyword(s), e.g. ``CREATE`` or ``GRANT``: what the statement does."""
        return self.text().split(None, 1)[0].upper()

    def __str__(self) -> str:  # a Sql printed by accident shows no secret
        return self.text()

    def __repr__(self) -> str:
        return f"Sql({self.text()!r})"


def join_lines(lines: Iterable[str | Sql | None], sep: str = "\n  ") -> Sql:
    """Build a statement from clause lines, skipping ``None`` (optional clauses)."""
    parts: list[str | SecretSlot] = []
    for line in lines:
        if line is None:
            continue
        if parts:
            parts.append(sep)
        parts.extend(line.parts if isinstance(line, Sql) else (line,))
    return Sql(tuple(parts))
