"""The researcher questions in queries/*.rq, each run against the graph built from records/.

Every query file has a test below (registered with @answers) that asserts its answer on the seed
graph: the exact rows, or for a long answer the number of rows and its first rows in the query's
order. The expected answers are worked out from the curated records and the seed documents, and
each test names the facts they stand on. The tests after them check the form of every file
(it parses, starts with its question, declares its parameters) and the counting rules of two
queries on small made-up graphs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from euproj_rdf.derived import RULES

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
QUERY_FILES = sorted(p.name for p in QUERIES.glob("*.rq"))

ID = "https://w3id.org/euproj/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# query file -> the test that asserts its answer on the seed graph
TESTED: dict[str, str] = {}


def answers(name: str):
    """Register the decorated test as the one asserting the answer of queries/<name>."""
    def register(test):
        assert name not in TESTED, f"{name} is tested twice"
        TESTED[name] = test.__name__
        return test
    return register


def value(term):
    """A result term as a plain Python value: record IRIs shortened to "project/great",
    integers as int, decimals as Decimal, other literals as their lexical form."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value[len(ID):] if term.value.startswith(ID) else term.value
    if isinstance(term, ox.Literal):
        if term.datatype == ox.NamedNode(XSD + "integer"):
            return int(term.value)
        if term.datatype == ox.NamedNode(XSD + "decimal"):
            return Decimal(term.value)
    return term.value


def run(store: ox.Store, name: str, text: str | None = None) -> tuple[tuple, list[tuple]]:
    """Run queries/<name> (or its edited text): the variable names and the rows as tuples."""
    solutions = store.query(text if text is not None else (QUERIES / name).read_text(encoding="utf-8"))
    names = tuple(v.value for v in solutions.variables)
    return names, [tuple(value(row[n]) for n in names) for row in solutions]


def with_values(name: str, old: str, new: str) -> str:
    """The text of queries/<name> with a parameter's default replaced in each of its VALUES
    blocks (a question that reads a page of the statistics states it in two)."""
    text = (QUERIES / name).read_text(encoding="utf-8")
    blocks = re.findall(r"VALUES[^{]*\{[^}]*\}", text)
    assert blocks and all(old in b for b in blocks), f"{old} is not in every VALUES block of {name}"
    return re.sub(r"VALUES[^{]*\{[^}]*\}", lambda m: m.group(0).replace(old, new), text)


# ---------------------------------------------------------------------------------------------
# Programmes, funds and money
# ---------------------------------------------------------------------------------------------


@answers("projects-per-programme.rq")
def test_projects_per_programme(seed_store):
    header, rows = run(seed_store, "projects-per-programme.rq")
    assert header == ("programme", "programmeLabel", "projects")
    assert rows == [
        # Östersjöprogrammet / Interreg BSR: Scandria2Act, TENTacle, Baltic Smart City Areas,
        # Smart Blue Regions ("inom ramen för Östersjöprogrammet"), BSR Stars S3.
        ("programme/interreg-bsr", "Interreg Östersjöregionen", 5),
        # Business Incubation 2020, Grow international Southern Sweden, Social Innovation Skåne,
        # and FABS ("Program: Det regionala strukturfondspartnerskapet").
        ("programme/regionalt-strukturfondsprogram-skane-blekinge",
         "Regionalt strukturfondsprogram för Skåne och Blekinge", 4),
        # ClusteriX 2.0, Inno Infra Share, S34Growth.
        ("programme/interreg-europe", "Interreg Europe", 3),
        # ReproUnion, The Blue Move for Green Economy, Lighting Metropolis ("Program: Interreg ÖKS").
        ("programme/interreg-oks", "Interreg Öresund-Kattegat-Skagerrak", 3),
        ("programme/connecting-europe-facility", "Connecting Europe Facility", 1),  # GREAT
        ("programme/interreg-botnia-atlantica", "Interreg Botnia-Atlantica", 1),  # Cleantech Kvarken
        ("programme/interreg-ivc", "Interreg IVC", 1),  # Creative Metropoles
        ("programme/interreg-south-baltic", "Interreg South Baltic", 1),  # SBPIN
        ("programme/life", "LIFE", 1),  # LIFE Coast Adapt
        # Tillväxtskapande stadskvaliteter i Skåne ("Tillväxtverkets utlysning …").
        ("programme/tillvaxtskapande-samhallsplanering-2018", "Tillväxtskapande samhällsplanering 2018", 1),
        # Partnerskap för tillväxt ("det operativa programmet Öresund-Kattegatt-Skagerrak").
        ("programme/oks-2007-2013", "Öresund-Kattegatt-Skagerrak", 1),
    ]
    # 22 of the 33 projects name a programme; the other 11 (Scand Tick Innovation, ReproSund,
    # ReproHigh, Sydkustleden, MatchIT, …) do not.
    assert sum(r[2] for r in rows) == 22


