"""Parsed styles kept between starts, the way Python keeps compiled bytecode.

At each start Textual parses every stylesheet the first screen needs (the wizard's own and
each widget's defaults): 18 ms of the first screen, against 8 ms for a one-line app. Read
back from disk, the same rules take a fifth of that (docs/performance.md). So the rules
parsed from one source are written once, and the next start reads them instead.

An entry is one source's rules as parsed with one theme's variables by one installed
Textual on one Python: a change to any of those (the CSS text, where it was read from, the
theme, an upgrade) is another entry, and a folder of another version is removed when this
one is first written. Rules with errors are never kept (Textual reports them as usual).

An entry holds the whole of what it was parsed from beside its rules, and is used only
when that is equal to what is asked now (its file's name is a checksum, which may clash).

The entries are pickles, so they are read only from a folder this user owns that no one
else may write to (made 0700). A folder that cannot be used, or an entry that cannot be
read, is passed over: the styles are then parsed as Textual always does.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import textual.css.model
import textual.css.styles
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

import spcs_wizard


def folder_for(cache_home: Path) -> Path:
    """This Python's, this Textual's and this tool's folder of parsed styles."""
    stamp = ""
    for module in (textual.css.model, textual.css.styles):  # what the pickles are made of
        path = str(module.__file__)
        info = os.stat(path)
        stamp += f"{path}:{info.st_mtime_ns}:{info.st_size};"
    python = "{}.{}".format(*sys.version_info[:2])
    installed = zlib.crc32(stamp.encode())
    return cache_home / f"css-{spcs_wizard.__version__}-py{python}-{installed:08x}"


def usable(folder: Path) -> bool:
    """The folder is this user's and no one else may write to it (it need not exist yet)."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


class CachedStylesheet(Stylesheet):
    """Textual's stylesheet, whose parsed sources are read from ``folder`` when there and
    written there when not."""

    def __init__(self, *, variables: dict[str, str] | None = None, folder: Path) -> None:
        super().__init__(variables=variables)
        self.folder: Path | None = folder if usable(folder) else None
        self._theme: str | None = None
        self._written = False  # an entry written this run (old folders are then removed)

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._theme = None

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        source = (css, read_from, is_default_rules, tie_breaker, scope)
        if self.folder is None or source in self._parse_cache:
            return super()._parse_rules(*source)
        if self._theme is None:
            self._theme = repr(sorted(self._variables.items()))
        key = (self._theme, *source)
        entry = self.folder / f"{zlib.crc32(repr(key).encode()):08x}.pickle"
        rules = _read(entry, key)
        if rules is not None:
            self._parse_cache[source] = rules
            return rules
        rules = super()._parse_rules(*source)
        if not any(rule.errors for rule in rules):
            self._write(entry, key, rules)
        return rules

    def _write(self, entry: Path, key: tuple[object, ...], rules: list[RuleSet]) -> None:
        folder = entry.parent
        temporary: str | None = None
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._written:
                self._written = True
                for old in folder.parent.glob("css-*"):
                    if old != folder:
                        shutil.rmtree(old, ignore_errors=True)
            fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                pickle.dump((key, rules), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except Exception:  # a cache must never stop a start: parsed again next time
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            self.folder = None  # a folder not writable now will not be later this run


def _read(entry: Path, key: tuple[object, ...]) -> list[RuleSet] | None:
    """The rules kept in ``entry`` if they were parsed from ``key``."""
    try:
        with entry.open("rb") as stored:
            kept, rules = pickle.load(stored)
    except Exception:  # none yet, cut short, or of classes Textual no longer has: parse
        return None
    if kept != key or not isinstance(rules, list):
        return None
    return rules if all(isinstance(rule, RuleSet) for rule in rules) else None
