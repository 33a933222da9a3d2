"""``spcs-wizard workshop`` as an instructor runs it: on an account (a connection in
connections.toml to the emulator) and in rehearsal, with a real encrypted-file keyring."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import snowflake.connector

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.registry import repository_path
from tests.cli_harness import connections_home
from tests.command import COMMAND, clean_environment, run_command
from tests.conftest import ADMIN_PASSWORD

ATTENDEES = ("01", "02")


@pytest.fixture
def account(tmp_path: Path) -> Iterator[tuple[Emulator, dict[str, str]]]:
    """An emulator on a fast clock reached through connection 'dev', the images of the
    class WS already in its repository and in attendees WS_01_'s and WS_02_'s (pushes are
    the images tests' work), and a real keyring: keyrings.cryptfile's file in a temporary
    directory."""
    emu = Emulator(
        EmulatorSettings(
            state_dir=tmp_path / "emu", admin_password=ADMIN_PASSWORD, speed=600, run_services=False
        ),
        Faults(),
    )
    emu.start()
    for slug in ATTENDEES:
        for d in (
            Deployment(prefix=f"WS_{slug}_"),  # --images each
            Deployment(prefix=f"WS_{slug}_", image_repository={"database": "WS_IMAGES"}),
        ):
            for svc in map(d.image, ("milvus", "gateway", "jupyter")):
                emu.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "b" * 64)
    env = clean_environment(
        {
            "COLUMNS": "160",
            "SNOWFLAKE_HOME": str(connections_home(tmp_path, "dev", emu)),
            "SNOWFLAKE_CONNECTIONS_DEV_PASSWORD": ADMIN_PASSWORD,
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
            "KEYRING_CRYPTFILE_PASSWORD": "unlock-the-instructors-keyring",
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
    )
    yield emu, env
    emu.stop()


def _databases(emu: Emulator) -> set[str]:
    with snowflake.connector.connect(**emu.connect_args()) as con:
        cur = con.cursor()
        cur.execute("USE ROLE ACCOUNTADMIN")
        cur.execute("SHOW DATABASES")
        return {row[1] for row in cur.fetchall()}


def test_plan_shows_objects_and_cost_without_connecting(tmp_path: Path) -> None:
    env = clean_environment({"SPCS_WIZARD_HOME": str(tmp_path / "state"), "COLUMNS": "120"})
    shown = run_command("workshop", "plan", "--attendees", "30", "--hours", "3", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Workshop WORKSHOP: 30 attendees, a deployment each" in shown.stdout
    assert "While everything runs: 6.6 credits an hour, 19.8 for 3 h" in shown.stdout
    assert "<prefix>MILVUS_COMPUTE_POOL" in shown.stdout
    as_json = run_command("workshop", "plan", "--attendees", "30", "--json", env=env)
    plan = json.loads(as_json.stdout)
    assert plan["cost"]["credits_per_hour_running"] == 6.6
    assert len(plan["objects"]["attendees"]) == 30
    # One pool per service for the class: 15 + 5 nodes of CPU_X64_S, not 60 pools.
    shared = run_command("workshop", "plan", "--attendees", "30", "--pools", "shared", env=env)
    assert shared.returncode == 0, shared.stderr
    assert "While everything runs: 2.2 credits an hour, 6.6 for 3 h" in shared.stdout
    shared_json = run_command(
        "workshop", "plan", "--attendees", "30", "--pools", "shared", "--json", env=env
    )
    plan = json.loads(shared_json.stdout)
    pools = [o for o in plan["objects"]["account_wide"] if o["kind"] == "COMPUTE POOL"]
    assert [p["name"] for p in pools] == [
        "WORKSHOP_MILVUS_COMPUTE_POOL",
        "WORKSHOP_JUPYTER_COMPUTE_POOL",
    ]
    assert not any(
        o["kind"] == "COMPUTE POOL" for a in plan["objects"]["attendees"] for o in a["objects"]
    )
    assert [r["shared"] for r in plan["cost"]["rows"]] == [True, True, False]
    assert not (tmp_path / "state").exists()  # a plan records nothing


def test_plan_at_80_columns_keeps_each_prefix_and_address_whole(tmp_path: Path) -> None:
    """Long names at 80 columns: a prefix (typed and searched for whole), an e-mail
    address and a name fold onto a second line, never end in "…"; nothing goes past the
    edge."""
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email\nAlice Example,alice.example@university.example.org\n"
        "Bob Longname-Smith,bob.longname-smith@university.example.org\n",
        encoding="utf-8",
    )
    env = clean_environment({"SPCS_WIZARD_HOME": str(tmp_path / "state"), "COLUMNS": "80"})
    shown = run_command("workshop", "plan", "--roster", str(roster), env=env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    tables = [line for line in lines if line[:1] in "┏┃┡│└"]  # (prose soft-wraps)
    assert max(len(line) for line in tables) <= 80, shown.stdout
    rows = [line for line in lines if line.startswith("│")]
    assert "…" not in "".join(rows[:4]), shown.stdout

    def column(index: int) -> str:  # a column's cells, their lines joined
        return "".join(row.split("│")[index].strip() for row in rows[:4])

    plan = json.loads(
        run_command("workshop", "plan", "--roster", str(roster), "--json", env=env).stdout
    )
    prefixes = [a["prefix"] for a in plan["objects"]["attendees"]]
    assert prefixes == ["WORKSHOP_ALICE_EXAMPLE_", "WORKSHOP_BOB_LONGNAME_SMITH_"]
    assert column(3) == "".join(prefixes)
    assert column(1) == "Alice ExampleBob Longname-Smith"
    assert "Names longer than a prefix takes" not in shown.stdout  # none was cut
    # A name longer than a prefix may take gives only its start, and the plan says so.
    roster.write_text(
        "name\nMaximilian Alexander Montgomery Worthington-Smythe\nBo\n", encoding="utf-8"
    )
    long = run_command("workshop", "plan", "--roster", str(roster), env=env)
    assert long.returncode == 0, long.stderr
    said = " ".join(long.stdout.split())  # (the note soft-wraps)
    assert (
        "Names longer than a prefix takes (40 characters) give only their start: "
        "Maximilian Alexander Montgomery Worthington-Smythe → "
        "WORKSHOP_MAXIMILIAN_ALEXANDER_MONTGOMERY_WORTHING_"
    ) in said
    assert "Bo →" not in said
    assert column(2) == (
        "alice.example@university.example.orgbob.longname-smith@university.example.org"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the class as --attendees N or --roster FILE"),
        (("--attendees", "0"), "--attendees must be from 1 to 200, not 0"),
        (("--roster", "missing.csv"), "cannot read the roster missing.csv"),
        (("--attendees", "2", "--prefix", "alice"), "leave prefix out"),
        (("--attendees", "2", "--name", "select"), "workshop name"),
        (("--attendees", "2", "--connections", "0"), "--connections must be from 1 to 32"),
        (("--attendees", "2", "--pools", "some"), "'some' is not one of 'each', 'shared'"),
        (("--attendees", "76"), "would need 152 nodes"),
    ],
)
def test_a_class_it_cannot_make_is_refused_with_what_to_change(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    env = clean_environment({"SPCS_WIZARD_HOME": str(tmp_path / "state")})
    refused = run_command("workshop", "provision", "--rehearsal", *args, env=env, cwd=tmp_path)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "state" / "rehearsal" / "workshops").exists()


@pytest.mark.long
@pytest.mark.parametrize("pools", ["each", "shared"])
def test_an_instructor_runs_a_workshop_on_an_account_from_the_command_line(
    tmp_path: Path, account: tuple[Emulator, dict[str, str]], pools: str
) -> None:
    emu, env = account
    before = _databases(emu)
    ws = ("--name", "ws", "-c", "dev")

    asked = run_command("workshop", "provision", *ws, "--attendees", "2", "--pools", pools, env=env)
    assert asked.returncode == 2  # billable, and no terminal to ask on
    assert "add --yes" in asked.stderr
    assert _databases(emu) == before  # nothing was made

    made = run_command(
        "workshop", "provision", *ws, "--attendees", "2", "--pools", pools, "--yes", env=env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Workshop provision: 2 provisioned" in made.stdout
    # The objects the class shares were made once: the class's line, not attendee 01's.
    shared_line = r"^✓ class +[\d.]+ s  shared by the class and the account: "
    assert re.search(shared_line, made.stdout, re.MULTILINE)
    # Each attendee's line counts what the plan lists for each attendee (both of
    # provision's phases, the waits apart); the class's line, the account's objects and
    # (one repository for the class) its images.
    planned = json.loads(
        run_command(
            "workshop",
            "plan",
            "--name",
            "ws",
            "--attendees",
            "2",
            "--pools",
            pools,
            "--json",
            env=env,
        ).stdout
    )
    each = len(planned["objects"]["attendees"][0]["objects"])
    once = len(planned["objects"]["account_wide"]) + 3  # + milvus, gateway, jupyter
    for slug in ("01", "02"):
        line = rf"^✓ {slug} +[\d.]+ s  {each} steps done, 0 already in place, \d+ waits passed$"
        assert re.search(line, made.stdout, re.MULTILINE), made.stdout
    counted = re.search(r"account: (\d+) steps done, (\d+) already in place$", made.stdout, re.M)
    assert counted is not None, made.stdout
    assert int(counted[1]) + int(counted[2]) == once
    assert _databases(emu) - before == {"WS_01_MILVUS_DEMO", "WS_02_MILVUS_DEMO", "WS_IMAGES"}

    status = run_command("workshop", "status", *ws, "--json", env=env)
    assert status.returncode == 0, status.stderr  # everyone's runs
    rows = json.loads(status.stdout)
    assert [(r["attendee"], r["user"], r["condition"]) for r in rows] == [
        ("01", "WS_01_MILVUS_USER", "running"),
        ("02", "WS_02_MILVUS_USER", "running"),
    ]
    assert all(r["endpoint"].startswith("https://") for r in rows)
    # The table at 80 columns: the state in full, and each address whole on its own line.
    table = run_command("workshop", "status", *ws, env={**env, "COLUMNS": "80"})
    assert table.returncode == 0, table.stderr
    assert "2 of 2 running; the class bills" in table.stdout
    assert ("Pools shared by the class: WS_MILVUS_COMPUTE_POOL" in table.stdout) == (
        pools == "shared"
    )
    for r in rows:
        assert r["name"] == f"attendee {r['attendee']}"  # said beside the id
        said = f"  {r['attendee']} ({r['name']}): {r['user']} (role {r['role']})\n"
        assert said in table.stdout
        assert list(r["endpoints"]) == ["notebook", "milvus"]  # the notebook first
        assert r["endpoint"] == r["endpoints"]["notebook"]
        for name, url in r["endpoints"].items():
            assert f"      {name + ':':<9} {url}\n" in table.stdout
    # Shared: the class's pool (no prefix); each: their own (shown without their prefix).
    milvus_pool = "WS_MILVUS_COMPUTE_POOL" if pools == "shared" else "MILVUS_COMPUTE_POOL"
    assert milvus_pool in rows[1]["pools"]

    sheet = tmp_path / "handouts" / "01.txt"
    given = run_command("workshop", "handout", *ws, "01", "--out", str(sheet), env=env)
    assert given.returncode == 0, given.stderr
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    text = sheet.read_text()
    assert "A rehearsal's handout" not in text  # an account's (this emulator stands in)
    password = text.split("its password is\n", 1)[1].split("\n", 1)[0].strip()
    assert password not in given.stdout + given.stderr
    assert "[ws_01]" in text
    assert rows[0]["endpoint"] in text
    # The handout's password signs the attendee in, to their own role.
    args = emu.connect_args(user="WS_01_MILVUS_USER", password=password)
    with snowflake.connector.connect(**args) as con:
        cur = con.cursor()
        cur.execute("SELECT CURRENT_ROLE()")
        assert cur.fetchone() == ("WS_01_MILVUS_ROLE",)
    for secret_file in (tmp_path / "state").rglob("*"):
        if secret_file.is_file():
            assert password.encode() not in secret_file.read_bytes(), secret_file

    nobody = run_command("workshop", "handout", *ws, "nobody", env=env)
    assert nobody.returncode == 2
    assert "no attendee 'nobody' in workshop WS (attendees: 01, 02)" in nobody.stderr

    suspended = run_command("workshop", "suspend", *ws, env=env)
    assert suspended.returncode == 0, suspended.stdout + suspended.stderr
    assert "Workshop suspend: 2 suspended" in suspended.stdout
    once = "the class's pools once" if pools == "shared" else "services, then pools"
    assert once in suspended.stdout
    status = run_command("workshop", "status", *ws, "--json", env=env)
    assert {r["condition"] for r in json.loads(status.stdout)} == {"suspended"}
    assert status.returncode == 3  # not running: needs attention, as `status` says
    table = run_command("workshop", "status", *ws, env={**env, "COLUMNS": "120"})
    said = "      no public address while suspended ('workshop resume' brings it back)\n"
    assert table.stdout.count(said) == 2, table.stdout  # not "being assigned"
    resumed = run_command("workshop", "resume", *ws, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Workshop resume: 2 resumed" in resumed.stdout

    unasked = run_command("workshop", "teardown", *ws, env=env)
    assert unasked.returncode == 2
    assert "--yes" in unasked.stderr
    # A keyring that will not open (a wrong password for it) does not stop the teardown:
    # the account is cleaned, and the note says the passwords stay in the keyring.
    locked = {**env, "KEYRING_CRYPTFILE_PASSWORD": "not-the-keyrings-password"}
    gone = run_command("workshop", "teardown", *ws, "--yes", env=locked)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "Workshop teardown: 2 torn down" in gone.stdout
    # Each attendee's line their own objects; the class's shared ones on its own line.
    for slug in ("01", "02"):
        assert re.search(rf"^✓ {slug} +[\d.]+ s  {each} removed$", gone.stdout, re.M)
    assert re.search(
        r"^✓ class +[\d.]+ s  shared by the class and the account: \d+ removed$", gone.stdout, re.M
    ), gone.stdout
    assert "note: the attendees' passwords stay in your keyring" in gone.stdout
    assert _databases(emu) == before
    # Nothing of it left: a look says so with exit 3, the changes with exit 0 (as a
    # deployment's commands do), a handout cannot be made (exit 2).
    gone_class = (
        "no workshop WS is recorded on connection dev (torn down, or never provisioned here)"
    )
    after = run_command("workshop", "status", *ws, env=env)
    assert (after.returncode, after.stdout) == (3, "")
    assert after.stderr.strip() == f"Nothing to show: {gone_class}."
    for verb, said in (("teardown", "remove"), ("suspend", "suspend"), ("resume", "resume")):
        again = run_command(
            "workshop", verb, *ws, "--yes" if verb == "teardown" else "--json", env=env
        )
        assert (again.returncode, again.stdout.strip()) == (
            0,
            f"Nothing to {said}: {gone_class}.",
        ), verb
    handout = run_command("workshop", "handout", *ws, "01", env=env)
    assert handout.returncode == 2
    assert gone_class in handout.stderr


def test_a_rehearsed_workshop_runs_from_the_command_line_with_no_account(tmp_path: Path) -> None:
    home = tmp_path / "state"
    env = clean_environment(
        {
            "SPCS_WIZARD_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
            "KEYRING_CRYPTFILE_PASSWORD": "unlock-the-instructors-keyring",
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "SNOWFLAKE_HOME": str(tmp_path / "no-connections"),
        }
    )
    roster = tmp_path / "class.csv"
    roster.write_text("name,email\nAda Lovelace,ada@example.com\nAlan Turing,\n")
    made = run_command("workshop", "provision", "--rehearsal", "--roster", str(roster), env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    # Its status: what the class would bill on an account, said as not billed here.
    looked = run_command("workshop", "status", "--rehearsal", env={**env, "COLUMNS": "80"})
    assert looked.returncode == 0, looked.stderr
    # Wrapped at words within 80 columns (a terminal broke "(reh" / "earsal").
    assert max(len(line) for line in looked.stdout.splitlines()) <= 80, looked.stdout
    said = " ".join(looked.stdout.split())
    assert "on an account the class would bill 0.44 credits an hour now" in said
    assert "(rehearsal: nothing is billed)" in said
    # Without --rehearsal (and no connection here at all): the wrong account is said, with
    # the right one, never "Nothing to remove" (exit 0) while the class is still up.
    for verb in (("status",), ("teardown", "--yes")):
        wrong = run_command("workshop", *verb, env=env)
        assert (wrong.returncode, wrong.stdout) == (2, ""), wrong.stderr
        assert wrong.stderr == (
            "Error: no workshop WORKSHOP is recorded on connection default; it is recorded "
            "on the rehearsal account (add --rehearsal)\n"
        )
    # A class recorded nowhere, on a connection that does not exist: the connection is
    # what is said (exit 2, a configuration error, as for a deployment's commands).
    unknown = run_command("workshop", "status", "--name", "other", env=env)
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "Error: there is no connection named 'default' in connections.toml: give -c NAME "
        "(or make one with 'spcs-wizard login'), or add --rehearsal for the workshop "
        "rehearsal account\n"
    )
    everyone = tmp_path / "sheets"
    given = run_command(
        "workshop", "handout", "--rehearsal", "--all", "--out", str(everyone), env=env
    )
    assert given.returncode == 0, given.stderr
    assert sorted(p.name for p in everyone.iterdir()) == ["ada_lovelace.txt", "alan_turing.txt"]
    assert stat.S_IMODE(everyone.stat().st_mode) == 0o700
    ada = (everyone / "ada_lovelace.txt").read_text()
    assert ada.startswith("Workshop WORKSHOP: Ada Lovelace <ada@example.com>\n")
    # Its host and port were the emulator's while the command ran: the sheet says so.
    assert "\n(A rehearsal's handout: its account is the local emulator, on 127.0.0.1" in ada
    password = ada.split("its password is\n", 1)[1].split("\n", 1)[0].strip()
    # --out naming a directory (ending in /, or one that exists) gets <attendee>.txt in it.
    for out in (f"{tmp_path / 'one'}/", str(everyone)):
        alone = run_command(
            "workshop", "handout", "--rehearsal", "alan turing", "--out", out, env=env
        )
        assert alone.returncode == 0, alone.stderr
        assert (Path(out) / "alan_turing.txt").read_text().startswith("Workshop WORKSHOP: Alan")
    # A wrong password for the keyring itself: said, not a traceback, not "no passwords".
    locked = run_command(
        "workshop",
        "handout",
        "--rehearsal",
        "ada lovelace",
        env={**env, "KEYRING_CRYPTFILE_PASSWORD": "not-the-keyrings-password"},
    )
    assert locked.returncode == 2
    assert "the password given for the keyring itself is not its password" in locked.stderr
    assert "Traceback" not in locked.stderr
    assert password not in locked.stdout + locked.stderr
    # The rehearsal account outlives the command: Ada signs in to it with her handout.
    rehearsal = Rehearsal(home / "workshop-rehearsal", registry=False, run_services=False)
    rehearsal.start()
    try:
        args = rehearsal.started.connect_args(
            user="WORKSHOP_ADA_LOVELACE_MILVUS_USER", password=password
        )
        with snowflake.connector.connect(**args) as con:
            cur = con.cursor()
            cur.execute("SHOW DATABASES")
            assert [row[1] for row in cur.fetchall()] == ["WORKSHOP_ADA_LOVELACE_MILVUS_DEMO"]
    finally:
        rehearsal.stop()
    # New passwords for Ada (say, her handout leaked): asked for first, then the old
    # password stops working and the new handout's signs her in.
    unasked = run_command("workshop", "handout", "--rehearsal", "ada lovelace", "--reset", env=env)
    assert unasked.returncode == 2
    assert "add --yes" in unasked.stderr
    renewed = run_command(
        "workshop", "handout", "--rehearsal", "ada lovelace", "--reset", "--yes", env=env
    )
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    assert "ADA_LOVELACE" in renewed.stdout.split("Workshop WORKSHOP:")[0]  # the reset line
    fresh = renewed.stdout.split("its password is\n", 1)[1].split("\n", 1)[0].strip()
    assert fresh != password
    # The restarted notebook keeps its address: the handout has it, not "not assigned yet".
    assert ". Jupyter: https://" in renewed.stdout
    rehearsal.start()
    try:
        for given, works in ((password, False), (fresh, True)):
            args = rehearsal.started.connect_args(
                user="WORKSHOP_ADA_LOVELACE_MILVUS_USER", password=given
            )
            try:
                snowflake.connector.connect(**args).close()
                signed_in = True
            except snowflake.connector.errors.DatabaseError:
                signed_in = False
            assert signed_in == works
    finally:
        rehearsal.stop()
    gone = run_command("workshop", "teardown", "--rehearsal", "--yes", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_the_whole_workshop_rehearses_in_one_command(tmp_path: Path) -> None:
    env = clean_environment(
        {
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "COLUMNS": "200",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
    )
    passed = run_command("workshop", "rehearse", "--attendees", "4", "--speed", "600", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    lines = passed.stdout.splitlines()
    assert [line.split()[1] for line in lines[:7]] == [
        "start",
        "provision",
        "running",
        "sign-in",
        "suspend",
        "resume",
        "teardown",
    ]
    assert lines[3].endswith(
        "each of 4 attendees signed in with their handout's password and saw only their own "
        "database; the next attendee's was refused"
    )
    assert lines[6].endswith("4 torn down; the account lists what it did before")
    assert lines[7].startswith("Workshop rehearsal passed in ")
    # Kept, it is there for the instructor's other commands; a second rehearsal of the
    # same name is refused rather than taking it over.
    kept = run_command(
        "workshop", "rehearse", "--attendees", "2", "--speed", "600", "--keep", "--json", env=env
    )
    run = json.loads(kept.stdout)
    assert (run["ok"], run["kept"]) == (True, True)
    assert run["passwords_unkept"].startswith("no secure keyring is available")  # no handouts
    assert [s["name"] for s in run["stages"]][-1] == "resume"
    again = run_command("workshop", "rehearse", "--speed", "600", env=env)
    assert again.returncode == 1
    assert "a workshop named REHEARSAL is already in the rehearsal account" in again.stdout
    status = run_command(
        "workshop", "status", "--rehearsal", "--name", "rehearsal", "--json", env=env
    )
    assert [r["condition"] for r in json.loads(status.stdout)] == ["running", "running"]
    gone = run_command(
        "workshop", "teardown", "--rehearsal", "--name", "rehearsal", "--yes", env=env
    )
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_an_instructor_provisions_asked_and_watches_the_class_in_a_terminal(
    account: tuple[Emulator, dict[str, str]],
) -> None:
    from tests.terminal import Terminal

    emu, env = account
    before = _databases(emu)
    command = str(COMMAND)
    ask = Terminal(
        [command, "workshop", "provision", "-c", "dev", "--name", "ws", "--attendees", "2"], env
    )
    try:
        ask.wait_for("Create 2 deployments (4 compute pools in all)?")
        asked = " ".join(ask.screen().split())  # as one line, however the terminal wraps it
        assert "bill about 0.44 credits an hour, 1.32 for 3 h. (y/N)" in asked
        ask.type("y")
        ask.send("Enter")
        ask.wait_for("Workshop provision: 2 provisioned", timeout=120)
    finally:
        ask.close()
    # The smallest terminal the README promises: every row's state in full, and the
    # footer keeps quit and help.
    board = Terminal(
        [command, "workshop", "dashboard", "-c", "dev", "--name", "ws"], env, width=80, height=24
    )
    try:
        board.wait_for("2 of 2 running", timeout=60)
        screen = board.screen()
        lines = screen.splitlines()
        rows = [line for line in lines if "attendee 0" in line and "https://" not in line]
        assert len(rows) == 2
        assert all(" running " in row for row in rows), screen
        header = next(line for line in lines if " attendee " in line and " state " in line)
        for column in ("pools", "services", "restarts", "cr/h", "cr seen", "last error"):
            assert f" {column}" in header, screen  # every heading in view at 80 columns
        # The selected attendee's endpoint, whole, under the table.
        assert any(
            line.strip().startswith("attendee 01: https://") and ".app (o opens" in line
            for line in lines
        ), screen
        footer = screen.rstrip().splitlines()[-1]
        for key in ("r Refresh", "s Suspend", "t Tear down", "^q Quit", "f1 Help"):
            assert key in footer, footer
        board.send("t")
        board.wait_for("Tear down the whole class?")
        board.send("Escape")
        after = board.wait_gone("Tear down the whole class?")
        assert "2 of 2 running" in after  # nothing was torn down
        board.send("C-q")
        board.wait_gone("f1 Help")  # the dashboard has ended
    finally:
        board.close()
    assert _databases(emu) - before == {"WS_01_MILVUS_DEMO", "WS_02_MILVUS_DEMO", "WS_IMAGES"}
    # `workshop status` at 80 columns: every column there, nothing past the edge, each
    # name whole (it wrapped: "attendee" on one line, "01" on the next).
    shown = run_command(
        "workshop", "status", "-c", "dev", "--name", "ws", env={**env, "COLUMNS": "80"}
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, shown.stdout
    for name in ("attendee 01", "attendee 02"):  # each name on its row's line, not wrapped
        assert any(name in line and " running " in line for line in lines), shown.stdout
    header = next(line for line in lines if "attendee" in line)
    for column in ("name", "state", "pools", "services", "restarts", "cr/h"):
        assert f" {column} " in header, shown.stdout
    gone = run_command("workshop", "teardown", "-c", "dev", "--name", "ws", "--yes", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_a_bring_your_own_trial_pack_deploys_on_a_trial_account(tmp_path: Path) -> None:
    """The pack's settings pass preflight and deploy on an emulated trial account (no
    external access), where the instructor's settings with egress would fail."""
    from tests.cli_harness import connections_home

    emu = Emulator(
        EmulatorSettings(
            state_dir=tmp_path / "emu",
            admin_password=ADMIN_PASSWORD,
            speed=600,
            run_services=False,
            profile="trial",
        ),
        Faults(),
    )
    emu.start()
    try:
        d = Deployment()
        for svc in map(d.image, ("milvus", "gateway", "jupyter")):
            emu.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "d" * 64)
        pack = tmp_path / "pack"
        env = clean_environment(
            {
                "SPCS_WIZARD_HOME": str(tmp_path / "state"),
                "SNOWFLAKE_HOME": str(connections_home(tmp_path, "trial", emu)),
                "SNOWFLAKE_CONNECTIONS_TRIAL_PASSWORD": ADMIN_PASSWORD,
                "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
                "SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD": "Attendee-user-Pw-19",
                "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD": "Attendee-nb-Pw-20",
            }
        )
        made = run_command(
            "workshop",
            "pack",
            "--out",
            str(pack),
            "--set",
            "egress.enabled=true",
            "--hours",
            "2",
            "--source",
            "https://git.example.com/spcs-wizard.git",
            env=env,
        )
        assert made.returncode == 0, made.stderr
        assert "changed: egress turned off" in made.stdout
        checklist = (pack / "CHECKLIST.md").read_text()
        # The install step says where to get it, and how to run it from there.
        assert "`git clone https://git.example.com/spcs-wizard.git ~/spcs-wizard &&" in checklist
        assert 'export PATH="$HOME/spcs-wizard/.venv/bin:$PATH"' in checklist
        assert "bills about\n0.22 credits an hour, 0.44 for the workshop's 2 hours" in checklist
        assert "`spcs-wizard preflight -c trial`" in checklist
        # The attendee runs the checklist's commands in the pack's directory.
        checked = run_command("preflight", "-c", "trial", env=env, cwd=pack)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        deployed = run_command("deploy", "-c", "trial", env=env, cwd=pack, timeout=300)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        # What the pack changed was needed: with egress, the same trial account refuses.
        refused = run_command(
            "deploy",
            "-c",
            "trial",
            "--set",
            "egress.enabled=true",
            "--prefix",
            "other",
            env=env,
            timeout=300,
        )
        assert refused.returncode != 0
        assert "trial" in refused.stdout + refused.stderr
    finally:
        emu.stop()


