"""Step 3: the names of everything, checked as you type, with the prefixed result."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from textual.containers import Grid, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from spcs_wizard.model.config_file import ConfigError, with_settings
from spcs_wizard.model.cost import POOL_CREDITS_PER_HOUR
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.tui.screens.base import WizardScreen

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


def setting(d: Deployment, path: str) -> str:
    value: object = d
    for part in path.split("."):
        value = getattr(value, part)
    return str(value)


def field_id(path: str) -> str:
    return "set-" + path.replace(".", "-")


class NamingScreen(WizardScreen):
    STEP = "naming"

    def compose_body(self) -> Iterable[Widget]:
        d = self.wizard.deployment
        with VerticalScroll():
            with Grid(id="fields"):
                for path, label in FIELDS:
                    yield Label(label)
                    yield Input(setting(d, path), id=field_id(path), name=path, compact=True)
                yield Label("Milvus pool size")
                yield Select(
                    FAMILIES,
                    value=d.milvus.pool.instance_family,
                    allow_blank=False,
                    compact=True,
                    id="set-milvus-pool-instance_family",
                )
            yield Static("", id="problem")
            yield Label("Names in the account", classes="section")
            yield DataTable(id="names", cursor_type="none")

    def on_mount(self) -> None:
        self.query_one("#names", DataTable).add_columns("object", "name")
        self.show_names(self.wizard.deployment)
        self.query_one(Input).focus()

    def on_unmount(self) -> None:
        """Remembered for the next start (the last valid names: Naming never keeps an
        invalid one in the wizard)."""
        from spcs_wizard.engine.known_deployments import save_draft
        from spcs_wizard.tui.threads import start_thread

        deployment = self.wizard.deployment
        self.wizard.from_draft = False
        start_thread(lambda: save_draft(deployment))

    def _changes(self) -> dict[str, str]:
        changes = {str(i.name): i.value for i in self.query(Input) if i.name}
        family = self.query_one("#set-milvus-pool-instance_family", Select).value
        changes["milvus.pool.instance_family"] = str(family)
        return changes

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        problem = self.query_one("#problem", Static)
        try:
            d = with_settings(self.wizard.deployment, self._changes(), "naming")
        except ConfigError as exc:
            lines = [line.strip().replace(" (from naming)", "") for line in str(exc).splitlines()]
            lines = lines[1:] if len(lines) > 1 else lines  # past "invalid configuration:"
            bad = [line.split(":", 1)[0] for line in lines]
            for i in self.query(Input):
                i.set_class(i.name in bad, "-invalid")
            problem.update("\n".join(f"[bold red]✗[/] {escape(said(line))}" for line in lines))
            self.allow_next(False, "fix the names above")
            return
        for i in self.query(Input):
            i.remove_class("-invalid")
        problem.update("")
        self.wizard.deployment = d
        self.show_names(d)
        self.allow_next(True)

    def show_names(self, d: Deployment) -> None:
        n = d.names()
        table = self.query_one("#names", DataTable)
        table.clear()
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
        for label, name in rows:
            table.add_row(label, str(name))
        self.query_one("#nav-status", Static).update(f"deployment {d.deployment_id}")


def said(line: str) -> str:
    """A setting's problem in words: "prefix 'x y' is not ..." once, not "prefix: prefix
    'x y' is not ..." (the check names its setting already); "database.name: name ..."
    keeps the setting (the check says only "name")."""
    key, _, problem = line.partition(": ")
    return problem if problem.startswith(key + " ") else line
