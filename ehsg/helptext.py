"""What `ehsg --help` says: the command line's own help and each command's summary, and that page drawn fast.

The click group in ehsg.cli is built from these texts, so there is one source. `ehsg --help`, `ehsg -h`
and a bare `ehsg` are answered here without importing click (a third of a short command's time): the
layout below follows click's help formatter line for line, and tests/test_helptext.py checks the page
against click's own rendering, byte for byte, at several terminal widths.
"""

from __future__ import annotations

import os
import sys

GROUP_HELP = """Early Help System Guide self-assessment: workbook, check, priorities and Word submission.

\b
Typical flow:
  ehsg template -o workshop.xlsx --area "Sefton"
  ehsg check workshop.xlsx
  ehsg build workshop.xlsx -o submission.docx
"""

# Each command's first paragraph of help: its line in the list of commands, and the start of its own --help.
SUMMARIES = {
    "template": "Write a blank workshop workbook to hand out.",
    "check": "Check a filled workbook: every problem, Earned Autonomy, and the priority rule.",
    "suggest": "Suggest priority descriptors the data-model rule allows, ranked with reasons.",
    "build": "Build the national form, with the area's answers, from a checked workbook.",
    "brief": "Write a one-or-two-page briefing (score chart, section averages, Earned Autonomy, priorities).",
    "merge": "Merge partners' workbooks: statistics, disagreements and attributed evidence per descriptor.",
    "agree": "Fill open agreed scores from the partners' proposed scores, never overwriting an agreed score.",
    "export": "Export what one audience may receive under the area's permission answers.",
    "compare": "Compare areas side by side, or one area over the years. Takes workbooks and exports alike.",
    "cohort": "Analyse many areas' scores: distributions, high scorers, Earned Autonomy, action learning sets.",
    "serve": "The toolkit in your web browser, on this computer only. Stop with Ctrl-C.",
    "import": "Import a submission made on the national form (Word .docx, PDF, or text) into a workbook.",
    "check-template": "List fields a Word template uses that ehsg does not provide, and fields it leaves unused.",
}

VERSION_HELP = "Show the version and exit."
HELP_HELP = "Show this message and exit."  # click's own wording for -h/--help
HELP_ARGS = (["--help"], ["-h"], [])  # the command lines answered here; [] is a bare `ehsg`, answered on stderr


def program_name() -> str:
    """The name the usage line gives: `ehsg`, or `python -m ehsg` (as click names it)."""
    path = sys.argv[0]
    main = sys.modules["__main__"]
    if getattr(main, "__package__", None) in {None, ""} or (
            os.name == "nt" and main.__package__ == "" and not os.path.exists(path)
            and os.path.exists(f"{path}.exe")):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = main.__package__ if name == "__main__" else f"{main.__package__}.{name}"
    return f"python -m {module.lstrip('.')}"


def terminal_width() -> int:
    """click's help width: the terminal's columns (or $COLUMNS), at most 80, less 2, at least 50."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:  # as shutil.get_terminal_size, without importing shutil
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        if columns <= 0:
            columns = size.columns or 80
    return max(min(columns, 80) - 2, 50)


def short_help(text: str, limit: int) -> str:
    """A command's line in the list: its first sentence, shortened to the limit with '...' (as click does)."""
    words = text.partition("\n\n")[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    if not words:
        return ""
    last = len(words) - 1
    for i, word in enumerate(words):
        if word.endswith(".") and (i == last or not words[i + 1][0].islower()):
            words = words[: i + 1]
            break
    text = " ".join(words)
    if len(text) <= limit:
        return text.strip()
    if limit < 3:
        return "..."
    import textwrap

    return textwrap.shorten(text, limit, placeholder="...", break_on_hyphens=False).strip()


def _wrap(text: str, width: int, indent: str = "") -> str:
    """click's wrap_text with paragraphs kept: a paragraph after a line holding only \\b is not rewrapped."""
    import textwrap

    wrapper = textwrap.TextWrapper(width, initial_indent=indent, subsequent_indent=indent, replace_whitespace=False)
    paragraphs: list[tuple[int, bool, str]] = []
    buf: list[str] = []
    depth = None

    def flush():
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((depth or 0, raw, "\n".join(buf[1:]) if raw else " ".join(buf)))
            del buf[:]

    for line in text.expandtabs().splitlines():
        if not line:
            flush()
            depth = None
        else:
            if depth is None:
                stripped = line.lstrip()
                depth, line = len(line) - len(stripped), stripped
            buf.append(line)
    flush()
    out = []
    for depth, raw, para in paragraphs:
        extra = " " * depth
        if raw:
            out.append("\n".join(f"{indent}{extra}{line}" for line in para.splitlines()))
        else:
            wrapper.initial_indent = wrapper.subsequent_indent = indent + extra
            out.append(wrapper.fill(para))
    return "\n\n".join(out)


def _definitions(rows: list[tuple[str, str]], width: int, indent: int = 2) -> list[str]:
    """click's definition list (options, commands): names in a column at most 30 wide, texts wrapped beside."""
    first = min(max(len(name) for name, _ in rows), 30) + 2
    out = []
    for name, text in rows:
        line = " " * indent + name
        if not text:
            out.append(line)
            continue
        if len(name) <= first - 2:
            line += " " * (first - len(name))
        else:
            out.append(line)
            line = " " * (first + indent)
        lines = _wrap(text, max(width - first - 2, 10)).splitlines()
        out.append(line + (lines[0] if lines else ""))
        out += [" " * (first + indent) + more for more in lines[1:]]
    return out


def top_help(prog: str, width: int) -> str:
    """The page `ehsg --help` prints, without its last newline."""
    prefix = f"Usage: {prog} "
    args = "[OPTIONS] COMMAND [ARGS]..."
    import textwrap

    if width >= len(prefix) + 20:
        usage = textwrap.TextWrapper(width, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                                     replace_whitespace=False).fill(args)
    else:
        usage = prefix + "\n" + textwrap.TextWrapper(width, initial_indent=" " * 11, subsequent_indent=" " * 11,
                                                     replace_whitespace=False).fill(args)
    out = [usage, "", _wrap(GROUP_HELP.strip("\n"), width, "  "), "", "Options:"]
    out += _definitions([("--version", VERSION_HELP), ("-h, --help", HELP_HELP)], width)
    names = sorted(SUMMARIES)
    limit = width - 6 - max(len(n) for n in names)
    out += ["", "Commands:"] + _definitions([(n, short_help(SUMMARIES[n], limit)) for n in names], width)
    return "\n".join(out)
