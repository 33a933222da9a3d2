"""``spcs-wizard console`` (a REPL), ``spcs-wizard query`` and ``spcs-wizard load``: the
query console from the command line, over gRPC (``--uri``) or the deployment's public
endpoint (``-c CONNECTION``, or ``--rehearsal``)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console as RichConsole
from rich.markup import escape
from rich.table import Table

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import deployment_options
from spcs_wizard.cli.session import REHEARSAL_HELP, chosen_target, on_account, open_runner
from spcs_wizard.console import demo
from spcs_wizard.console.transport import ConsoleError, NotReachableNowError
from spcs_wizard.paths import state_home

if TYPE_CHECKING:
    from spcs_wizard.console.console import Answer, Console
    from spcs_wizard.model.deployment import Deployment


def console_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @deployment_options
    @click.option(
        "--uri",
        help="Milvus over gRPC: a Milvus Lite file (e.g. ./milvus.db) or http://HOST:19530. "
        "Without it: the deployment's public endpoint, through the connection (-c).",
    )
    @click.option(
        "--connection",
        "-c",
        "connection_name",
        envvar="SPCS_WIZARD_CONNECTION",
        help="Connection for the endpoint and for Cortex embeddings.",
    )
    @click.option(
        "--embedder",
        help="For new collections: cortex[:MODEL] (needs -c) or onnx:DIRECTORY (model.onnx "
        "+ tokenizer.json). Default: cortex with -c, else required.",
    )
    @click.option("--rehearsal", "on_rehearsal", is_flag=True, help=REHEARSAL_HELP)
    @click.option("--collection", default=demo.COLLECTION, show_default=True)
    @functools.wraps(func)
    def wrapper(
        *args: Any, uri: str | None, connection_name: str | None, on_rehearsal: bool, **kwargs: Any
    ) -> Any:
        return func(*args, where=MilvusPlace(uri, connection_name, on_rehearsal), **kwargs)

    return wrapper


@dataclass(frozen=True)
class MilvusPlace:
    """Where the console finds Milvus, as the options said."""

    uri: str | None
    connection_name: str | None
    rehearsal: bool


@contextmanager
def open_console(
    deployment: Deployment, where: MilvusPlace, embedder: str | None
) -> Iterator[Console]:
    from spcs_wizard.console.targets import endpoint_console, grpc_console

    uri, connection_name = where.uri, where.connection_name
    if where.rehearsal and uri:
        raise click.UsageError("--rehearsal reaches Milvus through its endpoint: leave out --uri")
    if uri is None and connection_name is None and not where.rehearsal:
        from spcs_wizard.credentials.connections_file import default_connection_name

        connection_name = default_connection_name()
        if connection_name is None:
            raise click.UsageError("say where Milvus is: --uri URI, -c CONNECTION, or --rehearsal")
    default = embedder or ("cortex" if connection_name or where.rehearsal else None)
    if default is None:
        raise click.UsageError("--uri without a connection needs --embedder onnx:DIRECTORY")
    try:
        if connection_name is None and not where.rehearsal:
            assert uri is not None
            console = grpc_console(uri, default)
            try:
                yield console
            finally:
                console.transport.close()
            return
        with (
            chosen_target(connection_name, where.rehearsal, services=True) as target,
            open_runner(target) as runner,
        ):
            if target.rehearsal is not None:
                deployment = on_account(deployment, target)
            console = (
                grpc_console(uri, default, runner)
                if uri
                else endpoint_console(runner, deployment, default)
            )
            try:
                yield console
            finally:
                console.transport.close()
    except NotReachableNowError as exc:  # as status, endpoints and logs say it: exit 3
        raise exit_codes.NeedsAttention(str(exc)) from None
    except ConsoleError as exc:
        raise click.ClickException(str(exc)) from None


def answer_table(answer: Answer) -> Table:
    table = Table(
        title=f"{escape(answer.question)} · {answer.collection}",
        title_justify="left",
        caption=f"{answer.hits_said} in {answer.seconds * 1000:.1f} ms (embed "
        f"{answer.embed_seconds * 1000:.1f} ms, search {answer.search_seconds * 1000:.1f} ms)",
        caption_justify="left",
    )
    table.add_column("score", justify="right")
    table.add_column("id", justify="right")
    table.add_column("text", overflow="fold")
    extra = sorted({k for h in answer.hits for k in h.fields if k != "text"})
    for key in extra:
        table.add_column(key)
    for hit in answer.hits:
        table.add_row(
            f"{hit.score:.3f}",
            str(hit.id),
            escape(str(hit.fields.get("text", ""))),
            *(escape(str(hit.fields.get(k, ""))) for k in extra),
        )
    return table


def answer_data(answer: Answer) -> dict[str, Any]:
    return {
        "collection": answer.collection,
        "question": answer.question,
        "seconds": round(answer.seconds, 6),
        "embed_seconds": round(answer.embed_seconds, 6),
        "search_seconds": round(answer.search_seconds, 6),
        "hits": [{"id": h.id, "score": h.score, **h.fields} for h in answer.hits],
    }


@click.command("query")
@console_options
@click.argument("question")
@click.option("--limit", "-n", default=3, show_default=True, type=click.IntRange(1, 16384))
@click.option("--filter", "filter_", default="", help="Milvus expression, e.g. year > 2000.")
@click.option("--demo", "with_demo", is_flag=True, help="Load the seed's three sentences first.")
@click.option("--json", "as_json", is_flag=True, help="The answer as JSON.")
def query_command(
    deployment: Deployment,
    where: MilvusPlace,
    embedder: str | None,
    collection: str,
    question: str,
    limit: int,
    filter_: str,
    with_demo: bool,
    as_json: bool,
) -> None:
    """Ask a collection a question: the text is embedded with the collection's model and
    the nearest rows come back with their scores and the latency."""
    with open_console(deployment, where, embedder) as console:
        try:
            if with_demo:
                console.load_demo(embedder, collection)
            answer = console.ask(collection, question, limit, filter_)
        except ConsoleError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(answer_data(answer), default=str))
    else:
        RichConsole().print(answer_table(answer))


@click.command("load")
@console_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--text-field", default="text", show_default=True, help="Column with the text.")
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(1, 10_000))
def load_command(
    deployment: Deployment,
    where: MilvusPlace,
    embedder: str | None,
    collection: str,
    file: Path,
    text_field: str,
    batch_size: int,
) -> None:
    """Load a file (text lines, CSV, JSON lines or Parquet) into a collection: embedded in
    batches, then flushed and indexed so searches are fast at once."""
    from rich.progress import Progress

    with open_console(deployment, where, embedder) as console, Progress() as bar:
        task = bar.add_task(f"loading {file.name}", total=None)
        try:
            loaded = console.load(
                collection,
                file,
                embedder,
                text_field,
                batch_size,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        except ConsoleError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"Loaded {loaded.rows} rows into {collection} in {loaded.seconds:.1f} s "
        f"({loaded.rows_per_second:.0f} rows/s; flush and index {loaded.prepare_seconds:.1f} s)."
    )


REPL_HELP = """\
Type a question to search the current collection. Commands:
  :collections          list the collections      :use NAME       switch collection
  :describe [NAME]      fields, embedder, rows    :demo           load the seed's sentences
  :load FILE [FIELD]    load a file (text column) :filter [EXPR]  filter answers (none: clear)
  :query EXPR           rows matching EXPR        :delete EXPR    delete rows matching EXPR
  :limit N              hits per answer           :drop NAME      drop a collection
  :help                 this text                 :quit           leave (or Ctrl-D)"""


@click.command("console")
@console_options
def console_command(
    deployment: Deployment,
    where: MilvusPlace,
    embedder: str | None,
    collection: str,
) -> None:
    """An interactive console: questions, collections, loading, filters. Reads commands
    from standard input when it is not a terminal (one per line)."""
    out = RichConsole(highlight=False)
    with open_console(deployment, where, embedder) as console:
        state = {"collection": collection, "filter": "", "limit": 3}
        out.print(f"[bold]{console.transport.label}[/] · collection [bold]{collection}[/] · :help")
        for line in _lines():
            if line.strip() in (":quit", ":q", ":exit"):
                break
            try:
                _run(line.strip(), console, state, embedder, out)
            except ConsoleError as exc:
                out.print(f"[bold red]error:[/] {escape(str(exc))}")


def _lines() -> Iterator[str]:
    if not sys.stdin.isatty():
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history = state_home() / "console-history"  # questions and commands, never secrets
    history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
    while True:
        try:
            yield session.prompt("milvus> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def _run(
    line: str, console: Console, state: dict[str, Any], embedder: str | None, out: RichConsole
) -> None:
    if not line:
        return
    if not line.startswith(":"):
        answer = console.ask(state["collection"], line, state["limit"], state["filter"])
        out.print(answer_table(answer))
        return
    command, _, rest = line[1:].partition(" ")
    rest = rest.strip()
    name = rest or state["collection"]
    if command == "help":
        out.print(REPL_HELP)
    elif command == "collections":
        for c in console.collections():
            out.print(("* " if c == state["collection"] else "  ") + c)
    elif command == "use" and rest:
        state["collection"] = rest
        out.print(f"collection {rest}")
    elif command == "describe":
        info, rows = console.describe(name)
        out.print(f"{name}: {rows} rows, dim {info.dim}, fields {', '.join(info.fields)}")
        for key, value in info.properties.items():
            out.print(f"  {key} = {escape(value)}")
    elif command == "demo":
        added = console.load_demo(embedder, state["collection"])
        out.print(f"{added} sentences loaded" if added else "the demo is already there")
    elif command == "load" and rest:
        path, _, field = rest.partition(" ")
        loaded = console.load(
            state["collection"], Path(path).expanduser(), embedder, field.strip() or "text"
        )
        out.print(f"loaded {loaded.rows} rows in {loaded.seconds:.1f} s")
    elif command == "filter":
        state["filter"] = rest
        out.print(f"filter: {rest}" if rest else "no filter")
    elif command == "query" and rest:
        rows, seconds = console.query(state["collection"], rest, state["limit"])
        for row in rows:
            out.print(escape(json.dumps(row, default=str)))
        out.print(f"[dim]{len(rows)} rows in {seconds * 1000:.1f} ms[/]")
    elif command == "delete" and rest:
        console.delete(state["collection"], rest)
        out.print("deleted")
    elif command == "limit" and rest.isdigit():
        state["limit"] = int(rest)
    elif command == "drop" and rest:
        console.drop(rest)
        out.print(f"dropped {rest}")
    else:
        out.print(f"[yellow]unknown command {escape(line)}[/]; :help lists them")
