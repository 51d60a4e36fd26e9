"""Real servers started for tests: an Oxigraph server (the `oxigraph` package's binary) on a
free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
GRAPH = "https://w3id.org/euproj/graph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    def __init__(self, location: Path):
        self.location = location
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = None

    def start(self) -> OxigraphServer:
        self.proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(self.location),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                requests.get(self.url + "query", params={"query": "ASK {}"}, timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the Oxigraph server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def count(self, graph: str | None = GRAPH) -> int:
        pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        resp = requests.post(self.url + "query", data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {pattern}"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        return int(resp.json()["results"]["bindings"][0]["n"]["value"])

    def graphs(self) -> set[str]:
        resp = requests.post(self.url + "query", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        return {b["g"]["value"] for b in resp.json()["results"]["bindings"]}



    def load(self, path: Path, graph: str | None = None) -> None:
        """Add a Turtle file to the default graph (or a named graph) over the Graph Store protocol."""
        target = "store?default" if graph is None else f"store?graph={graph}"
        resp = requests.post(self.url + target, data=path.read_bytes(),
                             headers={"Content-Type": "text/turtle"}, timeout=60)
        resp.raise_for_status()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


@contextmanager
def oxigraph_with(location: Path, *files: Path) -> Iterator[OxigraphServer]:
    """A running Oxigraph server holding the given Turtle files (in its default graph)."""
    srv = OxigraphServer(location).start()
    try:
        for f in files:
            srv.load(f)
        yield srv
    finally:
        srv.stop()
