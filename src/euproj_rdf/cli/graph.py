"""Commands over the records and their graph: ``build``, ``validate`` and ``shacl``."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from .. import pipeline
from ..pipeline import BuildProfile
from .common import BASE, FORCE, PROGRESS, RECORDS, WORKERS, app, echo_err, library_errors, progress_bar


class ReportFormat(str, enum.Enum):
    text = "text"
    turtle = "turtle"


class ShaclFormat(str, enum.Enum):
    text = "text"
    turtle = "turtle"
    json = "json"


class FailOn(str, enum.Enum):
    violation = "violation"
    warning = "warning"
    info = "info"


def _print_results(result: pipeline.BuildResult, *, quiet: bool) -> None:
    for r in result.report.results:
        if r.severity == "Violation" or not quiet:
            echo_err(str(r))
    if not quiet:
        from ..privacy import as_warning

        for p in result.privacy:
            echo_err(as_warning(p))


@app.command()
def build(
    ctx: typer.Context,
    records: Path = RECORDS,
    out: Path = typer.Option(Path("dist"), "--out", "-o", help="Output folder."),
    base_iri: str = BASE,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print violations only, no warnings or summary."),
    progress: bool = PROGRESS,
    workers: int = WORKERS,
    profile: BuildProfile = typer.Option(BuildProfile.base, "--profile", help="aligned: also write the EURIO, schema.org and W3C ORG terms of ontology/alignment.ttl."),
    fail_on: FailOn = typer.Option(FailOn.violation, "--fail-on", help="The least severe result that fails the build."),
    force: bool = FORCE,
    strict_privacy: bool = typer.Option(False, "--strict-privacy", help="Personal data (phone numbers, e-mail addresses, identity numbers) in free text is an error, not a warning."),
) -> None:
    """Check, map and validate the records; write OUT/euproj.ttl and OUT/euproj.nt.

    Nothing is written unless every record is well-formed and no result is at least as severe
    as --fail-on (violations by default).
    Python: euproj_rdf.build(records, out, fail_on="violation").
    """
    with library_errors(ctx), progress_bar(progress) as tick:
        result = pipeline.build(records, out, base_iri=base_iri, progress=tick, workers=workers, profile=profile,
                                fail_on=fail_on.value, force=force,
                                strict_privacy=strict_privacy)
    _print_results(result, quiet=quiet)
    if not result.written:
        if fail_on is FailOn.violation:
            echo_err(f"Error: the graph does not conform to the shapes ({len(result.report.violations)} violation(s)); nothing was written.")
        else:
            echo_err(f"Error: the graph has results of severity {fail_on.value} or above; nothing was written.")
        raise typer.Exit(1)
    if not quiet:
        counts = ", ".join(f"{n} {t}s" for t, n in sorted(result.records.items()))
        typer.echo(f"Wrote {result.turtle} and {result.ntriples}: {result.triples} triples from {counts} "
                   f"in {result.seconds:.2f} s.")


@app.command()
def validate(
    ctx: typer.Context,
    records: Path = RECORDS,
    base_iri: str = BASE,
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Report as text or as a SHACL report in Turtle."),
    progress: bool = PROGRESS,
    workers: int = WORKERS,
) -> None:
    """Run every check of `build` without writing anything; print the report.

    Python: euproj_rdf.check(records).
    """
    with library_errors(ctx), progress_bar(progress) as tick:
        result = pipeline.check(records, base_iri=base_iri, progress=tick, workers=workers)
    if format is ReportFormat.turtle:
        typer.echo(result.report.turtle(), nl=False)
    else:
        typer.echo(result.report.text())
    raise typer.Exit(0 if result.conforms else 1)


@app.command()
def shacl(
    ctx: typer.Context,
    data: Path = typer.Argument(..., help="The data graph: Turtle, N-Triples, RDF/XML or JSON-LD (by extension)."),
    shapes: Path | None = typer.Option(None, "--shapes", "-s", help="The shapes graph (default: the data file itself)."),
    format: ShaclFormat = typer.Option(ShaclFormat.text, "--format", "-f", help="The validation report as text, Turtle or JSON."),
) -> None:
    """Validate any RDF file against any SHACL shapes (SHACL Core and SHACL-SPARQL).

    Exit codes as pySHACL's: 0 conforms, 1 does not conform, 2 bad data or shapes.
    Python: euproj_rdf.validation.validate_file(data, shapes=shapes).
    """
    from ..validation import validate_file

    with library_errors(ctx):
        report = validate_file(data, shapes=shapes)
    typer.echo(getattr(report, format.value)(), nl=format is ShaclFormat.text)
    raise typer.Exit(0 if report.conforms else 1)
