"""The README's examples are run, and their output must be what the README shows.

Every fenced block of README.md whose first line starts with ``$ euproj-rdf`` is a transcript:
lines starting with ``$ `` are commands (a quoted argument may go on over several lines), the
lines after a command are its output. The blocks run in order, in a copy of the repository's
data in a temporary folder (so ``build`` before ``load`` before ``query``), and each command's
output — what it prints on stderr (warnings, errors) and then on stdout, on a terminal — must
equal the lines shown, up to

- timings (``in 0.49 s``) and byte sizes (``(32140 bytes)``, shown as ``(…)``);
- a line ``… N more lines``, which stands for exactly N lines of output.

An HTML comment just before a block says more:
``<!-- readme-test: skip: why -->`` for an example that needs a network service, and
``<!-- readme-test: in FILE replace 'OLD' with 'NEW' -->`` for an example of an error, made
in the copy before the block and undone after it, and
``<!-- readme-test: with NAME from ../shared/PATH -->`` for an example that reads a real EU
file: linked into the copy for the block (never copied into the repository), and the block is
skipped where ``../shared`` is absent.
"""

from __future__ import annotations

import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_DATA = ("src", "tests", "benchmarks", "docs", "dist", ".git", ".venv", ".cache", ".hypothesis",
            ".pytest_cache", "__pycache__", "node_modules", "links")


@dataclass
class Command:
    args: list[str]
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    commands: list[Command]
    skip: str | None = None
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    shared: list[tuple[str, str]] = field(default_factory=list)


_FENCE = re.compile(r"^```(\w*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
_EDIT = re.compile(r"^in (\S+) replace '(.*)' with '(.*)'$")
_WITH = re.compile(r"^with (\S+) from \.\./shared/(\S+)$")
SHARED = ROOT.parent / "shared"


def readme_blocks(text: str) -> list[Block]:
    """The transcript blocks of a README."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        body = lines[i + 1:end]
        if body and body[0].startswith("$ euproj-rdf"):
            block = Block(i + 1, _commands(body))
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            while j >= 0 and (d := _DIRECTIVE.match(lines[j])):
                what = d.group(1)
                if what.startswith("skip"):
                    block.skip = what
                elif e := _EDIT.match(what):
                    block.edits.append(e.groups())
                elif w := _WITH.match(what):
                    block.shared.append(w.groups())
                else:
                    raise ValueError(f"README.md:{j + 1}: unknown readme-test directive: {what}")
                j -= 1
            blocks.append(block)
        i = end + 1
    return blocks


def _commands(body: list[str]) -> list[Command]:
    commands: list[Command] = []
    k = 0
    while k < len(body):
        line = body[k]
        if line.startswith("$ "):
            text = line[2:]
            while True:
                try:
                    args = shlex.split(text, comments=True)
                    break
                except ValueError:  # a quoted argument goes on on the next line
                    k += 1
                    text += "\n" + body[k]
            commands.append(Command(args))
        else:
            commands[-1].expected.append(line)
        k += 1
    return commands


def _run(args: list[str], cwd: Path) -> list[str]:
    """Run a command with stdout on a terminal (as a reader of the README runs it) and stderr
    on a pipe; its stderr lines, then its stdout lines."""
    if args[0] == "euproj-rdf":
        args = [sys.executable, "-m", "euproj_rdf.cli", *args[1:]]
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.Popen(args, cwd=cwd, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal is closed: the command is done
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    err = proc.stderr.read()
    proc.wait()
    text = err.decode() + out.decode().replace("\r\n", "\n")
    return [line.rstrip() for line in text.splitlines()]


_TIMING = re.compile(r"\b\d+(?:\.\d+)? s\b")
_SIZE = re.compile(r"\((?:\d+ bytes|…)\)")
_MORE = re.compile(r"^… (\d+) more lines?$")


def _normal(line: str) -> str:
    return _SIZE.sub("(<size>)", _TIMING.sub("<t> s", line.rstrip()))


def _matches(expected: list[str], actual: list[str]) -> bool:
    i = 0
    for line in expected:
        more = _MORE.match(line.strip())
        if more:
            i += int(more.group(1))
            continue
        if i >= len(actual) or _normal(line) != _normal(actual[i]):
            return False
        i += 1
    return i == len(actual)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the repository's data (records, release.yaml, queries…), without code or outputs."""
    work = tmp_path_factory.mktemp("readme")
    for p in ROOT.iterdir():
        if p.name in NOT_DATA or p.name.startswith("."):
            continue
        if p.is_dir():
            shutil.copytree(p, work / p.name)
        else:
            shutil.copy2(p, work / p.name)
    return work


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_a_tour():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_example(block: Block, workdir: Path):
    if block.skip:
        pytest.skip(f"README.md:{block.line}: {block.skip}")
    for _, path in block.shared:
        if not (SHARED / path).is_file():
            pytest.skip(f"README.md:{block.line}: needs ../shared/{path}, which is not here")
    undo = []
    links = []
    try:
        for name, path in block.shared:
            (workdir / name).symlink_to(SHARED / path)
            links.append(workdir / name)
        for name, old, new in block.edits:
            path = workdir / name
            text = path.read_text(encoding="utf-8")
            assert text.count(old) == 1, f"README.md:{block.line}: '{old}' is not once in {name}"
            undo.append((path, text))
            path.write_text(text.replace(old, new), encoding="utf-8")
        for command in block.commands:
            actual = _run(command.args, workdir)
            assert _matches(command.expected, actual), (
                f"README.md:{block.line}: `{shlex.join(command.args)}` prints\n" + "\n".join(actual)
                + "\n\nwhile the README shows\n" + "\n".join(command.expected))
    finally:
        for path, text in undo:
            path.write_text(text, encoding="utf-8")
        for link in links:
            link.unlink()


def test_the_transcript_parser():
    text = "<!-- readme-test: in a.yaml replace 'x' with 'y' -->\n```\n$ euproj-rdf query 'a\n  b'\nrow\n… 2 more lines\n```\n"
    (block,) = readme_blocks(text)
    assert block.commands[0].args == ["euproj-rdf", "query", "a\n  b"]
    assert block.edits == [("a.yaml", "x", "y")]
    assert _matches(block.commands[0].expected, ["row", "1", "2"])
    assert not _matches(block.commands[0].expected, ["row", "1"])
    assert _matches(["Wrote x in 0.49 s (…)"], ["Wrote x in 12.10 s (42 bytes)"])
