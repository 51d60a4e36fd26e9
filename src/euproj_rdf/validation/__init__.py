"""SHACL validation (SHACL Core and SHACL-SPARQL) compiled to SPARQL and run on pyoxigraph.

Modules follow the specification: :mod:`.shapes` (what a shape is, and which shapes are
refused), :mod:`.paths` (property paths), :mod:`.components` (the Core constraint
components), :mod:`.compiler` (shapes to queries), :mod:`.sparql` (SHACL-SPARQL), :mod:`.terms`
(terms exactly as the data holds them), :mod:`.run` (running them) and :mod:`.report`.

The build validates each batch of records together with the type triples of every record
they refer to (and the concept schemes), so a batch holds everything the shapes look at; each
result is located at the record (file:line, field) that produced its focus node.
"""

from __future__ import annotations

from .report import LEVELS, GraphReport, ShaclResult, ValidationReport
from .run import (
    Finding,
    Shapes,
    batch_store,
    compile_graph,
    findings,
    load_shapes,
    path_text,
    read_data,
    report_graph,
    validate_file,
    validate_lines,
    validate_store,
)
from .sparql import join_focus, prefixes
from .terms import restore_datatypes

__all__ = [
    "LEVELS", "ShaclResult", "ValidationReport", "Finding", "Shapes", "batch_store", "compile_graph", "findings",
    "load_shapes", "path_text", "read_data", "report_graph", "validate_lines", "validate_store", "validate_file", "GraphReport", "join_focus",
    "prefixes", "restore_datatypes",
]