def test_a_late_arrival_joins_a_provisioned_class_and_nobody_is_dropped(tmp_path: Path) -> None:
    env = clean_environment(
        {
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
    )
    first = run_command("workshop", "provision", "--rehearsal", "--attendees", "1", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    more = run_command(
        "workshop", "provision", "--rehearsal", "--attendees", "2", "--json", env=env
    )
    assert more.returncode == 0, more.stdout + more.stderr
    report = json.loads(more.stdout)
    in_place = {
        r["attendee"]: int(r["detail"].split(", ")[1].split()[0]) for r in report["results"]
    }
    assert in_place["01"] > 0  # its services were there: checked, not made again
    assert in_place["02"] == 0  # the late arrival's are new
    reshaped = run_command(
        "workshop", "provision", "--rehearsal", "--attendees", "2", "--pools", "shared", env=env
    )
    assert reshaped.returncode == 2
    assert "recorded with --pools each; a class keeps its shape" in (reshaped.stderr)
    roster = tmp_path / "other.csv"
    roster.write_text("name\nSomeone Else\n")
    other = run_command("workshop", "provision", "--rehearsal", "--roster", str(roster), env=env)
    assert other.returncode == 2
    assert "with attendees this class leaves out (01, 02)" in other.stderr
    gone = run_command("workshop", "teardown", "--rehearsal", "--yes", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "2 torn down" in gone.stdout


def test_a_keyring_that_would_ask_with_no_terminal_is_not_opened_and_the_rehearsal_says_so(
    tmp_path: Path,
) -> None:
    env = clean_environment(
        {
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "COLUMNS": "200",
            "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
            "XDG_DATA_HOME": str(tmp_path / "data"),  # no KEYRING_CRYPTFILE_PASSWORD
        }
    )
    kept = run_command(
        "workshop", "rehearse", "--attendees", "1", "--speed", "600", "--keep", env=env
    )
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert kept.stderr == ""  # no prompt echoing a password, no GetPassWarning
    assert (
        "Its attendees' passwords were kept for that run only (the encrypted-file keyring "
        "asks for its own password, and there is no terminal to ask on;"
    ) in " ".join(kept.stdout.split())
    given = run_command("workshop", "handout", "--rehearsal", "--name", "rehearsal", "01", env=env)
    assert given.returncode == 2
    assert "no terminal to ask on" in given.stderr
    gone = run_command(
        "workshop", "teardown", "--rehearsal", "--name", "rehearsal", "--yes", env=env
    )
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_the_status_table_fits_80_columns_ids_whole_and_long_names_cut() -> None:
    """At 80 columns no line is wider than the terminal; an id folds inside its cell,
    whole (the commands take it), a 40-character one (the longest a prefix takes) over no
    more than 4 lines; a name takes one line, cut with "…" when it does not fit, and is
    said whole under the table (a 100-character name folded over 9 lines)."""
    from types import SimpleNamespace

    from rich.console import Console

    from spcs_wizard.cli.workshop_view import status_table
    from spcs_wizard.workshop.status import AttendeeRow

    people = [
        ("alice-example", "Alice Example"),
        ("zoe-muller", "Zoë Müller-Lüdenscheidt"),
        ("maximiliana_von_der_schulenburg_hohenzol", "Maximiliana von der Schulenburg"),
    ]
    rows = [
        AttendeeRow(
            slug,
            name,
            "U",
            "R",
            "running",
            {"P1": "ACTIVE", "P2": "IDLE"},
            {"MILVUS": "RUNNING", "JUPYTER": "PENDING"},
            0,
            0.22,
            None,
            "",
        )
        for slug, name in people
    ]
    console = Console(width=80, record=True)
    workshop = SimpleNamespace(name="class", shared_pools=())
    console.print(status_table(workshop, rows))  # type: ignore[arg-type]
    shown = console.export_text()
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["attendee", "name"])
    columns = ("attendee", "name", "state", "pools")
    starts = [lines[header].index(column) for column in columns]
    end = next(i for i, line in enumerate(lines) if line.startswith(f"{len(people)} of "))
    body = [line for line in lines[header + 2 : end] if line.strip()]
    firsts = [i for i, line in enumerate(body) if line[starts[2] : starts[3]].strip()]
    assert len(firsts) == len(people)
    for n, (slug, name) in enumerate(people):  # each column's folds, joined
        mine = body[firsts[n] : (firsts[n + 1] if n + 1 < len(firsts) else None)]
        assert "".join(line[starts[0] : starts[1]].strip() for line in mine) == slug
        names = [line[starts[1] : starts[2]].strip() for line in mine]
        assert not any(names[1:])  # on one line
        assert names[0] == name or (
            names[0].endswith("…") and name.startswith(names[0][:-1]) and len(name) > 10
        )
        # (boxed, the table folded the longest id over 5 lines, 10 characters each)
        assert len(mine) <= (4 if len(slug) > 16 else 3), "\n".join(mine)
        said = next(line for line in lines if line.startswith(f"  {slug}"))
        assert said.startswith(f"  {slug} ({name}): U")
    assert "Maximiliana von der Schulenburg" not in "".join(body)  # cut: 31 characters


def test_each_attendees_line_lines_up_with_long_names_and_failures_too() -> None:
    """The lines a class action prints as each attendee ends: the time and what it did
    start in the same column for every attendee, however long their name, and a
    failure's line keeps the columns (its phase then its reason)."""
    from spcs_wizard.cli import workshop_common
    from spcs_wizard.workshop.classroom import AttendeeResult
    from spcs_wizard.workshop.roster import Attendee

    long = Attendee("Alice Example-Longname", "ALICE_EXAMPLE_LONGNAME")
    short = Attendee("Bo", "BO")
    show = workshop_common.printer(False, "teardown", [long.slug, short.slug])
    with workshop_common.console.capture() as captured:
        show(AttendeeResult(long, "teardown", True, "22 removed", seconds=0.3))
        show(AttendeeResult(short, "teardown", False, "Insufficient privileges", seconds=1.25))
    lines = captured.get().splitlines()
    assert lines[0].startswith("✓ ALICE_EXAMPLE_LONGNAME ")
    assert lines[1].startswith("✗ BO ")
    assert [line.index(" s ") for line in lines] == [lines[0].index(" s ")] * 2
    assert lines[0].endswith("0.3 s  22 removed")
    assert lines[1].endswith("1.2 s  teardown: Insufficient privileges")


def test_a_class_torn_down_keeping_its_data_says_so_and_a_second_teardown_ends_it(
    tmp_path: Path,
) -> None:
    """`workshop teardown --keep-data` keeps each attendee's database and the record, and
    says so; `workshop status` then shows no user, endpoint or pool that is gone; a
    teardown without --keep-data removes the rest and frees the name."""
    env = clean_environment(
        {
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
            "KEYRING_CRYPTFILE_PASSWORD": "unlock-the-instructors-keyring",
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "COLUMNS": "120",
        }
    )
    ws = ("--rehearsal", "--name", "kd")
    made = run_command(
        "workshop", "provision", *ws, "--attendees", "2", "--pools", "shared", "--yes", env=env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    kept = run_command("workshop", "teardown", *ws, "--keep-data", "--yes", env=env)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert " ".join(kept.stdout.split()).endswith(  # (wrapped at words, at 120 columns)
        "note: each attendee's database (its stages and images) is kept, and the class "
        "stays recorded: 'workshop teardown' without --keep-data removes them"
    )
    looked = run_command("workshop", "status", *ws, env=env)
    assert "0 of 2 running" in looked.stdout
    assert looked.returncode == 3  # nobody's deployment runs
    assert "Pools shared by the class" not in looked.stdout  # they are gone
    for slug in ("01", "02"):
        assert f"  {slug} (attendee {slug}): not deployed (no user, no endpoint)" in looked.stdout
    assert "MILVUS_USER" not in looked.stdout  # dropped: not listed as theirs
    rows = [line.split() for line in looked.stdout.splitlines() if line.startswith(" 0")]
    assert [row[-2:] for row in rows] == [["-", "-"], ["-", "-"]]  # no restarts or rate
    databases = json.loads(run_command("workshop", "status", *ws, "--json", env=env).stdout)
    assert [r["condition"] for r in databases] == ["not deployed", "not deployed"]
    gone = run_command("workshop", "teardown", *ws, "--yes", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "note:" not in gone.stdout
    for slug in ("01", "02"):  # their databases, kept until now
        assert re.search(rf"^✓ {slug} +[\d.]+ s  \d+ removed$", gone.stdout, re.M), gone.stdout
    after = run_command("workshop", "status", *ws, env=env)
    assert after.returncode == 3
    assert "no workshop KD is recorded" in after.stderr
