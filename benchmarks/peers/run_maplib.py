"""Map the synthetic CSV records with maplib and write N-Triples; print the timings as JSON.

Runs in maplib's own virtual environment (benchmarks/mapping.py creates it and starts this
script there); it imports nothing of euproj_rdf.

    python run_maplib.py --data DIR --templates maplib/euproj.stottr --out maplib.nt

maplib maps polars data frames with OTTR templates. The CSV files are read with polars
("read"); polars expressions then split the list columns, build the IRIs and pick each date's
datatype by its precision ("prepare": the work an RML engine does in its term maps and
functions); each frame is mapped with one template of the stOTTR file ("map") and the model is
written as N-Triples ("write"). polars and maplib use all cores unless POLARS_MAX_THREADS and
RAYON_NUM_THREADS say otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

import polars as pl
from maplib import Model

ID = "https://w3id.org/euproj/id/"
CONCEPT = "https://w3id.org/euproj/concept/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
CURRENCY = "http://publications.europa.eu/resource/authority/currency/"
# maplib's own column type for a language-tagged string: a struct of the text and the tag
LANG_STRING = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>"
# the item patterns of mappings/csv/projects.yaml
PARTNER = r"^(?P<organisation>[a-z0-9-]+)=(?P<roles>[a-z-]+(?:\+[a-z-]+)*)$"
FUNDING = r"^(?P<kind>[a-z-]+) (?P<amount>[0-9]+(?:\.[0-9]+)?) (?P<currency>[A-Z]{3})(?: (?P<fund>[a-z0-9-]+))?$"
BENCH = "https://w3id.org/euproj/benchmarks/maplib#"


def lang(column: str, tag: str) -> pl.Expr:
    return (pl.when(pl.col(column).is_not_null())
            .then(pl.struct(pl.col(column).alias(LANG_STRING), pl.lit(tag).alias("l")))
            .alias(column))


def iri(prefix: str, column: str | pl.Expr) -> pl.Expr:
    """prefix + value (null stays null, and leaves the triple out)."""
    return pl.lit(prefix) + (pl.col(column) if isinstance(column, str) else column)


def items(column: str, sep: str = ";") -> pl.Expr:
    """The non-empty, trimmed items of a list column (an empty list for an empty cell)."""
    return (pl.col(column).fill_null("").str.split(sep)
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element() != "")))


def dates(column: str, prefix: str) -> list[pl.Expr]:
    """A date in the column of its precision (xsd:date, gYearMonth or gYear), and its year."""
    n = pl.col(column).str.len_chars()
    return [
        pl.when(n == 10).then(pl.col(column)).str.to_date("%Y-%m-%d").alias(f"{prefix}_day"),
        pl.when(n == 7).then(pl.col(column)).alias(f"{prefix}_month"),
        pl.when(n == 4).then(pl.col(column)).alias(f"{prefix}_year_only"),
        pl.col(column).str.slice(0, 4).cast(pl.Int64).alias(f"{prefix}_year"),
    ]


def prepare(projects: pl.DataFrame, organisations: pl.DataFrame) -> dict[str, pl.DataFrame]:
    frames: dict[str, pl.DataFrame] = {}
    frames["Organisation"] = organisations.select(
        iri(ID + "organisation/", "id").alias("organisation"),
        lang("name_en", "en"), lang("name_sv", "sv"),
        iri(COUNTRY, "country").alias("country"),
        iri(CONCEPT + "organisation-kind/", "kind").alias("kind"),
        iri(ID + "source/", "source").alias("source"),
        pl.col("source_text"),
    )
    project = iri(ID + "project/", "id")
    frames["Project"] = projects.select(
        project.alias("project"),
        lang("title_sv", "sv"), lang("title_en", "en"),
        iri(ID + "programme/", "programme").alias("programme"),
        items("themes").list.eval(pl.lit(ID + "theme/") + pl.element()).alias("themes"),
        items("predecessors").list.eval(pl.lit(ID + "project/") + pl.element()).alias("predecessors"),
        iri(ID + "source/", "source").alias("source"),
        pl.col("source_text"),
    )
    frames["Period"] = projects.filter(pl.col("start").is_not_null() | pl.col("end").is_not_null()).select(
        project.alias("project"),
        (project + "/period").alias("period"),
        *dates("start", "start"), *dates("end", "end"),
        pl.col("period_text").alias("text"),
    )
    partners = (projects.select("id", items("partners").alias("text")).explode("text").drop_nulls("text")
                .with_columns(pl.col("text").str.extract_groups(PARTNER).alias("m")).unnest("m"))
    frames["Participation"] = partners.select(
        project.alias("project"),
        (project + "/participation/" + pl.col("organisation")).alias("participation"),
        iri(ID + "organisation/", "organisation").alias("organisation"),
        pl.col("roles").str.split("+").list.eval(pl.lit(CONCEPT + "role/") + pl.element()).alias("roles"),
        pl.col("text"),
    )
    funding = (projects.select("id", items("funding").alias("text")).explode("text").drop_nulls("text")
               .with_columns(pl.int_range(1, pl.len() + 1).over("id").alias("position"),
                             pl.col("text").str.extract_groups(FUNDING).alias("m")).unnest("m"))
    frames["Funding"] = funding.select(
        project.alias("project"),
        (project + "/funding/" + pl.col("position").cast(pl.String)).alias("funding"),
        iri(CONCEPT + "funding-kind/", "kind").alias("kind"),
        pl.col("amount").cast(pl.Decimal(38, 12)),
        iri(CURRENCY, "currency").alias("currency"),
        iri(ID + "fund/", "fund").alias("fund"),
        pl.col("text"),
    )
    return frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with projects.csv and organisations.csv")
    ap.add_argument("--templates", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    t0 = time.perf_counter()
    projects = pl.read_csv(args.data / "projects.csv", infer_schema=False)
    organisations = pl.read_csv(args.data / "organisations.csv", infer_schema=False)
    t1 = time.perf_counter()
    frames = prepare(projects, organisations)
    t2 = time.perf_counter()
    model = Model()
    model.add_template(args.templates.read_text(encoding="utf-8"))
    for name, frame in frames.items():
        model.map(BENCH + name, frame)
    t3 = time.perf_counter()
    model.write(str(args.out), format="ntriples")
    t4 = time.perf_counter()

    json.dump({
        "engine": "maplib",
        "version": version("maplib"),
        "polars": version("polars"),
        "threads": os.environ.get("POLARS_MAX_THREADS", "all"),
        "frame_rows": {name: frame.height for name, frame in frames.items()},
        "read_seconds": t1 - t0,
        "prepare_seconds": t2 - t1,
        "map_seconds": t3 - t2,
        "write_seconds": t4 - t3,
        "seconds": t4 - t0,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
