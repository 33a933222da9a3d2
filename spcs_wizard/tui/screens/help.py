"""F1: what each step does and the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from spcs_wizard.tui.screens.dialog import Dialog

HELP = """\
# spcs-wizard

Deploys Milvus on Snowpark Container Services, then watches it.

## Steps

1. **Welcome**: rehearsal (a local emulator, no account) or a real account; the cost.
2. **Connection**: a connection from Snowflake CLI's connections.toml, or a new one
   (its secret goes to the OS keyring); the preflight checks.
3. **Naming**: every name, checked as you type; a prefix per workshop attendee.
4. **Review**: each step, the role that runs it and its SQL; the whole script; the cost.
5. **Build & push**: the three images (Milvus, its gateway, the notebook) for linux/amd64,
   pushed to the account's registry.
6. **Deploy**: each step is checked first and run only if needed; Retry resumes.
7. **Monitor**: pools, services, containers, endpoints, logs, refreshed in the background.
8. **Console**: ask the deployed Milvus; load texts and files; filter; see the latency.
9. **Teardown**: removes only what spcs-wizard made.

## Keys

- `ctrl+n` / `ctrl+b`: next / back
- `ctrl+p`: command palette (every action, every step)
- `ctrl+t`: light or dark theme
- `r`, `s`, `u`: monitor: refresh, suspend, resume (these two ask first, with the cost)
- `c`, `o`: monitor endpoints: copy the URL, open it in the browser (a rehearsal's is
  a stand-in: copied, not opened)
- `ctrl+d`, `ctrl+l`: console: the seed's demo sentences, insert a text or load a file;
  up/down in the question box walk the history; `ctrl+r` goes to the hits (Enter on one
  shows it whole, with the fields its record brought)
- `f1`: this help; `escape` closes it and every dialog (as Cancel); `ctrl+q`: quit
  (while a build, deploy or teardown runs it asks: stop after the step, or leave it)

Build & push, Deploy and Teardown keep running when you go to another step; the strip
above the buttons shows how far they are.

Every step is also a command: `spcs-wizard --help`.
"""


class HelpScreen(Dialog[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]  # noqa: RUF012

    def __init__(self, text: str = HELP) -> None:
        super().__init__()
        self.text = text

    def compose_dialog(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Markdown(self.text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
