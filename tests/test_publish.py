"""The release folder: dumps a portal accepts, a DCAT-AP 3 + VoID description that conforms to the
official DCAT-AP 3 shapes, exact byte sizes and checksums, and the same bytes every time."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from euproj_rdf import load_release_info, publish
from euproj_rdf.cli import app
from euproj_rdf.errors import ConfigError
from euproj_rdf.publish import DescriptionError
from euproj_rdf.resources import DCAT_AP_SHAPES_FILE, resource

ROOT = Path(__file__).resolve().parents[1]
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCT = rdflib.DCTERMS
DATASET = rdflib.URIRef("https://w3id.org/euproj/dataset")


@pytest.fixture(scope="module")
def release(seed_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "release"
    info = load_release_info(ROOT / "release.yaml")
    result = publish(seed_build.ntriples.parent, out, info=info, dcat_shapes=resource(DCAT_AP_SHAPES_FILE))
    return result


@pytest.fixture(scope="module")
def description(release):
    return rdflib.Graph().parse(release.folder / "description.ttl")


def test_release_holds_the_three_dumps_the_statistics_and_the_description(release):
    assert sorted(release.files) == ["description.ttl", "euproj-statistics.nt", "euproj-statistics.ttl",
                                     "euproj.jsonld", "euproj.nt.gz", "euproj.ttl"]


def test_statistics_are_a_distribution_and_a_void_subset(release, description):
    qb = rdflib.URIRef("http://purl.org/linked-data/cube#")
    for name in ("euproj-statistics.ttl", "euproj-statistics.nt"):
        dist = rdflib.URIRef(f"https://w3id.org/euproj/dataset/distribution/{name}")
        assert (DATASET, DCAT.distribution, dist) in description
        assert (dist, DCT.conformsTo, qb) in description
    subset = rdflib.URIRef("https://w3id.org/euproj/dataset/statistics")
    assert (DATASET, VOID.subset, subset) in description
    assert (subset, VOID.vocabulary, qb) in description


def test_dumps_are_the_same_graph(release, seed_build):
    """No blank nodes in our data, so the same graph means the same set of canonical triples."""
    with gzip.open(release.folder / "euproj.nt.gz", "rb") as fh:
        assert fh.read() == seed_build.ntriples.read_bytes()
    nt = {str(t) for t in ox.parse(path=str(seed_build.ntriples), format=ox.RdfFormat.N_TRIPLES)}
    for name, fmt in (("euproj.jsonld", ox.RdfFormat.JSON_LD), ("euproj.ttl", ox.RdfFormat.TURTLE)):
        assert {str(t) for t in ox.parse(path=str(release.folder / name), format=fmt)} == nt, name


def test_each_distribution_has_its_true_size_checksum_and_media_type(release, description):
    dists = list(description.objects(DATASET, DCAT.distribution))
    assert len(dists) == 5
    for dist in dists:
        url = str(description.value(dist, DCAT.downloadURL))
        path = release.folder / url.rsplit("/", 1)[1]
        assert int(description.value(dist, DCAT.byteSize)) == path.stat().st_size
        checksum = description.value(dist, SPDX.checksum)
        assert description.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(description.value(checksum, SPDX.checksumValue)) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert str(description.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
    gz = rdflib.URIRef("https://w3id.org/euproj/dataset/distribution/euproj.nt.gz")
    assert description.value(gz, DCAT.compressFormat) == rdflib.URIRef(
        "http://www.iana.org/assignments/media-types/application/gzip")


def test_dataset_metadata(description):
    titles = {t.language: str(t) for t in description.objects(DATASET, DCT.title)}
    assert set(titles) == {"en", "sv"}
    assert description.value(DATASET, DCT.license) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert str(description.value(DATASET, DCT.issued)) == "2026-11-25"
    assert str(description.value(DATASET, DCAT.version)) == "0.1.0"
    assert set(description.objects(DATASET, DCT.conformsTo)) == {
        rdflib.URIRef("https://w3id.org/euproj/ontology"), rdflib.URIRef("https://w3id.org/euproj/shapes")}
    spatial = {str(c).rsplit("/", 1)[1] for c in description.objects(DATASET, DCT.spatial)}
    assert {"SWE", "DNK", "NOR", "FIN", "DEU", "POL"} <= spatial
    languages = {str(c).rsplit("/", 1)[1] for c in description.objects(DATASET, DCT.language)}
    assert {"SWE", "DAN", "ENG"} <= languages  # one for every language tag of the dump
    period = description.value(DATASET, DCT.temporal)
    assert (str(description.value(period, DCAT.startDate)), str(description.value(period, DCAT.endDate))) == ("2007", "2022")


def test_void_statistics_match_the_graph(release, description, seed_build):
    store = ox.Store()
    store.bulk_load(path=str(seed_build.ntriples), format=ox.RdfFormat.N_TRIPLES)
    assert int(description.value(DATASET, VOID.triples)) == len(store) == release.triples
    projects = next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/euproj/ontology#Project> }")))["n"].value
    partitions = {description.value(p, VOID["class"]): int(description.value(p, VOID.entities))
                  for p in description.objects(DATASET, VOID.classPartition)}
    assert partitions[rdflib.URIRef("https://w3id.org/euproj/ontology#Project")] == int(projects) == 33
    linksets = {str(description.value(ls, VOID.objectsTarget)).rsplit("/", 1)[1]: int(description.value(ls, VOID.triples))
                for ls in description.objects(DATASET, VOID.subset)
                if str(description.value(ls, VOID.linkPredicate)).endswith("#country")}
    countries = next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://w3id.org/euproj/ontology#country> ?c }")))["n"].value
    assert linksets == {"country": int(countries)}


def test_every_link_target_has_a_linkset_with_its_count(description, seed_build):
    """Linksets name the target dataset (NUTS with its version) and count the links exactly."""
    store = ox.Store()
    store.bulk_load(path=str(seed_build.ntriples), format=ox.RdfFormat.N_TRIPLES)
    found = {(str(description.value(ls, VOID.linkPredicate)), str(description.value(ls, VOID.objectsTarget))):
             int(description.value(ls, VOID.triples)) for ls in description.objects(DATASET, VOID.subset)
             if (ls, rdflib.RDF.type, VOID.Linkset) in description}

    def count(pred, prefix):
        return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{pred}> ?o "
                                         f"FILTER STRSTARTS(STR(?o), \"{prefix}\") }}")))["n"].value)

    ep, owl = "https://w3id.org/euproj/ontology#", "http://www.w3.org/2002/07/owl#"
    nuts = "http://data.europa.eu/nuts/scheme/2021"
    assert found[(ep + "nutsRegion", nuts)] == count(ep + "nutsRegion", "http://data.europa.eu/nuts/code/") > 100
    assert found[(ep + "coversRegion", nuts)] == count(ep + "coversRegion", "http://data.europa.eu/nuts/code/") > 20
    assert found[(owl + "sameAs", "http://www.wikidata.org/")] == count(owl + "sameAs", "http://www.wikidata.org/") >= 15
    authority = "http://publications.europa.eu/resource/authority/"
    assert found[(ep + "memberCountry", authority + "country")] == 9
    assert found[(ep + "currency", authority + "currency")] == count(ep + "currency", authority + "currency/")


def test_release_is_deterministic(release, seed_build, tmp_path):
    info = load_release_info(ROOT / "release.yaml")
    again = publish(seed_build.ntriples.parent, tmp_path / "again", info=info, dcat_shapes=resource(DCAT_AP_SHAPES_FILE))
    for name in release.files:
        assert (again.folder / name).read_bytes() == (release.folder / name).read_bytes(), name


def test_a_description_that_breaks_dcat_ap_is_refused_and_nothing_is_written(seed_build, tmp_path):
    info = load_release_info(ROOT / "release.yaml")
    broken = tmp_path / "shapes.ttl"
    # a stricter copy of the official shapes: every dataset must also have a dct:creator
    broken.write_text(resource(DCAT_AP_SHAPES_FILE).read_text(encoding="utf-8") + """
