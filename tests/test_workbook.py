"""The workshop workbook: template layout, the header contract, and exact round trips."""

from __future__ import annotations

import subprocess

import openpyxl
import pytest

from ehsg.reader import load_workbook_file
from ehsg.workbook import write_template

from conftest import fill_by_contract, soffice

TRICKY = ("Partners & families said <this> was \"good\" — it’s 'working' 👍\n"
          "• first bullet\n• second bullet\n\nNew paragraph\twith a tab, and trailing space ")


def test_template_has_the_documented_sheets_and_headers(guide, tmp_path):
    path = write_template(guide, tmp_path / "t.xlsx", area="Testshire")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Instructions", "Area"]
    assert wb["ehsg"].sheet_state == "hidden"
    section_sheets = wb.sheetnames[2:7]
    assert section_sheets == ["5 Family voice and experience", "6 Workforce", "7 Communities", "8 Leaders", "9 Data"]
    ws = wb["6 Workforce"]
    assert [c.value for c in ws[3]] == ["ID", "Descriptor", "Score", guide.prompts.working_well, guide.prompts.next]
    assert ws["A4"].value == "6.1" and ws["B4"].value == guide.descriptor("6.1").text
    assert ws["B4"].alignment.wrap_text and ws["D4"].alignment.wrap_text
    validations = [dv for dv in ws.data_validations.dataValidation if "C4" in str(dv.sqref)]
    assert validations and validations[0].formula1 == '"0,1,2,3,4,5"'
    area = wb["Area"]
    labels = [area.cell(row=r, column=1).value for r in range(2, area.max_row + 1)]
    for label in ("Area", "Data model", "Data model changed since the data survey?", "Current data model",
                  "Priority descriptor 1", "Priority descriptor 2", "Priority descriptor 3"):
        assert label in labels
    assert sum(1 for p in guide.permissions if p.label in labels) == 3
    assert area["B2"].value == "Testshire"
    meta = {r[0]: r[1] for r in wb["ehsg"].iter_rows(min_row=2, values_only=True)}
    assert (meta["guide_id"], meta["guide_version"]) == (guide.id, guide.version)


def _area_values():
    return {"Area": "Testshire", "Data model": 3, "Data model changed since the data survey?": "No",
            "Priority descriptor 1": "7.3", "Priority descriptor 2": "6.4", "Priority descriptor 3": "9.4",
            "Share with DfE (full results including narrative)": "Yes",
            "Share scores and priorities with Supporting Families co-ordinators": "No",
            "Share scores and priorities with other government departments": "Yes"}


def test_round_trip_keeps_every_character(guide, tmp_path):
    blank = write_template(guide, tmp_path / "blank.xlsx")
    scores = {d.id: i % 6 for i, d in enumerate(guide.descriptors)}
    long_text = ("Evidence & more <evidence>. " * 200)[:5000]
    narratives = {d.id: (f"{d.id}: {TRICKY}", long_text if d.id == "9.7" else f"Next for {d.id}\r\nline two")
                  for d in guide.descriptors}
    filled = fill_by_contract(blank, tmp_path / "filled.xlsx", area=_area_values(), scores=scores,
                              narratives=narratives)
    result = load_workbook_file(filled, guide)
    assert not result.problems.errors, [str(p) for p in result.problems]
    a = result.assessment
    assert (a.area, a.data_model, a.data_model_changed, a.priorities) == ("Testshire", 3, False, ("7.3", "6.4", "9.4"))
    assert a.permissions == {"dfe": True, "coordinators": False, "ogd": True}
    for d in guide.descriptors:
        r = a.response(d.id)
        assert r.score == scores[d.id]
        assert (r.working_well, r.next) == narratives[d.id]
    assert len(a.response("9.7").next) == 5000


