"""The one-pass workbook reader: values as typed, formulas, hidden rows, merges, bounds and located problems."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from ehsg.office.xlsx import column_letter, column_number, read_workbook
from ehsg.problems import Problems
from ehsg.reader import load_workbook_file

from conftest import EXAMPLE, REPO

FV, AREA_XML, FV_XML = "5 Family voice and experience", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"


def rezip(out, member, change):
    buf = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, change(data) if item.filename == member else data)
    out.write_bytes(buf.getvalue())
    return out


def put(ref: str, xml: bytes):
    def change(data: bytes) -> bytes:
        i = data.index(b'<c r="%s"' % ref.encode())
        return data[:i] + xml + data[data.index(b"</c>", i) + 4:]
    return change


def inline(ref: str, text: bytes) -> bytes:
    return b'<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (ref.encode(), text)


def test_column_letters_both_ways():
    for n, letters in ((1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA"), (16384, "XFD")):
        assert column_letter(n) == letters and column_number(letters) == n


def test_values_formulas_hidden_rows_and_merges(tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb[FV]
    ws["C4"], ws["C5"], ws["B20"], ws["C20"] = "=2+1", 3.0, dt.datetime(2022, 3, 3), True
    ws.row_dimensions[6].hidden = True
    ws.merge_cells("D7:E8")
    wb.save(tmp_path / "w.xlsx")
    problems = Problems()
    book = read_workbook(tmp_path / "w.xlsx", problems)
    assert not problems.errors
    sheet = book[FV]
    assert sheet.formula(4, 3) == "=2+1" and sheet.value(4, 3) is None  # openpyxl saves no calculated value
    assert sheet.value(5, 3) == 3 and isinstance(sheet.value(5, 3), int)
    assert sheet.value(20, 2) == dt.datetime(2022, 3, 3) and sheet.value(20, 3) is True
    assert sheet.row_dimensions[6].hidden and not sheet.row_dimensions[5].hidden
    assert "D7:E8" in [r.coord for r in sheet.merged_cells.ranges]
    assert sheet.value(999, 999) is None and sheet.max_row >= 20
    assert book.sheetnames == openpyxl.load_workbook(EXAMPLE).sheetnames


@pytest.mark.parametrize("walk", [False, True])
def test_a_shared_formula_is_read_in_every_cell_that_shares_it(tmp_path, walk):
    # Excel writes a formula filled down once, in its first cell; the others name it by index. Both ways of
    # reading a sheet (the quick count for sheets written as Office writes them, and the cell-by-cell walk)
    # give every cell its formula.
    def change(data: bytes) -> bytes:
        data = put("C4", b'<c r="C4"><f t="shared" ref="C4:C5" si="0">2+1</f></c>')(data)
        data = put("C5", b'<c r="C5"><f t="shared" si="0"/></c>')(data)
        if walk:   # a cell without its reference, which Office never writes: only the walk reads the sheet
            data = put("C6", b"<c/>")(data)
        return data

    problems = Problems()
    book = read_workbook(rezip(tmp_path / "w.xlsx", FV_XML, change), problems)
    assert not problems.errors, [str(p) for p in problems]
    assert book[FV].formula(4, 3) == "=2+1" and book[FV].formula(5, 3) == "=2+1"


@pytest.mark.parametrize("typed, read", [
    (b"_x0007_ bell", "\x07 bell"),                       # Excel's escape for a control character
    (b"_x005F_x0007_ typed", "_x0007_ typed"),            # a literal _x0007_ as Excel and LibreOffice save it
    (b"_x005F_x005F_x005F_x0041_", "_x005F_x0041_"),     # escapes are undone exactly once
    (b"plain_x_text &amp; more", "plain_x_text & more"),
])
def test_excel_escapes_are_undone_exactly_once(guide, tmp_path, typed, read):
    path = rezip(tmp_path / "e.xlsx", FV_XML, put("D4", inline("D4", typed)))
    result = load_workbook_file(path, guide)
    assert next(r for r in result.assessment.responses if r.descriptor == "5.1").working_well == read


def test_an_excel_lock_file_is_named_for_what_it_is(guide, tmp_path):
    lock = tmp_path / "~$workshop.xlsx"
    lock.write_bytes(b"\x0bA Person" + bytes(150))
    result = load_workbook_file(lock, guide)
    [p] = result.problems
    assert (p.code, p.location) == ("excel-lock-file", "~$workshop.xlsx")
    assert "lock file for workshop.xlsx" in p.message and "Open workshop.xlsx instead" in p.message


def test_a_deleted_section_sheet_is_named_once(guide, tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    wb.remove(wb["8 Leaders"])
    wb.save(tmp_path / "w.xlsx")
    problems = load_workbook_file(tmp_path / "w.xlsx", guide).problems
    errors = [(p.code, p.location) for p in problems.errors]
    assert errors == [("section-sheet-missing", "8 Leaders")]
    assert "8.1" in problems.errors[0].message and "deleted or renamed" in problems.errors[0].message


def test_a_sheet_whose_header_was_edited_is_where_its_descriptors_are_reported(guide, tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    wb[FV]["C3"] = "Mark"
    wb.save(tmp_path / "w.xlsx")
    problems = load_workbook_file(tmp_path / "w.xlsx", guide).problems
    missing = [p for p in problems.errors if p.code == "descriptor-missing"]
    assert missing and {p.location for p in missing} == {FV}
    assert "no header row with 'ID' and 'Score'" in missing[0].message


def test_a_missing_area_sheet_is_reported_at_its_name(guide, tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    wb.remove(wb["Area"])
    wb.save(tmp_path / "w.xlsx")
    problems = load_workbook_file(tmp_path / "w.xlsx", guide).problems
    assert ("area-sheet-missing", "Area") in [(p.code, p.location) for p in problems.errors]


def test_a_sheet_stored_anywhere_is_bounded(guide, tmp_path):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 20_002))
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s' \
            b"</sheetData></worksheet>" % rows
    buf = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"/xl/worksheets/sheet9.xml", b"../custom/meta.xml")
            if item.filename != "xl/worksheets/sheet9.xml":
                zout.writestr(item.filename, data)
        zout.writestr("custom/meta.xml", sheet)
    (tmp_path / "w.xlsx").write_bytes(buf.getvalue())
    problems = Problems()
    assert read_workbook(tmp_path / "w.xlsx", problems) is None
    assert [(p.code, p.location) for p in problems] == [("workbook-too-large", "w.xlsx: custom/meta.xml")]


def test_nothing_from_the_file_reaches_a_message_unescaped(tmp_path):
    path = rezip(tmp_path / "w.xlsx", AREA_XML, lambda d: d.replace(b'<c r="B2"', '<c r="B\u202e2"'.encode(), 1))
    problems = Problems()
    assert read_workbook(path, problems) is None
    [p] = problems
    assert p.code == "damaged-workbook" and "\u202e" not in p.message and "\\u202e" in p.message


READ_ONLY = {
    "check": ["check", "{example}"],
    "suggest": ["suggest", "{example}"],
    "build": ["build", "{example}", "-o", "{tmp}/out.docx"],
    "export": ["export", "{example}", "--for", "dfe", "-o", "{tmp}/e.json"],
    "compare": ["compare", "{example}", "{tmp}/other.json", "-o", "{tmp}/c.docx"],
    "cohort": ["cohort", "{tmp}/e.json"],
}

def test_read_only_commands_never_import_openpyxl(tmp_path):
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    for name, args in READ_ONLY.items():
        if name == "compare":  # a second area to compare with: the export, renamed
            other = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
            (tmp_path / "other.json").write_text(json.dumps({**other, "area": "Elsewhere"}), encoding="utf-8")
        argv = [a.format(example=EXAMPLE, tmp=tmp_path) for a in args]
        res = subprocess.run([sys.executable, "-X", "importtime", "-m", "ehsg.cli", *argv], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=120)
        imported = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if "|" in line}
        assert "ehsg" in imported and res.returncode in (0, 1), (name, res.stderr[-2000:])
        assert not {m for m in imported if m.split(".")[0] == "openpyxl"}, name


def test_cells_and_rows_without_numbers_are_placed_as_excel_places_them(guide, tmp_path):
    import re

    def unnumber(data: bytes) -> bytes:
        return re.sub(rb'(<(?:c|row)) r="[A-Z]*[0-9]+"', rb"\1", data)

    path = rezip(tmp_path / "w.xlsx", FV_XML, unnumber)
    assert b' r="' not in zipfile.ZipFile(path).read(FV_XML).split(b"<sheetData>")[1].split(b"</sheetData>")[0]
    original, read = Problems(), Problems()
    a, b = read_workbook(EXAMPLE, original)[FV], read_workbook(path, read)[FV]
    assert not read.errors and b.max_row == a.max_row
    assert list(b.iter_rows(values_only=True)) == list(a.iter_rows(values_only=True))
    assert load_workbook_file(path, guide).assessment.scores() == load_workbook_file(EXAMPLE, guide).assessment.scores()


@pytest.mark.parametrize("walk", [False, True])
def test_a_cell_outside_every_row_is_refused_however_the_sheet_is_read(tmp_path, walk):
    # Excel never writes a cell outside a row; neither way of reading a sheet (the quick count, or the walk for a
    # sheet Office did not write) may take one, which another reader would place differently or not at all.
    def change(data: bytes) -> bytes:
        data = data.replace(b"<sheetData>", b'<sheetData><c r="Z1" t="inlineStr"><is><t>stray</t></is></c>', 1)
        return put("C6", b"<c/>")(data) if walk else data

    problems = Problems()
    assert read_workbook(rezip(tmp_path / "w.xlsx", FV_XML, change), problems) is None
    assert [(p.code, p.location) for p in problems.errors] == [("damaged-workbook", f"w.xlsx: {FV_XML}")]
    assert "outside its rows" in problems.errors[0].message
