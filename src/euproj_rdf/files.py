"""Small file helpers shared by the stages that write folders or read configuration."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = ["read_yaml", "fresh_folder"]


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML configuration file; errors name the file and what it is for."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} '{path}': {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: malformed YAML: {exc}") from None


@contextmanager
def fresh_folder(target: Path) -> Iterator[Path]:
    """A new, empty folder beside ``target`` that replaces it when the block ends without error.

    Readers see the old folder or the new one, never a half-written one: the old folder is
    moved aside, the new one renamed into place, and only then is the old one deleted. When
    the block raises, the new folder is deleted and ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        yield work
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(work, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
