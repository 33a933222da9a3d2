"""Parsed styles kept between starts (spcs_wizard/tui/css_cache.py): a second start reads
every stylesheet back instead of parsing it, with the same rules; anything different is
parsed anew; a cache that is damaged, not this user's alone, or cannot be written is
passed over."""

from __future__ import annotations

import asyncio
import os
import pickle
from pathlib import Path

import pytest
import textual.css.stylesheet as textual_stylesheet
from textual.app import App

from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.css_cache import CachedStylesheet, folder_for
from spcs_wizard.tui.screens.welcome import WelcomeScreen
from tests.wizard_harness import until

VARIABLES = App().get_css_variables()


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What Textual's parser was given to parse (the read_from of each source)."""
    sources: list[str] = []
    parse = textual_stylesheet.parse

    def counted(scope, css, read_from, *args, **kwargs):  # type: ignore[no-untyped-def]
        sources.append(repr(read_from))
        return parse(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(textual_stylesheet, "parse", counted)
    return sources


def rules_of(sheet: textual_stylesheet.Stylesheet) -> list[str]:
    """Each rule: its selectors, every style it sets, its errors, its place (sets in
    order: one read back iterates in another)."""

    def shown(value: object) -> str:
        return repr(sorted(value)) if isinstance(value, set | frozenset) else repr(value)

    return [
        repr(
            (
                rule.selector_set,
                sorted(rule.selector_names),
                sorted(rule.pseudo_classes),
                rule.is_default_rules,
                rule.tie_breaker,
                rule.errors,
                sorted((name, shown(value)) for name, value in rule.styles.get_rules().items()),
            )
        )
        for rule in sheet.rules
    ]


def sheet(folder: Path, css: str, variables: dict[str, str] = VARIABLES) -> CachedStylesheet:
    stylesheet = CachedStylesheet(variables=variables, folder=folder)
    stylesheet.add_source(css, read_from=("test.tcss", ""))
    stylesheet.parse()
    return stylesheet


def test_a_second_start_reads_every_stylesheet_back_with_the_same_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))

    async def start() -> list[str]:
        app = WizardApp(WizardContext(refresh_seconds=3600))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")
            await pilot.pause()
            return rules_of(app.stylesheet)

    first = asyncio.run(start())
    parsed_first = list(parsed)
    parsed.clear()
    second = asyncio.run(start())
    assert any("wizard.tcss" in source for source in parsed_first)
    assert any("Button.DEFAULT_CSS" in source for source in parsed_first)
    assert parsed == []  # nothing parsed: all read back
    assert second == first
    folders = list((tmp_path / "home" / "cache").iterdir())
    assert [f.name for f in folders] == [folder_for(tmp_path / "home" / "cache").name]
    assert oct(folders[0].stat().st_mode & 0o777) == oct(0o700)


def test_a_changed_source_or_another_theme_is_parsed_anew(
    tmp_path: Path, parsed: list[str]
) -> None:
    red = sheet(tmp_path, "Label { color: red; }")
    blue = sheet(tmp_path, "Label { color: blue; }")
    assert len(parsed) == 2
    assert rules_of(red) != rules_of(blue)
    assert rules_of(blue) == [rules_of(red)[0].replace("(255, 0, 0)", "(0, 0, 255)")]
    assert "Color(0, 0, 255)" in rules_of(blue)[0]
    themed = "Label { background: $primary; }"
    dark = sheet(tmp_path, themed)
    light = sheet(tmp_path, themed, {**VARIABLES, "primary": "#123456"})
    assert len(parsed) == 4
    assert "Color(18, 52, 86)" in rules_of(light)[0]
    assert rules_of(dark) != rules_of(light)
    again = sheet(tmp_path, themed, {**VARIABLES, "primary": "#123456"})
    assert len(parsed) == 4  # kept
    assert rules_of(again) == rules_of(light)


def test_a_damaged_or_mismatched_entry_is_parsed_and_written_again(
    tmp_path: Path, parsed: list[str]
) -> None:
    css = "Label { color: red; }"
    good = rules_of(sheet(tmp_path, css))
    (entry,) = tmp_path.glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:20])  # cut short
    assert rules_of(sheet(tmp_path, css)) == good
    assert len(parsed) == 2
    # An entry of another source under the same name (its checksum clashed) is not used.
    key, rules = pickle.loads(entry.read_bytes())
    entry.write_bytes(pickle.dumps((("another", *key[1:]), rules)))
    assert rules_of(sheet(tmp_path, css)) == good
    assert len(parsed) == 3
    assert rules_of(sheet(tmp_path, css)) == good
    assert len(parsed) == 3  # written again, and read


def test_rules_with_errors_are_not_kept(tmp_path: Path) -> None:
    stylesheet = CachedStylesheet(variables=VARIABLES, folder=tmp_path / "css")
    stylesheet.add_source("Label { colour: red; }", read_from=("bad.tcss", ""))
    with pytest.raises(textual_stylesheet.StylesheetParseError):
        stylesheet.parse()
    assert not (tmp_path / "css").exists()


def test_a_folder_others_may_write_to_is_not_read(tmp_path: Path, parsed: list[str]) -> None:
    css = "Label { color: red; }"
    sheet(tmp_path / "css", css)
    os.chmod(tmp_path / "css", 0o777)
    assert rules_of(sheet(tmp_path / "css", css))
    assert len(parsed) == 2  # parsed again: the entry there may not be this user's


def test_a_cache_that_cannot_be_written_leaves_the_styles_parsed(
    tmp_path: Path, parsed: list[str]
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    stylesheet = sheet(blocked / "css", "Label { color: red; }")
    assert rules_of(stylesheet)
    assert stylesheet.folder is None
    assert len(parsed) == 1


def test_the_folders_of_other_versions_go_when_this_one_is_written(tmp_path: Path) -> None:
    old = tmp_path / "css-0.0.9-py3.11-00000000"
    old.mkdir()
    (old / "x.pickle").write_bytes(b"old")
    unrelated = tmp_path / "drafts"
    unrelated.mkdir()
    sheet(folder_for(tmp_path), "Label { color: red; }")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [folder_for(tmp_path).name, "drafts"]
    )
