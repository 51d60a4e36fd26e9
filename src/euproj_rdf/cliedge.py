"""The edge of the command line: what happens around a command, whatever happens in it.

:func:`run` runs the typer app so that

- SIGTERM stops a command like Ctrl-C does: ``finally`` blocks run, temporary files are
  removed, one line says so, and the exit code is 128 + the signal number (130 for Ctrl-C, 143
  for SIGTERM); a command that handles the interrupt itself (``serve``) ends as it chooses;
- an unexpected exception (a bug, or a failure no check foresaw) is written with its traceback
  to a log file and reported in one ``Error:`` line with exit code 3 — never a raw traceback,
  unless ``--debug`` is given;
- usage errors keep click's message and exit code 2.
"""

from __future__ import annotations

import datetime
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import typer
from typer import TyperException

__all__ = ["Stopped", "crash_log", "run"]

EXIT_UNEXPECTED = 3


class Stopped(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); unwinds like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_received: list[int] = []


def _on_signal(signum: int, _frame: object) -> None:
    _received.append(signum)
    raise Stopped(signum)


def crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    """Write ``exc`` with its traceback to a new log file; return its path (None if impossible)."""
    folder = Path(os.environ.get("EUPROJ_LOG_DIR") or tempfile.gettempdir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="euproj-rdf-error-", suffix=".log", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{datetime.datetime.now(datetime.timezone.utc).isoformat()}  euproj-rdf {' '.join(argv)}\n\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return Path(name)
    except OSError:
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run(app: Callable[..., object], *, debug: Callable[[], bool] = lambda: False) -> None:
    """Run ``app`` (a typer app) and exit with its code; see the module's description.

    ``--debug`` among the arguments (or ``debug()`` true) lets an unexpected exception through
    with its traceback."""
    argv = sys.argv[1:]
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        code = app(standalone_mode=False)
        if _received and code == 130:  # typer turns the interrupt into exit code 130
            raise Stopped(_received[0])
    except typer.Exit as exc:  # raised outside a command
        code = exc.exit_code
    except TyperException as exc:  # usage errors: click's message, exit 2
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            print(f"Error: {exc.format_message()}", file=sys.stderr)
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        signum = _received[0] if _received else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"Error: stopped ({name}); temporary files were removed and nothing was half-written.",
              file=sys.stderr)
        code = 128 + signum
    except BrokenPipeError:
        # the reader went away (``… | head``): nothing more to say to it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except Exception as exc:
        if debug() or "--debug" in argv:
            raise
        log = crash_log(exc, argv)
        where = f"the traceback is in {log}" if log else "run again with --debug to see the traceback"
        print(f"Error: unexpected failure ({_one_line(exc)}); {where}. Please report it.", file=sys.stderr)
        code = EXIT_UNEXPECTED
    sys.exit(code if isinstance(code, int) else 0)
