"""Real servers started for tests, each on free loopback ports in a temporary folder: an Oxigraph
server (the `oxigraph` package's binary), Virtuoso (Debian's virtuoso-opensource) and Apache Jena
Fuseki (fetched from Maven Central by tests/fuseki/pom.xml)."""

from __future__ import annotations

import fcntl
import os
import re
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

    @property
    def query_url(self) -> str:
        return self.url + "query"

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


def select(url: str, query: str, *, auth=None, default_graph: str | None = None,
           named_graph: str | None = None) -> dict:
    """The SPARQL JSON results of ``query`` at the query endpoint ``url`` (over the graph
    ``default_graph`` as the default graph, and ``named_graph`` as its one named graph, when given)."""
    params = {"query": query}
    if default_graph is not None:
        params["default-graph-uri"] = default_graph
    if named_graph is not None:
        params["named-graph-uri"] = named_graph
    resp = requests.post(url, data=params, auth=auth, timeout=120,
                         headers={"Accept": "application/sparql-results+json"})
    if resp.status_code >= 400:
        # the store's own words on why, not just the status
        raise requests.HTTPError(f"{resp.status_code} from {url}: {resp.text[:2000]}", response=resp)
    return resp.json()


def _wait_until_up(proc: subprocess.Popen, probe, what: str, seconds: float) -> None:
    """Poll ``probe()`` (true once the server answers) until it does, the process died, or the
    time is up (generous: a JVM starting on a busy machine takes its time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} while starting")
        try:
            if probe():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


# ---------------------------------------------------------------------------------------------
# Virtuoso 7 (Debian's virtuoso-opensource): the packaged virtuoso.ini with the database in a
# temporary folder and free ports; user dba, password dba; digest authentication for updates
# ---------------------------------------------------------------------------------------------

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def virtuoso_unavailable() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    if not Path(VIRTUOSO).is_file() or not VIRTUOSO_INI.is_file():
        return "Virtuoso is not installed (Debian package virtuoso-opensource, installed by .ci/run)"
    return None


class VirtuosoServer:
    user = "dba"
    password = "dba"

    def __init__(self, folder: Path, *, after_image_limit: int | None = None):
        self.folder = folder
        self.after_image_limit = after_image_limit
        self.sql_port, self.port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None

    def start(self) -> VirtuosoServer:
        ini = VIRTUOSO_INI.read_text()
        # no refusal on the cost the planner guesses before it runs a query (400 s in the packaged
        # ini): its guess varies from one run to the next, and once passed 400 s for
        # lead-partners on the seed graph, which it answers in milliseconds (README: push)
        ini = re.sub(r"(?m)^MaxQueryCostEstimationTime(\s*)=.*$", r"MaxQueryCostEstimationTime\g<1>= 0", ini)
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{self.folder}/")
        if self.after_image_limit is not None:
            ini = ini.replace("[Parameters]", f"[Parameters]\nTransactionAfterImageLimit = {self.after_image_limit}", 1)
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111$", rf"ServerPort\g<1>= {self.sql_port}", ini)
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890$", rf"ServerPort\g<1>= {self.port}", ini)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "virtuoso.ini").write_text(ini)
        self.proc = subprocess.Popen([VIRTUOSO, "-f", "-c", str(self.folder / "virtuoso.ini")], cwd=self.folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until_up(self.proc, lambda: requests.get(self.url + "sparql", params={"query": "ASK {}"},
                                                       timeout=2).status_code == 200, "Virtuoso", 120)
        return self

    @property
    def query_url(self) -> str:
        return self.url + "sparql"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------------------------
# Apache Jena Fuseki 5.6.0 (jena-fuseki-main and its dependencies, copied from Maven Central into
# tests/fuseki/lib): one TDB2 dataset /ds with updates on, basic authentication for every request
# ---------------------------------------------------------------------------------------------

FUSEKI_VERSION = "5.6.0"
FUSEKI_POM = Path(__file__).resolve().parent / "fuseki" / "pom.xml"
FUSEKI_LIB = FUSEKI_POM.parent / "lib"
FUSEKI_MAIN = "org.apache.jena.fuseki.main.cmds.FusekiMainCmd"


def fuseki_unavailable() -> str | None:
    """Why Fuseki cannot run here, or None. Fetches it with Maven when it is not there yet (once:
    a lock keeps two test runs from copying the jars at the same time)."""
    if shutil.which("java") is None:
        return "no Java runtime (java) to run Apache Jena Fuseki"
    jar = FUSEKI_LIB / f"jena-fuseki-main-{FUSEKI_VERSION}.jar"
    if jar.is_file():
        return None
    if shutil.which("mvn") is None:
        return f"Apache Jena Fuseki is not in {FUSEKI_LIB.name}/ and there is no Maven (mvn) to fetch it"
    with open(FUSEKI_POM.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not jar.is_file():
            done = subprocess.run(["mvn", "-q", "-B", "-f", str(FUSEKI_POM), "dependency:copy-dependencies"],
                                  capture_output=True, text=True)
            if done.returncode != 0 or not jar.is_file():
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
                return f"Maven could not fetch Apache Jena Fuseki {FUSEKI_VERSION}: {tail[0][:200]}"
    return None


class FusekiServer:
    user = "admin"

    def __init__(self, folder: Path, password: str = "fuseki-test"):
        self.folder = folder
        self.password = password
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/ds/"  # the --endpoint of `push --kind fuseki`
        self.proc: subprocess.Popen | None = None

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    @property
    def query_url(self) -> str:
        return self.url + "query"

    def start(self) -> FusekiServer:
        """Start (or, after kill, restart on the same database and port)."""
        (self.folder / "tdb2").mkdir(parents=True, exist_ok=True)
        passwd = self.folder / "passwd"
        passwd.write_text(f"{self.user}: {self.password}\n")
        os.chmod(passwd, 0o600)
        with open(self.folder / "fuseki.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["java", "-Xmx1g", "-cp", str(FUSEKI_LIB / "*"), FUSEKI_MAIN, "--localhost", f"--port={self.port}",
                 f"--passwd={passwd}", "--auth=basic", f"--loc={self.folder / 'tdb2'}", "--update", "/ds"],
                stdout=log, stderr=subprocess.STDOUT)
        _wait_until_up(self.proc, lambda: requests.get(self.query_url, params={"query": "ASK {}"}, auth=self.auth,
                                                       timeout=2).status_code == 200, "Fuseki", 180)
        return self

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()

    def count(self, graph: str | None = GRAPH) -> int:
        pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        answer = select(self.query_url, f"SELECT (COUNT(*) AS ?n) WHERE {pattern}", auth=self.auth)
        return int(answer["results"]["bindings"][0]["n"]["value"])

    def graphs(self) -> set[str]:
        answer = select(self.query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", auth=self.auth)
        return {b["g"]["value"] for b in answer["results"]["bindings"]}

    def construct(self, graph: str) -> list[str]:
        """The graph's triples as sorted N-Triples lines."""
        resp = requests.post(self.query_url, auth=self.auth, timeout=120, headers={"Accept": "application/n-triples"},
                             data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
        resp.raise_for_status()
        return sorted(line for line in resp.text.splitlines() if line.strip())
