"""`ehsg` and `python -m ehsg`: answer --version at once, run any other command, then leave without teardown."""

from __future__ import annotations

import os
import sys


def run() -> None:
    """The console entry point.

    `--version` needs nothing imported; the top-level help (`--help`, `-h`, no arguments) only
    ehsg.helptext, which draws click's page without click. Any other command runs through the click CLI;
    once it has returned, every output is written, closed and renamed into place (ehsg.outputs), so the process
    flushes what it printed and exits without the interpreter's teardown of every loaded module,
    which is a sixth of a short command's time.
    """
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"ehsg, version {__version__}")
        return
    from .helptext import HELP_ARGS, program_name, terminal_width, top_help

    if sys.argv[1:] in HELP_ARGS:
        page = top_help(program_name(), terminal_width())
        if sys.argv[1:]:
            print(page)
            return
        print(page, file=sys.stderr)  # a bare `ehsg` is a usage mistake: click's page on stderr, exit 2
        sys.stderr.flush()
        os._exit(2)
    import gc

    # Loading a workbook makes hundreds of thousands of small objects, and importing the command line tens of
    # thousands; Python's default collection threshold (700) spends time collecting nothing (the CLI sets it too).
    gc.set_threshold(50_000, 20, 20)
    from .cli import main

    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader of our output went away: nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
