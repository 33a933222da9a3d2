"""``spcs-wizard images build|push|list``: the service images, for linux/amd64."""

from __future__ import annotations

import json

import click

from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import connection_option, open_runner
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.paths import deployment_dir

SERVICES = ("milvus", "jupyter")


def _chosen(services: tuple[str, ...]) -> tuple[str, ...]:
    return services or SERVICES


@click.group("images")
def images_group() -> None:
    """Build the Milvus and Jupyter images for linux/amd64 and push them to the account."""


@images_group.command("build")
@deployment_options
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def build_command(deployment: Deployment, services: tuple[str, ...]) -> None:
    """Build images/<service> with docker (buildx) or podman, for linux/amd64."""
    from spcs_wizard.engine.images import CONTEXTS
    from spcs_wizard.images.builder import BuilderError, build, find_builder, platform_warning

    warning = platform_warning()
    if warning:
        click.echo(f"warning: {warning}", err=True)
    try:
        builder = find_builder()
        for name in _chosen(services):
            svc = deployment.milvus if name == "milvus" else deployment.jupyter
            tag = f"localhost/spcs-wizard/{svc.image}:{svc.tag}"
            build(builder, CONTEXTS / svc.image, tag, on_line=click.echo)
            click.echo(f"Built {tag} for linux/amd64 with {builder.name}.")
    except BuilderError as exc:
        raise click.ClickException(str(exc)) from None


@images_group.command("push")
@deployment_options
@connection_option
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def push_command(deployment: Deployment, connection_name: str, services: tuple[str, ...]) -> None:
    """Build (if needed) and push to the account's image repository, logged in with the
    connection's session token; an image already there is not sent again."""
    from rich.console import Console

    from spcs_wizard.cli.push_bars import PushBars
    from spcs_wizard.connection import registry_credentials_of
    from spcs_wizard.engine.images import RegistryPusher
    from spcs_wizard.images.builder import BuilderError
    from spcs_wizard.images.push import PushError, PushLedger
    from spcs_wizard.model.plan import build_plan

    plan = build_plan(deployment)
    ledger = PushLedger(deployment_dir(deployment.deployment_id) / "pushed.json")
    bars = PushBars(Console(stderr=True))
    with open_runner(connection_name) as runner:
        pusher = RegistryPusher(
            runner,
            deployment,
            ledger=ledger,
            on_push=bars,
            fallback_login=lambda: registry_credentials_of(connection_name),
        )
        try:
            for name in _chosen(services):
                bars.start_image(name)
                pusher(plan.step(f"image-{name}"))
        except (BuilderError, PushError) as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            bars.close()


@images_group.command("list")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def list_command(deployment: Deployment, connection_name: str, as_json: bool) -> None:
    """The images in the deployment's repository (SHOW IMAGES IN IMAGE REPOSITORY)."""
    n = deployment.names()
    with open_runner(connection_name) as runner:
        found = runner.query_or_missing(
            f"SHOW IMAGES IN IMAGE REPOSITORY {n.in_schema(n.image_repository)}", n.sys_admin
        )
    if as_json:
        click.echo(
            json.dumps([{"path": r["image_path"], "digest": r["digest"]} for r in found], indent=2)
        )
        return
    if not found:
        click.echo("No images yet: spcs-wizard images push")
    for row in found:
        click.echo(f"{row['image_path']:60} {row['digest']}")
