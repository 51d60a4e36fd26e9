"""import labels without files: the EU authority tables downloaded from a SPARQL endpoint (here
a real Oxigraph server holding our own small country table in the Publications Office's
layout), cached, and read from the cache offline; exit 3 when it cannot be done."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.errors import TableDownloadError
from euproj_rdf.importers import DownloadOptions, import_files
from tests.servers import free_port, oxigraph_with

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "data" / "import" / "labels" / "countries.ttl"


@pytest.fixture()
def endpoint(tmp_path):
    with oxigraph_with(tmp_path / "po-store", TABLE) as srv:
        yield srv.url + "query"


def test_a_table_is_downloaded_cached_and_read_offline(endpoint, tmp_path):
    cache = tmp_path / "cache"
    first = import_files("labels", [], tmp_path / "a", download=DownloadOptions(("country",), endpoint, cache))
    assert first.counts == {"label": 8}  # Indonesian is no EU language
    assert [p.name[:8] for p in cache.iterdir()] == ["country-"]
    graph = (tmp_path / "a" / "authority-labels.nq").read_text(encoding="utf-8")
    assert '<http://publications.europa.eu/resource/authority/country/SWE> <http://www.w3.org/2004/02/skos/core#prefLabel> "Sverige"@sv' in graph
    assert "<http://purl.org/dc/terms/source> <http://publications.europa.eu/resource/authority/country>" in graph
    # offline, from the cache: the same bytes (offline asks no server)
    cached = DownloadOptions(("country",), endpoint, cache, offline=True)
    import_files("labels", [], tmp_path / "b", download=cached)
    assert (tmp_path / "b" / "authority-labels.nq").read_bytes() == graph.encode()


def test_offline_without_the_table_in_the_cache_exits_3(tmp_path):
    result = CliRunner().invoke(app, ["import", "labels", "--out", str(tmp_path / "out"), "--offline",
                                      "--table", "country", "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 3
    assert (f"the country table is not in the cache {tmp_path / 'cache'} and --offline forbids downloading it: "
            "run once without --offline, or name a file of the table; nothing was written") in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_an_unreachable_endpoint_exits_3_and_writes_nothing(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(TableDownloadError, match=rf"^the country table: cannot reach {url}: ConnectionError; nothing was written$"):
        import_files("labels", [], tmp_path / "out",
                     download=DownloadOptions(("country",), url, tmp_path / "cache"))
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_a_table_the_endpoint_does_not_hold_is_an_error(endpoint, tmp_path):
    result = CliRunner().invoke(app, ["import", "labels", "--out", str(tmp_path / "out"), "--table", "language",
                                      "--endpoint", endpoint, "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 3
    assert (f"the language table: {endpoint} knows no labels of http://publications.europa.eu/resource/authority/language; "
            "nothing was written") in " ".join(result.output.split())
