"""Repairing text extracted from a PDF: lines broken by the page width are joined back into sentences.

Real paragraph breaks, line breaks and bullets are kept. Two kinds of input: plain text already extracted
(only the line ends are known) and lines from a PDF page (their positions are known too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .blocks import Block

# A line ending so is a finished sentence or a lead-in to a list: the next line starts afresh.
_ENDS = re.compile(r"""[.!?:;]['"’”)\]]*\s*$""")
# A line starting so begins a list item: it never continues the line before it.
_ITEM = re.compile(r"^\s*(?:[•▪◦●○■□‣⁃∙·*–-]\s|\(?[a-zA-Z0-9]{1,3}[.)]\s)")
_HYPHENATED = re.compile(r"[^\W_]-$")
_BARE_NUMBER = re.compile(r"^\s*\d+\s*$")


def wrapped(before: str, after: str, standalone: Callable[[str], bool]) -> bool:
    """True when `after` most likely continues the sentence `before` was broken from."""
    if not before.strip() or not after.strip():
        return False
    if standalone(before) or standalone(after) or _BARE_NUMBER.match(before) or _BARE_NUMBER.match(after):
        return False
    return not _ENDS.search(before) and not _ITEM.match(after)


def _joiner(before: str) -> str:
    """A line broken after a hyphenated word's hyphen ("well-" / "being") joins without a space."""
    return "" if _HYPHENATED.search(before) else " "


def text_blocks(text: str, standalone: Callable[[str], bool]) -> list[Block]:
    """Plain extracted text as paragraphs: a blank line ends a paragraph; a broken sentence is joined with a
    space; any other line end stays a line break inside the paragraph. Table cells' tab indents are dropped."""
    blocks: list[Block] = []
    current: list[str] = []
    start = 0

    def flush():
        if current:
            blocks.append(Block("".join(current), f"line {start}"))
            current.clear()

    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        last = current[-1].rsplit("\n", 1)[-1] if current else ""
        if current and (standalone(line) or standalone(last) or _BARE_NUMBER.match(line) or _BARE_NUMBER.match(last)):
            flush()
        if not current:
            start = n
            current.append(line)
        elif wrapped(last, line, standalone):
            current.append(_joiner(last) + line)
        else:
            current.append("\n" + line)
    flush()
    return blocks


@dataclass(frozen=True)
class Line:
    """One line of text on a PDF page, with its box (points from the page's top left)."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    first_word: float  # width of its first word: would it have fitted at the end of the line before?
    size: float = 0.0  # font size of its first character (points), where known


def running_lines(lines: list[Line], standalone: Callable[[str], bool]) -> set[int]:
    """Indexes of page headers and footers: a line among the first or last two of its page whose wording
    (numbers aside) comes back so on at least half the pages, and on three or more."""
    pages: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        pages.setdefault(line.page, []).append(i)
    edges = {n: set(ix[:2] + ix[-2:]) for n, ix in pages.items()}
    seen: dict[str, set[int]] = {}
    for n, ix in edges.items():
        for i in ix:
            key = re.sub(r"\d+", "#", lines[i].text.strip())
            if re.search(r"[^\W\d_]", key) and not standalone(lines[i].text):
                seen.setdefault(key, set()).add(n)
    running = {k for k, on in seen.items() if len(on) >= max(3, len(pages) / 2)}
    return {i for ix in edges.values() for i in ix if re.sub(r"\d+", "#", lines[i].text.strip()) in running}


def reading_order(lines: list[Line]) -> list[Line]:
    """Lines in the order a person reads them: where a table puts cells side by side, each column's text is
    read down before the next column's (a run of lines set in from the page margin or split in pieces)."""
    out: list[Line] = []
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page_lines in by_page.values():
        margin = min(line.x0 for line in page_lines)
        rows: list[list[Line]] = []
        for line in page_lines:
            if rows and abs(rows[-1][0].top - line.top) < 1.0:
                rows[-1].append(line)
            else:
                rows.append([line])
        region: list[Line] = []
        for row in rows + [[]]:
            tabular = len(row) > 1 or (row and row[0].x0 > margin + 40)
            if tabular:
                region.extend(row)
                continue
            if region:
                columns = sorted({round(line.x0 / 6) for line in region})
                out.extend(sorted(region, key=lambda line: columns.index(round(line.x0 / 6))))  # stable
                region = []
            out.extend(row)
    return out


def _column_edges(lines: list[Line]) -> dict[tuple[int, int], float]:
    """The right edge of the text that starts at each left edge of each page: a table cell's lines end at the
    cell's edge, not the page's."""
    edges: dict[tuple[int, int], float] = {}
    for line in lines:
        key = (line.page, round(line.x0 / 3))
        edges[key] = max(edges.get(key, 0.0), line.x1)
    return edges


def pdf_blocks(lines: list[Line], standalone: Callable[[str], bool],
               starts_landmark: Callable[[str], bool] = lambda text: False) -> list[Block]:
    """PDF lines as paragraphs. A line is joined to the one before when that one was full (the next word
    would not have fitted after it); wider white space above a line than the usual space between lines
    starts a new paragraph; a short line with the usual space after it is a line break. Page headers and
    footers are left out."""
    drop = running_lines(lines, standalone)
    lines = reading_order([line for i, line in enumerate(lines) if i not in drop])
    right_edges = _column_edges(lines)
    blocks: list[Block] = []
    current: list[str] = []
    page = 0
    prev: Line | None = None

    def flush():
        if current:
            blocks.append(Block("".join(current), f"page {page}"))
            current.clear()

    # The usual distance from one line to the next: most lines follow another of the same paragraph.
    steps = sorted(b.top - a.top for a, b in zip(lines, lines[1:]) if a.page == b.page and b.top > a.top)
    pitch = steps[len(steps) // 2] if steps else 14.0
    # and the usual white space between one line's foot and the next one's head (PDFium may give two lines
    # of a paragraph as one, so the step alone would look like a paragraph break after it)
    spaces = sorted(b.top - a.bottom for a, b in zip(lines, lines[1:]) if a.page == b.page and b.top > a.top)
    space = spaces[len(spaces) // 2] if spaces else 3.0
    sizes = sorted(line.size for line in lines if line.size > 0)
    usual = sizes[len(sizes) // 2] if sizes else 0.0
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if prev is None or not current:
            flush()
            page, current[:] = line.page, [text]
            prev = line
            continue
        height = max(prev.bottom - prev.top, 1.0)
        same_page = line.page == prev.page
        # larger type (a heading) has more space between its lines
        larger = prev.size / usual if usual and prev.size else 1.0
        gap = (line.top - prev.bottom) > (space + 0.35 * pitch) * max(1.0, larger) if same_page else False
        room = right_edges.get((prev.page, round(prev.x0 / 3)), prev.x1) - prev.x1
        full = room < line.first_word + 0.5 * height  # the first word (and a space) would not have fitted
        so_far = "".join(current)
        before = so_far.rsplit("\n", 1)[-1]
        # across a page the gap cannot be seen: a paragraph goes on only from a full line that ends no sentence
        # (a list goes on across a page: an item after an item stays in the same paragraph)
        across = not same_page and (not full or bool(_ENDS.search(before))) and not (
            _ITEM.match(text) and _ITEM.match(before))
        upward = same_page and line.top < prev.top - 1.0  # the next column of a table: a cell of its own
        if gap or across or upward or standalone(text) or standalone(so_far) or starts_landmark(text) or _BARE_NUMBER.match(text) or _BARE_NUMBER.match(before):
            flush()
            page, current[:] = line.page, [text]
        elif full and (not _ITEM.match(text) or _HYPHENATED.search(before)):  # "aged 2-" / "8. …" goes on
            current.append(_joiner(before) + text)
        else:
            current.append("\n" + text)
        prev = line
    flush()
    return blocks
