"""Private snapshots of the store folder, so every worker of a generation reads the same store.

``load`` replaces the store folder by a rename and deletes the old one. A worker that opened
the old folder could then meet a deleted file, and a worker started after the rename would
open the new one: a mix. So the server never opens the store folder itself: it takes a
snapshot (hard links of the store's files, which are never modified once ``load`` is done; a
copy where links are impossible) into a private folder beside it, and its workers open that.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

__all__ = ["identity", "take_snapshot", "remove_stale_snapshots"]

Identity = tuple[int, int]


def identity(store: Path) -> Identity | None:
    """Which folder sits at ``store`` now (device, inode); None while it is missing."""
    try:
        st = os.stat(store)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _prefix(store: Path) -> str:
    return f".{store.name}-serving-{os.getpid()}-"


def take_snapshot(store: Path) -> tuple[Path, Identity]:
    """A private snapshot of the folder at ``store``, and that folder's identity.

    Every file comes from the same folder even when ``load`` swaps a new one in meanwhile:
    the folder is opened once and its files are linked relative to that handle. Raises
    OSError when the folder disappears half-way (the caller tries again later).
    """
    fd = os.open(store, os.O_RDONLY | os.O_DIRECTORY)
    target = Path(tempfile.mkdtemp(prefix=_prefix(store), dir=store.parent))
    try:
        st = os.fstat(fd)
        for name in os.listdir(fd):
            if name == "LOCK":
                continue
            dst = target / name
            try:
                os.link(name, dst, src_dir_fd=fd)
            except OSError:  # another file system, or links not allowed: copy
                src = os.open(name, os.O_RDONLY, dir_fd=fd)
                with os.fdopen(src, "rb") as fin, open(dst, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
        return target, (st.st_dev, st.st_ino)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        os.close(fd)


def remove_stale_snapshots(store: Path) -> None:
    """Delete the snapshots left beside ``store`` by servers that are no longer running."""
    pattern = re.compile(rf"^\.{re.escape(store.name)}-serving-(\d+)-")
    if not store.parent.is_dir():
        return
    for entry in store.parent.iterdir():
        m = pattern.match(entry.name)
        if not m:
            continue
        pid = int(m.group(1))
        alive = True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            with contextlib.suppress(OSError):
                shutil.rmtree(entry)
