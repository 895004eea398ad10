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


def test_word_lines_wrap_between_words_and_break_only_a_word_longer_than_a_line():
    from ehsg.sheetlayout import word_lines

    assert word_lines("Exampleshire Council", 12) == 2          # never "Exampleshir" / "e Council"
    assert word_lines("Exampleshire Council", 20) == 1
    assert word_lines("a b c d", 3) == 2
    assert word_lines("one\ntwo three", 9) == 2
    assert word_lines("x" * 25, 10) == 3
    assert word_lines("ab " + "x" * 25, 10) == 4
    assert word_lines("", 10) == 1


def test_heading_width_holds_the_longest_word_on_one_line():
    from ehsg.sheetlayout import BOLD_CHARS, heading_width, word_lines

    for text in ("Partner's score", "Exampleshire Health Trust (invented)", "Responses", "ID"):
        width = heading_width(text, 4, 40)
        assert all(word_lines(w, width * BOLD_CHARS) == 1 for w in text.split()), text
    assert heading_width("Supercalifragilisticexpialidocious", 6, 14) == 14
    assert heading_width("ID", 6, 14) == 6


def test_fit_heading_row_is_tall_enough_for_words_wrapped_whole():
    from openpyxl import Workbook

    from ehsg.sheetlayout import BOLD_CHARS, LINE_POINTS, fit_heading_row, word_lines

    ws = Workbook().active
    ws["A1"], ws["B1"] = "Short", "Exampleshire Health Trust (invented) – Person 3"
    fit_heading_row(ws, 1, {1: 10, 2: 15})
    lines = word_lines(ws["B1"].value, 15 * BOLD_CHARS)
    assert lines >= 4 and ws.row_dimensions[1].height >= lines * LINE_POINTS


def test_print_wide_one_page_while_readable_else_across_pages_with_titles_repeated():
    from openpyxl import Workbook

    from ehsg.sheetlayout import PAGE_PIXELS, READABLE_SCALE, column_pixels, print_setup, print_wide

    narrow, wide = Workbook().active, Workbook().active
    for ws in (narrow, wide):
        ws["A1"] = "x"
        print_setup(ws, "1:1")
    fits = [40] * 4
    assert sum(map(column_pixels, fits)) * READABLE_SCALE / 100 <= PAGE_PIXELS
    assert print_wide(narrow, fits, "A:B")
    assert narrow.sheet_properties.pageSetUpPr.fitToPage and narrow.page_setup.fitToWidth == 1
    assert narrow.print_title_cols is None
    assert not print_wide(wide, [40] * 6, "A:B")
    assert not wide.sheet_properties.pageSetUpPr.fitToPage
    assert int(wide.page_setup.scale) == READABLE_SCALE
    assert wide.page_setup.pageOrder == "overThenDown"
    assert (wide.print_title_cols, wide.print_title_rows) == ("$A:$B", "$1:$1")


def test_fit_rows_sets_the_heights_and_row_settings_fit_row_sets_one_by_one():
    """fit_rows copies one row's settings onto the rows of the same height (RowHeights): each row ends with the
    settings, written as openpyxl writes them, that fit_row gives it; a row already set keeps its other settings."""
    from openpyxl import Workbook

    from ehsg.sheetlayout import fit_row, fit_rows

    texts = ["short", "one\ntwo", "y" * 100, "", None, "a\nb\nc\nd", "z" * 2_000, "short too"]
    bulk, single = Workbook().active, Workbook().active
    for ws in (bulk, single):
        for r, text in enumerate(texts * 3, start=2):
            ws.cell(row=r, column=2, value=text)
            ws.cell(row=r, column=3, value=r)
        ws.row_dimensions[5].hidden = True
    widths = {2: 20, 3: 8, 5: 10}
    fit_rows(bulk, widths, 2, minimum=20)
    for r in range(2, single.max_row + 1):
        fit_row(single, r, widths, minimum=20)
    assert sorted(bulk.row_dimensions) == sorted(single.row_dimensions)
    for r, dim in single.row_dimensions.items():
        other = bulk.row_dimensions[r]
        assert (dict(other), other.index, other.parent) == (dict(dim), dim.index, bulk), r
    assert bulk.row_dimensions[5].hidden and not bulk.row_dimensions[6].hidden
    assert len({bulk.row_dimensions[r].height for r in range(2, 26)}) > 3   # several heights, each copied
    assert sorted(bulk._cells) == sorted(single._cells)   # absent cells made, as fit_row makes them
    bulk.row_dimensions[8].height = 99                    # each row's settings are its own
    assert bulk.row_dimensions[16].height != 99
