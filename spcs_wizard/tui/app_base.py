"""What the wizard and the class dashboard do alike, beyond Textual's own: Escape closes
the keys panel (the palette's "Keys"), and the palette's "Screenshot" says where it saved
the picture, or why it could not."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding


def screenshot_directory() -> Path:
    """The user's Downloads folder when there is one (Textual's choice), else the tool's
    own state directory (Textual's save failed there without saying why)."""
    from platformdirs import user_downloads_dir

    from spcs_wizard.paths import state_home

    downloads = Path(user_downloads_dir())
    return downloads if downloads.is_dir() else state_home() / "screenshots"


class WizardAppBase(App[None]):
    def __init__(self) -> None:
        from spcs_wizard.paths import cache_home
        from spcs_wizard.tui.css_cache import CachedStylesheet, folder_for

        super().__init__()
        # Parsed styles read back from the last start (css_cache: a tenth of the start-up).
        self.stylesheet = CachedStylesheet(
            variables=self.get_css_variables(), folder=folder_for(cache_home())
        )

    # Not shown in the footer; the app's binding is the last one asked, so a dialog's own
    # Escape (Cancel) comes first.
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "hide_help_panel", "Hide keys", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            # Escape means something else. By its CSS type: importing HelpPanel imports
            # Textual's Markdown, a fifth of the wizard's start-up.
            return bool(self.screen.query("HelpPanel"))
        return super().check_action(action, parameters)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The screen as SVG (taken here, on the UI thread), written by a worker thread.
        Secrets are typed in password fields, which a screenshot shows masked."""
        svg = self.export_screenshot()
        taken = time.strftime("%Y-%m-%d_%H-%M-%S")
        name = filename or f"spcs-wizard-{type(self.screen).__name__.lower()}-{taken}.svg"

        def write() -> None:
            directory = Path(path) if path else screenshot_directory()
            target = directory / name
            try:
                directory.mkdir(parents=True, exist_ok=True)
                target.write_text(svg, encoding="utf-8")
            except OSError as exc:
                self.call_from_thread(
                    self.notify,
                    f"Could not save the screenshot as {target}: {exc.strerror or exc}. "
                    "Free some space or make the folder writable, then try again.",
                    title="Screenshot",
                    severity="error",
                )
                return
            self.call_from_thread(self.notify, f"Saved to {target}", title="Screenshot")

        self.run_worker(write, thread=True, group="screenshot")
        return None
