"""Values put into cells exactly, and long tables written in bulk as if cell by cell."""

from __future__ import annotations


def test_escaping_leaves_none_of_the_characters_openpyxl_refuses():
    """write_table stores text in new cells without openpyxl's own check, because escaping has already
    replaced every character that check refuses: the two sets must stay the same."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from ehsg.cellwrite import ooxml_escape

    for code in range(0x3000):
        ch = chr(code)
        assert not ILLEGAL_CHARACTERS_RE.search(ooxml_escape(f"a{ch}b")), hex(code)
        assert (ooxml_escape(ch) != ch) == bool(ILLEGAL_CHARACTERS_RE.search(ch)) or ch == "_", hex(code)


def test_write_table_stores_each_cell_as_setting_it_one_by_one_would():
    """The table's cells are made in bulk; each ends with the value, type and style that ws.cell, set_text
    and the wrap style give it one at a time, cells that existed before included."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from ehsg.cellwrite import Stamp, set_text, write_table

    values = ["plain", "=SUM(A1:A2)", "=", "#N/A", "#DIV/0!", "a\x01b\x1fc", "_x0041_ kept", "x" * 40_000,
              3, 2.5, 0, None, True, dt.date(2024, 5, 1), "line\nbreak", " ", ""]
    rows = [values[i:] + values[:i] for i in range(len(values))]
    headers = [f"H{i}" for i in range(len(values))]
    bulk, single = Workbook().active, Workbook().active
    for ws in (bulk, single):
        ws["C4"].font = Font(italic=True)   # a cell already there, with a style of its own
    write_table(bulk, headers, rows, [10] * len(values), start_row=2)
    header = Stamp(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E2F3"),
                   alignment=Alignment(wrap_text=True, vertical="top"))
    wrap = Stamp(alignment=Alignment(wrap_text=True, vertical="top"))
    for i, h in enumerate(headers, start=1):
        set_text(single.cell(row=2, column=i), h)
        header(single.cell(row=2, column=i))
    for r, row in enumerate(rows, start=3):
        for i, v in enumerate(row, start=1):
            set_text(single.cell(row=r, column=i), v)
            wrap(single.cell(row=r, column=i))
    assert sorted(bulk._cells) == sorted(single._cells)
    for key, cell in single._cells.items():
        other = bulk._cells[key]
        assert (other.value, other.data_type, other.style_id) == (cell.value, cell.data_type, cell.style_id), key
        for name in ("alignment", "font", "fill", "border", "number_format"):
            assert repr(getattr(other, name)) == repr(getattr(cell, name)), (key, name)
    assert bulk.max_row == single.max_row == len(rows) + 2
    assert bulk["C4"].font.italic and bulk["A4"].alignment.wrap_text
    bulk["A5"].font = Font(bold=True)     # each new cell's style is its own
    assert not bulk["A6"].font.bold
