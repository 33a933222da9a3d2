"""Service specifications: rendered from the model, validated with their paths, secure,
persistent; uploaded and rolled out against the SPCS emulator."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.names import dns_domain
from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.plan_compute import spec_upgrade_sql
from spcs_wizard.specs.render import dns_name, needs_domain, render, write_all
from spcs_wizard.specs.validate import validate_document, validate_text
from tests.emulator_harness import connect, rows, run_plan

SECRET = "MILVUS_DEMO.PUBLIC.JUPYTER_PASSWORD"


def spec_of(service: str, **model: object) -> dict:
    return yaml.safe_load(render(Deployment(account="myorg-myaccount", **model), service).text)


# -- rendered specs --------------------------------------------------------------------
@pytest.mark.parametrize("service", ["milvus", "jupyter"])
@pytest.mark.parametrize("prefix", ["", "alice"])
def test_rendered_specs_validate(service: str, prefix: str) -> None:
    d = Deployment(account="myorg-myaccount", prefix=prefix)
    n = d.names()
    secrets = [n.in_schema(n.jupyter_secret), n.in_schema(n.milvus_secret)]
    assert validate_text(render(d, service).text, known_secrets=secrets) == []


def test_images_and_names_come_from_the_model() -> None:
    milvus = spec_of("milvus", prefix="bob", milvus={"tag": "v2.5.4", "volume_size": "50Gi"})
    assert milvus["spec"]["containers"][0]["image"] == (
        "/bob_milvus_demo/public/milvus_repo/milvus:v2.5.4"
    )
    assert milvus["spec"]["volumes"][0] == {
        "name": "milvus-data",
        "source": "block",
        "size": "50Gi",
    }
    jupyter = spec_of("jupyter", prefix="bob")
    assert jupyter["spec"]["volumes"][0]["source"] == "@BOB_MILVUS_DEMO.PUBLIC.FILES"


def test_the_notebook_names_milvus_by_the_schemas_dns_domain() -> None:
    """The 2024_06 format: <service>.<unique-id>.svc.spcs.internal, never the old
    <service>.<schema>.<db>.snowflakecomputing.internal."""
    d = Deployment(account="myorg-myaccount", prefix="bob", milvus={"name": "Milvus_Svc"})
    text = render(d, "jupyter", dns_domain("AB12cd34")).text
    env = yaml.safe_load(text)["spec"]["containers"][0]["env"]
    assert env["MILVUS_URI"] == "http://milvus-svc.ab12cd34.svc.spcs.internal:19530"
    assert "snowflakecomputing.internal" not in text
    assert dns_name(d, "jupyter", "ab12cd34.svc.spcs.internal") == (
        "jupyter.ab12cd34.svc.spcs.internal"
    )
    # Unknown before the schema exists: a placeholder that can never resolve.
    assert "milvus-svc.${schema_dns_domain}" in render(d, "jupyter").text
    assert needs_domain("jupyter")
    assert needs_domain("milvus")  # its gateway reaches Milvus by the same name
    for bad in ("x; DROP", "a..b", "-ab.c", "ab-.c", ""):
        with pytest.raises(ValueError, match="not a DNS domain"):
            dns_domain(bad)


# -- the guide's flaws, fixed --------------------------------------------------------------
def test_only_the_milvus_api_is_public_never_etcd_or_health() -> None:
    endpoints = spec_of("milvus")["spec"]["endpoints"]
    assert [(e["port"], e.get("public"), e.get("protocol")) for e in endpoints] == [
        (8080, True, "HTTP"),  # the gateway
        (19530, None, "TCP"),  # Milvus itself: private
    ]
    guide_like = spec_of("milvus")
    guide_like["spec"]["endpoints"] += [
        {"name": "etcd", "port": 2379, "public": True, "protocol": "HTTP"},
        {"name": "health", "port": 9091, "public": True, "protocol": "HTTP"},
    ]
    problems = validate_document(guide_like)
    assert [(p.path, "must not be public" in p.message) for p in problems] == [
        ("spec.endpoints[2].public", True),
        ("spec.endpoints[3].public", True),
    ]


def test_only_the_gateways_and_the_notebooks_ports_may_be_public() -> None:
    assert validate_document(spec_of("milvus")) == []
    assert validate_document(spec_of("jupyter")) == []
    widened = spec_of("milvus")
    widened["spec"]["endpoints"] += [
        {"name": "private", "port": 8082, "protocol": "HTTP"},  # private: fine
        {"name": "extra", "port": 8081, "public": True, "protocol": "HTTP"},
        {"name": "notebook", "port": 8888, "public": True, "protocol": "HTTP"},
    ]
    problems = validate_document(widened)
    assert [(p.path, p.message.split(" is ")[0]) for p in problems] == [
        ("spec.endpoints[3].public", "port 8081"),
        ("spec.endpoints[4].public", "port 8888"),  # no notebook in this service
    ]
    assert "the only ports meant for the internet" in problems[0].message
    # The gateway moved to another port, with its endpoint: still its door.
    moved = spec_of("milvus")
    moved["spec"]["containers"][1]["env"]["GATEWAY_PORT"] = " 9000 "
    moved["spec"]["endpoints"][0]["port"] = 9000
    moved["spec"]["containers"][1]["readinessProbe"]["port"] = 9000
    assert validate_document(moved) == []
    # A notebook's port is its door in any container; a port that is not a number is none.
    both = spec_of("milvus")
    both["spec"]["containers"][0]["env"]["JUPYTER_PORT"] = "8888"
    both["spec"]["containers"][1]["env"]["GATEWAY_PORT"] = "eighty"
    both["spec"]["endpoints"].append(
        {"name": "notebook", "port": 8888, "public": True, "protocol": "HTTP"}
    )
    assert [p.path for p in validate_document(both)] == ["spec.endpoints[0].public"]


def test_readiness_probe_watches_milvus_health() -> None:
    probe = spec_of("milvus")["spec"]["containers"][0]["readinessProbe"]
    assert probe == {"port": 9091, "path": "/healthz"}


def test_milvus_data_and_etcd_are_on_a_block_volume() -> None:
    spec = spec_of("milvus")["spec"]
    container = spec["containers"][0]
    mount = container["volumeMounts"][0]
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["source"] == "block"
    assert container["env"]["ETCD_DATA_DIR"].startswith(mount["mountPath"])


def test_notebook_password_comes_from_a_secret_not_an_env_literal() -> None:
    container = spec_of("jupyter")["spec"]["containers"][0]
    assert container["secrets"][0] == {
        "snowflakeSecret": {"objectName": SECRET},
        "secretKeyRef": "secret_string",
        "envVarName": "JUPYTER_PASSWORD",
    }
    assert not any("PASSWORD" in k or "TOKEN" in k for k in container["env"])
    guide_like = spec_of("jupyter")
    guide_like["spec"]["containers"][0]["env"]["JUPYTER_PASSWORD"] = "milvususerok"
    guide_like["spec"]["containers"][0]["args"] = ["--NotebookApp.token=''"]
    paths = {p.path for p in validate_document(guide_like)}
    assert paths == {"spec.containers[0].env.JUPYTER_PASSWORD", "spec.containers[0].args[0]"}


# -- invalid specifications, with the path of each problem ---------------------------------
def _base() -> dict:
    return {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "/db/s/r/app:1",
                    "env": {"GATEWAY_PORT": "8080"},  # its public endpoint's port
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                    "secrets": [
                        {
                            "snowflakeSecret": {"objectName": SECRET},
                            "secretKeyRef": "secret_string",
                            "envVarName": "PW",
                        }
                    ],
                }
            ],
            "endpoints": [
                {"name": "api", "port": 8080, "public": True, "protocol": "HTTP"},
                {"name": "grpc", "port": 9000, "protocol": "TCP"},
                {"name": "ui", "port": 8888, "public": False},
            ],
            "volumes": [{"name": "data", "source": "block", "size": "10Gi"}],
        },
        "serviceRoles": [{"name": "users", "endpoints": ["api"]}],
    }


INVALID = [
    ("unknown top-level key", lambda d: d.update(extra=1), "extra", "unknown key"),
    ("unknown spec key", lambda d: d["spec"].update(contaners=[]), "spec.contaners", "unknown key"),
    (
        "no containers",
        lambda d: d["spec"].update(containers=[]),
        "spec.containers",
        "should be non-empty",
    ),
    (
        "container without image",
        lambda d: d["spec"]["containers"][0].pop("image"),
        "spec.containers[0]",
        "'image' is a required property",
    ),
    (
        "container name upper case",
        lambda d: d["spec"]["containers"][0].update(name="Main"),
        "spec.containers[0].name",
        "not a valid name",
    ),
    (
        "command not a list",
        lambda d: d["spec"]["containers"][0].update(command="run"),
        "spec.containers[0].command",
        "is not of type 'array'",
    ),
    (
        "public TCP endpoint",
        lambda d: d["spec"]["endpoints"][2].update(public=True, protocol="TCP"),
        "spec.endpoints[2].protocol",
        "only HTTP endpoints can be public",
    ),
    (
        "unknown protocol",
        lambda d: d["spec"]["endpoints"][1].update(protocol="UDP"),
        "spec.endpoints[1].protocol",
        "is not one of",
    ),
    (
        "port out of range",
        lambda d: d["spec"]["endpoints"][0].update(port=70000),
        "spec.endpoints[0].port",
        "greater than the maximum of 65535",
    ),
    (
        "endpoint without port",
        lambda d: d["spec"]["endpoints"][0].pop("port"),
        "spec.endpoints[0]",
        "'port' is a required property",
    ),
    (
        "public as text",
        lambda d: d["spec"]["endpoints"][0].update(public="yes"),
        "spec.endpoints[0].public",
        "is not of type 'boolean'",
    ),
    (
        "volume mounted, not declared",
        lambda d: d["spec"]["containers"][0]["volumeMounts"][0].update(name="logs"),
        "spec.containers[0].volumeMounts[0].name",
        "mounted but not declared",
    ),
    (
        "block volume without size",
        lambda d: d["spec"]["volumes"][0].pop("size"),
        "spec.volumes[0]",
        "needs a size",
    ),
    (
        "block volume in Mi",
        lambda d: d["spec"]["volumes"][0].update(size="512Mi"),
        "spec.volumes[0].size",
        "does not match",
    ),
    (
        "unknown volume source",
        lambda d: d["spec"]["volumes"][0].update(source="nfs"),
        "spec.volumes[0].source",
        "does not match",
    ),
    (
        "secret not granted",
        lambda d: d["spec"]["containers"][0]["secrets"][0].update(
            snowflakeSecret={"objectName": "OTHER.PUBLIC.S"}
        ),
        "spec.containers[0].secrets[0].snowflakeSecret",
        "not one the deployment creates",
    ),
    (
        "secretKeyRef with directoryPath",
        lambda d: (
            d["spec"]["containers"][0]["secrets"][0].update(envVarName=None)
            or d["spec"]["containers"][0]["secrets"][0].pop("envVarName")
            or d["spec"]["containers"][0]["secrets"][0].update(directoryPath="/secrets")
        ),
        "spec.containers[0].secrets[0]",
        "'envVarName' is a dependency of 'secretKeyRef'",
    ),
    (
        "both port and portRange",
        lambda d: d["spec"]["endpoints"][0].update(portRange="19530-19540"),
        "spec.endpoints[0]",
        "give one of 'port' or 'portRange', not both",
    ),
    (
        "secret both in a variable and a directory",
        lambda d: d["spec"]["containers"][0]["secrets"][0].update(directoryPath="/secrets"),
        "spec.containers[0].secrets[0]",
        "give one of 'envVarName' or 'directoryPath', not both",
    ),
    (
        "secret object with an empty name",
        lambda d: d["spec"]["containers"][0]["secrets"][0].update(
            snowflakeSecret={"objectName": ""}
        ),
        "spec.containers[0].secrets[0].snowflakeSecret.objectName",
        "should be non-empty",
    ),
    (
        "secret named by a number",
        lambda d: d["spec"]["containers"][0]["secrets"][0].update(snowflakeSecret=5),
        "spec.containers[0].secrets[0].snowflakeSecret",
        "5 is not of type 'string'",
    ),
    (
        "unknown secretKeyRef",
        lambda d: d["spec"]["containers"][0]["secrets"][0].update(secretKeyRef="token"),
        "spec.containers[0].secrets[0].secretKeyRef",
        "is not one of",
    ),
    (
        "duplicate endpoint names",
        lambda d: d["spec"]["endpoints"][1].update(name="api"),
        "spec.endpoints[1].name",
        "already used by spec.endpoints[0]",
    ),
    (
        "service role on unknown endpoint",
        lambda d: d["serviceRoles"][0]["endpoints"].append("admin"),
        "serviceRoles[0].endpoints[1]",
        "no endpoint named 'admin'",
    ),
    (
        "readiness probe path relative",
        lambda d: d["spec"]["containers"][0].update(readinessProbe={"port": 80, "path": "up"}),
        "spec.containers[0].readinessProbe.path",
        "does not match",
    ),
    (
        "log level unknown",
        lambda d: d["spec"].update(logExporters={"eventTableConfig": {"logLevel": "DEBUG"}}),
        "spec.logExporters.eventTableConfig.logLevel",
        "is not one of",
    ),
    (
        "cpu as words",
        lambda d: d["spec"]["containers"][0].update(resources={"requests": {"cpu": "two"}}),
        "spec.containers[0].resources.requests.cpu",
        "does not match",
    ),
]


def test_the_base_of_the_invalid_table_is_valid() -> None:
    assert validate_document(_base(), known_secrets=[SECRET]) == []


@pytest.mark.parametrize(
    ("case", "break_it", "path", "fragment"), INVALID, ids=[c[0] for c in INVALID]
)
def test_invalid_specs_report_path_and_reason(
    case: str, break_it, path: str, fragment: str
) -> None:
    doc = _base()
    break_it(doc)
    problems = validate_document(doc, known_secrets=[SECRET])
    assert any(p.path == path and fragment in p.message for p in problems), (case, problems)


def test_yaml_errors_say_where() -> None:
    (problem,) = validate_text("spec:\n  containers: [\n")
    assert "not valid YAML at line 3" in problem.message


def _every_flaw() -> str:
    """The base with one of each flaw the validator names in its own words."""
    doc = _base()
    spec = doc["spec"]
    spec["containers"].insert(0, "not a container")  # skipped by the later checks
    container = spec["containers"][1]
    container["name"] = "Bad_Name"
    container["env"] = {"DB_PASSWORD": "hunter2", "API_TOKEN": "   ", "HOME": "/data"}
    container["args"] = ["--ServerApp.password=''"]
    spec["endpoints"] = [
        {"name": "etcd", "port": 2379, "public": True, "protocol": "HTTP"},
        {"name": "raw", "port": 7000, "public": True, "protocol": "TCP"},
    ]
    spec["volumes"].append({"name": "scratch", "source": "memory"})
    return yaml.safe_dump(doc)


SNOWFLAKES_RULES = [
    "serviceRoles[0].endpoints[0]: no endpoint named 'api' in spec.endpoints",
    "spec.containers[0]: 'not a container' is not of type 'object'",
    "spec.containers[1].name: 'Bad_Name' is not a valid name: up to 63 lower-case letters, "
    "digits or '-', starting with a letter and ending with a letter or digit",
    "spec.endpoints[1].protocol: 'TCP': only HTTP endpoints can be public (ingress is HTTP); "
    "use HTTP or HTTPS, or make the endpoint private",
    "spec.volumes[1]: a memory or block volume needs a size (for block storage: 1Gi to 16384Gi)",
]
OUR_RULES = [
    "spec.containers[1].args[0]: turns authentication off (an empty token or password); take "
    "the password from a Snowflake SECRET instead",
    # API_TOKEN is blank: nothing is written in it
    "spec.containers[1].env.DB_PASSWORD: looks like a secret written in plain text; reference "
    "a Snowflake SECRET under spec.containers[].secrets instead",
    "spec.endpoints[0].public: port 2379 (etcd) must not be public",
    "spec.endpoints[1].public: port 7000 is neither the gateway's (GATEWAY_PORT) nor the "
    "notebook's (JUPYTER_PORT), the only ports meant for the internet: make it private (no "
    "public: true)",
]


def test_every_flaw_is_reported_in_words_that_say_the_rule() -> None:
    said = [str(p) for p in validate_text(_every_flaw(), known_secrets=[SECRET])]
    assert said == sorted(SNOWFLAKES_RULES + OUR_RULES)


def test_our_rules_are_on_unless_turned_off_and_the_secrets_are_checked_when_given() -> None:
    text = _every_flaw()
    assert [str(p) for p in validate_text(text)] == sorted(SNOWFLAKES_RULES + OUR_RULES)
    assert [str(p) for p in validate_text(text, [SECRET], security=False)] == SNOWFLAKES_RULES
    other = [str(p) for p in validate_text(text, ["DB.S.OTHER"], security=False)]
    assert other == sorted(
        [
            *SNOWFLAKES_RULES,
            f"spec.containers[1].secrets[0].snowflakeSecret: secret {SECRET!r} is not one the "
            "deployment creates and grants (DB.S.OTHER)",
        ]
    )


def test_a_yaml_error_is_a_problem_of_the_whole_document_with_its_place() -> None:
    (problem,) = validate_text("spec:\n  containers: [\n  - a: b\n  c")
    assert str(problem) == (
        "(document): not valid YAML at line 3, column 3: expected the node content, but "
        "found '-'"  # the parser's reason, after the place
    )
    (nested,) = validate_text("spec: a: b")
    assert str(nested) == (
        "(document): not valid YAML at line 1, column 8: mapping values are not allowed here"
    )
    assert problem.path == nested.path == ""
    (control,) = validate_text("a: \x07")  # a character YAML refuses before parsing
    assert control.path == ""
    assert str(control) == (
        "(document): not valid YAML: unacceptable character #x0007: special characters are "
        "not allowed"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("- spec: {}\n", "a specification is a mapping with a 'spec' key, not a list"),
        ("just words", "a specification is a mapping with a 'spec' key, not a text"),
        ("42", "a specification is a mapping with a 'spec' key, not a number"),
        ("true", "a specification is a mapping with a 'spec' key, not true or false"),
        ("", "the specification is empty: it needs a 'spec' mapping"),
        ("# only a comment\n", "the specification is empty: it needs a 'spec' mapping"),
        ("2024-12-06", "a specification is a mapping with a 'spec' key, not date"),
    ],
)
def test_a_document_that_is_not_a_mapping_is_said_in_one_line(text: str, said: str) -> None:
    """Not the schema's "[...] is not of type 'object'" (and nothing else after it)."""
    problems = validate_text(text)
    assert [str(p) for p in problems] == [f"(document): {said}"]
    assert [p.path for p in problems] == [""]  # the whole document's


