"""The one vocabulary module agrees with the mapping file and with every other prefix table."""

from __future__ import annotations

import re

import yaml

from euproj_rdf import vocab
from euproj_rdf.resources import MAPPING_FILE, default_schema, resource


def test_record_prefixes_are_the_mapping_files():
    raw = yaml.safe_load(resource(MAPPING_FILE).read_text(encoding="utf-8"))
    assert raw["prefixes"] == vocab.RECORD_PREFIXES
    assert raw["namespaces"] == vocab.RECORD_NAMESPACES


def test_dump_prefixes_agree_with_the_mapping_file():
    schema = default_schema()
    known = {**schema.prefixes, **schema.namespaces}
    for prefix, ns in vocab.PREFIXES.items():
        if prefix in known:
            assert known[prefix] == ns, prefix
        else:  # a concept scheme
            assert ns.startswith(vocab.CONCEPT) and ns[len(vocab.CONCEPT):] == prefix + "/", prefix


def test_link_templates_of_the_mapping_file_use_named_namespaces():
    templates = set(re.findall(r'link: "([^"]+)\{\}', resource(MAPPING_FILE).read_text(encoding="utf-8")))
    named = (vocab.WIKIDATA_ENTITY, vocab.NUTS_CODE, vocab.KEEP_EU, vocab.KOHESIO_ENTITY, vocab.CORDIS, vocab.AUTHORITY)
    assert templates and all(t.startswith(named) for t in templates), templates


def test_namespaces_are_written_once_in_the_library():
    """No module but vocab spells out a namespace of the vocabulary module."""
    src = resource(MAPPING_FILE).parents[1] / "src" / "euproj_rdf"
    if not src.is_dir():  # an installed wheel
        return
    spelled = {v for k, v in vars(vocab).items() if k.isupper() and isinstance(v, str) and v.endswith(("#", "/"))}
    for path in sorted(src.rglob("*.py")):
        if path.name == "vocab.py":
            continue
        # doctest lines and their N-Triples output may show full IRIs
        lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if not line.lstrip().startswith((">>>", "...", "<", "'"))]
        text = "\n".join(lines)
        for ns in spelled:
            assert f'"{ns}' not in text and f"<{ns}" not in text, f"{path.name} spells out {ns}"