<urn:test#creator> a <http://www.w3.org/ns/shacl#NodeShape> ;
  <http://www.w3.org/ns/shacl#targetClass> <http://www.w3.org/ns/dcat#Dataset> ;
  <http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <http://purl.org/dc/terms/creator> ;
                                           <http://www.w3.org/ns/shacl#minCount> 1 ] .
""", encoding="utf-8")
    with pytest.raises(DescriptionError, match="does not conform"):
        publish(seed_build.ntriples.parent, tmp_path / "release", info=info, dcat_shapes=broken)
    assert not (tmp_path / "release").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".release")] == []


def test_missing_date_is_a_configuration_error(tmp_path):
    config = tmp_path / "release.yaml"
    config.write_text((ROOT / "release.yaml").read_text(encoding="utf-8").replace('issued: "2026-11-25"\n', ""),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'issued' date: write it in the file or give --issued"):
        load_release_info(config)
    assert load_release_info(config, issued="2026-12-01").issued == "2026-12-01"


def test_cli_publish(seed_build, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(seed_build.ntriples.parent, dist)
    result = CliRunner().invoke(app, ["publish", "--dist", str(dist), "--out", str(tmp_path / "rel"),
                                      "--config", str(ROOT / "release.yaml"), "--modified", "2026-12-24"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {tmp_path / 'rel'}: description.ttl (")
    g = rdflib.Graph().parse(tmp_path / "rel" / "description.ttl")
    assert str(g.value(DATASET, DCT.modified)) == "2026-12-24"
