"""Laying out a written worksheet for reading and printing: widths that fit, wrapped text, tall enough rows."""

from __future__ import annotations

import math

LINE_POINTS = 15        # the height of one line of 11-point Calibri, in points
CHAR_WIDTH = 1.1        # Excel column width units per character, with room for bold headers


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def fit_sheet(ws, title_rows: int = 1, max_width: float = 60, min_width: float = 5,
              widths: dict[str, float] | None = None) -> None:
    """Fit every column to its content (no wider than max_width; longer text wraps), wrap every cell, set each
    row's height to show its wrapped lines, and print landscape, one page wide, repeating the title rows."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    fitted: dict[int, float] = {}
    for row in ws.iter_rows():
        for c in row:
            text = _text(c.value)
            if not text:
                continue
            if c.row <= title_rows:  # a header may wrap between words, never inside one
                need = max((len(w) for w in text.split()), default=0) + 2
            else:
                need = max(len(line) for line in text.split("\n")) + 2
            fitted[c.column] = max(fitted.get(c.column, 0), need * CHAR_WIDTH)
    for col, need in fitted.items():
        letter = get_column_letter(col)
        width = (widths or {}).get(letter) or min(max(need, min_width), max_width)
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        lines = 1
        for c in row:
            text = _text(c.value)
            if not text or c.coordinate in ws.merged_cells:
                continue
            number = isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
            c.alignment = Alignment(wrap_text=True, vertical="top",
                                    horizontal=c.alignment.horizontal or ("center" if number else None))
            width = ws.column_dimensions[get_column_letter(c.column)].width or 8.43
            # body text is narrower than the '0' a width unit measures; bold headings are wider
            per_line = max(1, int(width * (0.85 if c.row <= title_rows else 1.15)) - 1)
            lines = max(lines, sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = lines * LINE_POINTS
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddHeader.right.text = "&A"


def _lines(text: str, per_line: float) -> int:
    """How many lines a text takes in a wrapped cell of per_line characters (each line break starts one)."""
    if len(text) <= per_line:   # one line, unless it holds line breaks
        return text.count("\n") + 1
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


# Characters of bold 11-point text a column width unit holds, with room to spare: a width unit is the width of a
# '0', and headings mix capitals and wide letters.
BOLD_CHARS = 0.9


def word_lines(text: str, per_line: float) -> int:
    """How many lines a text takes wrapped as spreadsheet programs wrap it: at spaces, a word moving whole to the
    next line when it does not fit; only a word longer than a whole line is broken."""
    total = 0
    for part in text.split("\n"):
        lines, used = 1, 0
        for word in part.split():
            size = len(word)
            if used and used + 1 + size <= per_line:
                used += 1 + size
                continue
            if used:
                lines += 1
            lines += max(0, math.ceil(size / per_line) - 1)
            used = size - (math.ceil(size / per_line) - 1) * per_line
        total += lines
    return total


def heading_width(text: str, minimum: float, maximum: float) -> float:
    """A column width that holds the longest word of a bold heading on one line (between minimum and maximum)."""
    longest = max((len(w) for w in str(text).split()), default=0)
    return min(maximum, max(minimum, math.ceil(longest / BOLD_CHARS) + 1))


def fit_heading_row(ws, row: int, widths: dict[int, float], minimum: float = 15.0) -> None:
    """Set a row of bold headings tall enough for each heading wrapped between words (never inside one)."""
    lines = 1
    cells = ws._cells
    for col, width in widths.items():
        cell = cells.get((row, col))
        value = None if cell is None else cell._value
        if isinstance(value, str) and value:
            lines = max(lines, word_lines(value, max(1.0, width * BOLD_CHARS)))
    ws.row_dimensions[row].height = min(409.0, max(minimum, LINE_POINTS * lines + 3))


def _row_lines(cells, ws, row: int, columns) -> int:
    """The most lines any of a row's texts takes in its column: columns holds (column, characters a line, the
    lines of each text already measured in that column)."""
    lines = 1
    for col, per_line, measured in columns:
        cell = cells.get((row, col))
        if cell is None:
            cell = ws.cell(row=row, column=col)   # as before: the sheet's extent counts the cell
        value = cell._value
        if isinstance(value, str) and value:
            n = measured.get(value)
            if n is None:
                n = measured[value] = _lines(value, per_line)
            if n > lines:
                lines = n
    return lines


def _per_line(widths: dict[int, float]) -> list[tuple[int, float, dict[str, int]]]:
    return [(col, max(1.0, width * 1.05), {}) for col, width in widths.items()]


def _height(lines: int, minimum: float) -> float:
    # 409 points is the tallest row a spreadsheet allows
    return min(409.0, max(minimum, 15.0 * lines))


def fit_row(ws, row: int, widths: dict[int, float], minimum: float = 15.0) -> None:
    """Set a row tall enough for its wrapped text: spreadsheet programs do not re-measure on opening."""
    # read the cells directly: asking ws.cell() for each is most of the cost on a long sheet
    ws.row_dimensions[row].height = _height(_row_lines(ws._cells, ws, row, _per_line(widths)), minimum)


def print_setup(ws, title_rows: str | None = None, header: str = "", fit_height: int = 0,
                area: str | None = None) -> None:
    """How every sheet ehsg writes prints: A4 landscape, one page wide (fit_height pages tall, 0 = as many as it
    takes), the title rows repeated on each page, the print area set to what is filled (or `area`: a sheet whose
    chart lies beyond its cells), the sheet's name and
    `header` at the top and page numbers at the foot. Call it after the sheet is filled."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = fit_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = area or f"A1:{get_column_letter(max(1, ws.max_column))}{max(1, ws.max_row)}"
    # '&' starts a code in Excel's header language: a literal one is written '&&'.
    left = header.replace("&", "&&") if header and len(header) < 120 else ""
    ws.oddHeader.left.text = left or None
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.evenHeader.left.text, ws.evenHeader.right.text = ws.oddHeader.left.text, "&A"
    ws.evenFooter.center.text = "Page &P of &N"


