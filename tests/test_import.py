"""euproj-rdf import: every quirk of the EU's exports, the rejects report, reconciliation and the
records that build reads. Fixtures in tests/data/import are written for these tests in the
layouts of the real files; tests of the real files read ../shared/eudata and skip without it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from typer.testing import CliRunner

from euproj_rdf import pipeline
from euproj_rdf.cli import app
from euproj_rdf.derived import DISPLAY_NAME, RULES
from euproj_rdf.importers import ImportInputError, ImportRejected, import_files
from euproj_rdf.importers.read import read_table
from euproj_rdf.importers.values import BadValue, amount, date, nuts, pic, postcode
from euproj_rdf.vocab import DATA as DATA_IRI

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "import"
CORDIS = [DATA / "cordis" / "project.csv", DATA / "cordis" / "organization.csv"]

runner = CliRunner()


def records_copy(tmp_path: Path) -> Path:
    target = tmp_path / "records"
    shutil.copytree(ROOT / "records", target)
    return target


def load(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in yaml.safe_load(path.read_text(encoding="utf-8")) or []}


def rejects(out: Path) -> list[tuple[str, str, str, str]]:
    lines = (out / "rejects.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file\trow\tcolumn\treason"
    return [tuple(line.split("\t")) for line in lines[1:]]  # type: ignore[misc]


@pytest.fixture(scope="module")
def cordis_fixture(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cordis")
    recs = records_copy(tmp)
    result = import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    return recs, result


# --------------------------------------------------------------------------- values


def test_amounts_with_decimal_commas_and_points():
    assert amount("1234567,50") == amount("1234567.50") == amount("1.234.567,50") == amount("1,234,567.50")
    assert str(amount("250000,5")) == "250000.5"
    with pytest.raises(BadValue, match="ambiguous"):
        amount("1,234")
    with pytest.raises(BadValue, match="is not an amount"):
        amount("twelve")


def test_dates_as_dd_mm_yyyy_and_impossible_dates():
    assert date("01/09/2021") == date("01.09.2021") == date("2021-09-01") == "2021-09-01"
    with pytest.raises(BadValue, match="impossible date"):
        date("31/02/2022")


def test_ids_and_postcodes_get_their_leading_zeros_back():
    assert pic("12345678") == pic("012345678") == pic("12345678.0") == "012345678"
    assert postcode("912", "DEU") == "00912"
    assert postcode("912", "IRL") == "912"


def test_nuts_codes_are_checked_against_the_real_lists_of_2021_and_2024():
    assert nuts("SE224") == "SE224"
    with pytest.raises(BadValue, match="'DEF99' is not a NUTS 2021/2024 code"):
        nuts("DEF99")


# --------------------------------------------------------------------------- reading


def test_semicolons_bom_doubled_quotes_and_embedded_newlines():
    rows = list(read_table(CORDIS[0]))
    assert "id" in rows[0].cells  # the BOM is not part of the first column's name
    assert rows[0].cells["title"] == '"Green" ports for the Baltic'
    assert rows[0].cells["objective"] == 'Ports that run on "green" power.\nA second line of the objective.'
    # the row numbers are the file's lines: the second record starts after the embedded newline
    assert [r.row for r in rows] == [2, 4, 5, 6]


def test_a_file_that_is_not_utf8_is_refused_or_read_in_the_declared_encoding(tmp_path):
    latin = DATA / "cordis" / "project-cp1252.csv"
    result = runner.invoke(app, ["import", "cordis", str(latin), "--out", str(tmp_path / "out"),
                                 "--records", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.strip() == ("Error: project-cp1252.csv: line 2: not UTF-8 (byte 0xe9 at offset 89); "
                                     "give the file's encoding with --encoding (for example cp1252 or latin-1)")
    assert not (tmp_path / "out").exists()
    ok = runner.invoke(app, ["import", "cordis", str(latin), "--encoding", "cp1252", "--out", str(tmp_path / "out"),
                             "--records", str(tmp_path / "none")])
    assert ok.exit_code == 0, ok.output
    assert load(tmp_path / "out" / "projects.yaml")["cordis-101000009"]["title"] == {"en": "Café culture in Göteborg"}


def test_excel_ids_behind_hyperlink_formulas(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "project"
    ws.append(["id", "acronym", "title", "startDate", "endDate", "frameworkProgramme", "totalCost"])
    ws.append(['=HYPERLINK("https://cordis.europa.eu/project/id/101000001","101000001")', "XL", "From Excel",
               "2021-01-01", "2022-01-01", "HORIZON", 1500.5])
    orgs = wb.create_sheet("organization")
    orgs.append(["projectID", "organisationID", "name", "country", "city", "role", "activityType"])
    orgs.append(['=HYPERLINK("https://cordis.europa.eu/project/id/101000001";"101000001")',
                 '=HYPERLINK("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/how-to-participate/org-details/12345678","12345678")',
                 "Excel Org", "SE", "Malmö", "coordinator", "PRC"])
    path = tmp_path / "cordis.xlsx"
    wb.save(path)
    out = tmp_path / "out"
    import_files("cordis", [path], out, records=None)
    project = load(out / "projects.yaml")["cordis-101000001"]
    assert project["cordis"] == "101000001"
    assert project["participants"] == [{"organisation": "pic-012345678", "roles": ["coordinator"],
                                        "text": "role: coordinator (cordis.xlsx sheet 'organization' row 2)"}]
    assert project["funding"][0]["amount"] == 1500.5


# --------------------------------------------------------------------------- CORDIS


def test_cordis_rejects_report_names_file_row_column_and_reason(cordis_fixture):
    recs, result = cordis_fixture
    assert rejects(recs / "cordis") == [
        ("organization.csv", "6", "nutsCode", "'DEF99' is not a NUTS 2021/2024 code"),
        ("organization.csv", "8", "activityType", "'HES;REC' names no single known activity type"),
        ("organization.csv", "9", "projectID", "row not imported: project 999999 is not in the project file"),
        ("organization.csv", "10", "role", "row not imported: unknown role 'observer'"),
        ("project.csv", "5", "startDate", "'31/02/2022' is an impossible date (day is out of range for month)"),
        ("project.csv", "6", "id", "row not imported: no project number"),
    ]
    assert (result.rejects, result.rejected_rows) == (6, 3)


def test_cordis_maps_roles_funding_programmes_and_quirks(cordis_fixture):
    recs, _ = cordis_fixture
    projects = load(recs / "cordis" / "projects.yaml")
    orgs = load(recs / "cordis" / "organisations.yaml")
    great = projects["cordis-101000001"]
    assert great["title"] == {"en": '"Green" ports for the Baltic'}
    assert great["period"] == {"start": "2021-09-01", "end": "2024-08-31",
                               "text": "startDate: 01/09/2021; endDate: 31/08/2024 (project.csv row 2)"}
    assert great["programme"] == {"id": "cordis-horizon-2-5", "text": "legalBasis: HORIZON.2.5 (project.csv row 2)"}
    assert {p["organisation"]: p["roles"] for p in great["participants"]} == {
        "pic-012345678": ["coordinator"], "pic-999999998": ["participant"], "pic-888888881": ["third-party"],
        "pic-777777772": ["international-partner"], "pic-666666663": ["associated-partner"]}
    kinds = [(f["kind"], str(f["amount"]), f.get("recipients")) for f in great["funding"]]
    assert kinds[:2] == [("total-budget", "12345678.5", None), ("eu-max-contribution", "10000000.25", None)]
    assert ("eu-contribution", "250000.5", ["pic-012345678"]) in kinds
    assert ("eu-net-contribution", "250000.5", ["pic-012345678"]) in kinds
    assert ("eligible-cost", "300000", ["pic-012345678"]) in kinds
    assert ("eu-contribution", "1234567.89", ["pic-999999998"]) in kinds  # 1.234.567,89
    assert ("eligible-cost", "2000000", ["pic-999999998"]) in kinds  # 2,000,000.00
    # an empty legalBasis: the framework programme; programmes form the CORDIS hierarchy
    assert projects["cordis-954321"]["programme"]["id"] == "cordis-h2020"
    programmes = load(recs / "cordis" / "programmes.yaml")
    assert programmes["cordis-horizon-2-5"]["broader"] == "cordis-horizon-2"
    assert programmes["cordis-horizon-2"]["broader"] == "cordis-horizon"
    assert programmes["cordis-h2020-eu-3-4"]["broader"] == "cordis-h2020-eu-3"
    assert programmes["cordis-h2020-eu-3"]["broader"] == "cordis-h2020"
    # PRC;PRC is one activity type; 912 in Germany is 00912; N.a. is no value
    assert orgs["pic-999999998"]["kind"] == "company"
    assert orgs["pic-999999998"]["kind_text"] == "activityType: PRC;PRC"
    assert orgs["pic-999999998"]["postcode"] == "00912"
    assert "website" not in orgs["pic-888888881"]
    assert orgs["pic-555555554"]["country"] == "GRC"  # EL
    # one PIC, two spellings, two rows: one organisation keeping both
    lund = orgs["pic-012345678"]
    assert lund["alt_names"] == ["LU", "Lund University"]
    assert lund["sources"] == [{"document": "cordis-organization-csv", "text": "row 2"},
                               {"document": "cordis-organization-csv", "text": "row 7"}]


def test_cordis_import_builds_and_validates(cordis_fixture, tmp_path):
    recs, _ = cordis_fixture
    result = pipeline.build(recs, tmp_path, workers=1)
    assert result.written and not result.report.violations
    nt = (tmp_path / "euproj.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/euproj/concept/role/third-party> <http://www.w3.org/2004/02/skos/core#notation>" in nt
    assert "<http://data.europa.eu/nuts/code/SE224>" in nt


def test_rejected_rows_exit_non_zero_unless_allowed(tmp_path):
    recs = records_copy(tmp_path)
    args = ["import", "cordis", *map(str, CORDIS), "--records", str(recs), "--out", str(recs / "cordis")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last == (f"Error: 6 row(s) or value(s) rejected (3 whole row(s)), listed in {recs / 'cordis' / 'rejects.tsv'}; "
                    "the rest was written. Pass --allow-rejects to accept that.")
    assert (recs / "cordis" / "projects.yaml").is_file()
    assert runner.invoke(app, [*args, "--allow-rejects"]).exit_code == 0


def test_reimport_gives_byte_identical_files(tmp_path):
    recs = records_copy(tmp_path)
    import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    first = {p.name: p.read_bytes() for p in sorted((recs / "cordis").iterdir())}
    import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    assert {p.name: p.read_bytes() for p in sorted((recs / "cordis").iterdir())} == first


def test_participations_read_ahead_and_prepared_there_give_the_same_files(tmp_path, monkeypatch):
    """A big organisation file is read, and its rows' values checked, by a second process; the
    records and the rejects report (every quirk of the fixture) are those of reading it here."""
    from euproj_rdf.importers import ahead, cordis

    recs = records_copy(tmp_path / "here")
    import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    here = {p.name: p.read_bytes() for p in sorted((recs / "cordis").iterdir())}
    prepared: list[bool] = []
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    monkeypatch.setattr(cordis, "_participation", _counting(cordis._participation, prepared))
    recs = records_copy(tmp_path / "ahead")
    import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    assert prepared and all(prepared), "a row came without what the reading process made of it"
    assert {p.name: p.read_bytes() for p in sorted((recs / "cordis").iterdir())} == here
    assert len(rejects(recs / "cordis")) >= 5


def _counting(participation, prepared: list):
    def counted(ctx, row, projects):
        prepared.append(row.prepared is not None)
        return participation(ctx, row, projects)
    return counted


def test_a_failing_import_leaves_the_output_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "projects.yaml").write_text("- keep me\n", encoding="utf-8")
    with pytest.raises(ImportInputError, match="no-such.csv: no such file"):
        import_files("cordis", [tmp_path / "no-such.csv"], out, records=None)
    assert (out / "projects.yaml").read_text(encoding="utf-8") == "- keep me\n"


# --------------------------------------------------------------------------- reconciliation


def test_uncertain_matches_go_to_sssom_and_accepted_ones_merge(tmp_path):
    recs = records_copy(tmp_path)
    out = recs / "cordis"
    import_files("cordis", CORDIS, out, records=recs, allow_rejects=True)
    table = (out / "organisations.sssom.tsv").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith("euproj:lunds-universitet"))
    assert row.split("\t")[:7] == ["euproj:lunds-universitet", "Lunds universitet", "skos:exactMatch",
                                   "euproj:pic-012345678", "LUNDS UNIVERSITET", "semapv:LexicalMatching", "0.700"]
    assert "pic-012345678" in load(out / "organisations.yaml")  # not merged silently
    # a curator accepts the row; the next import refers to the curated record
    (out / "organisations.sssom.tsv").write_text(
        table.replace(row, row.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration")), encoding="utf-8")
    result = import_files("cordis", CORDIS, out, records=recs, allow_rejects=True)
    assert result.merged_into_existing == 1
    assert "pic-012345678" not in load(out / "organisations.yaml")
    great = load(out / "projects.yaml")["cordis-101000001"]
    assert great["participants"][0]["organisation"] == "lunds-universitet"
    assert "semapv:ManualMappingCuration" in (out / "organisations.sssom.tsv").read_text(encoding="utf-8")


def test_organisations_merge_across_imports_by_pic(tmp_path):
    recs = records_copy(tmp_path)
    import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True)
    import_files("keep", [DATA / "keep" / "projects.csv", DATA / "keep" / "partners.csv"], recs / "keep",
                 records=recs, allow_rejects=True)
    # keep.eu's Aarhus University has a PIC of its own; CORDIS's organisations are not written again
    keep_orgs = load(recs / "keep" / "organisations.yaml")
    assert not set(keep_orgs) & set(load(recs / "cordis" / "organisations.yaml"))
    assert pipeline.build(recs, tmp_path / "dist", workers=1).written


# --------------------------------------------------------------------------- Kohesio, keep.eu, table


def test_kohesio_csv(tmp_path):
    recs = records_copy(tmp_path)
    out = recs / "kohesio"
    import_files("kohesio", [DATA / "kohesio" / "IE-pp14-20.csv"], out, records=recs, allow_rejects=True)
    assert rejects(out) == [
        ("IE-pp14-20.csv", "3", "NUTS3_Code", "'IE099' is not a NUTS 2021/2024 code"),
        ("IE-pp14-20.csv", "4", "Operation_Unique_Identifier",
         "'not-an-entity' is not a Kohesio entity (https://linkedopendata.eu/entity/Q…)"),
        ("IE-pp14-20.csv", "4", "Operation_Unique_Identifier", "row not imported: the Kohesio entity cannot be read"),
    ]
    projects = load(out / "projects.yaml")
    walk = projects["kohesio-q9000001"]
    assert walk["kohesio"] == "Q9000001" and walk["identifier"] == "0042"
    assert walk["period"]["start"] == "2016-03-01" and walk["territory"] == ["IE053"]
    eu = walk["funding"][1]
    assert (eu["kind"], eu["amount"], eu["rate"], eu["fund"]) == ("eu-contribution", 600000, 0.5, "erdf")
    assert walk["participants"][0]["roles"] == ["beneficiary"]
    # EAFRD is the curated fund; the Kohesio beneficiary entity is an identifier of the organisation
    assert projects["kohesio-q9000002"]["funding"][1]["fund"] == "eafrd"
    orgs = load(out / "organisations.yaml")
    assert orgs["kohesio-q9100001"]["kohesio"] == "Q9100001"
    # the curated ERDF has only a Swedish name: Kohesio's Fund_Name becomes its English one
    facts = load(out / "facts.yaml")
    assert facts["erdf"] == {"type": "fund_facts", "id": "erdf", "name": {"en": "European Regional Development Fund"},
                             "sources": [{"document": "kohesio-ie-pp14-20-csv", "text": "row 2"}]}
    assert "eafrd" not in facts  # it has an English name
    assert pipeline.build(recs, tmp_path / "dist", workers=1).written


def test_keep_csv_pair(tmp_path):
    recs = records_copy(tmp_path)
    out = recs / "keep"
    import_files("keep", [DATA / "keep" / "projects.csv", DATA / "keep" / "partners.csv"], out, records=recs,
                 allow_rejects=True)
    assert rejects(out) == [
        ("partners.csv", "5", "Project ID", "row not imported: project 17000 is not in the projects sheet"),
        ("partners.csv", "6", "Lead partner", "row not imported: 'Perhaps' is neither Yes nor No"),
    ]
    great = load(out / "projects.yaml")["keep-16534"]
    assert great["keep_eu"] == "16534"
    assert [p["roles"] for p in great["participants"]] == [["lead-partner"], ["partner"]]
    assert [(f["kind"], f["amount"]) for f in great["funding"]] == [
        ("total-budget", 2345678), ("eu-contribution", 1172839), ("eu-contribution", 400000)]
    assert great["funding"][1]["rate"] == 0.5 and great["funding"][2]["fund"] == "erdf"
    tide = load(out / "projects.yaml")["keep-16999"]
    assert "funding" not in tide  # N.a.
    assert pipeline.build(recs, tmp_path / "dist", workers=1).written


def test_keep_two_sheet_workbook_with_hyperlink_ids(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import csv

    wb = openpyxl.Workbook()
    for n, (name, src) in enumerate((("Search results, projects", "projects.csv"),
                                     ("Search results, partners", "partners.csv"))):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = name
        with (DATA / "keep" / src).open(encoding="utf-8", newline="") as fh:
            for i, cells in enumerate(csv.reader(fh)):
                if i and cells[0].isdigit():
                    cells[0] = f'=HYPERLINK("https://keep.eu/projects/{cells[0]}/","{cells[0]}")'
                ws.append(cells)
    path = tmp_path / "keep.xlsx"
    wb.save(path)
    out = tmp_path / "out"
    import_files("keep", [path], out, records=None, allow_rejects=True)
    assert load(out / "projects.yaml")["keep-16534"]["keep_eu"] == "16534"
    assert rejects(out)[0] == ("keep.xlsx", "5", "Project ID",
                               "row not imported: project 17000 is not in the projects sheet")


def test_table_through_a_layout(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ImportRejected):
        import_files("table", [DATA / "table" / "operations.csv"], out, records=None,
                     layout=DATA / "table" / "central-baltic.layout.yaml")
    projects = load(out / "projects.yaml")
    op = projects["central-baltic-sea-trail"]
    assert op["period"] == {"start": "2016-05-01", "end": "2019-04-30",
                            "text": "Operation start date: 01.05.2016; Operation end date: 30.04.2019 (operations.csv row 2)"}
    assert [p["roles"] for p in op["participants"]] == [["lead-partner"], ["partner"], ["associated-partner"]]
    assert rejects(out) == [("operations.csv", "3", "Country", "2 values for 3 partners; the column is left out")]


def test_bad_layout_is_named(tmp_path):
    layout = tmp_path / "bad.yaml"
    layout.write_text("project: {name: Title}\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "table", str(DATA / "table" / "operations.csv"), "--layout", str(layout),
                                 "--out", str(tmp_path / "out"), "--records", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {layout}: 'project.title' names the column of the project titles"


# --------------------------------------------------------------------------- authority labels


def test_authority_labels_as_a_named_graph(tmp_path):
    import pyoxigraph as ox

    from euproj_rdf.store import load_store

    out = tmp_path / "labels"
    result = import_files("labels", [DATA / "labels" / "countries.ttl"], out)
    assert result.counts == {"label": 8}  # Indonesian is no EU language
    dist = tmp_path / "dist"
    pipeline.build(ROOT / "tests" / "cases" / "full-project" / "records", dist, workers=1)
    load_store(dist / "euproj.nt", tmp_path / "store", named=[out / "authority-labels.nq"])
    store = ox.Store(str(tmp_path / "store"))
    rows = store.query("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?sv ?en ?source WHERE { GRAPH <https://w3id.org/euproj/graph/authority-labels> {
          <http://publications.europa.eu/resource/authority/country/SWE> skos:prefLabel ?sv , ?en .
          FILTER (lang(?sv) = "sv" && lang(?en) = "en")
          <https://w3id.org/euproj/graph/authority-labels> dct:source ?source } }""")
    assert [(r["sv"].value, r["en"].value, r["source"].value) for r in rows] == [
        ("Sverige", "Sweden", "http://publications.europa.eu/resource/authority/country")]


