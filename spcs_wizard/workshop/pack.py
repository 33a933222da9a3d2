"""A "bring your own trial" workshop pack: what each attendee runs on their own trial
account, in the wizard or from the command line.

The pack is a directory with the class's settings (``spcs-wizard.toml``, tuned to what a
trial account allows: no egress, since trial accounts do not have external access
enabled by default, https://docs.snowflake.com/en/developer-guide/external-network-access/external-network-access-limitations)
and a checklist (``CHECKLIST.md``): sign up, install, save a connection, preflight,
rehearse, deploy, and tear down at the end, with the cost on the trial's credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spcs_wizard.model.config_file import save_deployment, with_settings
from spcs_wizard.model.cost import SOURCE, estimate
from spcs_wizard.model.deployment import Deployment

SETTINGS = "spcs-wizard.toml"
CHECKLIST = "CHECKLIST.md"


@dataclass(frozen=True)
class Pack:
    settings: Deployment
    notes: list[str]  # what was changed from the instructor's settings, and why
    checklist: str

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        settings, checklist = directory / SETTINGS, directory / CHECKLIST
        save_deployment(self.settings, settings)
        checklist.write_text(self.checklist, encoding="utf-8")
        return [settings, checklist]


def trial_settings(settings: Deployment) -> tuple[Deployment, list[str]]:
    """The instructor's settings as a trial account takes them."""
    changes: dict[str, object] = {}
    notes = []
    if settings.egress.enabled:
        changes["egress.enabled"] = False
        notes.append(
            "egress turned off: trial accounts do not have external access enabled by "
            "default (the notebook's embedding model is baked into its image)"
        )
    if settings.prefix:
        changes["prefix"] = ""
        notes.append("prefix left out: each attendee's trial account is their own")
    if settings.user.grant_to:
        changes["user.grant_to"] = []
        notes.append("user.grant_to left out: those users are not in the attendees' accounts")
    if settings.account:
        changes["account"] = ""
        notes.append("account left out: each attendee's is their own")
    return (with_settings(settings, changes, "workshop pack") if changes else settings), notes


def _install_step(source: str) -> str:
    where = source or "<the address your instructor gives>"
    return (
        "- [ ] Install spcs-wizard on Debian or Ubuntu with Python 3.11 (it installs what is\n"
        "      missing with apt-get: run it as root or with sudo rights):\n"
        f"      `git clone {where} ~/spcs-wizard && ~/spcs-wizard/scripts/start --version`\n"
        '      then `export PATH="$HOME/spcs-wizard/.venv/bin:$PATH"` (add that line to\n'
        "      ~/.bashrc to keep it in new terminals).\n"
        "- [ ] `cd` into this pack's directory: every command below runs there, and reads\n"
        f"      `{SETTINGS}` from it."
    )


def make_pack(settings: Deployment, workshop: str, hours: float, source: str = "") -> Pack:
    tuned, notes = trial_settings(settings)
    cost = estimate(tuned)
    rate = cost.running_per_hour
    more = "" if cost.complete else " or more"
    text = f"""# Workshop {workshop}: bring your own trial

You deploy Milvus on Snowpark Container Services in your own Snowflake trial account,
with the settings in `{SETTINGS}` beside this file. While it runs it bills about
{rate:g}{more} credits an hour, {rate * hours:g} for the workshop's {hours:g} hours, out of
your trial's free credits (Snowsight shows what is left). Suspended or torn down, its
compute pools bill nothing. Figures: Snowflake's Service Consumption Table,
{SOURCE}

## Before the workshop

- [ ] Sign up for a Snowflake trial (https://signup.snowflake.com) in a region where
      Snowpark Container Services is available; you are its ACCOUNTADMIN. Note your
      account identifier (ORG-ACCOUNT) from the welcome email or Snowsight.
{_install_step(source)}
- [ ] Try it with no account: `spcs-wizard rehearse` (it ends with "Rehearsal passed").
- [ ] Save your connection (your password goes to your keyring; Snowflake asks a user
      with a password to enrol in MFA):
      `spcs-wizard login -n trial -a ORG-ACCOUNT -u YOUR_USER --auth mfa`
- [ ] Check the account: `spcs-wizard preflight -c trial`
      (every line "ok"; egress is off, which trial accounts need).

## In the workshop

- [ ] `spcs-wizard tui -c trial`: the wizard, on your account, through its steps
      (Review shows every statement and the cost; Build & push needs docker or podman
      for the notebook, else choose "Milvus alone").
      Or from the command line: `spcs-wizard deploy -c trial`.
- [ ] Watch it (the wizard's Monitor, or `spcs-wizard status -c trial`)
      and ask it questions (the Console, or `spcs-wizard console -c trial`).

## At the end

- [ ] `spcs-wizard teardown -c trial` removes what the wizard made
      (or `spcs-wizard suspend -c trial` to keep it, billing nothing while suspended).
"""
    if notes:
        text += "\n## Changed from the instructor's settings\n\n" + "".join(
            f"- {note}\n" for note in notes
        )
    return Pack(tuned, notes, text)