@answers("projects-per-fund.rq")
def test_projects_per_fund(seed_store):
    header, rows = run(seed_store, "projects-per-fund.rq")
    assert header == ("fund", "fundLabel", "projects")
    assert rows == [
        # ERDF by a funding statement: Partnerskap för tillväxt, Cleantech Kvarken ("till 60 %
        # finansierat av den Europeiska regionala utvecklingsfonden"), Inno Infra Share and S34Growth
        # ("ERDF-medel"); by the programme: ClusteriX 2.0 (Interreg Europe is ERDF-funded).
        ("fund/erdf", "Europeiska regionala utvecklingsfonden", 5),
        # GREAT: "samfinansieras av Europeiska Unionens Fonden för ett sammanlänkat Europa".
        ("fund/cef", "Connecting Europe Facility", 1),
        # Möjligheter i Mellanrum: "Projektet finansieras av Europeiska jordbruksfonden."
        ("fund/eafrd", "European Agricultural Fund for Rural Development", 1),
        # MatchIT: "financed by the European Social Fund".
        ("fund/esf", "European Social Fund", 1),
    ]


@answers("funding-per-programme.rq")
def test_funding_per_programme(seed_store):
    header, rows = run(seed_store, "funding-per-programme.rq")
    assert header == ("programme", "programmeLabel", "currencyCode", "totalBudget", "totalBudgetAmounts",
                      "euContribution", "euContributionAmounts", "approximateAmounts", "partnerShareAmounts")
    assert rows == [
        # "ERDF-medel: EUR 1,39 miljoner" (Inno Infra Share) + "ERDF-medel: EUR 1.87 M" (S34Growth).
        ("programme/interreg-europe", "Interreg Europe", "EUR", None, 0, Decimal("3260000"), 2, 0, 0),
        # "Den totala budgeten för projektet är 2,44 MEUR (Interreg IV C)" (Creative Metropoles).
        ("programme/interreg-ivc", "Interreg IVC", "EUR", Decimal("2440000"), 1, None, 0, 0, 0),
        # SBPIN: "EU tilskuddet til Køge Kommunes projektaktiviteter bliver på ca. 550.000 DKK"
        # (approximate, and Køge's share only) …
        ("programme/interreg-south-baltic", "Interreg South Baltic", "DKK", None, 0, Decimal("550000"), 1, 1, 1),
        # … and "Der er et samlet EU tilskud på 380.573 Euro" (its "ca. 2,9 mio. DKK" is an
        # equivalent of the same sum, not a second amount).
        ("programme/interreg-south-baltic", "Interreg South Baltic", "EUR", None, 0, Decimal("380573"), 1, 0, 0),
        # Baltic Smart City Areas: "en total budget på 2,6 miljoner Euro" and "Region Skåne och
        # Öresundskraft har tillsammans en medfinansiering från Interreg motsvarande cirka 250 000
        # Euro" (approximate, and the two partners' share only).
        ("programme/interreg-bsr", "Interreg Östersjöregionen", "EUR",
         Decimal("2600000"), 1, Decimal("250000"), 1, 1, 1),
        # Partnerskap för tillväxt: "493 386 euro, varav Europeiska regionala utvecklingsfonden
        # bidrog med 246 643 euro".
        ("programme/oks-2007-2013", "Öresund-Kattegatt-Skagerrak", "EUR",
         Decimal("493386"), 1, Decimal("246643"), 1, 0, 0),
    ]


@answers("projects-without-budget.rq")
def test_projects_without_budget(seed_store):
    header, rows = run(seed_store, "projects-without-budget.rq")
    assert header == ("project", "title")
    # Only three projects state a total budget: Partnerskap för tillväxt (493 386 euro), Creative
    # Metropoles (2,44 MEUR) and Baltic Smart City Areas (2,6 miljoner Euro); the other 30 of the
    # 33 do not (SBPIN, S34Growth, Inno Infra Share state only the EU contribution).
    assert rows == [
        ("project/bsr-stars-s3", "BSR Stars S3"),
        ("project/business-incubation-2020", "Business Incubation 2020"),
        ("project/cleantech-kvarken", "Cleantech Kvarken"),
        ("project/clusterix-2-0", "ClusteriX 2.0"),
        ("project/entreprenorskap-inom-modravarden", "Entreprenörskap inom mödravården"),
        ("project/fabs", "Fiber till alla i Blekinge och Skåne"),
        ("project/fullskalig-rening-av-mikroforeningar", "Fullskalig rening av mikroföreningar"),
        ("project/future-cleantech-solutions", "Future Cleantech Solutions"),
        ("project/great", "GREAT"),
        ("project/grow-international-southern-sweden", "Grow international Southern Sweden"),
        ("project/inno-infra-share", "Inno Infra Share"),
        ("project/klimatvaxling-i-skane", "Klimatväxling i Skåne"),
        ("project/life-coast-adapt", "LIFE Coast Adapt"),
        ("project/lighting-metropolis-green-economy", "Lighting Metropolis - Green Economy"),
        ("project/matchit", "MatchIT"),
        ("project/mojligheter-i-mellanrum", "Möjligheter i Mellanrum"),
        ("project/nyanlanda-akademiker", "Nyanlända akademiker"),
        ("project/reprohigh", "ReproHigh"),
        ("project/reprosund", "ReproSund"),
        ("project/reprounion", "ReproUnion"),
        ("project/s34growth", "S34Growth"),
        ("project/scand-tick-innovation", "Scand Tick Innovation"),
        ("project/scandria2act", "Scandria2Act"),
        ("project/smart-blue-regions", "Smart Blue Regions"),
        ("project/social-innovation-skane", "Social Innovation Skåne"),
        ("project/sbpin", "South Baltic Public Innovators Network"),
        ("project/sydkustleden", "Sydkustleden"),
        ("project/tentacle", "TENTacle"),
        ("project/the-blue-move-for-green-economy", "The Blue Move for Green Economy"),
        ("project/tillvaxtskapande-stadskvaliteter-i-skane", "Tillväxtskapande stadskvaliteter i Skåne"),
    ]