def test_csv_records_give_the_same_graph_as_yaml_records(tmp_path):
    dumps = []
    for as_csv in (False, True):
        recs = records_copy(tmp_path / str(as_csv))
        import_files("cordis", CORDIS, recs / "cordis", records=recs, allow_rejects=True, as_csv=as_csv)
        import_files("kohesio", [DATA / "kohesio" / "IE-pp14-20.csv"], recs / "kohesio", records=recs,
                     allow_rejects=True, as_csv=as_csv)
        names = sorted(p.name for p in (recs / "cordis").iterdir())
        assert ("imported-projects.csv" in names) == as_csv
        result = pipeline.build(recs, tmp_path / f"dist-{as_csv}", workers=1)
        assert result.written
        dumps.append((tmp_path / f"dist-{as_csv}" / "euproj.nt").read_bytes())
    assert dumps[0] == dumps[1]


def test_json_lists_are_read_one_object_at_a_time_across_chunk_ends(tmp_path, monkeypatch):
    from euproj_rdf.importers import read

    monkeypatch.setattr(read, "_CHUNK", 5)  # every object, string and number crosses a chunk end
    path = tmp_path / "organization.json"
    path.write_text('\ufeff[\n{"projectID": 101, "name": "Ålands \\"Högskola\\"\\nAB", "ecContribution": 1250.50},\n'
                    '{},\n{"n": 12345678901234}\n]\n', encoding="utf-8")
    rows = list(read.read_table(path))
    assert [r.cells for r in rows] == [{"projectID": "101", "name": "Ålands \"Högskola\"\nAB", "ecContribution": "1250.50"}, {},
                                       {"n": "12345678901234"}]
    path.write_text('[{"projectID": 1},\n{"projectID": 2}\n{"projectID": 3}]', encoding="utf-8")
    with pytest.raises(ImportInputError, match=r"^organization\.json: line 3: malformed JSON: expected ',' or '\]'$"):
        list(read.read_table(path))
    path.write_text('[{"projectID": 1},\n\n{"projectID": }]', encoding="utf-8")
    with pytest.raises(ImportInputError, match=r"^organization\.json: line 3: malformed JSON: Expecting value$"):
        list(read.read_table(path))