# -- upload and roll-out against the emulator -----------------------------------------------
def test_upload_create_and_alter_service_from_a_changed_spec(
    emulator: Emulator, tmp_path: Path
) -> None:
    d = Deployment(account=emulator.settings.account_identifier)
    plan = build_plan(d, tmp_path / "specs")
    write_all(d, tmp_path / "specs")
    with connect(emulator) as con:
        run_plan(emulator, con, plan)
        con.cursor().execute("USE ROLE SYSADMIN")
        described = rows(con, "DESCRIBE SERVICE MILVUS_DEMO.PUBLIC.MILVUS")[0]
        # what the plan uploaded: rendered with the schema's DNS domain, once it existed
        assert described["spec"] == (tmp_path / "specs" / "milvus.yaml").read_text()
        # A new volume size: render, upload with OVERWRITE, roll out with ALTER SERVICE.
        changed = Deployment(account=d.account, milvus={"volume_size": "40Gi"})
        write_all(changed, tmp_path / "specs")
        for statement in (
            plan.step("upload-spec-milvus").statements[0].text(),
            spec_upgrade_sql(changed, "milvus").text(),
        ):
            con.cursor().execute(statement)
        after = rows(con, "DESCRIBE SERVICE MILVUS_DEMO.PUBLIC.MILVUS")[0]
        assert "size: 40Gi" in after["spec"]
        assert after["spec_digest"] != described["spec_digest"]
        assert [s["name"] for s in rows(con, "SHOW SERVICES IN SCHEMA MILVUS_DEMO.PUBLIC")] == [
            "JUPYTER",
            "MILVUS",
        ]  # rolled out in place: the service was never dropped