# ---------------------------------------------------------------------------------------------
# Organisations and partnerships
# ---------------------------------------------------------------------------------------------


@answers("top-organisations.rq")
def test_top_organisations(seed_store):
    header, rows = run(seed_store, "top-organisations.rq")
    assert header == ("organisation", "organisationLabel", "countryCode", "projects")
    # 170 named organisations take part in at least one project.
    assert len(rows) == 170
    assert rows[:11] == [
        # Region Skåne takes part in all 26 projects of its page "Projekt vi deltar i".
        ("organisation/region-skane", "Region Skåne", "SWE", 26),
        # ReproUnion (lead partner), Klimatväxling i Skåne, LIFE Coast Adapt, Lighting Metropolis,
        # MatchIT, Nyanlända akademiker.
        ("organisation/lunds-universitet", "Lund University", "SWE", 6),
        # Klimatväxling i Skåne, LIFE Coast Adapt, Möjligheter i Mellanrum, Nyanlända akademiker, FABS.
        ("organisation/lansstyrelsen-skane", "Länsstyrelsen Skåne", "SWE", 5),
        # Scand Tick Innovation, GREAT ("Danish Technical University"), Lighting Metropolis ("DTU").
        ("organisation/danmarks-tekniske-universitet", "Danmarks Tekniske Universitet", "DNK", 3),
        ("organisation/helsingborgs-stad", "Helsingborgs stad", "SWE", 3),
        ("organisation/kommunforbundet-skane", "Kommunförbundet Skåne", "SWE", 3),
        ("organisation/kristianstads-kommun", "Kristianstads kommun", "SWE", 3),
        # Partnerskap för tillväxt, GREAT, The Blue Move for Green Economy.
        ("organisation/koebenhavns-kommune", "Københavns Kommune", "DNK", 3),
        # Partnerskap för tillväxt, Sydkustleden, Social Innovation Skåne.
        ("organisation/malmo-stad", "Malmö stad", "SWE", 3),
        # GREAT, The Blue Move for Green Economy, Creative Metropoles.
        ("organisation/oslo-kommune", "Oslo kommune", "NOR", 3),
        ("organisation/region-blekinge", "Region Blekinge", "SWE", 3),
    ]
    assert rows[11][3] == 2
    assert sorted(r[3] for r in rows) == [r[3] for r in reversed(rows)]


@answers("partners-of-organisation.rq")
def test_partners_of_organisation(seed_store):
    header, rows = run(seed_store, "partners-of-organisation.rq")
    assert header == ("partner", "partnerLabel", "countryCode", "sharedProjects")
    # Region Skåne shares a project with 144 other named organisations.
    assert len(rows) == 144
    assert "organisation/region-skane" not in {r[0] for r in rows}
    assert rows[:7] == [
        ("organisation/lunds-universitet", "Lund University", "SWE", 6),
        ("organisation/lansstyrelsen-skane", "Länsstyrelsen Skåne", "SWE", 5),
        ("organisation/danmarks-tekniske-universitet", "Danmarks Tekniske Universitet", "DNK", 3),
        ("organisation/helsingborgs-stad", "Helsingborgs stad", "SWE", 3),
        ("organisation/kommunforbundet-skane", "Kommunförbundet Skåne", "SWE", 3),
        ("organisation/kristianstads-kommun", "Kristianstads kommun", "SWE", 3),
        ("organisation/region-blekinge", "Region Blekinge", "SWE", 3),
    ]
    # Two shared projects each: Malmö stad (Sydkustleden, Social Innovation Skåne; not
    # Partnerskap för tillväxt, where Region Skåne is absent), Københavns Kommune (GREAT, The Blue
    # Move), Oslo kommune (GREAT, The Blue Move; not Creative Metropoles), and 17 more.
    assert [r[1] for r in rows if r[3] == 2] == [
        "Arbetsförmedlingen", "Blekinge University of Technology", "Brainport Development",
        "Council of Tampere Region", "Free and Hanseatic City of Hamburg", "Hässleholms kommun",
        "Innovation Skåne", "Københavns Kommune", "Lomma kommun", "Malmö stad", "Malmö universitet",
        "NetPort Science Park", "Oslo kommune", "Schleswig-Holstein", "Simrishamns kommun",
        "The Baltic Institute of Finland", "Tillväxtverket", "Trelleborgs kommun", "Ystads kommun",
        "Öresundskraft",
    ]
    # Another organisation: Københavns Kommune takes part in Partnerskap för tillväxt (with
    # Malmö), GREAT (15 other actors) and The Blue Move (17 other partners); Region Skåne and Oslo
    # kommune are in both of the last two: 1 + 15 + 17 - 2 partners.
    _, rows = run(seed_store, "partners-of-organisation.rq", with_values(
        "partners-of-organisation.rq", "organisation:region-skane", "organisation:koebenhavns-kommune"))
    assert len(rows) == 31
    assert rows[:2] == [
        ("organisation/oslo-kommune", "Oslo kommune", "NOR", 2),
        ("organisation/region-skane", "Region Skåne", "SWE", 2),
    ]
    assert ("organisation/malmo-stad", "Malmö stad", "SWE", 1) in rows


