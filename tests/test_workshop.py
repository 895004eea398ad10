"""Workshops: partners' workbooks merged into one view, with the disagreements shown."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from ehsg.check import check_file
from ehsg.cli import main
from ehsg.submission import build_submission
from ehsg.workbook import KIND_RESPONDENT, write_template
from ehsg.workshop import aggregate, load_partners, proposed

from conftest import REPO, fill_by_contract

WORKSHOP = REPO / "examples" / "workshop"
FV = "5 Family voice and experience"


@pytest.fixture
def partners(tmp_path):
    folder = tmp_path / "partners"
    shutil.copytree(WORKSHOP, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder


def partner(guide, tmp_path, name, org, sector, scores, narratives=None):
    blank = write_template(guide, tmp_path / f"blank-{name}.xlsx", kind=KIND_RESPONDENT)
    wb = openpyxl.load_workbook(blank)
    ws = wb["Respondent"]
    for r in range(2, 5):
        ws.cell(row=r, column=2).value = {"Name": name, "Organisation": org, "Sector": sector}[ws.cell(row=r, column=1).value]
    wb.save(blank)
    return fill_by_contract(blank, tmp_path / f"{name}.xlsx", scores=scores, narratives=narratives)


def test_statistics_flags_and_blank_is_not_zero(guide, tmp_path):
    base = {d.id: 3 for d in guide.descriptors}
    files = [
        partner(guide, tmp_path, "a", "Council A", "Council", base | {"7.1": 4, "5.2": 2},
                {"7.1": ("Council evidence", "Council next")}),
        partner(guide, tmp_path, "b", "Health B", "Health", base | {"7.1": 1, "5.2": 3},
                {"7.1": ("Health evidence & more", "")}),
        partner(guide, tmp_path, "c", "VCS C", "Voluntary and community sector",
                {k: v for k, v in base.items() if k != "5.2"} | {"7.1": 2}),
    ]
    loaded, problems = load_partners(files, guide)
    assert not [p for p in problems if p.is_error]
    blank = [p for p in problems if p.code == "no-response"]
    assert [(p.location, p.severity) for p in blank] == [(f"c.xlsx: {FV}!C5", "warning")]
    w = aggregate(loaded, guide)
    s71 = w.by_id("7.1")
    assert (s71.n, s71.mean, s71.median, s71.minimum, s71.maximum, s71.spread, s71.proposed) == \
        (3, 7 / 3, 2, 1, 4, 3, 2)
    s52 = w.by_id("5.2")
    assert (s52.n, s52.blanks, s52.mean, s52.minimum) == (2, 1, 2.5, 2)   # the blank is not a 0
    assert s52.proposed == 3                                             # halves round up
    assert [s.id for s in w.flagged()] == ["7.1"]
    assert w.discussion_order()[0].id == "7.1"
    assert [(p.respondent.organisation, p.score) for p in s71.responses] == \
        [("Council A", 4), ("Health B", 1), ("VCS C", 2)]
    assert [s.id for s in aggregate(loaded, guide, flag_range=1).flagged()] == ["5.2", "7.1"]


def test_proposed_rounding_rule():
    assert [proposed(x) for x in (2.49, 2.5, 3.5, 0.0, 4.999)] == [2, 3, 4, 0, 5]


def test_merge_example_then_agree_check_and_build(guide, partners, tmp_path):
    out, pack = tmp_path / "consolidated.xlsx", tmp_path / "pack.docx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out), "--pack", str(pack)])
    assert res.exit_code == 0, res.output
    assert "Merged 4 partners" in res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:4] == ["Instructions", "Discussion", "Summary", "Spread chart"]
    ws = wb[FV]
    header = {c.value: c.column for c in ws[3]}
    row = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}["5.2"]
    get = lambda h: ws.cell(row=row, column=header[h]).value  # noqa: E731
    assert get("Score") is None                           # agreed score is the partnership's to fill
    assert (get("Responses"), get("Lowest"), get("Highest"), get("Discuss?")) == (4, 1, 5, "Yes")
    assert get("Partners' evidence") == "8 entries on the Evidence sheet (filter ID = 5.2)"
    ev = wb["Evidence"]
    rows = [r for r in ev.iter_rows(min_row=3, values_only=True) if r[0] == "5.2"]
    health = [r for r in rows if r[2] == "Exampleshire Health Trust (invented)"
              and r[6] == "What is working well and what evidence do you have?"]
    assert len(rows) == 8 and len(health) == 1
    assert health[0][8] == ("Invented example text from Exampleshire Health Trust (invented) about 5.2.\n"
                            "• an invented point of evidence\n• another invented point")
    assert wb["Spread chart"]._charts
    assert wb["Discussion"]["A3"].value in {s for s in ("5.1", "5.2", "6.1", "7.1")}
    summary = [[c for c in r] for r in wb["Summary"].iter_rows(values_only=True)]
    assert any(r[0] == "Section" and "Police" in r for r in summary)

    report = check_file(out, guide)
    open_scores = [p for p in report.errors if p.code == "score-missing"]
    assert len(open_scores) == 31 and "proposed from partners' scores" in open_scores[0].message

    # the partnership agrees scores and fills the area details; a script stands in for them here
    agreed = {d.id: get_proposed(wb, d.id) for d in guide.descriptors}
    area = {"Data model": 4, "Data model changed since the data survey?": "No", "Priority descriptor 1": "5.1",
            "Priority descriptor 2": "6.4", "Priority descriptor 3": "7.3",
            "Share with DfE (full results including narrative)": "Yes",
            "Share scores and priorities with Supporting Families co-ordinators": "Yes",
            "Share scores and priorities with other government departments": "No"}
    narratives = {d.id: ("Agreed evidence for " + d.id, "Agreed next steps") for d in guide.descriptors}
    final = fill_by_contract(out, tmp_path / "agreed.xlsx", area=area, scores=agreed, narratives=narratives)
    report = check_file(final, guide)
    assert report.valid, [str(p) for p in report.errors]
    assert [p.location for p in report.warnings if p.code == "workforce-not-agreed"] == ["Workforce table!B4"]
    result = build_submission(final, tmp_path / "submission.docx", guide)
    text = "\n".join(c.text for t in Document(result.path).tables for row in t.rows for c in row.cells)
    assert "Invented example: how often" not in text          # partners' words never go in unagreed
    wbf = openpyxl.load_workbook(final)
    wbf["Workforce table"]["C4"] = "Agreed: often"
    wbf.save(final)
    assert not [p for p in check_file(final, guide).problems if p.code == "workforce-not-agreed"]
    submission = Document(build_submission(final, tmp_path / "submission2.docx", guide).path)
    (wf,) = [t for t in submission.tables if t.rows[0].cells[0].text == "Kind of service"]
    assert [c.text for c in wf.rows[1].cells][:3] == ["Community support", "Family and friends", "Agreed: often"]
    assert len(wf.rows) == 2

    doc = Document(pack)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings and all(" - " in h for h in headings)
    first_table = doc.tables[0]
    assert [c.text for c in first_table.rows[0].cells][:2] == ["Partner", "Score"]
    assert len(first_table.rows) == 5


def get_proposed(wb, did):
    ws = wb[{"5": FV, "6": "6 Workforce", "7": "7 Communities", "8": "8 Leaders", "9": "9 Data"}[did[0]]]
    header = {c.value: c.column for c in ws[3]}
    for r in range(4, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == did:
            return ws.cell(row=r, column=header["Proposed score"]).value


def test_workforce_answers_are_kept_apart_from_the_agreed_text(guide, partners, tmp_path):
    out = tmp_path / "c.xlsx"
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(out)]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Workforce table"]
    assert ws["B4"].value == "Family and friends" and ws["C4"].value is None and ws["D4"].value is None
    assert (ws["F3"].value, ws["F4"].value, ws["F5"].value) == ("Partners' entries", 8, None)
    lead = [r for r in wb["Evidence"].iter_rows(min_row=3, values_only=True)
            if r[1] == "Workforce table: Family and friends" and r[6].endswith("lead practitioner")]
    assert len(lead) == 4 and lead[2][2] == "Exampleshire Police (invented)" and lead[2][0] == "6.1"
    res = CliRunner().invoke(main, ["check", str(out)])
    assert "[workforce-not-agreed]" in res.output


def test_bad_partner_workbooks_are_all_reported_and_nothing_written(guide, partners, tmp_path):
    shutil.copy(partners / "health.xlsx", partners / "health-copy.xlsx")        # the same file twice
    wb = openpyxl.load_workbook(partners / "police.xlsx")
    wb[FV]["C4"] = 7                                                              # out of range
    wb["ehsg"]["B4"] = "1999.1"                                                   # another guide version
    wb.save(partners / "police.xlsx")
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out)])
    assert res.exit_code == 1
    assert "health.xlsx: error: This file is identical to health-copy.xlsx" in res.output
    assert f"police.xlsx: {FV}!C4: error: 5.1: The score is 7" in res.output
    assert "police.xlsx: ehsg!B3: error: This workbook was made from guide ehsg-2022 1999.1" in res.output
    assert "nothing was written" in res.output and not out.exists()


def test_a_partner_file_over_the_size_limit_is_never_read_whole(guide, partners, tmp_path, monkeypatch):
    # Identical files are found by their bytes before reading; a file over the limit must not be taken into
    # memory for that (it used to be, whole, whatever its size).
    from pathlib import Path

    from ehsg.office.package import MAX_FILE_BYTES

    big = partners / "huge.xlsx"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1024 * 1024)   # sparse: large on paper, nothing on disk
    real = Path.read_bytes

    def guarded(self):
        assert self.name != "huge.xlsx", "the whole oversized file was read"
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert "huge.xlsx: error: The file is larger than" in res.output and "[workbook-too-large]" in res.output
    assert "Traceback" not in res.output and not out.exists()


def test_an_earlier_consolidated_workbook_in_the_folder_is_refused(guide, partners, tmp_path):
    first = partners / "consolidated.xlsx"           # a facilitator saved the result beside the inputs
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(first)]).exit_code == 0
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "again.xlsx")])
    assert res.exit_code == 1 and "consolidated.xlsx: error: This is a consolidated workbook" in res.output


def test_same_organisation_twice_is_a_duplicate_respondent(guide, tmp_path):
    scores = {d.id: 2 for d in guide.descriptors}
    a = partner(guide, tmp_path, "x", "Same Org", "Health", scores)
    b = partner(guide, tmp_path, "y", "Same Org", "Health", scores | {"5.1": 3})
    wb = openpyxl.load_workbook(b)
    wb["Respondent"]["B2"] = "x"
    wb.save(b)
    _, problems = load_partners([a, b], guide)
    assert [(p.code, p.location) for p in problems if p.is_error] == [("duplicate-respondent", "y.xlsx: Respondent")]


def test_respondent_template_has_who_is_responding(guide, tmp_path):
    res = CliRunner().invoke(main, ["template", "--respondent", "-o", str(tmp_path / "p.xlsx")])
    assert res.exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    labels = [wb["Respondent"].cell(row=r, column=1).value for r in range(2, 5)]
    assert labels == ["Name", "Organisation", "Sector"]
    assert "Workforce table" in wb.sheetnames


def test_merge_reports_progress_once_per_partner_workbook(guide):
    from ehsg.workshop import merge

    files = sorted((REPO / "examples" / "workshop").glob("*.xlsx"))
    seen = []
    merge(files + files[:1], guide, progress=lambda done, total: seen.append((done, total)))
    n = len(files) + 1
    assert seen == [(i, n) for i in range(1, n + 1)]   # the duplicate, refused, is counted too
