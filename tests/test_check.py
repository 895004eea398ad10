"""`ehsg check`: one small bad workbook per problem code, asserting the code and its location."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from ehsg.check import check_file
from ehsg.cli import main

FV = "5 Family voice and experience"


def _edit(example, tmp_path, change):
    wb = openpyxl.load_workbook(example)
    change(wb)
    out = tmp_path / "bad.xlsx"
    wb.save(out)
    return out


def _set(sheet, cell, value):
    def change(wb):
        wb[sheet][cell] = value
    return change


def _delete_row(sheet, row):
    def change(wb):
        wb[sheet].delete_rows(row)
    return change


def _area_value(label, value):
    def change(wb):
        ws = wb["Area"]
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=1).value == label:
                ws.cell(row=r, column=2).value = value  # cell(value=None) would not clear it
                return
        raise AssertionError(label)
    return change


CASES = [
    # (code, severity, location, change)
    ("score-missing", "error", f"{FV}!C4", _set(FV, "C4", None)),
    ("score-not-number", "error", f"{FV}!C4", _set(FV, "C4", "three")),
    ("score-not-number", "error", f"{FV}!C5", _set(FV, "C5", True)),
    ("score-not-number", "error", f"{FV}!C6", _set(FV, "C6", dt.datetime(2022, 3, 1))),
    ("score-not-whole", "error", f"{FV}!C4", _set(FV, "C4", 3.5)),
    ("score-out-of-range", "error", f"{FV}!C4", _set(FV, "C4", 6)),
    ("score-out-of-range", "error", f"{FV}!C4", _set(FV, "C4", -1)),
    ("score-as-text", "warning", f"{FV}!C4", _set(FV, "C4", " 3 ")),
    ("narrative-missing", "warning", f"{FV}!D4", _set(FV, "D4", None)),
    ("narrative-missing", "warning", f"{FV}!E5", _set(FV, "E5", "   ")),
    ("narrative-not-text", "warning", f"{FV}!D4", _set(FV, "D4", 42)),
    ("unknown-descriptor", "error", f"{FV}!A4", _set(FV, "A4", "5.9")),
    ("duplicate-descriptor", "error", f"{FV}!A5", _set(FV, "A5", "5.1")),
    ("descriptor-missing", "error", None, _delete_row("9 Data", 10)),
    ("data-model-missing", "error", "Area!B4", _area_value("Data model", None)),
    ("data-model-invalid", "error", "Area!B4", _area_value("Data model", 7)),
    ("data-model-invalid", "error", "Area!B4", _area_value("Data model", "three")),
    ("current-data-model-missing", "error", "Area!B6",
     _area_value("Data model changed since the data survey?", "Yes")),
    ("yes-no-invalid", "error", "Area!B5", _area_value("Data model changed since the data survey?", "Maybe")),
    ("priority-missing", "error", "Area!B9", _area_value("Priority descriptor 3", None)),
    ("priority-unknown", "error", "Area!B9", _area_value("Priority descriptor 3", "10.1")),
    ("priority-duplicate", "error", "Area!B9", _area_value("Priority descriptor 3", "7.3")),
    ("priority-rule", "error", "Area", _area_value("Priority descriptor 3", "5.1")),
    ("permission-missing", "warning", "Area!B11",
     _area_value("Share scores and priorities with Supporting Families co-ordinators", None)),
    ("area-missing", "error", "Area!B2", _area_value("Area", None)),
    ("year-invalid", "error", "Area!B3", _area_value("Year", "last year")),
    ("guide-version-mismatch", "error", "ehsg!B3", _set("ehsg", "B4", "1999.1")),
    ("hidden-row", "warning", f"{FV}!A6", lambda wb: setattr(wb[FV].row_dimensions[6], "hidden", True)),
    ("merged-cell", "error", f"{FV}!C4", lambda wb: wb[FV].merge_cells("C4:C5")),
    ("column-missing", "error", f"{FV}!A3", _set(FV, "E3", "Next steps")),
    ("score-sheet-missing", "error", None,
     lambda wb: [ws.__setitem__("C3", "Points") for ws in wb.worksheets[2:7]]),
    ("area-sheet-missing", "error", None, lambda wb: wb.remove(wb["Area"])),
    ("area-label-missing", "error", "Area", _delete_row("Area", 4)),
    ("no-guide-stamp", "warning", None, lambda wb: wb.remove(wb["ehsg"])),
]


@pytest.mark.parametrize("code,severity,location,change", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_problem_code_and_location(guide, example, tmp_path, code, severity, location, change):
    bad = _edit(example, tmp_path, change)
    report = check_file(bad, guide)
    matches = [p for p in report.problems if p.code == code]
    assert matches, [str(p) for p in report.problems]
    assert matches[0].severity == severity
    if location is not None:
        assert location in [p.location for p in matches], [str(p) for p in matches]
    assert report.valid is (severity == "warning" and not report.errors)


def test_many_problems_reported_in_one_pass(guide, example, tmp_path):
    def change(wb):
        wb[FV]["C4"] = "three"
        wb["6 Workforce"]["C5"] = 9
        wb["9 Data"]["C4"] = None
        _area_value("Data model", None)(wb)
    report = check_file(_edit(example, tmp_path, change), guide)
    assert {p.code for p in report.errors} >= {"score-not-number", "score-out-of-range", "score-missing",
                                              "data-model-missing"}


def test_formula_scores_use_the_cached_value_or_say_there_is_none(guide, example, tmp_path):
    wb = openpyxl.load_workbook(example)
    wb[FV]["C4"] = "=1+2"
    out = tmp_path / "formula.xlsx"
    wb.save(out)  # openpyxl saves formulas without a calculated value
    report = check_file(out, guide)
    (p,) = [p for p in report.problems if p.location == f"{FV}!C4"]
    assert p.code == "formula-no-value" and "=1+2" in p.message
    # add a cached value, as Excel or LibreOffice would after calculating
    cached = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(cached, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":
                data = data.replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>").replace(
                    b"<f>1+2</f><v />", b"<f>1+2</f><v>3</v>")
                assert b"<v>3</v>" in data
            zout.writestr(item, data)
    report = check_file(cached, guide)
    (p,) = [p for p in report.problems if p.location == f"{FV}!C4"]
    assert p.code == "formula" and report.assessment.score("5.1") == 3


@pytest.mark.parametrize("content,code,fragment", [
    (b"", "not-a-workbook", "empty"),
    (b"ID,Score\n5.1,3\n", "not-a-workbook", "CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "not-a-workbook", ".xls"),
])
def test_files_that_are_not_workbooks(guide, tmp_path, content, code, fragment):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    report = check_file(bad, guide)
    assert [(p.code, p.location) for p in report.problems] == [(code, "bad.xlsx")]
    assert fragment in report.problems[0].message


def test_word_document_renamed_and_truncated_zip(guide, example, tmp_path):
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word document" in check_file(docx, guide).problems[0].message
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(example.read_bytes()[:5000])
    assert check_file(truncated, guide).problems[0].code == "damaged-workbook"


def test_malformed_xml_inside_the_zip(guide, example, tmp_path):
    out = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(example) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    assert [p.code for p in check_file(out, guide).problems] == ["damaged-workbook"]


def test_cli_exit_codes_and_json(example, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(example), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["valid"] is True and data["problems"] == []
    assert data["earned_autonomy"]["eligible"] is False and data["earned_autonomy"]["met"] == 1
    assert {d["id"]: (d["score"], d["minimum"], d["met"]) for d in data["earned_autonomy"]["descriptors"]}["9.7"] \
        == (3, 3, True)
    assert data["priorities"]["chosen"] == ["7.3", "6.4", "9.4"] and data["priorities"]["valid"] is True
    assert data["priorities"]["data_model"] == 3

    bad = _edit(example, tmp_path, _set(FV, "C4", "three"))
    res = runner.invoke(main, ["check", str(bad), "--format", "json"])
    assert res.exit_code == 1
    problem = json.loads(res.output)["problems"][0]
    assert problem == {"code": "score-not-number", "severity": "error", "location": f"{FV}!C4",
                       "message": "5.1: The score is 'three', not a number 0 to 5."}

    missing = runner.invoke(main, ["check", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert "Traceback" not in missing.output

    bad_guide = runner.invoke(main, ["check", str(example), "--guide", str(tmp_path)])
    assert bad_guide.exit_code == 2 and "guide" in bad_guide.output


def test_text_report_is_readable(example):
    res = CliRunner().invoke(main, ["check", str(example)])
    assert res.exit_code == 0
    assert "1 of 9 Earned Autonomy minimum scores are met." in res.output
    assert "short by 2" in res.output and "Result: valid" in res.output


def test_suggest_lists_allowed_candidates(example):
    res = CliRunner().invoke(main, ["suggest", str(example), "--format", "json", "--top", "31"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["needs"] == {"data": 1, "service": 2}
    assert len(data["candidates"]) == 31
    first = data["candidates"][0]
    assert first["id"] in {"5.1", "6.3", "8.3", "9.1", "9.3"}  # one point short of a minimum
    assert any("short by 1" in r for r in first["reasons"])


@pytest.mark.parametrize("year, said", [
    (2022, None),
    (2023, "no Earned Autonomy prospectus for 2023, so this self-assessment is judged against the minima of the 2022 "
           "prospectus, the latest before 2023"),
    (2021, "no Earned Autonomy prospectus for 2021 or any earlier year, so this self-assessment is judged against the "
           "minima of the 2022 prospectus, the earliest it has, published after 2021"),
])
def test_a_year_without_its_own_prospectus_is_warned_of_naming_the_one_used(example, tmp_path, year, said):
    res = CliRunner().invoke(main, ["check", str(_edit(example, tmp_path, _area_value("Year", year)))])
    assert res.exit_code == 0, res.output
    assert "Earned Autonomy minimum scores (2022 prospectus)" in res.output
    if said is None:
        assert "minima-of-another-year" not in res.output
    else:
        assert said in res.output and "[minima-of-another-year]" in res.output
        strict = CliRunner().invoke(main, ["check", "--strict", str(tmp_path / "bad.xlsx")])
        assert strict.exit_code == 1