@answers("projects-of-organisation.rq")
def test_projects_of_organisation(seed_store):
    header, rows = run(seed_store, "projects-of-organisation.rq")
    assert header == ("project", "title", "roles")
    # The roles are listed in no set order: compare them as sets.
    got = [(project, title, set(roles.split(", "))) for project, title, roles in rows]
    # Region Skåne takes part in the 26 projects its page "Projekt vi deltar i" describes (the two
    # only mentioned, ReproSund and ReproHigh, name no participant).
    assert got == [
        ("project/bsr-stars-s3", "BSR Stars S3", {"partner"}),
        ("project/baltic-smart-city-areas", "Baltic Smart City Areas for the 21st century", {"partner"}),
        ("project/business-incubation-2020", "Business Incubation 2020", {"participant"}),
        ("project/clusterix-2-0", "ClusteriX 2.0", {"partner"}),
        ("project/entreprenorskap-inom-modravarden", "Entreprenörskap inom mödravården", {"participant"}),
        # "Region Skåne driver tillsammans med Region Blekinge projektet": no role named.
        ("project/fabs", "Fiber till alla i Blekinge och Skåne", {"participant"}),
        ("project/fullskalig-rening-av-mikroforeningar", "Fullskalig rening av mikroföreningar", {"partner"}),
        # "Region Skåne koordinerar GREAT", and first of its "Aktörer".
        ("project/great", "GREAT", {"coordinator", "partner"}),
        ("project/grow-international-southern-sweden", "Grow international Southern Sweden", {"participant"}),
        ("project/inno-infra-share", "Inno Infra Share", {"partner"}),
        # "ett EU-finansierat projekt som Region Skåne leder"
        ("project/klimatvaxling-i-skane", "Klimatväxling i Skåne", {"lead-partner"}),
        ("project/life-coast-adapt", "LIFE Coast Adapt", {"partner"}),
        ("project/lighting-metropolis-green-economy", "Lighting Metropolis - Green Economy", {"partner"}),
        # "Region Skåne is managing the project"
        ("project/matchit", "MatchIT", {"coordinator"}),
        ("project/mojligheter-i-mellanrum", "Möjligheter i Mellanrum", {"partner"}),
        # "Lead partner: Region Skåne"
        ("project/nyanlanda-akademiker", "Nyanlända akademiker", {"lead-partner"}),
        ("project/reprounion", "ReproUnion", {"partner"}),
        ("project/s34growth", "S34Growth", {"partner"}),
        ("project/scand-tick-innovation", "Scand Tick Innovation", {"partner"}),
        ("project/scandria2act", "Scandria2Act", {"participant"}),
        # "Vi ansvarar för ett av arbetspaketen i detta projekt"
        ("project/smart-blue-regions", "Smart Blue Regions", {"partner", "work-package-lead"}),
        ("project/social-innovation-skane", "Social Innovation Skåne", {"partner"}),
        ("project/sydkustleden", "Sydkustleden", {"partner"}),
        ("project/tentacle", "TENTacle", {"partner"}),
        ("project/the-blue-move-for-green-economy", "The Blue Move for Green Economy", {"partner"}),
        ("project/tillvaxtskapande-stadskvaliteter-i-skane", "Tillväxtskapande stadskvaliteter i Skåne",
         {"partner"}),
    ]


