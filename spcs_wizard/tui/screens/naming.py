"""Step 3: the names of everything, checked as you type, with the prefixed result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from rich.markup import escape
from textual.containers import Grid, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from spcs_wizard.model.config_file import ConfigError, with_settings
from spcs_wizard.model.cost import POOL_CREDITS_PER_HOUR
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.ordered_input import OrderedInput

# setting path -> label; every one is validated by the deployment model itself.
FIELDS: tuple[tuple[str, str], ...] = (
    ("prefix", "Prefix (workshops: one per attendee)"),
    ("database.name", "Database"),
    ("warehouse.name", "Warehouse"),
    ("role.name", "Role"),
    ("user.name", "User"),
    ("milvus.pool.name", "Milvus compute pool"),
    ("jupyter.pool.name", "Notebook compute pool"),
)
FAMILIES = [(f"{f} ({c:g} credits/h)", f) for f, c in POOL_CREDITS_PER_HOUR.items()]
FAMILY = "milvus.pool.instance_family"


def setting(d: Deployment, path: str) -> str:
    value: object = d
    for part in path.split("."):
        value = getattr(value, part)
    return str(value)


def field_id(path: str) -> str:
    return "set-" + path.replace(".", "-")


class NamingScreen(WizardScreen):
    STEP = "naming"
    _problems: tuple[str, ...] = ()  # what is wrong with the names typed, in words
    _typed: Mapping[str, str] = MappingProxyType({})  # the fields' values, last checked
    _bad: tuple[str, ...] = ()  # the settings whose typed value is not valid
    _told = ""  # the problems as shown
    _shown: tuple[tuple[str, str], ...] = ()  # the table's rows as shown: (object, name)

    def compose_body(self) -> Iterable[Widget]:
        d = self._before = self.wizard.deployment  # the names as this visit found them
        typed = self.wizard.naming_typed  # left invalid last time: shown as it was typed
        with VerticalScroll():
            with Grid(id="fields"):
                for path, label in FIELDS:
                    yield Label(label)
                    value = typed.get(path, setting(d, path))
                    yield OrderedInput(value, id=field_id(path), name=path, compact=True)
                yield Label("Milvus pool size")
                yield Select(
                    FAMILIES,
                    value=typed.get(FAMILY, d.milvus.pool.instance_family),
                    allow_blank=False,
                    compact=True,
                    id="set-milvus-pool-instance_family",
                )
            yield Static("", id="problem")
            yield Label("Names in the account", classes="section")
            yield DataTable(id="names", cursor_type="none")

    def on_mount(self) -> None:
        self.query_one("#names", DataTable).add_column("object", key="object")
        self.query_one("#names", DataTable).add_column("name", key="name")
        self.show_names(self.wizard.deployment)
        self.query_one(Input).focus()
        if self.wizard.naming_typed:
            self.revalidate()  # what is still to fix, said again, and the cursor there
            for field in self.query(Input).filter(".-invalid").results(Input):
                field.focus()
                field.cursor_position = len(field.value)  # (not all selected: typed over)
                break

    def on_unmount(self) -> None:
        """Remembered for the next start (the last valid names: Naming never puts an
        invalid one in the deployment). What is left invalid is kept as typed, for when
        Naming is shown again, and said, so leaving loses nothing without a word."""
        from spcs_wizard.engine.known_deployments import save_draft
        from spcs_wizard.tui.threads import start_thread

        deployment = self.wizard.deployment
        self.wizard.from_draft = False
        start_thread(lambda: save_draft(deployment))
        if not self._problems:
            self.wizard.naming_typed = {}
            return
        self.wizard.naming_typed = dict(self._typed)  # (its fields are gone by now)
        kept = [f"{LABELS[p]} stays {setting(deployment, p)}" for p in self._bad if p in LABELS]
        until = "until it is fixed" if len(kept) == 1 else "until they are fixed"
        self.app.notify(
            "\n".join(self._problems)
            + f"\n{', '.join(kept)} {until} (the other changes count); Naming still shows "
            "what you typed.",
            title="Naming has names to fix",
            severity="warning",
            timeout=12,
        )

    def _changes(self) -> dict[str, str]:
        changes = {str(i.name): i.value for i in self.query(Input) if i.name}
        family = self.query_one("#set-milvus-pool-instance_family", Select).value
        changes[FAMILY] = str(family)
        return changes

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        problem = self.query_one("#problem", Static)
        changes = self._typed = self._changes()
        try:
            d = with_settings(self._before, changes, "naming")
        except ConfigError as exc:
            lines = [line.strip().replace(" (from naming)", "") for line in str(exc).splitlines()]
            lines = lines[1:] if len(lines) > 1 else lines  # past "invalid configuration:"
            bad = [line.split(":", 1)[0] for line in lines]
            for i in self.query(Input):
                i.set_class(i.name in bad, "-invalid")
            self._problems = tuple(said(line) for line in lines)
            self._bad = tuple(bad)
            told = "\n".join(f"[bold red]✗[/] {escape(p)}" for p in self._problems)
            if told != self._told:
                self._told = told
                problem.update(told)
            # The valid edits count meanwhile (one bad field does not hold back the rest);
            # a bad one keeps the name it had, not a valid stem typed on the way ("MY").
            d = valid_part(self._before, changes, bad)
        else:
            for i in self.query(Input):
                i.remove_class("-invalid")
            self._problems = self._bad = ()
            if self._told:
                self._told = ""
                problem.update("")
        self.wizard.deployment = d
        self.show_names(d)
        if self._problems:
            self.allow_next(False, "fix the names above")
        else:
            self.allow_next(True)

    def show_names(self, d: Deployment) -> None:
        n = d.names()
        table = self.query_one("#names", DataTable)
        rows = [
            ("role", n.role),
            ("user", n.user),
            ("warehouse", n.warehouse),
            ("database", n.database),
            ("Milvus pool", n.milvus_pool),
            ("notebook pool", n.jupyter_pool),
            ("Milvus service", n.in_schema(n.milvus_service)),
            ("notebook service", n.in_schema(n.jupyter_service)),
            ("image repository", n.repository),
        ]
        if not d.notebook:
            rows = [row for row in rows if not row[0].startswith("notebook")]
        shown = tuple((label, str(name)) for label, name in rows)
        if shown != self._shown:  # each key typed comes here: only what changed is redrawn
            if [label for label, _ in shown] == [label for label, _ in self._shown]:
                for (label, name), (_, was) in zip(shown, self._shown, strict=True):
                    if name != was:
                        table.update_cell(label, "name", name, update_width=True)
            else:
                table.clear()
                for label, name in shown:
                    table.add_row(label, name, key=label)
            self._shown = shown
        self.query_one("#nav-status", Static).update(f"deployment {d.deployment_id}")


def valid_part(d: Deployment, changes: dict[str, str], bad: list[str]) -> Deployment:
    """``d`` with every change that is valid, each on top of those before it (a name
    valid alone may be too long with the prefix: then it is left out)."""
    for path, value in changes.items():
        if path in bad:
            continue
        try:
            d = with_settings(d, {path: value}, "naming")
        except ConfigError:
            continue
    return d


LABELS = {path: label.split(" (")[0] for path, label in FIELDS}


def said(line: str) -> str:
    """A setting's problem in the words of its label on screen: "Warehouse: 'my wh' is
    not ...", not "warehouse.name: name 'my wh' is not ..." (the check calls the value
    "name" or "prefix"; the label says which)."""
    key, _, problem = line.partition(": ")
    label = LABELS.get(key)
    if label is None:
        return line
    for word in ("name ", "prefix "):
        problem = problem.removeprefix(word)
    return f"{label}: {problem}"
