"""The command line's shared parts: common options, errors as messages, and checks of inputs and outputs."""

from __future__ import annotations

import functools
import inspect
import os
import sys

import click

from .errors import EhsgError
from .helptext import SUMMARIES

GUIDE_HELP = ("Guide data folder, or the name of a bundled edition (default: ehsg-2022, or $EHSG_GUIDE). "
              "Point it at your own edited copy, e.g. with the official score wording pasted in.")


def guide_option(f):
    return click.option("--guide", "guide_dir", metavar="DIR", default=None, help=GUIDE_HELP)(f)


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Readable text, or one JSON object for scripts.")(f)


def friendly(f):
    """Mistakes in input become one clear message and an exit code, never a traceback."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except EhsgError as e:
            click.echo(f"ehsg: {e}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("ehsg: stopped.", err=True)
            sys.exit(130)
        except MemoryError:
            click.echo("ehsg: ran out of memory on this input; no output was written.", err=True)
            sys.exit(2)
        except Exception as e:  # a fault in ehsg itself: say so plainly, keep the details for a report
            if os.environ.get("EHSG_DEBUG"):
                raise
            click.echo(f"ehsg: internal error ({type(e).__name__}: {e}). No output was written. "
                       "Run again with EHSG_DEBUG=1 for details to report.", err=True)
            sys.exit(3)
    return wrapper


MAX_OPTION_TEXT = 200  # an area's name; far below the 32,767 characters an Excel cell holds


def plain_text(ctx, param, value):
    """A text option must be plain text: no control characters (they cannot be stored in a workbook)."""
    from .terminal import safe

    if value and safe(value) != value:
        raise click.BadParameter(f"{safe(value)!r} contains control characters; type plain text "
                                 "[option-control-character].")
    if value and len(value) > MAX_OPTION_TEXT:
        raise click.BadParameter(f"this is {len(value):,} characters long; at most {MAX_OPTION_TEXT} are "
                                 "accepted [option-too-long].")
    return value


def require_inputs(*paths):
    """Every input named must be an ordinary file: a pipe or device is refused at once, never read."""
    from .inputfile import require_regular_file

    for p in paths:
        if p is not None:
            require_regular_file(p)


FILE = click.Path(dir_okay=False)  # one for every file argument: each click.Path looks up its name's translation


def command(name=None):
    """An `ehsg` command: its help is its summary (ehsg.helptext, which --help lists), then its docstring.

    Made apart from the group, so commands can live in modules of their own; ehsg.cli adds each to the group.
    """
    def make(f):
        more = inspect.cleandoc(f.__doc__ or "")
        return click.command(name, cls=QuotingCommand,
                             help=SUMMARIES[name or f.__name__] + (f"\n\n{more}" if more else ""))(f)
    return make


class QuotingCommand(click.Command):
    """A command whose 'extra argument' error says what usually causes it: a name with spaces, unquoted."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            if "unexpected extra argument" in e.message:
                e.message += ('\nIf a file or folder name has spaces, put the whole name in quotes, '
                              'e.g. "My workshop/Sefton 2022.xlsx".')
            raise


def load_guide_data(guide_dir):
    from .guide import load_guide_with_warnings

    guide, warnings = load_guide_with_warnings(guide_dir)
    for w in warnings:
        click.echo(f"ehsg: {w}", err=True)
    return guide
