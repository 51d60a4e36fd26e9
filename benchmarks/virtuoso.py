"""Virtuoso as a peer in the benchmarks: Debian's virtuoso-opensource started in a scratch folder
on free loopback ports, loaded with its bulk loader (``ld_dir`` + ``rdf_loader_run``).

The configuration is the package's own ``virtuoso.ini`` with the database moved to the scratch
folder, the scratch folder allowed for loading, and the buffer sizes the file itself recommends
for a machine with 2 GB to spare (``NumberOfBuffers`` 170 000); the result row cap is raised so
that list answers are not cut.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Virtuoso:
    """One Virtuoso server in ``folder``; ``url`` is its SPARQL endpoint."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.sql = _free_port()
        self.http = _free_port()
        self.url = f"http://127.0.0.1:{self.http}/sparql"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout_s: int = 60) -> Virtuoso:
        ini = INI.read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{self.folder}/")
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111$", rf"ServerPort\g<1>= {self.sql}", ini)
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890$", rf"ServerPort\g<1>= {self.http}", ini)
        ini = re.sub(r"(?m)^DirsAllowed(\s*)=.*$", rf"DirsAllowed\g<1>= ., {self.folder}", ini)
        ini = re.sub(r"(?m)^NumberOfBuffers(\s*)=.*$", r"NumberOfBuffers\g<1>= 170000", ini)
        ini = re.sub(r"(?m)^MaxDirtyBuffers(\s*)=.*$", r"MaxDirtyBuffers\g<1>= 130000", ini)
        ini = re.sub(r"(?m)^ResultSetMaxRows(\s*)=.*$", r"ResultSetMaxRows\g<1>= 10000000", ini)
        ini = re.sub(r"(?m)^MaxQueryExecutionTime(\s*)=.*$", rf"MaxQueryExecutionTime\g<1>= {timeout_s}", ini)
        # no refusal on the cost the planner estimates before running a query (400 s by default):
        # a question it would answer in milliseconds was refused in one run and not in the next
        ini = re.sub(r"(?m)^MaxQueryCostEstimationTime(\s*)=.*$", r"MaxQueryCostEstimationTime\g<1>= 0", ini)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "virtuoso.ini").write_text(ini)
        self.proc = subprocess.Popen([VIRTUOSO, "-f", "-c", str(self.folder / "virtuoso.ini")], cwd=self.folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(1200):
            try:
                if requests.get(self.url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Virtuoso did not start")

    def isql(self, script: str) -> str:
        done = subprocess.run([ISQL, str(self.sql), "dba", "dba"], input=script, capture_output=True, text=True,
                              check=True)
        if "Error" in done.stdout or "Error" in done.stderr:
            raise RuntimeError(f"Virtuoso refused: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def bulk_load(self, files: dict[Path, str]) -> None:
        """Load N-Triples files, each into its graph, with the bulk loader; then a checkpoint."""
        script = []
        for path, graph in files.items():
            target = self.folder / path.name
            shutil.copyfile(path, target)
            script.append(f"ld_dir('{self.folder}', '{path.name}', '{graph}');")
        script += ["rdf_loader_run();", "checkpoint;"]
        self.isql("\n".join(script) + "\n")
        for path in files:
            (self.folder / path.name).unlink()

    def disk(self) -> int:
        """Bytes of the database files."""
        return sum(p.stat().st_size for p in self.folder.glob("virtuoso.*") if p.suffix in (".db", ".trx"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
