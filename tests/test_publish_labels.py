"""The authority labels graph in a release: a distribution of its own, described with the
attribution of the EU Vocabularies tables, loadable as its named graph."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from euproj_rdf import load_release_info, publish
from euproj_rdf.cli import app
from euproj_rdf.errors import ConfigError
from euproj_rdf.importers import import_files
from euproj_rdf.resources import DCAT_AP_SHAPES_FILE, resource
from euproj_rdf.store import load_store

ROOT = Path(__file__).resolve().parents[1]
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCT = rdflib.DCTERMS
DATASET = rdflib.URIRef("https://w3id.org/euproj/dataset")
DIST = rdflib.URIRef("https://w3id.org/euproj/dataset/distribution/authority-labels.nq")
GRAPH = "https://w3id.org/euproj/graph/authority-labels"


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    out = tmp_path_factory.mktemp("labels") / "labels"
    import_files("labels", [ROOT / "tests" / "data" / "import" / "labels" / "countries.ttl"], out)
    return out / "authority-labels.nq"


@pytest.fixture(scope="module")
def release(seed_build, labels, tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "release"
    info = load_release_info(ROOT / "release.yaml")
    return publish(seed_build.ntriples.parent, out, info=info, dcat_shapes=resource(DCAT_AP_SHAPES_FILE), labels=labels)


def test_labels_are_a_distribution_with_the_tables_attribution(release, labels):
    assert (release.folder / "authority-labels.nq").read_bytes() == labels.read_bytes()
    g = rdflib.Graph().parse(release.folder / "description.ttl")
    assert (DATASET, DCAT.distribution, DIST) in g
    assert g.value(DIST, DCAT.mediaType) == rdflib.URIRef("http://www.iana.org/assignments/media-types/application/n-quads")
    assert g.value(DIST, DCT.license) == rdflib.URIRef("http://publications.europa.eu/resource/authority/licence/COM_REUSE")
    rights = g.value(g.value(DIST, DCT.rights), rdflib.RDFS.label)
    assert "Publications Office of the European Union, EU Vocabularies" in str(rights)
    assert list(g.objects(DIST, DCT.source)) == [rdflib.URIRef("http://publications.europa.eu/resource/authority/country")]
    assert str(g.value(DIST, DCT.identifier)) == GRAPH
    assert int(g.value(DIST, DCAT.byteSize)) == labels.stat().st_size
    checksum = g.value(g.value(DIST, SPDX.checksum), SPDX.checksumValue)
    assert str(checksum) == hashlib.sha256(labels.read_bytes()).hexdigest()


def test_released_labels_load_as_their_named_graph(release, seed_build, tmp_path):
    load_store(seed_build.ntriples, tmp_path / "store", named=[release.folder / "authority-labels.nq"])
    rows = ox.Store(str(tmp_path / "store")).query(
        "SELECT ?sv WHERE { GRAPH <%s> { <http://publications.europa.eu/resource/authority/country/SWE> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?sv FILTER (lang(?sv) = 'sv') } }" % GRAPH)
    assert [r["sv"].value for r in rows] == ["Sverige"]


def test_labels_named_in_release_yaml_and_on_the_command_line(seed_build, labels, tmp_path):
    config = tmp_path / "release.yaml"
    (tmp_path / "labels.nq").write_bytes(labels.read_bytes())
    config.write_text((ROOT / "release.yaml").read_text(encoding="utf-8") + "labels: labels.nq\n", encoding="utf-8")
    assert load_release_info(config).labels == tmp_path / "labels.nq"
    out = tmp_path / "release"
    result = CliRunner().invoke(app, ["publish", "--dist", str(seed_build.ntriples.parent), "--out", str(out),
                                      "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert (out / "authority-labels.nq").is_file()


def test_a_file_that_is_not_a_labels_graph_is_refused(seed_build, tmp_path):
    bad = tmp_path / "other.nq"
    bad.write_text('<http://a.example/s> <http://a.example/p> "o" <http://a.example/g> .\n', encoding="utf-8")
    info = load_release_info(ROOT / "release.yaml")
    with pytest.raises(ConfigError, match=r"other\.nq: a quad outside the graph <https://w3id\.org/euproj/graph/authority-labels>: "
                                          r"not a labels file written by 'euproj-rdf import labels'$"):
        publish(seed_build.ntriples.parent, tmp_path / "release", info=info, dcat_shapes=resource(DCAT_AP_SHAPES_FILE), labels=bad)
    assert not (tmp_path / "release").exists()
    result = CliRunner().invoke(app, ["publish", "--dist", str(seed_build.ntriples.parent), "--out", str(tmp_path / "r"),
                                      "--config", str(ROOT / "release.yaml"), "--labels", str(tmp_path / "none.nq")])
    assert result.exit_code == 2
    assert "none.nq: no such labels file; write one with 'euproj-rdf import labels'" in result.output
