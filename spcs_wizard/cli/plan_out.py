"""``spcs-wizard plan --sql --out DIR``: a script directory that ``snow sql -f`` runs.

DIR/deploy.sql, and the rendered specifications in DIR/specs/ that its PUT lines upload.
The notebook's specification names Milvus by the schema's service DNS domain, which
exists only once the schema does (SYSTEM$GET_SERVICE_DNS_DOMAIN), so the steps that need
it go to DIR/notebook.sql. Without ``--dns-domain``, deploy.sql ends by
saying how to fill the domain in and run it; given the domain, the notebook's spec is
written too and deploy.sql ends by naming notebook.sql. A deployment without the
notebook needs no domain: deploy.sql is all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcs_wizard.model.plan_export import after_domain, to_script
from spcs_wizard.specs.render import dns_domain_sql, render

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.model.plan import Plan


def write_script_dir(plan: Plan, out: Path, domain: str | None) -> list[Path]:
    """Write the scripts and specs; return the paths written, scripts first."""
    d = plan.deployment
    specs = out / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    first, later = after_domain(plan)
    n = d.names()
    if not later:  # no notebook: nothing waits for the domain
        (out / "deploy.sql").write_text(to_script(plan, first), encoding="utf-8")
        written.append(out / "deploy.sql")
    elif domain is None:
        again = f"spcs-wizard plan --sql --out {out} --dns-domain <the answer>" + (
            f" --prefix {d.prefix}" if d.prefix else ""
        )
        tail = [
            "",
            "-- Next: the notebook's specification names Milvus by this schema's service DNS",
            "-- domain, which exists only now. Ask for it:",
            f"--   {dns_domain_sql(d)};",
            "-- then write the notebook's spec with it, giving the same settings as this run",
            "-- (--config, --set, --prefix; deploy.sql is written again, the same):",
            f"--   {again}",
            f"-- and run {out / 'notebook.sql'} with snow sql -f.",
        ]
    else:
        tail = [
            "",
            f"-- Next: run {out / 'notebook.sql'} with snow sql -f ({len(later)} steps, for "
            f"{n.jupyter_service.name}; its spec names Milvus in {domain}).",
        ]
    if later:
        notebook = to_script(plan, later)
        if domain is None:
            notebook = (
                "-- Not ready yet: specs/jupyter.yaml is written by the --dns-domain run that\n"
                "-- deploy.sql ends with; run this file after it.\n" + notebook
            )
        scripts = [
            ("deploy.sql", to_script(plan, first) + "\n".join(tail) + "\n"),
            ("notebook.sql", notebook),
        ]
        for name, text in scripts:
            path = out / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for service in d.service_keys:
        spec = render(d, service, domain)
        if service == "jupyter" and domain is None:
            continue  # written by the second run, once the domain is known
        path = specs / spec.file_name
        path.write_text(spec.text, encoding="utf-8")
        written.append(path)
    return written