@answers("lead-partners.rq")
def test_lead_partners(seed_store):
    header, rows = run(seed_store, "lead-partners.rq")
    assert header == ("project", "title", "leadPartner", "leadPartnerLabel", "countryCode")
    assert rows == [
        # "Lead Partner: The Baltic Institute of Finland"
        ("project/bsr-stars-s3", "BSR Stars S3", "organisation/baltic-institute-of-finland",
         "The Baltic Institute of Finland", "FIN"),
        # "Lead Partner: ecoplus – The Business Agency of Lower Austria (Österrike)"
        ("project/clusterix-2-0", "ClusteriX 2.0", "organisation/ecoplus",
         "ecoplus – The Business Agency of Lower Austria", "AUT"),
        # "Riga (Lead partner)"
        ("project/creative-metropoles", "Creative Metropoles", "organisation/riga", "Riga", "LVA"),
        # "Lead partner: ASTER Stock Joint Consortium (ITA)"
        ("project/inno-infra-share", "Inno Infra Share", "organisation/aster", "ASTER Stock Joint Consortium",
         "ITA"),
        # "ett EU-finansierat projekt som Region Skåne leder"
        ("project/klimatvaxling-i-skane", "Klimatväxling i Skåne", "organisation/region-skane", "Region Skåne",
         "SWE"),
        # "Ballerup (ledande partner)"
        ("project/lighting-metropolis-green-economy", "Lighting Metropolis - Green Economy",
         "organisation/ballerup-kommune", "Ballerup Kommune", "DNK"),
        # "Lead partner: Region Skåne"
        ("project/nyanlanda-akademiker", "Nyanlända akademiker", "organisation/region-skane", "Region Skåne",
         "SWE"),
        # "Lead Partner: Lunds universitet, molekylärmedicinsk reproduktionsforskning"
        ("project/reprounion", "ReproUnion", "organisation/lunds-universitet", "Lund University", "SWE"),
        ("project/s34growth", "S34Growth", "organisation/baltic-institute-of-finland",
         "The Baltic Institute of Finland", "FIN"),
        # "Lead Partner: Region Jönköpings län"
        ("project/scand-tick-innovation", "Scand Tick Innovation", "organisation/region-jonkopings-lan",
         "Region Jönköpings län", "SWE"),
        # "Berlin-Brandenburg är huvudansvarig"
        ("project/scandria2act", "Scandria2Act", "organisation/berlin-brandenburg", "Berlin-Brandenburg", "DEU"),
        # "med Skåne Nordost som leadpartner"
        ("project/sbpin", "South Baltic Public Innovators Network", "organisation/skane-nordost",
         "Skåne Nordost", "SWE"),
        # "Region Blekinge är huvudansvarig"
        ("project/tentacle", "TENTacle", "organisation/region-blekinge", "Region Blekinge", "SWE"),
        # "Lead Partner: Vätgas Sverige"
        ("project/the-blue-move-for-green-economy", "The Blue Move for Green Economy",
         "organisation/vatgas-sverige", "Vätgas Sverige", "SWE"),
    ]
    # GREAT and MatchIT have a coordinator (Region Skåne), not a lead partner.
    assert not {"project/great", "project/matchit"} & {r[0] for r in rows}


@answers("organisations-by-kind-and-country.rq")
def test_organisations_by_kind_and_country(seed_store):
    header, rows = run(seed_store, "organisations-by-kind-and-country.rq")
    assert header == ("kind", "countryCode", "organisations")
    assert len(rows) == 76
    # Every one of the 181 organisation records is counted exactly once.
    assert sum(r[2] for r in rows) == 181
    assert rows[:3] == [
        ("association", "DNK", 1),  # Gate 21
        ("association", "NOR", 1),  # Zero
        ("association", "SWE", 3),  # Skånes Föreningar, Vätgas Sverige, Sveriges Byggindustrier Syd
    ]
    counts = {(kind, country): n for kind, country, n in rows}
    # Malmö, Stockholm, the eleven municipalities along Sydkustleden but Malmö (10), Hässleholm,
    # Tomelilla, Kristianstad, the Swedish Lighting Metropolis municipalities Bjuv, Hörby,
    # Klippan, Lund, Falkenberg, Umeå, Örnsköldsvik.
    assert counts[("municipality", "SWE")] == 22
    # Køge, Næstved, København, and the eight Danish Lighting Metropolis municipalities.
    assert counts[("municipality", "DNK")] == 11
    # BaltMet, "Baltic Metropolises Network", is a network across countries and has no country.
    assert counts[("network", None)] == 1
    assert [r for r in rows if r[0] == "network"] == [("network", None, 1), ("network", "SWE", 1)]
    # Schleswig-Holstein, Hamburg and Berlin are the only states.
    assert [r for r in rows if r[0] == "state"] == [("state", "DEU", 3)]
    # Estate Media, known only from a map credit, is counted with Denmark (outside knowledge).
    assert None not in {country for kind, country in counts if kind == "company"}


# ---------------------------------------------------------------------------------------------
# Time and countries
# ---------------------------------------------------------------------------------------------


