"""The query page in a real headless Chromium: YASGUI loads from the server itself, an example
question is one click away and its results appear."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from euproj_rdf import load_store
from euproj_rdf.serve import Endpoint, ServerSettings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base_url(seed_build, tmp_path_factory):
    store = tmp_path_factory.mktemp("page") / "store"
    load_store(seed_build.ntriples, store)
    with Endpoint(ServerSettings(store=store), port=0) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_example_query_runs_in_the_page(base_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None)
    page.goto(base_url + "/")
    assert page.title() == "euproj-rdf · SPARQL"
    page.click("button[data-query=projects-per-programme]")
    page.wait_for_selector(".yasr td:has-text('Interreg Europe')", timeout=20_000)
    editor = page.inner_text(".yasqe")
    assert "How many projects does each programme have" in editor
    assert page.locator(".yasr tbody tr").count() == 11
    page.screenshot(path=str(tmp_path / "query-page.png"))
    assert outside == [], "the page must load nothing from outside the server"


def test_the_page_starts_with_prefixes_filled_in(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.inner_text(".yasqe")
    assert "PREFIX ep: <https://w3id.org/euproj/ontology#>" in text
    assert "PREFIX id: <https://w3id.org/euproj/id/>" in text


def test_entity_page_links_to_related_entities(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/id/project/sbpin")
    assert page.inner_text("h1") == "South Baltic Public Innovators Network"
    page.click("a:text-is('Skåne Nordost')")
    assert page.url == base_url + "/id/organisation/skane-nordost"
    assert page.inner_text("h1") == "Skåne Nordost"
