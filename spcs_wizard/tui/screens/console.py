"""Step 8: ask the deployed Milvus. Collections on the left; a question (with history),
a filter (typed, or built from a field, an operator and a value), and the answers as a
table with scores and latency. Loading a file shows its progress. Everything goes
through the console engine over the deployment's public endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    Static,
)

from spcs_wizard.console import demo
from spcs_wizard.console.embedders import rehearsal_note
from spcs_wizard.console.transport import ConsoleError
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.screens.load_dialog import LoadDialog
from spcs_wizard.tui.widgets.hits_table import HitsTable
from spcs_wizard.tui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from spcs_wizard.console.console import Answer, Console, Loaded
    from spcs_wizard.console.transport import Hit
    from spcs_wizard.engine.runner import SqlRunner

OPERATORS = [("==", "=="), ("!=", "!="), (">", ">"), ("<", "<"), ("like", "like")]


def value_literal(text: str) -> str:
    """A filter value: numbers as they are, anything else as a quoted string."""
    try:
        float(text)
    except ValueError:
        return json.dumps(text)
    return text


class ConsoleScreen(WizardScreen):
    STEP = "console"
    AUTO_FOCUS = "#question"  # what a person comes here to do: ask
    # Below 100 columns the collections list and the filter's field narrow, so the
    # filter's value box keeps room to type in (at 80 it was one character wide).
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    PALETTE_ACTIONS = (
        ("Load the seed's demo sentences", "Three sentences into 'demo'", "demo"),
        ("Insert a text or load a file", "Text, CSV, JSON lines, Parquet", "load"),
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        *WizardScreen.BINDINGS,
        Binding("ctrl+d", "demo", "Demo", priority=True),  # over the question box's delete
        Binding("ctrl+l", "load", "Load file", priority=True),
        # Not in the footer (its room is the screen's keys, quit and help at 80 columns):
        # the answer's line says it. The hits are many Tabs away from the question.
        Binding("ctrl+r", "answers", "Go to the hits", show=False),
    ]

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="console"):
            with Vertical(id="collections-pane"):
                yield Label("Collections", classes="section")
                yield OptionList(id="collections")
                yield Button("Demo", id="demo", compact=True)
                yield Button("Load file", id="load", compact=True)
            with Vertical(id="ask-pane"):
                yield OrderedInput(
                    placeholder=f"ask, e.g. {demo.QUESTION}", id="question", compact=True
                )
                with Horizontal(classes="row", id="filter-builder"):
                    yield Select[str]([], prompt="field", id="filter-field", compact=True)
                    yield Select[str](
                        OPERATORS, value="==", allow_blank=False, id="filter-op", compact=True
                    )
                    yield OrderedInput(placeholder="value", id="filter-value", compact=True)
                    yield Button("+ filter", id="filter-add", compact=True)
                yield OrderedInput(
                    placeholder="filter expression, e.g. year > 2000", id="filter", compact=True
                )
                yield ProgressBar(total=100, id="load-progress", show_eta=True)
                yield Static("", id="answer-status")
                yield HitsTable(id="answers")

    def on_mount(self) -> None:
        self.console: Console | None = None
        self.lock = threading.Lock()  # the console's connection serves one call at a time
        self.runner: SqlRunner | None = None
        self.collection = demo.COLLECTION
        self.names: list[str] | None = None  # the collections, once read
        self.history: list[str] = []
        self.history_at = 0
        self.answer: Answer | None = None  # the last, while it is the open collection's
        # The boxes as typed, kept on leaving (the screen's widgets are gone by then).
        self.typed = {"question": "", "filter": "", "filter-value": "", "filter-op": "=="}
        self.field_wanted = ""  # the builder's field as left, chosen once the fields come
        self.query_one("#load-progress").display = False
        self.allow_next(True)
        self.show_view()
        self.open_console()

    def show_view(self) -> None:
        """Back from another step: the collection, questions, filter and hits as left."""
        view = self.wizard.console_view
        if view is None or view.subject != self.wizard.job_subject:
            return
        self.collection, self.history = view.collection, list(view.history)
        self.history_at = len(self.history)
        for box in ("question", "filter", "filter-value"):
            self.query_one(f"#{box}", Input).value = view.typed.get(box, "")
        self.query_one("#filter-op", Select).value = view.typed.get("filter-op", "==")
        self.field_wanted = view.typed.get("filter-field", "")
        if view.answer is not None:
            self.show_answer(view.answer)

    @on(Input.Changed, "#question, #filter, #filter-value")
    def keep_typed(self, event: Input.Changed) -> None:
        self.typed[str(event.input.id)] = event.value

    @on(Select.Changed, "#filter-field, #filter-op")
    def keep_chosen(self, event: Select.Changed) -> None:
        self.typed[str(event.select.id)] = "" if event.select.is_blank() else str(event.value)

    def on_unmount(self) -> None:
        from spcs_wizard.tui.context import ConsoleView

        self.wizard.console_view = ConsoleView(
            self.wizard.job_subject,
            self.collection,
            self.history,
            dict(self.typed),
            self.answer,
        )
        if self.console is not None:
            self.console.transport.close()
        if self.runner is not None:
            self.runner.con.close()

    def status(self, text: str) -> None:
        self.query_one("#answer-status", Static).update(text)

    @property
    def hits(self) -> list[Hit]:
        """The hits shown: the last answer's, while it is the open collection's."""
        return self.answer.hits if self.answer is not None else []

    def status_unless_answered(self, text: str) -> None:
        """A word on the connection, unless an answer's status is shown (one shown
        again on coming back)."""
        if self.answer is None:
            self.status(text)

    def problem(self, exc: Exception) -> None:
        self.status(f"[bold red]✗[/] {escape(str(exc))}")

    # -- opening -----------------------------------------------------------------------------
    @work(thread=True, group="console")
    def open_console(self) -> None:
        with self.lock:  # one console call at a time
            from spcs_wizard.connection import ConnectionFailedError
            from spcs_wizard.console.targets import endpoint_console

            session = self.wizard.session
            reaching = "reaching Milvus through the public endpoint …"
            self.from_worker(self.status_unless_answered, reaching)
            try:
                self.runner = self.connect()
                rehearsal = self.wizard.target.rehearsal
                if rehearsal is not None and not rehearsal.until_serving(0):
                    # its Milvus starts again with the wizard: a few seconds
                    waiting = "waiting for the rehearsal's Milvus to start …"
                    self.from_worker(self.status_unless_answered, waiting)
                    rehearsal.until_serving()
                self.console = endpoint_console(self.runner, session.deployment)
                names = self.console.collections()
            except (ConsoleError, ConnectionFailedError, OSError) as exc:
                self.from_worker(self.problem, exc)
                return
            self.from_worker(self.show_collections, names, self.console.transport.label)

    def show_collections(self, names: list[str], label: str = "") -> None:
        self.names = names
        options = self.query_one("#collections", OptionList)
        options.clear_options()
        options.add_options(names or ["(none yet: Demo, or Load file)"])
        if label:
            self.status_unless_answered(f"connected: {escape(label)}")
        if self.collection in names:
            options.highlighted = names.index(self.collection)
            self.describe_collection(self.collection)

    @on(OptionList.OptionHighlighted, "#collections")
    def pick(self, event: OptionList.OptionHighlighted) -> None:
        name = str(event.option.prompt)
        if not name.startswith("("):
            self.collection = name
            self.describe_collection(name)

    def describe_collection(self, name: str) -> None:
        """The collection's fields (for the filter) and its row count (in the status)."""
        self._describe(name)

    @work(thread=True, group="console")
    def _describe(self, name: str) -> None:
        with self.lock:  # one console call at a time
            if self.console is None:
                return
            try:
                info, rows = self.console.describe(name)
                fields = self.console.filter_fields(info)
            except ConsoleError as exc:
                self.from_worker(self.problem, exc)
                return
            self.from_worker(self.show_fields, name, rows, fields)

    def show_fields(self, name: str, rows: int, fields: list[str]) -> None:
        field = self.query_one("#filter-field", Select)
        # The field chosen stays chosen (a look again at the same collection), or the one
        # chosen when the console was left comes back.
        wanted = self.field_wanted or ("" if field.is_blank() else str(field.value))
        field.set_options([(f, f) for f in fields])
        if wanted in fields:
            field.value = wanted
        self.field_wanted = ""
        if self.answer is not None and self.answer.collection != name:
            # Another collection is open now: its hits are not these.
            self.answer = None
            self.query_one(HitsTable).show([])
        # Not over this collection's answer: one that came meanwhile (a question asked
        # while it waited for the connection), or one shown again on coming back.
        if self.answer is None:
            self.status(f"{escape(name)}: {rows} rows")

    # -- asking ------------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if not self.history or self.history[-1] != question:
            self.history.append(question)
        self.history_at = len(self.history)
        filter_ = self.query_one("#filter", Input).value.strip()
        if self.names == []:  # nothing to ask yet: say how to make some
            self.status(
                "[bold yellow]No collection yet[/]: ctrl+d (Demo) loads the seed's three "
                "sentences, ctrl+l loads a file of your own; then ask again."
            )
            return
        self.run_question(question, filter_)

    @on(Input.Submitted, "#filter")
    def refilter(self) -> None:
        if self.history:
            self.run_question(self.history[-1], self.query_one("#filter", Input).value.strip())

    def on_key(self, event: Any) -> None:
        """Up and down in the question box walk the question history."""
        question = self.query_one("#question", Input)
        if self.focused is not question or event.key not in ("up", "down") or not self.history:
            return
        step = -1 if event.key == "up" else 1
        self.history_at = min(max(self.history_at + step, 0), len(self.history))
        question.value = (
            self.history[self.history_at] if self.history_at < len(self.history) else ""
        )
        event.stop()

    @work(thread=True, group="console")
    def run_question(self, question: str, filter_: str) -> None:
        with self.lock:  # one console call at a time
            if self.console is None:
                return
            try:
                answer = self.console.ask(self.collection, question, 5, filter_)
            except ConsoleError as exc:
                self.from_worker(self.problem, exc)
                return
            self.from_worker(self.show_answer, answer)

    def show_answer(self, answer: Answer) -> None:
        self.answer = answer
        self.query_one(HitsTable).show(answer.hits)
        said = (
            f"{answer.hits_said} in {answer.seconds * 1000:.1f} ms "
            f"(embed {answer.embed_seconds * 1000:.1f}, search "
            f"{answer.search_seconds * 1000:.1f}) · {escape(answer.collection)}"
            + (" · ctrl+r goes to the hits, Enter on one shows it whole" if answer.hits else "")
        )
        note = rehearsal_note(answer.embedder) if self.wizard.mode == "rehearsal" else ""
        self.status(f"{said}\n[dim]{escape(note)}[/]" if note else said)

    def action_answers(self) -> None:
        """To the hits, from wherever the focus is (the question box, after asking)."""
        answers = self.query_one("#answers", DataTable)
        if answers.row_count:
            answers.focus()
        else:
            self.notify("No hits yet: ask a question first.", severity="warning")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A hit, whole (the table cuts long texts to its width)."""
        if event.data_table.id == "answers" and 0 <= event.cursor_row < len(self.hits):
            from spcs_wizard.tui.screens.hit_dialog import HitDialog

            event.stop()
            row = event.cursor_row
            self.app.push_screen(HitDialog(self.hits[row], row + 1, len(self.hits)))

    # -- filter builder ----------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "demo": self.action_demo,
            "load": self.action_load,
            "filter-add": self.add_filter,
        }
        action = actions.get(str(event.button.id))
        if action is None:
            super().on_button_pressed(event)
            return
        event.stop()
        action()

    def add_filter(self) -> None:
        chosen = self.query_one("#filter-field", Select)
        field = chosen.value
        value = self.query_one("#filter-value", Input).value.strip()
        if chosen.is_blank() or not value:
            self.notify("Choose a field and type a value.", severity="warning")
            return
        op = str(self.query_one("#filter-op", Select).value)
        literal = json.dumps(value) if op == "like" else value_literal(value)
        clause = f"{field} {op} {literal}"
        box = self.query_one("#filter", Input)
        box.value = f"{box.value} and {clause}" if box.value.strip() else clause
        if self.answer is not None:  # the hits shown are the filter's before: ask again
            self.refilter()

    # -- loading -----------------------------------------------------------------------------
    def action_demo(self) -> None:
        self.collection = demo.COLLECTION
        self.load_demo()

    @work(thread=True, group="console")
    def load_demo(self) -> None:
        with self.lock:  # one console call at a time
            if self.console is None:
                return
            try:
                added = self.console.load_demo()
                names = self.console.collections()
            except ConsoleError as exc:
                self.from_worker(self.problem, exc)
                return
            self.from_worker(self.show_collections, names)
            self.from_worker(
                self.notify, f"{added} sentences loaded." if added else "The demo is already there."
            )
            self.from_worker(self.query_one("#question", Input).focus)

    def action_load(self) -> None:
        def chosen(answer: tuple[str, str, str, str] | None) -> None:
            if answer is None:
                return
            kind, value, field, into = answer
            self.collection = into  # asked next, and highlighted once the list is read
            if kind == "text":
                self.insert_text(value)
            else:
                self.load_file(Path(value).expanduser(), field)

        self.app.push_screen(LoadDialog(self.collection), chosen)

    @work(thread=True, group="console")
    def insert_text(self, text: str) -> None:
        with self.lock:  # one console call at a time
            if self.console is None:
                return
            try:
                self.console.insert(self.collection, [{"text": text}])
                self.console.transport.prepare_for_search(self.collection)
                names = self.console.collections()
            except ConsoleError as exc:
                self.from_worker(self.problem, exc)
                return
            self.from_worker(self.show_collections, names)
            self.from_worker(self.notify, f"Inserted into {self.collection}.")

    @work(thread=True, group="console")
    def load_file(self, path: Path, text_field: str) -> None:
        with self.lock:  # one console call at a time
            if self.console is None:
                return
            try:
                loaded = self.console.load(
                    self.collection,
                    path,
                    text_field=text_field,
                    on_progress=lambda done, total: self.from_worker(self.progress, done, total),
                )
                names = self.console.collections()
            except ConsoleError as exc:
                self.from_worker(self.problem, exc)
                return
            finally:
                self.from_worker(self.progress, None, None)
            self.from_worker(self.loaded, loaded, names)

    def progress(self, done: int | None, total: int | None) -> None:
        """The load's bar: shown while rows go in, hidden when done (None)."""
        bar = self.query_one("#load-progress", ProgressBar)
        bar.display = done is not None
        if done is not None:
            bar.update(total=total, progress=done)

    def loaded(self, loaded: Loaded, names: list[str]) -> None:
        self.show_collections(names)
        self.notify(
            f"Loaded {loaded.rows} rows in {loaded.seconds:.1f} s "
            f"({loaded.rows_per_second:.0f}/s); flushed and indexed."
        )
