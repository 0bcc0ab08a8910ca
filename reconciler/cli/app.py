"""The ``stagingpro`` Typer application and its entry point.

Each command lives in its own module and registers itself with :func:`register`; the
command functions return an exit code and let :class:`~reconciler.errors.StagingProError`
propagate, which :func:`main` prints (redacted) and turns into the documented exit code.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.text import Text

from reconciler.errors import EXIT_ERROR, StagingProError
from reconciler.secrets import redact

app = typer.Typer(
    name="stagingpro",
    help="Declare a BigCommerce store as YAML in git; plan, apply and promote it safely.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown mode joins the hard-wrapped lines of our docstrings into paragraphs.
    rich_markup_mode="markdown",
)

# markup=False: messages carry user and API text (SKUs, names, patterns like
# ``[a-z0-9]``) that Rich would otherwise take for markup tags and swallow.
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def _usage_error_type() -> type[Exception]:
    """The ``ClickException`` the installed Typer raises for usage errors: recent Typer
    vendors its own copy of click (``typer._click``), older Typer uses click itself, and
    ``typer.BadParameter`` derives from whichever one that is."""
    for base in typer.BadParameter.__mro__:
        if base.__name__ == "ClickException" and issubclass(base, Exception):
            return base
    return typer.BadParameter  # pragma: no cover - every Typer has a ClickException base


def _register_commands() -> None:
    # Imported here so that each command module can import ``app`` without a cycle.
    from reconciler.cli import commands

    commands.register_all(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) the process exit code."""
    _register_commands()
    try:
        result = app(args=argv, standalone_mode=False)
    except StagingProError as error:
        err_console.print(Text.assemble(("error:", "bold red"), " ", redact(str(error))))
        return _exit(error.exit_code, argv)
    except typer.Exit as done:
        return _exit(done.exit_code, argv)
    except typer.Abort:
        err_console.print("aborted")
        return _exit(EXIT_ERROR, argv)
    except _usage_error_type() as error:  # usage errors: unknown option, bad value …
        error.show()  # type: ignore[attr-defined]
        return _exit(error.exit_code, argv)  # type: ignore[attr-defined]
    return _exit(result if isinstance(result, int) else 0, argv)


def _exit(code: int, argv: list[str] | None) -> int:
    if argv is None:  # called as the console script
        sys.exit(code)
    return code