@answers("projects-active-in-year.rq")
def test_projects_active_in_year(seed_store):
    header, rows = run(seed_store, "projects-active-in-year.rq")
    assert header == ("project", "title", "startYear", "endYear")
    assert rows == [
        ("project/bsr-stars-s3", "BSR Stars S3", 2016, 2019),
        ("project/cleantech-kvarken", "Cleantech Kvarken", 2015, 2018),  # "pågick mellan 2015-2018"
        ("project/clusterix-2-0", "ClusteriX 2.0", 2016, 2021),
        ("project/fabs", "Fiber till alla i Blekinge och Skåne", 2015, 2018),
        ("project/great", "GREAT", 2015, 2019),
        ("project/inno-infra-share", "Inno Infra Share", 2017, 2020),
        ("project/reprounion", "ReproUnion", 2015, 2018),
        ("project/s34growth", "S34Growth", 2016, 2020),  # "April 2016 – Mars 2020"
        ("project/scand-tick-innovation", "Scand Tick Innovation", 2015, 2018),
        ("project/scandria2act", "Scandria2Act", 2016, 2019),
        ("project/smart-blue-regions", "Smart Blue Regions", 2016, 2019),
        # "Projektet kører fra januar 2017 til december 2018"
        ("project/sbpin", "South Baltic Public Innovators Network", 2017, 2018),
        ("project/sydkustleden", "Sydkustleden", 2016, 2019),
        ("project/tentacle", "TENTacle", 2016, 2019),
        ("project/the-blue-move-for-green-economy", "The Blue Move for Green Economy", 2015, 2018),
    ]
    # Not in 2017: Klimatväxling i Skåne and LIFE Coast Adapt (from 2018), Tillväxtskapande
    # stadskvaliteter i Skåne ("med start 2018"), Lighting Metropolis (from 2019), Creative
    # Metropoles (2008–2011); and the twelve projects without a period.

    # 2008: Creative Metropoles ("från oktober 2008 till och med september 2011") alone; Baltic
    # Smart City Areas ("pågår till den 30 september 2020") gives only an end, so it counts for 2020 only.
    _, rows = run(seed_store, "projects-active-in-year.rq",
                  with_values("projects-active-in-year.rq", "2017", "2008"))
    assert rows == [("project/creative-metropoles", "Creative Metropoles", 2008, 2011)]
    _, rows = run(seed_store, "projects-active-in-year.rq",
                  with_values("projects-active-in-year.rq", "2017", "2020"))
    assert ("project/baltic-smart-city-areas", "Baltic Smart City Areas for the 21st century", None, 2020) in rows


@answers("projects-with-partners-from-two-countries.rq")
def test_projects_with_partners_from_two_countries(seed_store):
    header, rows = run(seed_store, "projects-with-partners-from-two-countries.rq")
    assert header == ("project", "title", "countryACode", "partnersFromA", "countryBCode", "partnersFromB")
    assert rows == [
        # Region Skåne, Tillväxtverket | Nordiska Ministerrådet, Baltic Development Forum,
        # Business Link Greater Copenhagen (all "(Danmark)").
        ("project/bsr-stars-s3", "BSR Stars S3", "SWE", 2, "DNK", 3),
        # Region Skåne | Growth Forum of Southern Denmark.
        ("project/clusterix-2-0", "ClusteriX 2.0", "SWE", 1, "DNK", 1),
        # Region Skåne, Västra Götaland, Halland, E.ON Sverige, E.ON Biofor, FordonsGas |
        # Region Hovedstaden, Københavns Kommune, Region Själland, E.ON Danmark, DTU.
        ("project/great", "GREAT", "SWE", 6, "DNK", 5),
        # "Svenska partners: Bjuv, … Innovation Skåne" (9) | "Danska partners: Albertslund, …
        # Gate 21" (11).
        ("project/lighting-metropolis-green-economy", "Lighting Metropolis - Green Economy", "SWE", 9, "DNK", 11),
        # Malmö | Köpenhamn.
        ("project/partnerskap-for-tillvaxt", "Partnerskap för tillväxt", "SWE", 1, "DNK", 1),
        # Lunds universitet, Region Skåne | Herlev og Gentofte, Bispebjerg, Hvidovre, Holbæk (the
        # department groups within Lunds universitet and Rigshospitalet state no country).
        ("project/reprounion", "ReproUnion", "SWE", 2, "DNK", 4),
        # Region Jönköpings län, Region Skåne, Sahlgrenska, SLU, Örebro universitet | DTU,
        # Statens Serum Institut.
        ("project/scand-tick-innovation", "Scand Tick Innovation", "SWE", 5, "DNK", 2),
        # Region Skåne and the group of "svenska, danska, tyska, finska och norska aktörer" | the group.
        ("project/scandria2act", "Scandria2Act", "SWE", 2, "DNK", 1),
        # Skåne Nordost, Krinova | Køge Kommune, Næstved Kommune, Connect Køge.
        ("project/sbpin", "South Baltic Public Innovators Network", "SWE", 2, "DNK", 3),
        # Vätgas Sverige, Innovatum, … Svensk Naturenergi (9) | SP A/S Danmark, Københavns kommune.
        ("project/the-blue-move-for-green-economy", "The Blue Move for Green Economy", "SWE", 9, "DNK", 2),
    ]
    # Creative Metropoles has Stockholm but no Danish city; TENTacle's group names no country.


