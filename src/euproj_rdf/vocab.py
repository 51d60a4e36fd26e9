"""Every namespace, prefix and well-known IRI the library uses, named once.

Our own namespaces and those of ``mappings/records.yaml`` (``prefixes`` and ``namespaces``) are
the same strings: a test reads the mapping file and fails when the two disagree. Nothing here
reads a file, so importing it costs nothing.

>>> EP + "Project"
'https://w3id.org/euproj/ontology#Project'
>>> RDF_TYPE
'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
"""

from __future__ import annotations

__all__ = [
    "EP", "ONTOLOGY", "SHAPES", "CONCEPT", "DATA", "LINKS",
    "RDF", "RDFS", "XSD", "OWL", "SKOS", "DCT", "PROV", "FOAF", "SH", "DCAT", "VOID", "SPDX",
    "SD", "FORMATS", "SCHEMA", "SEMAPV", "QB", "STATS",
    "AUTHORITY", "COUNTRY", "CURRENCY", "LANGUAGE", "FILE_TYPE", "MEDIA",
    "WIKIDATA", "WIKIDATA_ENTITY", "WIKIDATA_DIRECT", "WIKIDATA_SPARQL", "NUTS_CODE", "NUTS_SCHEME", "KOHESIO", "KOHESIO_ENTITY", "KEEP_EU", "CORDIS",
    "RDF_TYPE", "XSD_STRING",
    "RECORD_PREFIXES", "RECORD_NAMESPACES", "PREFIXES",
]

# --------------------------------------------------------------------------- ours

EP = "https://w3id.org/euproj/ontology#"
#: the ontology and the shapes as documents (a dump conforms to them)
ONTOLOGY = "https://w3id.org/euproj/ontology"
SHAPES = "https://w3id.org/euproj/shapes"
#: concept schemes: ``CONCEPT + "role/lead-partner"``
CONCEPT = "https://w3id.org/euproj/concept/"
#: the default base IRI of the records' identifiers
DATA = "https://w3id.org/euproj/id/"
#: the link tables (SSSOM mapping sets)
LINKS = "https://w3id.org/euproj/links/"

# --------------------------------------------------------------------------- W3C and others

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
SD = "http://www.w3.org/ns/sparql-service-description#"
QB = "http://purl.org/linked-data/cube#"
#: the dimensions and measures of our statistics cube
STATS = "https://w3id.org/euproj/statistics#"
FORMATS = "http://www.w3.org/ns/formats/"
SCHEMA = "http://schema.org/"
SEMAPV = "https://w3id.org/semapv/vocab/"
MEDIA = "http://www.iana.org/assignments/media-types/"

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"

# --------------------------------------------------------------------------- the EU's tables

AUTHORITY = "http://publications.europa.eu/resource/authority/"
COUNTRY = AUTHORITY + "country/"
CURRENCY = AUTHORITY + "currency/"
LANGUAGE = AUTHORITY + "language/"
FILE_TYPE = AUTHORITY + "file-type/"

# --------------------------------------------------------------------------- datasets we link to

#: the datasets as VoID names them, and their item namespaces
WIKIDATA = "http://www.wikidata.org/"
WIKIDATA_ENTITY = WIKIDATA + "entity/"
WIKIDATA_DIRECT = WIKIDATA + "prop/direct/"
#: Wikidata's SPARQL query service
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
NUTS_CODE = "http://data.europa.eu/nuts/code/"
NUTS_SCHEME = "http://data.europa.eu/nuts/scheme/"
KOHESIO = "https://linkedopendata.eu/"
KOHESIO_ENTITY = KOHESIO + "entity/"
KEEP_EU = "https://keep.eu/"
CORDIS = "https://cordis.europa.eu/"

# --------------------------------------------------------------------------- prefix tables

#: ``prefixes`` of mappings/records.yaml (checked by a test)
RECORD_PREFIXES = {
    "ep": EP, "dct": DCT, "skos": SKOS, "prov": PROV, "foaf": FOAF, "rdfs": RDFS, "xsd": XSD, "owl": OWL,
}
#: ``namespaces`` of mappings/records.yaml (checked by a test)
RECORD_NAMESPACES = {"concept": CONCEPT, "country": COUNTRY, "currency": CURRENCY, "language": LANGUAGE}

#: the prefixes of the Turtle dump and of query results (their order is the dump's)
PREFIXES = {
    "ep": EP,
    "role": CONCEPT + "role/",
    "organisation-kind": CONCEPT + "organisation-kind/",
    "programme-kind": CONCEPT + "programme-kind/",
    "funding-kind": CONCEPT + "funding-kind/",
    "period-qualifier": CONCEPT + "period-qualifier/",
    "quality-flag": CONCEPT + "quality-flag/",
    "dct": DCT,
    "skos": SKOS,
    "prov": PROV,
    "foaf": FOAF,
    "rdfs": RDFS,
    "xsd": XSD,
    "country": COUNTRY,
    "currency": CURRENCY,
    "language": LANGUAGE,
}
