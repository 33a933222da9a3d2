"""``spcs-wizard plan --sql --out DIR``: a script directory that ``snow sql -f`` runs.

DIR/deploy.sql, and the rendered specifications in DIR/specs/ that its PUT lines upload.
The specifications name Milvus by the schema's service DNS domain (the gateway and the
notebook reach it there), which exists only once the schema does
(SYSTEM$GET_SERVICE_DNS_DOMAIN), so the steps that need it go to DIR/services.sql.
Without ``--dns-domain``, deploy.sql ends by saying how to fill the domain in and run it;
given the domain, the specs are written too and deploy.sql ends by naming services.sql.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcs_wizard.model.plan_export import after_domain, to_script
from spcs_wizard.specs.render import dns_domain_sql, needs_domain, render

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.model.plan import Plan


def write_script_dir(plan: Plan, out: Path, domain: str | None) -> list[Path]:
    """Write the scripts and specs; return the paths written, scripts first."""
    d = plan.deployment
    specs = out / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    first, later = after_domain(plan, needs_domain)
    waiting = [d.service(k).spec_file for k in d.service_keys if needs_domain(k)]
    if domain is None:
        again = f"spcs-wizard plan --sql --out {out} --dns-domain <the answer>" + (
            f" --prefix {d.prefix}" if d.prefix else ""
        )
        tail = [
            "",
            "-- Next: the services' specifications name Milvus by this schema's service DNS",
            "-- domain, which exists only now. Ask for it:",
            f"--   {dns_domain_sql(d)};",
            "-- then write the specs with it, giving the same settings as this run",
            "-- (--config, --set, --prefix; deploy.sql is written again, the same):",
            f"--   {again}",
            f"-- and run {out / 'services.sql'} with snow sql -f.",
        ]
    else:
        tail = [
            "",
            f"-- Next: run {out / 'services.sql'} with snow sql -f ({len(later)} steps; the "
            f"specs name Milvus in {domain}).",
        ]
    services = to_script(plan, later)
    if domain is None:
        services = (
            f"-- Not ready yet: specs/{' and specs/'.join(waiting)} are written by the\n"
            "-- --dns-domain run that deploy.sql ends with; run this file after it.\n" + services
        )
    written: list[Path] = []
    for name, text in (
        ("deploy.sql", to_script(plan, first) + "\n".join(tail) + "\n"),
        ("services.sql", services),
    ):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for service in d.service_keys:
        if needs_domain(service) and domain is None:
            continue  # written by the second run, once the domain is known
        spec = render(d, service, domain)
        path = specs / spec.file_name
        path.write_text(spec.text, encoding="utf-8")
        written.append(path)
    return written
