"""Values put into cells exactly, and long tables written in bulk as if cell by cell."""

from __future__ import annotations

import pytest


def test_escaping_leaves_none_of_the_characters_openpyxl_refuses():
    """write_table stores text in new cells without openpyxl's own check, because escaping has already
    replaced every character that check refuses: the two sets must stay the same."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from ehsg.cellwrite import ooxml_escape

    for code in range(0x3000):
        ch = chr(code)
        assert not ILLEGAL_CHARACTERS_RE.search(ooxml_escape(f"a{ch}b")), hex(code)
        assert (ooxml_escape(ch) != ch) == bool(ILLEGAL_CHARACTERS_RE.search(ch)) or ch == "_", hex(code)


@pytest.mark.parametrize("cell_before", [True, False], ids=["a cell already in the table", "a new sheet"])
def test_write_table_stores_each_cell_as_setting_it_one_by_one_would(cell_before):
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
        if cell_before:
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
        assert other.parent is bulk and type(other) is type(cell) and type(other._style) is type(cell._style)
        for name in ("row", "column", "_value", "data_type", "_hyperlink", "_comment", "_style"):
            assert getattr(other, name) == getattr(cell, name), (key, name)
        for name in ("alignment", "font", "fill", "border", "number_format"):
            assert repr(getattr(other, name)) == repr(getattr(cell, name)), (key, name)
    assert bulk.max_row == single.max_row == len(rows) + 2
    assert bulk._current_row == single._current_row
    assert bulk["C4"].font.italic == cell_before and bulk["A4"].alignment.wrap_text
    bulk["A5"].font = Font(bold=True)     # each new cell's style is its own
    assert not bulk["A6"].font.bold and not bulk["B5"].font.bold


def test_write_table_makes_cells_as_openpyxl_does():
    """write_table sets a new cell's attributes itself only while openpyxl's cell has exactly those attributes."""
    from ehsg.cellwrite import _plain_cells

    assert _plain_cells()


ERROR_LOOKALIKES = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")


def test_set_text_keeps_error_lookalikes_as_text():
    """openpyxl stores '#N/A' and the like as Excel error values; typed, they are text and stay text."""
    from openpyxl import Workbook

    from ehsg.cellwrite import set_text

    ws = Workbook().active
    for i, text in enumerate(ERROR_LOOKALIKES, start=1):
        set_text(ws.cell(row=i, column=1), text)
        assert (ws.cell(row=i, column=1).value, ws.cell(row=i, column=1).data_type) == (text, "s")
    set_text(ws["B1"], "#N/A and more")
    assert ws["B1"].data_type == "s"


def _texts(path) -> dict[tuple[str, str], str]:
    """Every text cell of a saved workbook as openpyxl reads it, checked against calamine's reading."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    wb = openpyxl.load_workbook(path)
    cal = CalamineWorkbook.from_path(str(path))
    out = {}
    for ws in wb.worksheets:
        grid = cal.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        for row in ws.iter_rows():
            for c in row:
                if c.value in ERROR_LOOKALIKES or c.data_type == "e":
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    assert grid[c.row - 1][c.column - 1] == c.value, (ws.title, c.coordinate)
                    out[(ws.title, c.coordinate)] = c.value
    return out


def test_error_lookalikes_typed_by_a_partnership_stay_text_in_every_workbook(guide, tmp_path):
    """Area name, organisation, name and narratives typed as '#N/A' etc. come back as that text, read by
    openpyxl and by calamine, through template, import (write_assessment), merge and agree."""
    from dataclasses import replace

    import openpyxl
    from click.testing import CliRunner

    from conftest import fill_by_contract
    from ehsg.cellwrite import set_text
    from ehsg.model import Assessment, Response
    from ehsg.reader import load_workbook_file
    from ehsg.cli import main
    from ehsg.workbook import KIND_RESPONDENT, write_assessment, write_template

    # template: the facilitator's area name
    res = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "--area", "#N/A"])
    assert res.exit_code == 0, res.output
    assert ("Area", "B2") in _texts(tmp_path / "t.xlsx")

    # import writes through write_assessment: every narrative one of the lookalikes
    base = Assessment("#REF!", guide.id, guide.version, ())
    typed = [ERROR_LOOKALIKES[i % len(ERROR_LOOKALIKES)] for i in range(len(guide.descriptors))]
    a = replace(base, responses=tuple(Response(d.id, 3, t, t) for d, t in zip(guide.descriptors, typed)))
    path = write_assessment(guide, a, tmp_path / "a.xlsx")
    assert len(_texts(path)) == 2 * len(guide.descriptors) + 1
    loaded = load_workbook_file(path, guide).assessment
    assert loaded.area == "#REF!"
    assert [(r.working_well, r.next) for r in loaded.responses] == [(t, t) for t in typed]

    # merge: partners named, and writing, only lookalikes
    folder = tmp_path / "partners"
    folder.mkdir()
    for n, (org, name) in enumerate((("#NAME?", "#N/A"), ("#VALUE!", "#NUM!"))):
        blank = write_template(guide, tmp_path / f"blank{n}.xlsx", kind=KIND_RESPONDENT)
        wb = openpyxl.load_workbook(blank)
        values = {"Name": name, "Organisation": org, "Sector": "Council"}
        for r in range(2, 5):
            set_text(wb["Respondent"].cell(row=r, column=2), values[wb["Respondent"].cell(row=r, column=1).value])
        wb.save(blank)
        fill_by_contract(blank, folder / f"p{n}.xlsx", scores={d.id: 2 + n for d in guide.descriptors},
                         narratives={d.id: ("#DIV/0!", "#NULL!") for d in guide.descriptors})
    out = tmp_path / "consolidated.xlsx"
    res = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    merged = _texts(out)
    evidence = [v for (sheet, _), v in merged.items() if sheet == "Evidence"]
    assert evidence.count("#DIV/0!") == evidence.count("#NULL!") == 2 * len(guide.descriptors)
    assert {"#NAME?", "#VALUE!", "#N/A", "#NUM!"} <= set(evidence)
    assert {v for (sheet, _), v in merged.items() if sheet == "Responses"} == {"#NAME?", "#VALUE!", "#N/A", "#NUM!"}

    # agree: a copy of the consolidated workbook keeps them all
    res = CliRunner().invoke(main, ["agree", str(out), "-o", str(tmp_path / "agreed.xlsx")])
    assert res.exit_code in (0, 1), res.output
    assert _texts(tmp_path / "agreed.xlsx") == merged
