"""A read-only SPARQL endpoint and Linked Data server over the embedded store.

- ``/sparql``: the SPARQL 1.1 Protocol (GET, POST form-encoded and ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri``), content negotiation, a service description,
  CORS. Updates are refused (403). Every query runs in a worker process under a time limit
  and a result cap (:mod:`.pool`). ``SERVICE`` only to the endpoints allowed (:mod:`.federation`).
- ``/id/…``: every IRI minted under the base IRI dereferences: HTML for a browser, Turtle,
  JSON-LD or N-Triples by ``Accept``; ``/concept/…`` likewise for the concept schemes.
- ``/ontology``: the ontology.

Every error has one shape: ``{"error": {"status": 400, "message": "…"}}`` (JSON).

Runs on uvicorn (httptools, uvloop) and Starlette (:mod:`.app`), with limits on bodies, headers, idle
connections and open connections (:mod:`.transport`).
"""

from __future__ import annotations

from .app import Endpoint, make_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "Endpoint", "make_app"]
