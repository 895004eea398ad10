"""Putting values into cells exactly as given: text escaped as Excel escapes it, '=' text kept as text, and
long tables written in bulk with the same result as writing each cell alone."""

from __future__ import annotations

import re

from .sheetlayout import fit_heading_row

CELL_CHARACTERS = 32_767   # the most a cell holds (openpyxl cuts a longer text here)
_OOXML_LITERAL = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # each literal _xHHHH_, overlapping ones too
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def ooxml_escape(text: str) -> str:
    """Escape text as Excel does (ECMA-376 ST_Xstring): a literal _xHHHH_ keeps its underscore as _x005F_,
    and control characters, which XML cannot hold, become _xHHHH_. Excel, LibreOffice and ehsg read it back."""
    if "_x" in text:
        text = _OOXML_LITERAL.sub("_x005F_", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


# Texts openpyxl would store as an Excel error value rather than as the text typed (openpyxl's ERROR_CODES)
_ERROR_TEXTS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def set_text(cell, value) -> None:
    """Put a value in a cell exactly: text starting with '=' stays text (openpyxl would make it a formula),
    text that reads like an error value ('#N/A') stays text (openpyxl would make it an error), and text is
    escaped as Excel escapes it."""
    if isinstance(value, str):
        value = ooxml_escape(value)
    cell.value = value
    if isinstance(value, str) and (value.startswith("=") or value in _ERROR_TEXTS):
        cell.data_type = "s"


class Stamp:
    """One set of style attributes (font, fill, alignment, border...) put on many cells at the cost of one.

    openpyxl looks each style object up in the workbook's lists every time one is set on a cell, which
    dominates writing a large sheet. A cell's style is a small array of those lists' indexes, so the array a
    cell ends up with depends only on the array it had: the first cell with a given starting style is styled
    the ordinary way, the others get a copy of the result. The workbook written is the same."""

    def __init__(self, **attributes):
        from openpyxl.styles.cell_style import StyleArray

        self.attributes = attributes
        self._blank = StyleArray
        self._workbook = None
        self._done: dict[tuple, object] = {}

    def __call__(self, cell) -> None:
        style = cell._style
        if not style:   # as openpyxl does before setting a style
            style = cell._style = self._blank()
        workbook = cell.parent.parent
        if workbook is not self._workbook:   # indexes belong to one workbook
            self._workbook, self._done = workbook, {}
        key = tuple(style)
        done = self._done.get(key)
        if done is None:
            for name, value in self.attributes.items():
                setattr(cell, name, value)
            self._done[key] = self._blank(cell._style)
        else:
            cell._style = self._blank(done)


_MAX_ROW = 1_048_576   # a worksheet's last row


def _set_new(cell, value) -> None:
    """set_text for a new cell, storing what openpyxl's value setter would store without its per-value checks:
    a text is escaped first (which leaves none of the characters openpyxl refuses, tests/test_workbook.py),
    cut where openpyxl cuts it, and typed as set_text types it: always text."""
    kind = type(value)
    if kind is str:
        cell._value = ooxml_escape(value)[:CELL_CHARACTERS]
        cell.data_type = "s"
    elif kind is int or kind is float:
        cell._value = value   # a new cell is already numeric ('n')
    elif value is not None:
        set_text(cell, value)


def _plain_cells() -> bool:
    """Whether openpyxl's cell holds exactly the attributes _add_new_rows sets (else cells are made the usual way)."""
    from openpyxl.cell.cell import Cell
    from openpyxl.styles.styleable import StyleableObject

    return (set(Cell.__slots__) == {"row", "column", "_value", "data_type", "parent", "_hyperlink", "_comment"}
            and set(StyleableObject.__slots__) == {"parent", "_style"})


def _add_new_rows(ws, rows, first: int, styled) -> None:
    """Rows of new cells from row `first` on, each styled `styled` (copied) and holding what _set_new stores.

    A cell is made as Cell(ws, row, column, style_array=styled) makes it, attribute by attribute (tests compare
    the two); each distinct text is escaped once, as a table repeats names, headings and questions."""
    from array import array

    from openpyxl.cell.cell import Cell
    from openpyxl.styles.cell_style import StyleArray

    cells, plain, make, copy = ws._cells, _plain_cells(), Cell.__new__, array.__new__
    escaped: dict[str, str] = {}
    last = 0
    for r, row in enumerate(rows, start=first):
        if r > _MAX_ROW and row:
            ws.cell(row=r, column=1)   # refused by openpyxl, as a cell written one by one would be
        if row:
            last = r
        for i, v in enumerate(row, start=1):
            if plain:
                c = make(Cell)
                c.parent, c._style, c.row, c.column = ws, copy(StyleArray, "i", styled), r, i
                c._value, c.data_type, c._hyperlink, c._comment = None, "n", None, None
            else:
                c = Cell(ws, r, i, None, styled)
            cells[(r, i)] = c
            kind = type(v)
            if kind is str:   # as _set_new
                text = escaped.get(v)
                if text is None:
                    text = escaped[v] = ooxml_escape(v)[:CELL_CHARACTERS]
                c._value = text
                c.data_type = "s"
            elif kind is int or kind is float:
                c._value = v
            elif v is not None:
                set_text(c, v)
    if last > ws._current_row:   # as ws._add_cell keeps it
        ws._current_row = last


def write_table(ws, headers, rows, widths=None, start_row=1):
    """A header row and rows of values, every text cell written exactly (see set_text), header frozen."""
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.styles.cell_style import StyleArray

    header = Stamp(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E2F3"),
                   alignment=Alignment(wrap_text=True, vertical="top"))
    wrap = Stamp(alignment=Alignment(wrap_text=True, vertical="top"))
    for i, h in enumerate(headers, start=1):
        c = ws.cell(row=start_row, column=i)
        set_text(c, h)
        header(c)
        if widths:
            ws.column_dimensions[c.column_letter].width = widths[i - 1]
    if widths:
        fit_heading_row(ws, start_row, dict(enumerate(widths, start=1)))
    # A new cell styled by `wrap` always ends with the same style: found on the first, copied onto the others,
    # which are made and added directly (a long sheet's cells cost most of its time when made one by one). That
    # holds from the first row with no cell yet in it or below it: on a new sheet, every row after the first.
    cells, styled = ws._cells, None
    fresh_from = max((r for r, _ in cells), default=0) + 1
    rows, r = iter(rows), start_row
    for row in rows:
        r += 1
        for i, v in enumerate(row, start=1):
            if styled is not None and (r, i) not in cells and r <= _MAX_ROW:
                c = Cell(ws, row=r, column=i, style_array=styled)   # copied by openpyxl
                ws._add_cell(c)
                _set_new(c, v)
                continue
            new = (r, i) not in cells
            c = ws.cell(row=r, column=i)
            set_text(c, v)
            wrap(c)
            if new and styled is None:
                styled = StyleArray(c._style)
        if styled is not None and r + 1 >= fresh_from:
            _add_new_rows(ws, rows, r + 1, styled)
            break
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