def test_jupyter_spec_needs_its_secret_to_exist(emulator: Emulator, tmp_path: Path) -> None:
    d = Deployment(account=emulator.settings.account_identifier)
    plan = build_plan(d, tmp_path / "specs")
    write_all(d, tmp_path / "specs")
    with connect(emulator) as con:
        stop = [s.id for s in plan].index("service-jupyter")
        run_plan(emulator, con, plan, stop_after=stop)
        cur = con.cursor()
        cur.execute("USE ROLE SYSADMIN")
        cur.execute("DROP SECRET MILVUS_DEMO.PUBLIC.JUPYTER_PASSWORD")
        with pytest.raises(Exception, match="JUPYTER_PASSWORD' does not exist"):
            cur.execute(plan.step("service-jupyter").statements[0].text())


def test_upgrade_statement_rolls_out_in_place() -> None:
    assert spec_upgrade_sql(Deployment(prefix="eve"), "jupyter").text() == (
        "ALTER SERVICE EVE_MILVUS_DEMO.PUBLIC.JUPYTER FROM @EVE_MILVUS_DEMO.PUBLIC.YAML_STAGE "
        "SPECIFICATION_FILE = 'jupyter.yaml'"
    )


@pytest.mark.parametrize(
    "key", ["MILVUS_PASSWORD", "DB_PASSWD", "HF_TOKEN", "APP_SECRET", "OPENAI_API_KEY"]
)
def test_every_secret_looking_variable_in_plain_text_is_refused(key: str) -> None:
    def with_env(env: dict[str, str]) -> dict[str, object]:
        return {"spec": {"containers": [{"name": "c", "image": "/d/s/r/i:1", "env": env}]}}

    problems = validate_document(with_env({key: "x"}))
    assert [p.path for p in problems] == [f"spec.containers[0].env.{key}"]
    assert validate_document(with_env({"LOG_LEVEL": "x"})) == []


