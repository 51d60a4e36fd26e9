"""Small file helpers shared by the stages that write files or folders or read configuration."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import yaml

from .errors import ConfigError
from .outputs import SCRATCH_PREFIX

__all__ = ["read_yaml", "fresh_folder", "atomic_write"]


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML configuration file; errors name the file and what it is for."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} '{path}': {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: malformed YAML: {exc}") from None


@contextmanager
def fresh_folder(target: Path, kind: str | None = None) -> Iterator[Path]:
    """A new, empty folder beside ``target`` that replaces it when the block ends without error.

    Readers see the old folder or the new one, never a half-written one: the old folder is
    moved aside, the new one renamed into place, and only then is the old one deleted. When
    the block raises, the new folder is deleted and ``target`` is left as it was. Both live in a
    scratch folder beside ``target`` that the next run sweeps if this one is killed
    (:func:`euproj_rdf.outputs.scratch`); ``kind`` puts our marker into the new folder, which
    gets the user's umask.
    """
    from .outputs import mark, scratch, user_mode, writing

    with scratch(target.parent) as room:
        work = room / "new"
        with writing(target.parent):
            work.mkdir()
            user_mode(work, folder=True)
        yield work
        with writing(target.parent):
            if kind is not None:
                mark(work, kind)
            if target.exists():
                os.replace(target, room / "old")
            os.replace(work, target)


@contextmanager
def atomic_write(path: Path, mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = "\n") -> Iterator[IO[Any]]:
    r"""A file opened under a temporary name beside ``path``, renamed onto it when the block ends.

    Readers see the old file or the new one, never a half-written one; when the block raises,
    the temporary file is deleted and ``path`` is left as it was. A file replaced keeps its
    permissions. ``mode`` is ``"w"`` (text, ``encoding`` and ``newline`` as for :func:`open`)
    or ``"wb"``; the handle's ``name`` is the temporary file, to read back what was written.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(target) as fh:
    ...     _ = fh.write("one\n")
    >>> target.read_text()
    'one\n'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write opens files for writing ('w' or 'wb'), not '{mode}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name the next run recognises, locked while written: a killed writer's file is swept
    tmp = path.with_name(f"{SCRATCH_PREFIX}{path.name}.{secrets.token_hex(4)}.tmp")
    binary = mode == "wb"
    try:
        with open(tmp, mode.replace("w", "x"), encoding=None if binary else encoding,
                  newline=None if binary else newline) as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield fh
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
