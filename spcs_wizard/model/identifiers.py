"""Snowflake identifiers and literals: the only door through which a name enters SQL.

Rules, as Snowflake documents them
(https://docs.snowflake.com/en/sql-reference/identifiers-syntax):

* An unquoted identifier starts with a letter (A-Z, a-z) or an underscore, and contains
  only letters, underscores, decimal digits and dollar signs. It is stored and resolved
  in upper case (``milvus_demo`` is ``MILVUS_DEMO``).
* A double-quoted identifier keeps its case and may contain any character; a double
  quote inside it is written twice.
* Quoted or not, an identifier has at most 255 characters.
* Reserved keywords cannot be used as unquoted identifiers
  (https://docs.snowflake.com/en/sql-reference/reserved-keywords).

String literals (https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants)
are single-quoted; inside them a backslash starts an escape sequence, so both the
backslash and the single quote are escaped.

The deployment model accepts only names that are valid *unquoted* identifiers (what a
person types), because those names also become paths in the image registry and DNS names
of services. Names that come back from Snowflake (SHOW output) can be anything; they are
rendered with :func:`quote`, which quotes whenever the plain form would not resolve to
the same stored name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_LENGTH = 255

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_STORED_UNQUOTED = re.compile(r"[A-Z_][A-Z0-9_$]*")

# Reserved keywords, from https://docs.snowflake.com/en/sql-reference/reserved-keywords
# (reserved by ANSI, reserved by Snowflake, or not usable as an identifier in SHOW ... IN).
RESERVED_KEYWORDS = frozenset(
    [
        "ACCOUNT",
        "ALL",
        "ALTER",
        "AND",
        "ANY",
        "AS",
        "BETWEEN",
        "BY",
        "CASE",
        "CAST",
        "CHECK",
        "COLUMN",
        "CONNECT",
        "CONNECTION",
        "CONSTRAINT",
        "CREATE",
        "CROSS",
        "CURRENT",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
        "CURRENT_USER",
        "DATABASE",
        "DELETE",
        "DISTINCT",
        "DROP",
        "ELSE",
        "EXISTS",
        "FALSE",
        "FOLLOWING",
        "FOR",
        "FROM",
        "FULL",
        "GRANT",
        "GROUP",
        "GSCLUSTER",
        "HAVING",
        "ILIKE",
        "IN",
        "INCREMENT",
        "INNER",
        "INSERT",
        "INTERSECT",
        "INTO",
        "IS",
        "ISSUE",
        "JOIN",
        "LATERAL",
        "LEFT",
        "LIKE",
        "LOCALTIME",
        "LOCALTIMESTAMP",
        "MINUS",
        "NATURAL",
        "NOT",
        "NULL",
        "OF",
        "ON",
        "OR",
        "ORDER",
        "ORGANIZATION",
        "QUALIFY",
        "REGEXP",
        "REVOKE",
        "RIGHT",
        "RLIKE",
        "ROW",
        "ROWS",
        "SAMPLE",
        "SCHEMA",
        "SELECT",
        "SET",
        "SOME",
        "START",
        "TABLE",
        "TABLESAMPLE",
        "THEN",
        "TO",
        "TRIGGER",
        "TRUE",
        "TRY_CAST",
        "UNION",
        "UNIQUE",
        "UPDATE",
        "USING",
        "VALUES",
        "VIEW",
        "WHEN",
        "WHENEVER",
        "WHERE",
        "WITH",
    ]
)


# Not reserved by Snowflake, but read as keywords by other SQL grammars (sqlglot's
# Snowflake dialect among them). They stay valid names; quote() writes them quoted, which
# resolves to the same stored name, so no tool that reads our SQL can misread them.
QUOTED_ANYWAY = frozenset(["DESCRIBE", "FETCH", "MATCH_RECOGNIZE", "UNDROP"])
_ALWAYS_QUOTED = RESERVED_KEYWORDS | QUOTED_ANYWAY


class IdentifierError(ValueError):
    """A name that cannot be used as a Snowflake identifier, with the rule and a fix."""

    def __init__(self, what: str, value: str, rule: str, suggestion: str | None) -> None:
        self.rule = rule
        self.suggestion = suggestion
        shown = value if len(value) <= 60 else value[:57] + "..."
        message = f"{what} {shown!r} is not a valid Snowflake identifier: {rule}."
        if suggestion:
            message += f" Try {suggestion!r}."
        super().__init__(message)


@dataclass(frozen=True, order=True)
class Identifier:
    """A resolved Snowflake object name: exactly what Snowflake stores."""

    name: str

    def sql(self) -> str:
        """The name as it must be written in SQL to resolve to ``self.name``."""
        return quote(self.name)

    def lower(self) -> str:
        """Lower-case form, as used in image registry paths."""
        return self.name.lower()

    def __str__(self) -> str:
        return self.sql()


def quote(name: str) -> str:
    """Render a stored name so that it resolves to exactly that name.

    Plain when the name is already an upper-case unquoted identifier that is not a
    reserved keyword (nor one of QUOTED_ANYWAY); double-quoted (inner quotes doubled)
    otherwise.
    """
    if _STORED_UNQUOTED.fullmatch(name) and name not in _ALWAYS_QUOTED:
        return name
    return '"' + name.replace('"', '""') + '"'


def suggest(value: str) -> str | None:
    """A valid unquoted identifier close to ``value``, or None when nothing is left.
    Accented letters lose their accents (``ünïcode`` -> ``UNICODE``)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9_$]+", "_", plain.strip()).strip("_").upper()
    cleaned = re.sub(r"_+", "_", cleaned)
    if not cleaned:
        return None
    if not (cleaned[0].isascii() and cleaned[0].isalpha()):  # no "_": it was stripped
        cleaned = "_" + cleaned
    if cleaned in RESERVED_KEYWORDS:
        cleaned = cleaned + "_1"
    return cleaned[:MAX_LENGTH]