@answers("cross-border-pairs.rq")
def test_cross_border_pairs(seed_store):
    header, rows = run(seed_store, "cross-border-pairs.rq")
    assert header == ("countryA", "countryB", "projects")
    assert len(rows) == 128
    assert all(a < b for a, b, _ in rows)
    assert rows[:9] == [
        ("DNK", "SWE", 10),  # the ten projects of test_projects_with_partners_from_two_countries
        # Cleantech Kvarken and Future Cleantech Solutions (Umeå/Örnsköldsvik–Vasa, Skellefteå–
        # Karleby), Scandria2Act, Baltic Smart City Areas, Smart Blue Regions, BSR Stars S3,
        # S34Growth, Creative Metropoles (Stockholm, Helsingfors).
        ("FIN", "SWE", 8),
        ("DEU", "SWE", 6),
        ("NOR", "SWE", 6),
        ("DNK", "NOR", 5),  # Scand Tick, GREAT, The Blue Move, Scandria2Act, BSR Stars S3
        ("DEU", "EST", 4),
        ("DEU", "FIN", 4),
        ("EST", "SWE", 4),
        ("POL", "SWE", 4),
    ]
    assert rows[9][2] == 3


@answers("projects-per-country.rq")
def test_projects_per_country(seed_store):
    header, rows = run(seed_store, "projects-per-country.rq")
    assert header == ("countryCode", "projects", "organisations")
    assert rows == [
        # All 31 projects that name participants have a Swedish one: Region Skåne's 26, Stockholm
        # in Creative Metropoles, Malmö in Partnerskap för tillväxt, the Swedish actors (Umeå,
        # Örnsköldsvik, Skellefteå) of the two Kvarken projects, Skåne Nordost in SBPIN.
        ("SWE", 31, 74),
        ("DNK", 10, 28),
        ("FIN", 8, 9),
        ("DEU", 6, 6),
        ("NOR", 6, 12),
        ("EST", 4, 5),
        ("POL", 4, 4),
        ("BEL", 3, 3),
        ("ITA", 3, 3),
        ("LVA", 3, 3),
        ("NLD", 3, 3),
        ("CZE", 2, 2),
        ("ESP", 2, 3),
        ("FRA", 2, 3),
        ("GBR", 2, 2),
        ("LTU", 2, 4),
        ("AUT", 1, 1),
        ("HUN", 1, 1),
        ("PRT", 1, 1),
        ("ROU", 1, 2),
        ("RUS", 1, 1),
    ]


@answers("projects-per-theme.rq")
def test_projects_per_theme(seed_store):
    header, rows = run(seed_store, "projects-per-theme.rq")
    assert header == ("theme", "themeLabel", "projects")
    # The theme headings of Region Skåne's page and SBPIN's three growth areas.
    assert rows == [
        ("theme/naringslivsutveckling", "Näringslivsutveckling", 11),
        # GREAT (listed under two headings) counts here and under Infrastrukturplanering.
        ("theme/miljo-och-klimat", "Miljö och klimat", 7),
        ("theme/infrastrukturplanering", "Infrastrukturplanering", 4),
        ("theme/halso-och-sjukvardsutveckling", "Hälso- och sjukvårdsutveckling", 3),
        ("theme/samhallsplanering", "Samhällsplanering", 2),
        ("theme/blue-growth", "Blue growth", 1),
        ("theme/green-growth", "Green growth", 1),
        ("theme/sustainable-urban-growth", "Sustainable urban growth", 1),
        # The page's last heading lists no project.
        ("theme/overgripande-regional-utveckling", "Övergripande regional utveckling", 0),
    ]


@answers("successor-chains.rq")
def test_successor_chains(seed_store):
    header, rows = run(seed_store, "successor-chains.rq")
    assert header == ("project", "title", "successor", "successorTitle", "steps")
    assert rows == [
        # "Partnerskapet … tar nu nästa steg i och med projektet Future Cleantech Solutions."
        ("project/cleantech-kvarken", "Cleantech Kvarken", "project/future-cleantech-solutions",
         "Future Cleantech Solutions", 1),
        # "Projektet bygger på två tidigare Öresundsprojekt, ReproSund och ReproHigh."
        ("project/reprohigh", "ReproHigh", "project/reprounion", "ReproUnion", 1),
        ("project/reprosund", "ReproSund", "project/reprounion", "ReproUnion", 1),
    ]


# ---------------------------------------------------------------------------------------------
# The form of every query file
# ---------------------------------------------------------------------------------------------


def test_every_query_file_is_tested():
    """Each queries/*.rq has exactly one answer test here, and each answer test a file."""
    assert QUERY_FILES, "no query files"
    assert sorted(TESTED) == QUERY_FILES


