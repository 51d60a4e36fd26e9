"""Generate the CLI reference (``docs/cli.md``) from the commands themselves.

``python -m euproj_rdf.clidoc > docs/cli.md``; a test fails when the file is stale.
"""

from __future__ import annotations

import enum
import inspect

import typer
import typer.main

from .cli import EXIT_CODES, app

__all__ = ["cli_reference"]


def _option_line(param) -> str:
    names = " / ".join(param.opts + list(param.secondary_opts))
    default = param.default
    shown = "" if default in (None, False) or isinstance(default, bool) else f" (default: `{getattr(default, 'value', default)}`)"
    choices = ""
    if isinstance(default, enum.Enum):
        choices = f" One of: {', '.join(f'`{c.value}`' for c in type(default))}."
    return f"| `{names}` | {getattr(param, 'help', '') or ''}{choices}{shown} |"


def cli_reference() -> str:
    """The Markdown reference of every command and option."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.main.TyperGroup)
    lines = [
        "# Command-line reference",
        "",
        "Generated from the commands by `python -m euproj_rdf.clidoc > docs/cli.md`; a test keeps it in step.",
        "",
        "`euproj-rdf [--debug] COMMAND [OPTIONS]` — `--debug` shows a traceback on errors.",
        "",
        EXIT_CODES,
        "",
    ]
    for name in sorted(group.commands):
        cmd = group.commands[name]
        lines += [f"## `euproj-rdf {name}`", "", inspect.cleandoc(cmd.help or ""), ""]
        lines += ["| option | meaning |", "| --- | --- |"]
        lines += [_option_line(p) for p in cmd.params 
                  if getattr(p, "opts", None) and p.opts[0].startswith("-") and not getattr(p, "hidden", False)]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(cli_reference(), end="")
