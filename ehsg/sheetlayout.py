"""Laying out a written worksheet for reading and printing: widths that fit, wrapped text, tall enough rows."""

from __future__ import annotations

import math

from openpyxl.styles import Alignment

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