@pytest.mark.parametrize("field", ["command", "args"])
def test_disabled_notebook_auth_is_refused_in_command_and_args(field: str) -> None:
    container = {"name": "c", "image": "/d/s/r/i:1", field: ["jupyter", "--NotebookApp.token=''"]}
    problems = validate_document({"spec": {"containers": [container]}})
    assert [p.path for p in problems] == [f"spec.containers[0].{field}[1]"]


def test_a_oneof_of_other_rules_that_fits_twice_keeps_the_schemas_own_words() -> None:
    """Only alternatives that each require a key are told as 'give one of ...'."""
    from spcs_wizard.specs.validate import _explain

    schema = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
    error = next(jsonschema.Draft202012Validator(schema).iter_errors(5))
    assert _explain(error) == error.message
    assert error.message.startswith("5 is valid under each of ")


def test_a_spec_wrong_in_every_way_gets_each_problem_once_and_no_traceback() -> None:
    """Every rule at once, beside items of the wrong type at each level: each problem is
    said once, where it is, and nothing stops at the first (nor at an item that is not a
    mapping, which only its own type error speaks of)."""
    doc = {
        "spec": {
            "containers": [
                {
                    "name": "a",
                    "image": "/db/s/r/x:1",
                    "colour": "blue",
                    "volumeMounts": [{"name": "missing", "mountPath": "/m"}, "not a mapping"],
                    "secrets": [
                        "not a mapping",
                        {"snowflakeSecret": "db.s.x", "secretKeyRef": "password"},  # no target
                        {
                            "snowflakeSecret": {"objectName": "db.s.other"},
                            "secretKeyRef": "password",
                            "envVarName": "P",
                        },
                    ],
                },
                "not a mapping",
                {
                    "name": "a",
                    "image": "/db/s/r/y:1",
                    "shape": "round",
                    "volumeMounts": [{"name": "gone", "mountPath": "/g"}],
                },
            ],
            "endpoints": [
                {"name": "e", "port": 8080},
                {"name": "e", "portRange": "1-2", "port": 1},
            ],
            "volumes": [
                {"name": "v", "source": "memory", "size": "1Gi"},
                {"name": "v", "source": "local"},
                {"name": 5, "source": "local"},
                {"name": 5, "source": "local"},  # not a name: no duplicate of one either
            ],
        },
        "serviceRoles": ["not a mapping", {"name": "r", "endpoints": ["e", "nope"]}],
    }
    said = [(p.path, p.message) for p in validate_document(doc, known_secrets=[])]
    assert said == [
        ("serviceRoles[0]", "'not a mapping' is not of type 'object'"),
        ("serviceRoles[1].endpoints[1]", "no endpoint named 'nope' in spec.endpoints"),
        ("spec.containers[0].colour", "unknown key 'colour'"),
        ("spec.containers[0].secrets[0]", "'not a mapping' is not of type 'object'"),
        ("spec.containers[0].secrets[1]", "'envVarName' is a dependency of 'secretKeyRef'"),
        ("spec.containers[0].secrets[1]", "'envVarName' is a required property"),
        (
            "spec.containers[0].secrets[1].snowflakeSecret",
            "secret 'db.s.x' is not one the deployment creates and grants (none)",
        ),
        (
            "spec.containers[0].secrets[2].snowflakeSecret",
            "secret 'db.s.other' is not one the deployment creates and grants (none)",
        ),
        (
            "spec.containers[0].volumeMounts[0].name",
            "volume 'missing' is mounted but not declared in spec.volumes",
        ),
        ("spec.containers[0].volumeMounts[1]", "'not a mapping' is not of type 'object'"),
        ("spec.containers[1]", "'not a mapping' is not of type 'object'"),
        ("spec.containers[2].name", "'a' is already used by spec.containers[0]"),
        ("spec.containers[2].shape", "unknown key 'shape'"),
        (
            "spec.containers[2].volumeMounts[0].name",
            "volume 'gone' is mounted but not declared in spec.volumes",
        ),
        ("spec.endpoints[1]", "give one of 'port' or 'portRange', not both"),
        ("spec.endpoints[1].name", "'e' is already used by spec.endpoints[0]"),
        ("spec.volumes[1].name", "'v' is already used by spec.volumes[0]"),
        ("spec.volumes[2].name", "5 is not of type 'string'"),
        ("spec.volumes[3].name", "5 is not of type 'string'"),
    ]
    # Secrets the deployment makes are named in the message, in order.
    said = [
        p.message
        for p in validate_document(doc, known_secrets=["db.s.b", "DB.S.A"])
        if "not one the deployment" in p.message
    ]
    assert said == [
        f"secret 'db.s.{x}' is not one the deployment creates and grants (DB.S.A, DB.S.B)"
        for x in ("x", "other")
    ]


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("not a mapping", ("spec", "'not a mapping' is not of type 'object'")),
        (["a"], ("spec", "['a'] is not of type 'object'")),
        ({"containers": "x"}, ("spec.containers", "'x' is not of type 'array'")),
    ],
)
def test_a_spec_section_of_the_wrong_type_is_said_not_a_traceback(
    spec: object, said: tuple
) -> None:  # type: ignore[type-arg]
    assert [(p.path, p.message) for p in validate_document({"spec": spec})] == [said]
