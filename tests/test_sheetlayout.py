"""Row heights that show a sheet's wrapped text."""

from __future__ import annotations


def test_fit_row_counts_lines_as_before():
    """A row's height: each line break starts a line, and a line longer than the column wraps."""
    from openpyxl import Workbook

    from ehsg.sheetlayout import fit_row

    ws = Workbook().active
    for col, text in enumerate(("short", "one\ntwo\nthree", "y" * 100, "z" * 21 + "\n" + "w" * 5, ""), start=1):
        ws.cell(row=1, column=col, value=text)
    expected = {1: 1, 2: 3, 3: 5, 4: 3, 5: 1}    # at 20 characters a line (width 20 / 1.05)
    for col, lines in expected.items():
        fit_row(ws, 1, {col: 20 / 1.05})
        assert ws.row_dimensions[1].height == max(15.0, 15.0 * lines), col
    fit_row(ws, 1, {9: 10})       # an absent cell is made, as it always was
    assert (1, 9) in ws._cells