def test_a_merge_into_a_curated_organisation_keeps_cordis_pic_vat_and_city(tmp_path):
    recs = records_copy(tmp_path)
    out = recs / "cordis"
    import_files("cordis", CORDIS, out, records=recs, allow_rejects=True)
    table = (out / "organisations.sssom.tsv").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith("euproj:lunds-universitet"))
    (out / "organisations.sssom.tsv").write_text(
        table.replace(row, row.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration")), encoding="utf-8")
    import_files("cordis", CORDIS, out, records=recs, allow_rejects=True)
    facts = load(out / "facts.yaml")["lunds-universitet"]
    assert facts == {"type": "organisation_facts", "id": "lunds-universitet", "pic": "012345678",
                     "vat": "SE999999999901", "city": "LUND",
                     "sources": [{"document": "cordis-organization-csv", "text": "row 2"},
                                 {"document": "cordis-organization-csv", "text": "row 7"}]}
    result = pipeline.build(recs, tmp_path / "dist", workers=1)
    assert result.written
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(tmp_path / "dist" / "euproj.nt"), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query("""PREFIX ep: <https://w3id.org/euproj/ontology#>
        SELECT ?pic ?vat ?city WHERE { <https://w3id.org/euproj/id/organisation/lunds-universitet>
          ep:pic ?pic ; ep:vatNumber ?vat ; ep:city ?city }""")
    assert [(r["pic"].value, r["vat"].value, r["city"].value) for r in rows] == [("012345678", "SE999999999901", "LUND")]


def test_the_curated_organisations_own_values_win_and_the_conflict_is_reported(tmp_path):
    recs = records_copy(tmp_path)
    text = (recs / "organisations.yaml").read_text(encoding="utf-8")
    (recs / "organisations.yaml").write_text(
        text.replace("  wikidata: Q218506\n", "  wikidata: Q218506\n  pic: \"999999997\"\n  city: Lund\n", 1), encoding="utf-8")
    out = recs / "cordis"  # with a city, name + country + city is a certain match
    import_files("cordis", CORDIS, out, records=recs, allow_rejects=True)
    facts = load(out / "facts.yaml")["lunds-universitet"]
    assert "pic" not in facts and "city" not in facts and facts["vat"] == "SE999999999901"
    assert ("organization.csv", "2", "organisationID",
            "PIC 012345678 not kept: the records' organisation lunds-universitet has PIC 999999997") in rejects(out)
    assert pipeline.build(recs, tmp_path / "dist", workers=1).written


def test_keep_eus_english_name_goes_to_a_curated_organisation_without_one(tmp_path):
    recs = records_copy(tmp_path)
    out, files = recs / "keep", [DATA / "keep" / "projects.csv", DATA / "keep" / "partners.csv"]
    import_files("keep", files, out, records=recs, allow_rejects=True)
    table = (out / "organisations.sssom.tsv").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith("euproj:keep-region-skane-swe"))
    (out / "organisations.sssom.tsv").write_text(
        table.replace(row, row.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration")), encoding="utf-8")
    import_files("keep", files, out, records=recs, allow_rejects=True)
    facts = load(out / "facts.yaml")["region-skane"]
    assert facts == {"type": "organisation_facts", "id": "region-skane", "name": {"en": "Region Skåne"},
                     "sources": [{"document": "keep-partners-csv", "text": "row 2"}]}
    assert pipeline.build(recs, tmp_path / "dist", workers=1).written
    # the name a list shows is chosen from both records' names: the English one of the import
    dump = ox.Store()
    dump.bulk_load(path=str(tmp_path / "dist" / "euproj.nt"), format=ox.RdfFormat.N_TRIPLES)
    shown = {(q.subject.value, q.object.value) for q in dump.quads_for_pattern(None, ox.NamedNode(DISPLAY_NAME), None)}
    assert (DATA_IRI + "organisation/region-skane", "Region Skåne") in shown
    assert len(shown) == len({who for who, _ in shown})
    kept = ox.Store()
    kept.extend(q for q in dump if q.predicate.value != DISPLAY_NAME)
    assert {(t.subject.value, t.object.value) for t in kept.query(RULES[DISPLAY_NAME])} == shown


def test_organisation_facts_of_an_organisation_that_is_not_there_are_refused(tmp_path):
    recs = records_copy(tmp_path)
    (recs / "facts.yaml").write_text("- type: organisation_facts\n  id: no-such-org\n  pic: \"999999997\"\n"
                                     "  sources:\n    - document: region-skane-projects\n      text: x\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"unknown organisation 'no-such-org'"):
        pipeline.build(recs, tmp_path / "dist", workers=1)


def test_the_spill_collects_the_csv_columns_the_records_have():
    """The project CSV is written in one pass: the columns collected as projects and
    participations come are those of the finished records (a project without participations,
    a participation without funding, an empty list, a participation of no project)."""
    from decimal import Decimal

    from euproj_rdf.importers.draft import csv_columns, csv_row
    from euproj_rdf.importers.spill import ProjectSpill

    def project(pid: str, **extra: object) -> dict:
        return {"type": "project", "id": pid, "title": {"en": pid}, "participants": [], "funding": [],
                "sources": [{"document": "s", "text": "row 1"}], "_work": 1, **extra}

    spill = ProjectSpill(columns=csv_row)
    spill.add(project("p-1", description={"sv": "text"}))
    spill.add(project("p-2", acronym="P2"))
    spill.add(project("p-3", themes=[]))
    spill.participation("p-3", "org-1", "participant", "role: participant (row 2)", [], {"document": "s", "text": "row 2"})
    spill.participation("p-9", "org-1", "coordinator", "role: coordinator (row 3)",
                        [{"kind": "eu-contribution", "amount": Decimal("2"), "currency": "EUR", "text": "t"}],
                        {"document": "s", "text": "row 3"})  # no such project: not written
    try:
        assert spill.columns is not None
        two_passes = csv_columns(csv_row(r) for r in spill.records())
        assert csv_columns([spill.columns]) == two_passes
        assert "participants" in two_passes and "acronym" in two_passes
        assert not {"_work", "themes", "funding"} & set(two_passes)
    finally:
        spill.close()


def test_organisations_kept_on_disk_are_merged_row_by_row_when_written():
    """The organisation store keeps each organisation's rows and replays them when written: the
    first row makes the record, later ones fill what it lacks and add their spellings and rows;
    records come back in id order, keys lead to the first organisation that had them."""
    from euproj_rdf.importers.orgstore import Known, OrgStore
    from euproj_rdf.importers.reconcile import merge_org

    def facts(rid: str, name: str, row: str, *, city: str | None = None, kind: str = "organisation") -> tuple:
        return (rid, "en", name, "SE", city, None, None, None, None, None, kind, None, None, [],
                {"document": "s", "text": row})

    store = OrgStore(merge_org)
    try:
        store.add("pic-2", facts("pic-2", "Beta AB", "row 1"), new=True)
        store.add("pic-1", facts("pic-1", "Alfa AB", "row 2"))
        store.add("pic-2", facts("pic-2", "BETA AB", "row 3", city="Lund", kind="company"))
        store.add("pic-2", facts("pic-2", "Beta AB", "row 3"))
        assert len(store) == 2 and store.has("pic-1") and not store.has("pic-3")
        assert [r["id"] for r in store.records()] == ["pic-1", "pic-2"]
        beta = list(store.records())[1]
        assert beta == {"type": "organisation", "id": "pic-2", "name": {"en": "Beta AB"}, "country": "SE",
                        "kind": "company", "sources": [{"document": "s", "text": "row 1"}, {"document": "s", "text": "row 3"}],
                        "alt_names": ["BETA AB"], "city": "Lund"}
        store.add_keys(["pic\x1f2"], Known("pic-2", "Beta AB", False))
        store.set_key(("pic", "2"), Known("pic-9", "Other", False))  # a known key keeps its organisation
        assert store.find([("vat", "SE1"), ("pic", "2")]) == (Known("pic-2", "Beta AB", False), ["vat\x1fSE1"], False)
        store.join(("loose", "beta ab", "SE"), Known("pic-2", "Beta AB", False))
        store.join(("loose", "beta ab", "SE"), Known("x-beta", "Beta", True))
        assert [k.id for k in store.group(("loose", "beta ab", "SE"))] == ["pic-2", "x-beta"]
    finally:
        store.close()