@pytest.mark.parametrize("name", QUERY_FILES)
def test_query_parses_and_answers(name, seed_store):
    """The file parses (pyoxigraph and rdflib), starts with its question as one comment line,
    declares the variables of its VALUES block on a second "# parameters:" line, and has an
    answer on the seed graph."""
    text = (QUERIES / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert re.fullmatch(r"# [A-Z].*\?", lines[0]), f"{name}: first line is not '# <question>?'"

    ox.Store().query(text)  # raises SyntaxError
    prepareQuery(text)

    values_vars = set()
    for block in re.findall(r"VALUES\s*(\([^)]*\)|\?\w+)\s*\{", text):
        values_vars |= set(re.findall(r"\?\w+", block))
    if values_vars:
        match = re.fullmatch(r"# parameters: (.+) \(default: .+\)", lines[1])
        assert match, f"{name}: second line is not '# parameters: ?var (default: …)'"
        assert set(re.findall(r"\?\w+", match.group(1))) == values_vars
    else:
        assert not lines[1].startswith("# parameters"), f"{name}: parameters without a VALUES block"
    assert lines[1 + bool(values_vars)].startswith("PREFIX "), f"{name}: PREFIX lines do not follow the header"

    _, rows = run(seed_store, name)
    assert rows, f"{name} has no answer on the seed graph"


# ---------------------------------------------------------------------------------------------
# Counting rules on small made-up graphs
# ---------------------------------------------------------------------------------------------

MADE_UP = """
@prefix ep: <https://w3id.org/euproj/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix p: <https://w3id.org/euproj/id/project/> .
"""


def made_up_store(turtle: str) -> ox.Store:
    """The graph with the derived shortcuts the build adds (by their rules in euproj_rdf.derived)."""
    store = ox.Store()
    store.load((MADE_UP + turtle).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    for rule in RULES.values():  # in order: the title rank is read from the display titles
        store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in store.query(rule)])
    return store


def test_successor_chain_steps():
    """A chain A → B → C → D whose links are stated from either side: B names A as predecessor,
    B names C as successor, D names C as predecessor; E stands alone."""
    store = made_up_store("""
        p:a a ep:Project ; dct:title "A"@en .
        p:b a ep:Project ; dct:title "B"@en ; ep:predecessor p:a ; ep:successor p:c .
        p:c a ep:Project ; dct:title "C"@en .
        p:d a ep:Project ; dct:title "D"@en ; ep:predecessor p:c .
        p:e a ep:Project ; dct:title "E"@en .
    """)
    _, rows = run(store, "successor-chains.rq")
    assert rows == [
        ("project/a", "A", "project/b", "B", 1),
        ("project/a", "A", "project/c", "C", 2),
        ("project/a", "A", "project/d", "D", 3),
        ("project/b", "B", "project/c", "C", 1),
        ("project/b", "B", "project/d", "D", 2),
        ("project/c", "C", "project/d", "D", 1),
    ]


def test_active_in_year_rule():
    """Start and end, only an end, only a start, no years: which count for 2017."""
    store = made_up_store("""
        p:both a ep:Project ; dct:title "Both"@en ; ep:period [ ep:startYear 2015 ; ep:endYear 2017 ] .
        p:ended a ep:Project ; dct:title "Ended before"@en ; ep:period [ ep:startYear 2014 ; ep:endYear 2016 ] .
        p:later a ep:Project ; dct:title "Starts later"@en ; ep:period [ ep:startYear 2018 ; ep:endYear 2019 ] .
        p:until a ep:Project ; dct:title "Until 2020"@en ; ep:period [ ep:endYear 2020 ] .
        p:until-2016 a ep:Project ; dct:title "Until 2016"@en ; ep:period [ ep:endYear 2016 ] .
        p:since a ep:Project ; dct:title "Since 2017"@en ; ep:period [ ep:startYear 2017 ] .
        p:since-2018 a ep:Project ; dct:title "Since 2018"@en ; ep:period [ ep:startYear 2018 ] .
        p:none a ep:Project ; dct:title "No period"@en .
    """)
    _, rows = run(store, "projects-active-in-year.rq")
    assert [r[1] for r in rows] == ["Both", "Since 2017"]  # only an end or a start: that year alone


@answers("link-coverage.rq")
def test_link_coverage(seed_store):
    header, rows = run(seed_store, "link-coverage.rq")
    assert header == ("kind", "records", "country", "nuts", "wikidata", "otherIds")
    by_kind = {r[0]: r[1:] for r in rows}
    # every organisation links to a country (BaltMet through its members' countries)
    assert by_kind["organisation"][:2] == (181, 181)
    assert by_kind["organisation"][2] > 100  # a NUTS region of its seat, where a source places it
    assert by_kind["organisation"][3] >= 15  # Wikidata items
    assert by_kind["fund"] == (4, 0, 0, 0, 2)  # ERDF and ESF in the EU programme table
    assert by_kind["project"][0] == 33 and by_kind["programme"][0] == 11
