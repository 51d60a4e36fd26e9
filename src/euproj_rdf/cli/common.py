"""What every command shares: the app, the settings before the command, library errors turned
into one ``Error:`` line and the documented exit code, the progress bar, and the options
several commands declare."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from .. import pipeline
from ..errors import ConfigError, EuprojError, RecordError

__all__ = ["BASE", "DUMP", "EXIT_CODES", "FORCE", "LINK_TABLE", "PROGRESS", "RECORDS", "WORKERS", "Settings", "app",
           "debug_on", "echo_err", "library_errors", "progress_bar", "read_query"]

EXIT_CODES = """Exit codes: 0 conforms and done; 1 does not conform (nothing written); 2 bad input or configuration; 3 store or network failure."""

app = typer.Typer(
    name="euproj-rdf",
    help="Curated records of EU-funded cooperation projects → validated linked data.\n\n" + EXIT_CODES,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@dataclass
class Settings:
    """What the options before the command set, kept in typer's ``Context.obj``."""

    debug: bool = False


@app.callback()
def _main(ctx: typer.Context, debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors.")) -> None:
    ctx.obj = Settings(debug=debug)


def debug_on(ctx: typer.Context) -> bool:
    settings = ctx.find_object(Settings)
    return settings is not None and settings.debug


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def library_errors(ctx: typer.Context) -> Iterator[None]:
    """Turn library errors into one ``Error:`` line per problem and the documented exit code
    (with ``--debug``, into a traceback)."""
    try:
        yield
    except RecordError as exc:
        if debug_on(ctx):
            raise
        for problem in exc.problems:
            echo_err(f"Error: {problem}")
        echo_err(f"{len(exc.problems)} problem(s) in the records; nothing was written.")
        raise typer.Exit(exc.exit_code) from None
    except EuprojError as exc:
        if debug_on(ctx):
            raise
        echo_err(f"Error: {exc}")
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar on a terminal; nothing when piped."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


# options shared by several commands, declared once
RECORDS = typer.Option(Path("records"), "--records", "-r", help="Folder (or file) of curated records.")
BASE = typer.Option(pipeline.DEFAULT_BASE_IRI, "--base-iri", help="Base IRI of the identifiers minted.")
WORKERS = typer.Option(None, "--workers", "-j", min=1, help="Worker processes (default: one per core).")
PROGRESS = typer.Option(True, "--progress/--no-progress", help="Progress bar on a terminal.")
DUMP = typer.Option(Path("dist/euproj.nt"), "--dump", help="The N-Triples dump written by `build`.")
LINK_TABLE = Path("links/wikidata.sssom.tsv")
FORCE = typer.Option(False, "--force", help="Replace the output even where it exists and was not written by euproj-rdf.")




def read_query(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the query file '{path}': {exc.strerror}") from None
