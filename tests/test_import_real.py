"""euproj-rdf import on the EU's real files (../shared/eudata): each format imports its real
file, builds, validates and loads; a curated seed project's organisation is joined with its
CORDIS participations through the reconciled organisation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from euproj_rdf import pipeline
from euproj_rdf.importers import import_files
from euproj_rdf.store import load_store

ROOT = Path(__file__).resolve().parents[1]
EUDATA = ROOT.parent / "shared" / "eudata"
DATA = ROOT / "tests" / "data" / "import"
CORDIS_SUBSET = EUDATA / "cordis" / "edvard_h2020_semiconductor_ev"
HORIZON_TABLES = EUDATA / "cordis" / "mda_horizon_europe_2025"
KOHESIO_ANSWER = EUDATA / "kohesio" / "ireland_mcp_fixture" / "projects-ie.json"
INTERREG = EUDATA / "interreg" / "eubfr_data_lake_etl_stubs"

pytestmark = pytest.mark.skipif(not EUDATA.is_dir(), reason="the real EU files (../shared/eudata) are not here")

EP = "PREFIX ep: <https://w3id.org/euproj/ontology#>\n"


def records_copy(tmp_path: Path) -> Path:
    target = tmp_path / "records"
    shutil.copytree(ROOT / "records", target)
    return target


def build_and_load(recs: Path, tmp_path: Path) -> ox.Store:
    result = pipeline.build(recs, tmp_path / "dist", workers=1)
    assert result.written and not result.report.violations
    load_store(tmp_path / "dist" / "euproj.nt", tmp_path / "store")
    return ox.Store(str(tmp_path / "store"))


def count(store: ox.Store, where: str) -> int:
    rows = list(store.query(EP + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


def test_cordis_json_subset_imports_builds_validates_and_loads(tmp_path):
    recs = records_copy(tmp_path)
    result = import_files("cordis", [CORDIS_SUBSET / "project.json", CORDIS_SUBSET / "organization.json"],
                          recs / "cordis", records=recs)
    assert result.rejects == 0
    assert result.counts["project"] == 26
    store = build_and_load(recs, tmp_path)
    assert count(store, "?p ep:cordisProjectId ?id") == 26
    # every one of the 1 076 participations: rows of one organisation in one project are one participation
    projects = yaml.safe_load((recs / "cordis" / "projects.yaml").read_text(encoding="utf-8"))
    texts = sum(p["text"].count("organization.json row") for r in projects for p in r.get("participants", []))
    assert texts == 1076
    assert count(store, "?x ep:role <https://w3id.org/euproj/concept/role/third-party>") == 46


def test_horizon_europe_legal_basis_and_topic_tables_give_titles(tmp_path):
    out = tmp_path / "out"
    import_files("cordis", [DATA / "cordis" / "project.csv", HORIZON_TABLES / "legalBasis.csv",
                            HORIZON_TABLES / "topics.csv"], out, records=None, allow_rejects=True)
    programmes = {r["id"]: r for r in yaml.safe_load((out / "programmes.yaml").read_text(encoding="utf-8"))}
    assert programmes["cordis-horizon-2-5"]["name"] == {"en": "Climate, Energy and Mobility"}
    assert programmes["cordis-horizon-2-5"]["broader"] == "cordis-horizon-2"


def test_kohesio_api_answer_imports_builds_and_loads(tmp_path):
    recs = records_copy(tmp_path)
    result = import_files("kohesio", [KOHESIO_ANSWER], recs / "kohesio", records=recs)
    assert result.counts["project"] == 5 and result.rejects == 0
    store = build_and_load(recs, tmp_path)
    assert count(store, "?p ep:kohesioId ?q ; <http://www.w3.org/2002/07/owl#sameAs> ?e") == 5


def test_interreg_operation_record_through_a_layout(tmp_path):
    recs = records_copy(tmp_path)
    result = import_files("table", [INTERREG / "2014tc16rfcb014_csv_record.json"], recs / "central-baltic",
                          records=recs, layout=DATA / "table" / "central-baltic.layout.yaml")
    assert result.counts == {"organisation": 8, "programme": 1, "project": 1, "source": 1}
    store = build_and_load(recs, tmp_path)
    assert count(store, "<https://w3id.org/euproj/id/project/central-baltic-the-developer-of-digital-health-and-welfare-services> ep:participation ?x") == 8


def test_a_seed_organisation_joined_with_its_cordis_participations(tmp_path):
    """Lunds universitet is a curated organisation of the seed projects and a participant of
    the real CORDIS subset (PIC 999901318). The curated record has no PIC and no city, so the
    match is uncertain and goes to the SSSOM table; a curator accepts it, and the re-import
    refers to the curated organisation."""
    recs = records_copy(tmp_path)
    files = [CORDIS_SUBSET / "project.json", CORDIS_SUBSET / "organization.json"]
    out = recs / "cordis"
    import_files("cordis", files, out, records=recs)
    table = out / "organisations.sssom.tsv"
    text = table.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("euproj:lunds-universitet\t"))
    assert "\teuproj:pic-999901318\t" in row
    table.write_text(text.replace(row, row.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration")),
                     encoding="utf-8")
    result = import_files("cordis", files, out, records=recs)
    assert result.merged_into_existing == 1
    store = build_and_load(recs, tmp_path)
    query = EP + """
        SELECT ?seed ?cordis ?grant WHERE {
          ?seed ep:participation/ep:participant ?org .
          FILTER NOT EXISTS { ?seed ep:cordisProjectId [] }
          ?cordis ep:participation/ep:participant ?org ; ep:cordisProjectId ?grant .
          FILTER (?org = <https://w3id.org/euproj/id/organisation/lunds-universitet>)
        } ORDER BY ?seed ?grant"""
    rows = {(r["seed"].value.rsplit("/", 1)[1], r["grant"].value) for r in store.query(query)}
    seeds = {"klimatvaxling-i-skane", "life-coast-adapt", "lighting-metropolis-green-economy", "matchit",
             "nyanlanda-akademiker", "reprounion"}
    # Lund coordinates 654148 and takes part in 876124 in the CORDIS subset
    assert rows == {(seed, grant) for seed in seeds for grant in ("654148", "876124")}


def test_country_table_labels_in_every_eu_language(tmp_path):
    from euproj_rdf.importers.labels import EU_LANGUAGES

    table = EUDATA / "vocab" / "europarl_nal" / "countries-skos.rdf"
    import_files("labels", [table], tmp_path / "labels")
    text = (tmp_path / "labels" / "authority-labels.nq").read_text(encoding="utf-8")
    swe = [line for line in text.splitlines() if line.startswith("<http://publications.europa.eu/resource/authority/country/SWE> ")]
    langs = {line.rsplit("@", 1)[1].split(" ")[0] for line in swe}
    assert langs == EU_LANGUAGES
    assert '"Sverige"@sv' in text and '"Sweden"@en' in text
