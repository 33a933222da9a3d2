"""Tokens of Snowflake SQL and a cursor over them, enough for the statements we emulate.

Identifiers follow https://docs.snowflake.com/en/sql-reference/identifiers-syntax
(unquoted ones resolve in upper case; quoted ones keep their case, "" is a quote), and
string constants https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants
(single quotes with backslash escapes, '' for a quote, or $$...$$).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spcs_wizard.emulator.errors import SnowflakeError, syntax_error

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "0": "\0",
    "'": "'",
    '"': '"',
    "\\": "\\",
}


@dataclass(frozen=True)
class Token:
    kind: str  # word, quoted, string, number, punct, stage, path
    value: str
    pos: int

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == "word" else self.value


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_STAGE = re.compile(r"@[^\s;]+")
_PATH = re.compile(r"file://[^\s;']+", re.IGNORECASE)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i) or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("$$", i):
            j = text.find("$$", i + 2)
            if j < 0:
                raise syntax_error(i, "$$")
            tokens.append(Token("string", text[i + 2 : j], i))
            i = j + 2
        elif c == "'":
            value, i = _string(text, i)
            tokens.append(Token("string", value, i))
        elif c == '"':
            j, parts = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise syntax_error(i, '"')
                parts.append(text[j:k])
                if text.startswith('""', k):
                    parts.append('"')
                    j = k + 2
                    continue
                break
            tokens.append(Token("quoted", "".join(parts), i))
            i = k + 1
        elif (m := _PATH.match(text, i)) is not None:
            tokens.append(Token("path", m.group(0), i))
            i = m.end()
        elif c == "@" and (m := _STAGE.match(text, i)) is not None:
            tokens.append(Token("stage", m.group(0)[1:], i))
            i = m.end()
        elif (m := _WORD.match(text, i)) is not None:
            tokens.append(Token("word", m.group(0), i))
            i = m.end()
        elif (m := _NUMBER.match(text, i)) is not None:
            tokens.append(Token("number", m.group(0), i))
            i = m.end()
        elif c in "(),.=;!*":
            tokens.append(Token("punct", c, i))
            i += 1
        else:
            raise syntax_error(i, c)
    return tokens


def _string(text: str, start: int) -> tuple[str, int]:
    out, i = [], start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        elif c == "'":
            if text.startswith("''", i):
                out.append("'")
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise syntax_error(start, "'")


def split_statements(text: str) -> list[str]:
    """Split on top-level semicolons (not inside strings or $$ blocks)."""
    parts, start = [], 0
    for token in tokenize(text):
        if token.kind == "punct" and token.value == ";":
            parts.append(text[start : token.pos])
            start = token.pos + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


class Cursor:
    """Reads a statement's tokens: keywords, names, literals and property lists."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [t for t in tokenize(text) if not (t.kind == "punct" and t.value == ";")]
        self.i = 0

    # -- basics ------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def error(self) -> SnowflakeError:
        token = self.peek()
        if token is None:
            return syntax_error(len(self.text), "<EOF>")
        return syntax_error(token.pos, token.value)

    def accept(self, *words: str) -> bool:
        """Consume the keyword sequence if it is next; ``words`` may contain spaces and are
        written in capitals (the SQL's keywords match in any case)."""
        seq = [w for word in words for w in word.split()]
        for k, word in enumerate(seq):
            token = self.peek(k)
            if token is None or token.kind != "word" or token.upper != word:
                return False
        self.i += len(seq)
        return True

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.error()

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.value == char:
            self.i += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            raise self.error()

    def done(self) -> None:
        if not self.at_end():
            raise self.error()

    # -- values ------------------------------------------------------------------------
    def name_part(self) -> str:
        token = self.peek()
        if token is None or token.kind not in ("word", "quoted"):
            raise self.error()
        self.i += 1
        return token.value.upper() if token.kind == "word" else token.value

    def name(self) -> tuple[str, ...]:
        """A possibly qualified name: ``db.schema.obj`` -> ("DB", "SCHEMA", "OBJ")."""
        parts = [self.name_part()]
        while self.punct("."):
            parts.append(self.name_part())
        return tuple(parts)

    def string(self) -> str:
        token = self.peek()
        if token is None or token.kind != "string":
            raise self.error()
        self.i += 1
        return token.value

    def number(self) -> int:
        token = self.peek()
        if token is None or token.kind != "number":
            raise self.error()
        self.i += 1
        return int(float(token.value))

    def take(self, kind: str) -> str:
        token = self.peek()
        if token is None or token.kind != kind:
            raise self.error()
        self.i += 1
        return token.value

    def value(self) -> Any:
        """A property value: string, number, TRUE/FALSE, word, name, or (list)."""
        token = self.peek()
        if token is None:
            raise self.error()
        if token.kind == "punct" and token.value == "(":
            self.i += 1
            items: list[Any] = []
            if self.punct(")"):
                return items
            while True:
                if self._property_start():
                    items.append(self.properties(stop_at=")"))
                else:
                    items.append(self.value())
                if self.punct(")"):
                    return items
                self.expect_punct(",")
        if token.kind == "string":
            return self.string()
        if token.kind == "number":
            return self.number()
        if token.kind == "word" and token.upper in ("TRUE", "FALSE"):
            self.i += 1
            return token.upper == "TRUE"
        if token.kind in ("word", "quoted"):
            return ".".join(self.name())
        raise self.error()

    def _property_start(self) -> bool:
        first, second = self.peek(), self.peek(1)
        return (
            first is not None
            and first.kind == "word"
            and second is not None
            and second.kind == "punct"
            and second.value == "="
        )

    def word_list(self) -> list[str]:
        """``A, B C`` up to the end: property names, upper-cased (for UNSET)."""
        words = []
        while not self.at_end():
            if not self.punct(","):
                words.append(self.take("word").upper())
        return words

    def properties(self, stop_at: str | None = None) -> dict[str, Any]:
        """``KEY = value`` pairs (commas optional) until the end or ``stop_at``."""
        found: dict[str, Any] = {}
        while not self.at_end():
            token = self.peek()
            if stop_at and token and token.kind == "punct" and token.value == stop_at:
                break
            if self.punct(","):
                continue
            if not self._property_start():
                raise self.error()
            key = self.take("word").upper()
            self.expect_punct("=")
            found[key] = self.value()
        return found
