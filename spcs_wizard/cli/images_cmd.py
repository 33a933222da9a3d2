"""``spcs-wizard images build|copy|push|list``: the service images, for linux/amd64."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import connection_option, open_runner
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.paths import deployment_dir

if TYPE_CHECKING:
    from spcs_wizard.engine.deployment_session import Target

SERVICES = ("milvus", "gateway", "jupyter")  # images: Milvus, its gateway, the notebook


def _chosen(deployment: Deployment, services: tuple[str, ...]) -> tuple[str, ...]:
    """The services named, or those the deployment runs (Milvus alone when the notebook
    is off)."""
    return services or deployment.image_keys


@click.group("images")
def images_group() -> None:
    """Put the images (linux/amd64) into the account's repository: Milvus and its gateway
    copied as they are from their source registries, Jupyter built (it bakes a model in)."""


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
        for name in _chosen(deployment, services):
            svc = deployment.image(name)
            tag = f"localhost/spcs-wizard/{svc.image}:{svc.tag}"
            build(builder, CONTEXTS / svc.image, tag, on_line=click.echo)
            click.echo(f"Built {tag} for linux/amd64 with {builder.name}.")
    except BuilderError as exc:
        raise click.ClickException(str(exc)) from None


@images_group.command("push")
@deployment_options
@connection_option(rehearsal=False)
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
@click.option(
    "--build",
    "build_all",
    is_flag=True,
    help="Build every image, even one with a source to copy from (Milvus).",
)
def push_command(
    deployment: Deployment, target: Target, services: tuple[str, ...], build_all: bool
) -> None:
    """Copy (an image with a source: Milvus and its gateway, with skopeo) or build (with
    podman or docker) and push to the account's image repository, logged in with the
    connection's session token; an image already there is not sent again."""
    _put_images(deployment, target, _chosen(deployment, services), copy=not build_all)


@images_group.command("copy")
@deployment_options
@connection_option(rehearsal=False)
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def copy_command(deployment: Deployment, target: Target, services: tuple[str, ...]) -> None:
    """Copy an image registry to registry with skopeo, no build and no docker: its
    linux/amd64 image from its source (milvus.source, e.g. docker.io/milvusdb/milvus, with
    the service's tag) to the account's repository; blobs already there are not sent."""
    from spcs_wizard.images.builder import BuilderError
    from spcs_wizard.images.copy import find_copier

    chosen = (
        _chosen(deployment, services)
        if services
        else tuple(name for name in deployment.image_keys if deployment.image(name).source)
    )
    sourceless = [name for name in chosen if not deployment.image(name).source]
    if sourceless:
        raise click.UsageError(
            f"{', '.join(sourceless)} has no source to copy from (it is built: spcs-wizard "
            f"images push); set one with --set {sourceless[0]}.source=REGISTRY/REPOSITORY"
        )
    try:
        find_copier()
    except BuilderError as exc:
        raise click.ClickException(str(exc)) from None
    _put_images(deployment, target, chosen, copy=True)


def _put_images(
    deployment: Deployment, target: Target, services: tuple[str, ...], copy: bool
) -> None:
    from rich.console import Console

    from spcs_wizard.cli.push_bars import PushBars
    from spcs_wizard.connection import registry_credentials_of
    from spcs_wizard.engine.images import RegistryPusher
    from spcs_wizard.images.builder import BuilderError
    from spcs_wizard.images.push import PushError, PushEvent, PushLedger
    from spcs_wizard.model.plan import build_plan

    plan = build_plan(deployment)
    ledger = PushLedger(deployment_dir(deployment.deployment_id) / "pushed.json")
    bars = PushBars(Console(stderr=True))
    ended: list[PushEvent] = []

    def on_push(event: PushEvent) -> None:
        bars(event)
        if event.kind in ("done", "skipped"):
            ended.append(event)

    with open_runner(target) as runner:
        pusher = RegistryPusher(
            runner,
            deployment,
            ledger=ledger,
            on_push=on_push,
            fallback_login=lambda: registry_credentials_of(target.connection_name or "default"),
            copy=copy,
        )
        try:
            for name in services:
                bars.start_image(name)
                pusher(plan.step(f"image-{name}"))
                last = ended[-1]
                way = pusher.way if last.kind == "done" else "already in the repository"
                click.echo(f"{name}: {way} ({last.detail})")
        except (BuilderError, PushError) as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            bars.close()


@images_group.command("list")
@deployment_options
@connection_option
@click.option("--json", "as_json", is_flag=True)
def list_command(deployment: Deployment, target: Target, as_json: bool) -> None:
    """The images in the deployment's repository (SHOW IMAGES IN IMAGE REPOSITORY)."""
    n = deployment.names()
    with open_runner(target) as runner:
        found = runner.query_or_missing(
            f"SHOW IMAGES IN IMAGE REPOSITORY {n.repository}", n.sys_admin
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
