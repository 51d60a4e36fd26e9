"""euproj-rdf: curated records of EU-funded cooperation projects as validated linked data.

The public surface is small: :func:`build` (records → checked → mapped → validated → dump),
:func:`check` (the same without writing), and the error classes.
"""

from .errors import ConfigError, EuprojError, RecordError, RecordProblem, RecordSyntaxError, StoreError
from .pipeline import DEFAULT_BASE_IRI, BuildResult, build, check
from .publish import ReleaseInfo, load_release_info, publish
from .push import PushTarget, push, target_for
from .query import ResultFormat, run_query
from .store import LoadResult, load_store
from .validation import ShaclResult, ValidationReport
from .version import __version__

__all__ = [
    "build",
    "check",
    "load_store",
    "run_query",
    "publish",
    "push",
    "PushTarget",
    "target_for",
    "ReleaseInfo",
    "load_release_info",
    "ResultFormat",
    "LoadResult",
    "BuildResult",
    "ValidationReport",
    "ShaclResult",
    "DEFAULT_BASE_IRI",
    "EuprojError",
    "ConfigError",
    "RecordError",
    "RecordProblem",
    "RecordSyntaxError",
    "StoreError",
    "__version__",
]