def test_reading_does_not_depend_on_column_order_or_hidden_columns(guide, example, tmp_path):
    wb = openpyxl.load_workbook(example)
    for ws in wb.worksheets[2:7]:
        ws.move_range("A3:E20", cols=3)             # shift the whole table right
        ws.insert_cols(4)                           # and put a blank column in the middle
        ws.column_dimensions["B"].hidden = True
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    original = load_workbook_file(example, guide).assessment
    again = load_workbook_file(moved, guide)
    assert not again.problems.errors, [str(p) for p in again.problems]
    assert [(r.descriptor, r.score, r.working_well, r.next) for r in again.assessment.responses] == \
        [(r.descriptor, r.score, r.working_well, r.next) for r in original.responses]


@pytest.mark.skipif(not soffice(), reason="LibreOffice (soffice) is not installed")
def test_workbook_resaved_by_libreoffice_loads_the_same(guide, example, tmp_path):
    outdir = tmp_path / "lo"
    src = tmp_path / "in.xlsx"
    fill_by_contract(example, src, narratives={"5.1": (TRICKY, "x & y")})
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    resaved = outdir / "in.xlsx"
    before = load_workbook_file(src, guide).assessment
    after = load_workbook_file(resaved, guide)
    assert not after.problems.errors, [str(p) for p in after.problems]
    a = after.assessment
    assert (a.area, a.data_model, a.priorities, a.permissions) == \
        (before.area, before.data_model, before.priorities, before.permissions)
    assert [(r.descriptor, r.score, r.working_well, r.next) for r in a.responses] == \
        [(r.descriptor, r.score, r.working_well, r.next) for r in before.responses]


def test_example_is_the_published_sefton_submission(guide, seed_text):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
    from make_sefton import parse_seed

    published = parse_seed(seed_text, guide)
    from conftest import EXAMPLE

    a = load_workbook_file(EXAMPLE, guide).assessment
    assert (a.area, a.year, a.data_model, a.data_model_changed, a.priorities) == \
        ("Sefton", 2022, 3, False, ("7.3", "6.4", "9.4"))
    assert a.permissions == {"dfe": True, "coordinators": True, "ogd": True}
    assert len(a.responses) == 31
    for r in a.responses:
        p = published[r.descriptor]
        assert (r.score, r.working_well, r.next) == (p.score, p.working_well, p.next)
        assert r.working_well and r.next
        words = " ".join(seed_text.split())  # the PDF's line wraps are undone in the example, words kept in order
        assert " ".join(r.working_well.split()) in words and " ".join(r.next.split()) in words
    assert "• Getting a good education\n• Good early years development" in a.response("5.3").next


def test_stamp_styles_cells_as_setting_each_attribute_would():
    """A Stamp gives every cell the style that setting its attributes one by one gives, whatever style the cell
    had before, and in each workbook it is used with."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from ehsg.workbook import Stamp

    attrs = dict(alignment=Alignment(wrap_text=True, vertical="top"), fill=PatternFill("solid", fgColor="F8CBAD"))
    stamp = Stamp(**attrs)
    for _ in range(2):   # a second workbook: its style lists are its own
        stamped, plain = Workbook().active, Workbook().active
        for ws in (stamped, plain):
            ws["B1"].font = Font(bold=True)   # a cell already styled
            ws["B3"].font = Font(italic=True)
        for ref in ("A1", "B1", "A2", "B3", "C3", "B1"):
            stamp(stamped[ref])
            for name, value in attrs.items():
                setattr(plain[ref], name, value)
        for ref in ("A1", "B1", "A2", "B3", "C3"):
            assert tuple(stamped[ref]._style) == tuple(plain[ref]._style), ref
            assert stamped[ref].alignment == attrs["alignment"] and stamped[ref].fill == attrs["fill"]
        assert stamped["B1"].font.bold and stamped["B3"].font.italic and not stamped["A1"].font.bold
        stamped["A1"].fill = PatternFill("solid", fgColor="000000")   # each cell's style is its own
        assert stamped["A2"].fill == attrs["fill"]
