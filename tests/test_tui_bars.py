"""The wizard's one-widget title line and footer against Textual's header and footer,
driven by Pilot. The footer: the same cells in the same colours (dark and light themes,
compact or not, a key that cannot run now dim), a click presses the key, the pointer
lights the key and shows its tooltip, a focus that changes the keys changes the line,
and keys that do not fit leave the palette's. The title line: the same cells (a long
title cut the same way), the icon lit alike under the pointer, a click on it opens the
command palette, a click elsewhere makes it tall, a new title shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Static

from spcs_wizard.tui.widgets.footer import FooterKey, KeyFooter, placed
from spcs_wizard.tui.widgets.title_bar import TitleBar
from tests.wizard_harness import until

WIZARD_CSS = Path(__file__).resolve().parents[1] / "spcs_wizard" / "tui" / "wizard.tcss"


class Keys(App[None]):
    CSS_PATH = WIZARD_CSS
    BINDINGS = [  # noqa: RUF012 (Textual's own form)
        Binding("s", "note('suspend')", "Suspend", tooltip="Suspend the whole class"),
        Binding("u", "note('resume')", "Resume"),
        Binding("v", "note('resume')", "Resume again"),  # the same action: shown once
        Binding("x", "never", "Never"),  # cannot run now: dim
        Binding("h", "note('hidden')", "Hidden", show=False),
        Binding("f1", "note('help')", "Help"),
    ]

    def __init__(self, footer: Callable[[], Widget], theme: str = "textual-dark") -> None:
        super().__init__()
        self.footer, self.start_theme, self.notes = footer, theme, list[str]()

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield self.footer()

    def on_mount(self) -> None:
        self.theme = self.start_theme

    def action_note(self, what: str) -> None:
        self.notes.append(what)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "never" else True


Cell = tuple[str, object, object, bool, bool]  # text, colour, background, bold, dim


def bottom_line(app: App[None], row: int = -1) -> list[Cell]:
    """The last row of the screen (or another), cell by cell, as a person sees it (a
    blank's text colour, boldness or dimness shows nothing)."""
    strips = app.screen._compositor.render_strips()
    cells: list[Cell] = []
    for segment in strips[row] if strips else ():  # (none before its first layout)
        style = segment.style or Style()
        for char in segment.text:
            seen = char != " "
            cells.append(
                (
                    char,
                    style.color if seen else None,
                    style.bgcolor,
                    bool(style.bold) and seen,
                    bool(style.dim) and seen,
                )
            )
    return cells


def text(cells: list[Cell]) -> str:
    return "".join(c[0] for c in cells)


def line_of(app: App[None], row: int = -1) -> str:
    """The row's text alone."""
    return text(bottom_line(app, row))


def drawn(
    footer: Callable[[], Widget], width: int, theme: str, hover: int | None = None
) -> list[Cell]:
    async def scenario() -> list[Cell]:
        app = Keys(footer, theme)
        async with app.run_test(size=(width, 3)) as pilot:
            app.screen.bindings_updated_signal.publish(app.screen)  # Textual's keys appear
            await until(pilot, lambda: "Help" in line_of(app))
            if hover is not None:
                await pilot.hover(offset=(hover, 2))
            await pilot.pause()
            return bottom_line(app)

    return asyncio.run(scenario())


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord"])
@pytest.mark.parametrize("compact", [False, True])
def test_the_footer_draws_what_textual_s_draws(theme: str, compact: bool) -> None:
    ours = drawn(lambda: KeyFooter(compact=compact), 80, theme)
    textual = drawn(lambda: Footer(compact=compact), 80, theme)
    shown = text(ours)
    assert "Resume again" not in shown  # one key per action
    assert "Hidden" not in shown  # only those shown
    assert ours == textual, "\n" + shown + "\n" + text(textual)
    # Dim while it cannot run (Textual draws dim text as a fainter colour).
    assert ours[shown.index("Never")][1] != ours[shown.index("Help")][1]
    # The key under the pointer lit alike (the pointer on "Resume").
    lit = drawn(lambda: KeyFooter(compact=compact), 80, theme, shown.index("Resume"))
    assert lit == drawn(lambda: Footer(compact=compact), 80, theme, shown.index("Resume"))
    assert lit != ours


def test_keys_that_do_not_fit_leave_the_palette_s_key_whole() -> None:
    keys = tuple(FooterKey(k, k, f"Action {k}", True, "") for k in "abcdef")
    palette = FooterKey("ctrl+p", "^p", "palette", True, "")
    spots = placed(keys, palette, 40, compact=False)
    shown = [s for s in spots if not s.palette]
    assert [s.item.key for s in shown] == ["a", "b"]  # each " a Action a " is 12 cells
    assert shown[-1].end <= 40 - len("▏^p palette ")
    (edge,) = [s for s in spots if s.palette]
    assert (edge.start, edge.end) == (29, 39)  # "^p palette", then one cell of room
    assert placed(keys, None, 40, compact=True)[-1].end <= 40  # no palette: to the edge
    assert [s.item.key for s in placed(keys, palette, 10, compact=False)] == ["ctrl+p"]


def test_a_short_line_keeps_quit_and_help_longest() -> None:
    """The screen's own keys go first, last first; the app's (quit, help) stay while they
    fit, in their place: at 80 columns the wizard's lines hold them all."""
    screen_keys = tuple(FooterKey(k, k, f"Action {k}", True, "") for k in "abcd")
    app_keys = tuple(FooterKey(k, k, f"Action {k}", True, "", kept=True) for k in "qh")
    keys = screen_keys + app_keys  # the order active_bindings gives: the screen's first
    palette = FooterKey("ctrl+p", "^p", "palette", True, "")

    def shown(width: int, compact: bool = False) -> str:
        return "".join(s.item.key for s in placed(keys, palette, width, compact) if not s.palette)

    assert shown(12 + 6 * 12) == "abcdqh"  # room for all six
    assert shown(12 + 5 * 12) == "abcqh"  # the screen's last goes first
    assert shown(12 + 3 * 12) == "aqh"
    assert shown(12 + 2 * 12) == "qh"
    assert shown(12 + 1 * 12) == "q"  # then the app's, last first
    assert shown(12 + 11) == ""
    assert shown(12 + 6 * 11 - 1, compact=True) == "abcdqh"  # "a Action a", a cell apart
    assert shown(12 + 6 * 11 - 2, compact=True) == "abcqh"
    spots = placed(keys, palette, 12 + 3 * 12, compact=False)
    assert [(s.start, s.end) for s in spots if not s.palette] == [(0, 12), (12, 24), (24, 36)]


class Narrow(App[None]):
    CSS_PATH = WIZARD_CSS
    BINDINGS = [Binding("ctrl+q", "quit", "Quit"), Binding("f1", "note('help')", "Help")]  # noqa: RUF012

    def on_mount(self) -> None:
        self.push_screen(Own())

    def action_note(self, what: str) -> None:
        pass


class Own(Screen[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("r", "app.note('r')", "Refresh"),
        Binding("s", "app.note('s')", "Suspend"),
        Binding("u", "app.note('u')", "Resume"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("a screen with keys of its own")
        yield KeyFooter()


def test_on_a_narrow_screen_quit_and_help_stay() -> None:
    async def scenario() -> None:
        app = Narrow()
        async with app.run_test(size=(80, 4)) as pilot:
            line = lambda: line_of(app)  # noqa: E731
            await until(pilot, lambda: isinstance(app.screen, Own) and "Help" in line())
            assert "Refresh" in line()
            assert "Resume" in line()
            await pilot.resize_terminal(41, 4)  # room for three keys before the palette's
            await until(pilot, lambda: "Resume" not in line(), what="the screen's last key gone")
            assert line().startswith(" r Refresh  ^q Quit  f1 Help "), line()
            assert line().rstrip().endswith("▏^p palette")

    asyncio.run(scenario())


def test_a_click_presses_the_key_and_the_pointer_shows_its_tooltip() -> None:
    async def scenario() -> None:
        app = Keys(KeyFooter)
        async with app.run_test(size=(80, 3)) as pilot:
            footer = app.query_one(KeyFooter)
            spots = {s.item.description: s for s in footer.placed()}
            suspend, never = spots["Suspend"], spots["Never"]
            await pilot.hover(footer, offset=(suspend.start + 1, 0))
            await until(pilot, lambda: footer.tooltip == "Suspend the whole class")
            lit = bottom_line(app)[suspend.start][2]
            assert lit != bottom_line(app)[never.start][2]  # the key under the pointer lit
            await pilot.click(footer, offset=(suspend.start + 1, 0))
            await until(pilot, lambda: app.notes == ["suspend"], what="the click's key")
            await pilot.click(footer, offset=(spots["Help"].end - 1, 0))
            await until(pilot, lambda: app.notes == ["suspend", "help"], what="help")
            await pilot.click(footer, offset=(never.start, 0))  # cannot run: a bell
            await pilot.click(footer, offset=(spots["Help"].end + 2, 0))  # between keys
            await pilot.pause()
            assert app.notes == ["suspend", "help"]
            await pilot.hover(footer, offset=(never.start, 0))
            await until(pilot, lambda: footer.tooltip is None, what="no tooltip on Never")
            await pilot.hover(Static)  # off the footer: nothing lit
            await until(pilot, lambda: bottom_line(app)[suspend.start][2] != lit)

    asyncio.run(scenario())


class Search(Input):
    BINDINGS = [Binding("ctrl+f", "noop", "Find")]  # noqa: RUF012

    def action_noop(self) -> None:
        pass


class TwoBoxes(App[None]):
    CSS_PATH = WIZARD_CSS

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Search(id="search")
        yield KeyFooter()


def test_a_focus_that_changes_the_keys_changes_the_line() -> None:
    async def scenario() -> None:
        app = TwoBoxes()
        async with app.run_test(size=(80, 3)) as pilot:
            line = lambda: line_of(app)  # noqa: E731
            await until(pilot, lambda: "palette" in line(), what="the palette's key")
            assert "Find" not in line()
            app.query_one("#search").focus()
            await until(pilot, lambda: "Find" in line(), what="the search box's key")
            app.query_one("#first").focus()
            await until(pilot, lambda: "Find" not in line(), what="gone with the focus")

    asyncio.run(scenario())


class Titled(App[None]):
    CSS_PATH = WIZARD_CSS
    TITLE = "spcs-wizard"
    SUB_TITLE = "Milvus on Snowpark Container Services"

    def __init__(self, bar: Callable[[], Widget], theme: str = "textual-dark") -> None:
        super().__init__()
        self.bar, self.start_theme = bar, theme

    def compose(self) -> ComposeResult:
        yield self.bar()
        yield Static("body", id="body")

    def on_mount(self) -> None:
        self.theme = self.start_theme


def top_line(bar: Callable[[], Widget], width: int, theme: str, hover: bool = False) -> list[Cell]:
    async def scenario() -> list[Cell]:
        app = Titled(bar, theme)
        async with app.run_test(size=(width, 4)) as pilot:
            await pilot.pause()
            if hover:
                await pilot.hover(offset=(2, 0))
                await pilot.pause()
            return bottom_line(app, 0)

    return asyncio.run(scenario())


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("width", [80, 40, 19])
def test_the_title_line_draws_what_textual_s_header_draws(theme: str, width: int) -> None:
    ours = top_line(TitleBar, width, theme)
    textual = top_line(Header, width, theme)
    shown = text(ours)
    assert ours == textual, "\n" + shown + "\n" + text(textual)
    if width == 40:
        assert shown.rstrip().endswith("…")  # cut, as Textual cuts it
    lit = top_line(TitleBar, width, theme, hover=True)
    assert lit == top_line(Header, width, theme, hover=True)
    assert lit[2][2] != ours[2][2]  # the icon lit under the pointer


def test_the_icon_opens_the_palette_and_the_rest_makes_it_tall() -> None:
    async def scenario() -> None:
        app = Titled(TitleBar)
        async with app.run_test(size=(80, 10)) as pilot:
            bar = app.query_one(TitleBar)
            await pilot.hover(bar, offset=(2, 0))
            await until(pilot, lambda: bar.tooltip == "Open the command palette")
            await pilot.hover(bar, offset=(30, 0))
            await until(pilot, lambda: bar.tooltip is None, what="off the icon")
            await pilot.click(bar, offset=(30, 0))
            await until(pilot, lambda: bar.size.height == 3, what="tall")
            assert "spcs-wizard" in line_of(app, 1)  # the middle line
            await pilot.click(bar, offset=(30, 1))
            await until(pilot, lambda: bar.size.height == 1, what="one line again")
            title = lambda: line_of(app, 0)  # noqa: E731
            app.sub_title = "Deploy"
            await until(pilot, lambda: "spcs-wizard — Deploy" in title(), what="sub-title")
            app.screen.title = "Workshop WS"
            await until(pilot, lambda: "Workshop WS — Deploy" in title(), what="screen's")
            await pilot.click(bar, offset=(2, 0))
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CommandPalette))

    asyncio.run(scenario())


def test_a_dialog_s_bottom_line_says_its_own_keys() -> None:
    """Not the keys of the screen under it (they do nothing while it is open): Escape,
    what it does, and that pressed closes it."""
    from spcs_wizard.tui.screens.dialog import ConfirmDialog
    from spcs_wizard.tui.screens.help import HelpScreen

    async def scenario() -> None:
        app = Keys(KeyFooter)
        async with app.run_test(size=(80, 20)) as pilot:
            line = lambda: line_of(app).strip()  # noqa: E731
            await until(pilot, lambda: "Suspend" in line(), what="the app's keys")
            for dialog, said in ((ConfirmDialog("Remove?", "It goes."), "esc Cancel"),
                                 (HelpScreen(), "esc Close")):  # fmt: skip
                app.push_screen(dialog)
                await until(pilot, lambda s=said: line() == s, what=said)
                await pilot.press("escape")
                await until(pilot, lambda d=dialog: app.screen is not d, what="closed")
                await until(pilot, lambda: "Suspend" in line(), what="the app's keys again")

    asyncio.run(scenario())
