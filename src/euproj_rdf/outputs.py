"""Output locations: never replace what we did not write, and leave nothing behind.

Every folder we write carries a marker (:data:`MARKERS`): ``.euproj-dump`` in a build's output
folder, ``.euproj-store`` in a store, ``.euproj-release`` in a release. :func:`check_output`
refuses a location that exists and is not ours — a file, or a folder without our marker that
holds something we would replace — unless ``force`` is given; it is called before any work.

Work in progress lives in a scratch folder inside the output's own folder, named
``.euproj-tmp-…`` and locked (``flock``) by the process that owns it for as long as it runs;
a single file being written (:func:`euproj_rdf.files.atomic_write`) carries the same prefix
and is locked itself.
:func:`scratch` removes its folder when the block ends, and first sweeps the scratch folders
that no running process holds any more (left by a process that was killed), so the next run
cleans up after a crash. A lock dies with its process, whatever killed it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

__all__ = ["MARKERS", "SCRATCH_PREFIX", "check_output", "mark", "scratch", "sweep", "writing", "forget_locks", "user_mode"]

#: kind of output → the marker file it carries, and the files of ours it replaces
MARKERS = {
    "dump": ".euproj-dump",
    "store": ".euproj-store",
    "release": ".euproj-release",
}
_DUMP_FILES = ("euproj.nt", "euproj.ttl")
_VERB = {"dump": "build", "store": "load", "release": "publish"}
SCRATCH_PREFIX = ".euproj-tmp-"
_LOCK = ".lock"
_HELD: set[int] = set()  # lock descriptors of this process's scratch folders
#: a scratch folder without a lock is taken as stale only after this many seconds (it may be
#: one that another process has just created and is about to lock)
_UNLOCKED_GRACE = 60.0


def check_output(path: Path, kind: str, *, force: bool = False, option: str = "--out") -> None:
    """Refuse ``path`` as the output of ``kind`` when it exists and is not ours.

    A folder is ours when it carries our marker, is empty, or (for a dump, which only adds its
    two files) holds none of the files we would replace. ``force`` allows a foreign folder;
    a file is never replaced by a folder.
    """
    path = Path(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise OutputError(f"{option} '{path}' is a file, not a folder: choose a folder (or a name not yet used)")
    if (path / MARKERS[kind]).exists() or force:
        return
    try:
        names = {p.name for p in path.iterdir() if not p.name.startswith(SCRATCH_PREFIX)}
    except OSError as exc:
        raise OutputError(f"cannot read the folder '{path}': {exc.strerror}") from None
    if kind == "dump":
        foreign = sorted(names & set(_DUMP_FILES))
    else:
        foreign = sorted(names, key=lambda n: (n.startswith("."), n))
    if foreign:
        raise OutputError(
            f"{option} '{path}' exists and was not written by 'euproj-rdf {_VERB[kind]}' (it has no "
            f"{MARKERS[kind]} marker, and holds {foreign[0]}{' …' if len(foreign) > 1 else ''}): "
            f"choose another folder, or pass --force to replace it"
        )


def mark(folder: Path, kind: str) -> None:
    """Put our marker into ``folder`` (written by us; replaced by the next run of the verb)."""
    (folder / MARKERS[kind]).write_text(
        f"Written by euproj-rdf {_VERB[kind]}: the next 'euproj-rdf {_VERB[kind]}' replaces this folder's "
        f"{'dump files' if kind == 'dump' else 'content'}.\n", encoding="utf-8")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failure to write under ``path`` (read-only, disk full…) into :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise OutputError(f"cannot write '{where}': {exc.strerror or exc}; nothing was written") from None


@contextmanager
def scratch(parent: Path) -> Iterator[Path]:
    """A locked scratch folder ``parent/.euproj-tmp-…``, removed when the block ends.

    Stale scratch folders in ``parent`` (their process is gone) are swept first. A ``parent``
    created for it is removed again if it is left empty (a failed build writes nothing).
    """
    parent = Path(parent)
    created = not parent.exists()
    with writing(parent):
        parent.mkdir(parents=True, exist_ok=True)
        sweep(parent)
        folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=parent))
        lock = os.open(folder / _LOCK, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _HELD.add(lock)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _HELD.discard(lock)
        os.close(lock)
        if created:
            try:
                parent.rmdir()
            except OSError:
                pass  # it holds what was written


def forget_locks() -> None:
    """In a forked worker: drop the inherited lock descriptors, so that the locks live exactly
    as long as the process that took them (a worker orphaned by a killed build holds none)."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


def sweep(parent: Path) -> list[Path]:
    """Remove the scratch folders in ``parent`` that no running process holds; return them."""
    removed: list[Path] = []
    try:
        candidates = [p for p in Path(parent).iterdir() if p.name.startswith(SCRATCH_PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        if not folder.is_dir():  # a file written under a temporary name, locked by its writer
            if _unlocked(folder):
                folder.unlink(missing_ok=True)
                removed.append(folder)
            continue
        try:
            fd = os.open(folder / _LOCK, os.O_RDONLY)
        except FileNotFoundError:
            fd = None  # killed before it locked, half removed, or just created
            try:
                if time.time() - folder.stat().st_mtime < _UNLOCKED_GRACE:
                    continue
            except OSError:
                continue
        except OSError:
            continue
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a running process holds it
            # renamed first: a process orphaned by the crash can no longer add files to it
            doomed = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX + "swept-", dir=parent))
            try:
                os.replace(folder, doomed / "x")
            except OSError:
                pass
            shutil.rmtree(doomed, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def _unlocked(path: Path) -> bool:
    """Whether no process holds the lock of ``path`` (a temporary file being written)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def user_mode(path: Path, *, folder: bool) -> None:
    """Give ``path`` the mode a new file or folder gets under the user's umask (not 0700)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if folder else 0o666) & ~mask)