# A4 landscape between print_setup's half-inch margins, in screen pixels at 100 % (27.2 cm at 96 per inch)
PAGE_PIXELS = 1026
# The smallest print scale that leaves 11-point text readable on paper (about 8 points)
READABLE_SCALE = 70


def column_pixels(width: float) -> int:
    """A column's width on screen and paper at 100 %: 7 pixels a width unit and 5 of padding (Calibri 11)."""
    return round(width * 7 + 5)


def print_wide(ws, widths: list[float], repeat: str, scale: int = READABLE_SCALE) -> bool:
    """Print a wide table readably: one page wide when its columns fit at `scale` % or more; otherwise at `scale` %
    across as many pages as it takes, the `repeat` columns (e.g. 'A:B') printed on every page, pages numbered
    across then down so the first rows come first. Call it after print_setup. True when it prints one page wide."""
    one_page = sum(column_pixels(w) for w in widths) * scale / 100 <= PAGE_PIXELS
    if not one_page:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = scale
        ws.page_setup.pageOrder = "overThenDown"
        ws.print_title_cols = repeat
    return one_page


def fit_rows(ws, widths: dict[int, float], first: int, last: int | None = None, minimum: float = 15.0) -> None:
    """fit_row for every row from first to last (default: the last filled row)."""
    # each distinct text is measured once per column: a table repeats names, headings and questions
    columns, cells, heights = _per_line(widths), ws._cells, RowHeights(ws)
    for r in range(first, (last or ws.max_row) + 1):
        heights.set(r, _height(_row_lines(cells, ws, r, columns), minimum))


class RowHeights:
    """Heights put on many rows of a sheet at the cost of a few: the same as `ws.row_dimensions[row].height = h`.

    openpyxl makes a row's settings through a dozen checked attributes, which dominates fitting a long sheet. A
    row's settings are its index and its height, so the first row given a height is made the ordinary way and
    the others get a copy of its settings with their own index (tests/test_sheetlayout.py compares the two)."""

    def __init__(self, ws) -> None:
        from openpyxl.worksheet.dimensions import RowDimension

        self._ws, self._dims, self._kind = ws, ws.row_dimensions, RowDimension
        self._made: dict[float, dict] = {}

    def set(self, row: int, height: float) -> None:
        dims = self._dims
        dim = dims.get(row)   # a row already set keeps its other settings
        if dim is not None:
            dim.height = height
            return
        settings = self._made.get(height)
        if settings is None:
            dim = dims[row]
            dim.height = height
            if hasattr(dim, "__dict__") and type(dim) is self._kind:
                self._made[height] = dict(dim.__dict__)
            return
        dim = self._kind.__new__(self._kind)
        dim.__dict__.update(settings)
        dim.parent, dim._style, dim.index = self._ws, None, row
        dict.__setitem__(dims, row, dim)