def parse(value: str, *, what: str = "name") -> Identifier:
    """Check ``value`` as an unquoted identifier and return its stored (upper-case) form.

    Raises :class:`IdentifierError` naming the broken rule and proposing a fix.
    """
    if not isinstance(value, str):
        raise IdentifierError(what, repr(value), "it must be text", None)
    if value == "":
        raise IdentifierError(what, value, "it is empty", None)
    if len(value) > MAX_LENGTH:
        raise IdentifierError(
            what,
            value,
            f"it has {len(value)} characters and the limit is {MAX_LENGTH}",
            suggest(value[:MAX_LENGTH]),
        )
    first = value[0]
    if not (first.isascii() and (first.isalpha() or first == "_")):
        raise IdentifierError(
            what, value, "it must start with a letter (A-Z) or an underscore", suggest(value)
        )
    if not _UNQUOTED.fullmatch(value):
        # Each character the rule refuses after the first (a good one: checked above).
        bad = sorted({c for c in value if not _UNQUOTED.fullmatch(first + c)})
        shown = " ".join(repr(c) for c in bad[:5])
        raise IdentifierError(
            what,
            value,
            f"it may contain only letters A-Z, digits, '_' and '$' (found {shown})",
            suggest(value),
        )
    stored = value.upper()
    if stored in RESERVED_KEYWORDS:
        raise IdentifierError(
            what, value, f"{stored} is a reserved keyword in Snowflake", suggest(value)
        )
    return Identifier(stored)


def qualified(*parts: Identifier) -> str:
    """A dotted, fully qualified name such as ``MILVUS_DEMO.PUBLIC.MILVUS_REPO``."""
    return ".".join(part.sql() for part in parts)


def string_literal(value: str) -> str:
    """A single-quoted Snowflake string constant whose value is exactly ``value``."""
    if "\x00" in value:
        raise ValueError("a Snowflake string constant cannot contain a NUL character")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def dollar_quoted(value: str) -> str:
    """A ``$$...$$`` constant; refuses text that would end it early."""
    if "$$" in value:
        raise ValueError("text containing '$$' cannot be written as a $$-quoted constant")
    return f"$${value}$$"
