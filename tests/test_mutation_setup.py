"""scripts/mutants' configuration holds together: every mutated module has its own tests,
they exist, and mutmut runs them (a module left out would be tried by no test at all)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.mutmut_plugin import OWN_TESTS, own_tests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]


def _mutated_modules() -> list[str]:
    found = []
    for pattern in CONFIG["only_mutate"]:
        for path in sorted(ROOT.glob(pattern)):
            if path.name != "__init__.py":
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


@pytest.mark.parametrize("module", _mutated_modules())
def test_each_mutated_module_has_its_own_tests_and_mutmut_runs_them(module: str) -> None:
    files = own_tests(f"{module}.x_anything__mutmut_1")
    selected = {Path(a).name for a in CONFIG["pytest_add_cli_args_test_selection"]}
    for name in files:
        assert (ROOT / "tests" / name).is_file(), name
        assert name in selected, f"{name} is not in [tool.mutmut] test selection"


def test_a_mutant_names_its_module_whatever_its_kind_of_function() -> None:
    assert (
        own_tests("spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47")
        == (OWN_TESTS["spcs_wizard.engine.apply"])
    )
    assert (
        own_tests("spcs_wizard.model.names.x_dns_domain__mutmut_2")
        == (OWN_TESTS["spcs_wizard.model.names"])
    )
    # A module of a package with one entry for all its modules.
    assert (
        own_tests("spcs_wizard.credentials.keychain.x_check__mutmut_5")
        == (OWN_TESTS["spcs_wizard.credentials"])
    )
    with pytest.raises(KeyError, match="add its module to OWN_TESTS"):
        own_tests("spcs_wizard.tui.app.xǁWizardAppǁgo__mutmut_1")


def test_the_tests_that_killed_a_functions_mutants_are_counted_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.mutmut_plugin as plugin

    assert plugin.function_of("spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47") == (
        "spcs_wizard.engine.apply.xǁDeployerǁ_wait"
    )
    killers = tmp_path / "killers.jsonl"
    monkeypatch.setattr(plugin, "KILLERS", killers)
    assert plugin.kills("f") == {}
    killers.write_text(
        '{"function": "f", "test": "t1"}\n{"function": "g", "test": "t1"}\n'
        '{"function": "f", "test": "t2"}\n{"function": "f", "test": "t1"}\n{"functi'
    )
    assert plugin.kills("f") == {"t1": 2, "t2": 1}  # a line cut short is skipped
    plugin.compact_killers()  # one line per function and test, the counts kept
    assert len(killers.read_text().splitlines()) == 3
    assert plugin.kills("f") == {"t1": 2, "t2": 1}
    assert plugin.kills("g") == {"t1": 1}
    with killers.open("a") as more:  # this run's kills add to the counts
        more.write('{"function": "f", "test": "t2"}\n')
    assert plugin.kills("f") == {"t1": 2, "t2": 2}


def test_a_listed_mutant_is_skipped_only_while_its_function_is_the_one_listed(
    tmp_path: Path,
) -> None:
    import json

    from tests.mutants_listed import SKIPPED, listed, skip_unchanged, unchanged

    doc = tmp_path / "testing.md"
    doc.write_text(
        "| Mutant | Why |\n| --- | --- |\n"
        "| `spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47` `aaaa11112222` | why |\n"
        "| `spcs_wizard.engine.apply.x__describe__mutmut_2` `bbbb33334444` | why |\n"
        "| `spcs_wizard.engine.apply.x__describe__mutmut_3` | no hash: not listed |\n"
    )
    assert listed(doc) == {
        "spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47": "aaaa11112222",
        "spcs_wizard.engine.apply.x__describe__mutmut_2": "bbbb33334444",
    }
    meta = tmp_path / "mutants" / "spcs_wizard" / "engine" / "apply.py.meta"
    meta.parent.mkdir(parents=True)
    names = [
        "spcs_wizard.engine.apply.xǁDeployerǁ_wait__mutmut_47",
        "spcs_wizard.engine.apply.x__describe__mutmut_2",
        "spcs_wizard.engine.apply.x__describe__mutmut_3",
    ]
    meta.write_text(
        json.dumps(
            {
                "exit_code_by_key": dict.fromkeys(names),
                # _wait unchanged since it was listed; _describe changed
                "hash_by_function_name": {
                    "xǁDeployerǁ_wait": "aaaa11112222",
                    "x__describe": "cccc",
                },
            }
        )
    )
    tree = tmp_path / "mutants"
    assert unchanged(doc, tree) == {names[0]}
    assert skip_unchanged(doc, tree) == 1
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    assert codes == {names[0]: SKIPPED, names[1]: None, names[2]: None}
