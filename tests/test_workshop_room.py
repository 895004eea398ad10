"""Workshops that hold up in a real room: one area, nothing cut, agreeing scores, last time's answers, printing."""

from __future__ import annotations

import hashlib
import random
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as hs

from ehsg.check import check_file, render_text
from ehsg.cli import main
from ehsg.consolidate import CELL_LIMIT, split_for_cell
from ehsg.workbook import KIND_RESPONDENT, ooxml_escape, write_template
from ehsg.workshop import load_partners, name_key

from conftest import EXAMPLE, REPO, fill_by_contract

WORKSHOP = REPO / "examples" / "workshop"
FV = "5 Family voice and experience"
WW = "What is working well and what evidence do you have?"
NX = "What are you prioritising next?"


@pytest.fixture
def partners(tmp_path):
    folder = tmp_path / "partners"
    shutil.copytree(WORKSHOP, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder


def set_respondent(path, **values):
    wb = openpyxl.load_workbook(path)
    ws = wb["Respondent"]
    for r in range(2, ws.max_row + 1):
        label = ws.cell(row=r, column=1).value
        if label in values:
            ws.cell(row=r, column=2).value = values[label]
    wb.save(path)


def partner(guide, folder, name, org, scores=None, narratives=None, area="Sefton", year=2024):
    blank = write_template(guide, folder / f"blank-{name}.xlsx", area=area, year=year, kind=KIND_RESPONDENT)
    set_respondent(blank, Organisation=org, Sector="Other")
    out = fill_by_contract(blank, folder / f"{name}.xlsx", scores=scores or {d.id: 3 for d in guide.descriptors},
                           narratives=narratives)
    blank.unlink()
    return out


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- one area, one year ---

def test_a_partner_from_another_area_is_refused_and_nothing_written(partners, tmp_path):
    set_respondent(partners / "police.xlsx", Area="Knowsley")
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out), "--pack", str(tmp_path / "p.docx")])
    assert res.exit_code == 1 and not out.exists() and not (tmp_path / "p.docx").exists()
    assert "police.xlsx: Area: error: This workbook is for the area 'Knowsley'" in res.output
    assert "council.xlsx: Area: error: This workbook is for the area 'Exampleshire (invented)'" in res.output
    assert "2 different areas" in res.output and "[area-differs]" in res.output


def test_area_given_on_the_command_line_must_match_every_partner(partners, tmp_path):
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "c.xlsx"), "--area", "Sefton"])
    assert res.exit_code == 1 and res.output.count("[area-differs]") == 4
    assert "not 'Sefton' (given with --area)" in res.output


def test_years_that_differ_are_refused(partners, tmp_path):
    set_respondent(partners / "vcs.xlsx", Year=2023)
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code == 1 and "vcs.xlsx: Year: error: This workbook is for 2023" in res.output
    assert "(2023, 2024)" in res.output and "[year-differs]" in res.output


def test_names_compare_after_unicode_normalisation(guide, tmp_path):
    a = partner(guide, tmp_path, "a", "Sefton\u00a0Council", area="Sefton")
    b = partner(guide, tmp_path, "b", "Health", area=" SEFTON\u00a0")
    c = partner(guide, tmp_path, "c", "sefton  council", area="Sefton")
    assert name_key("Ｓefton\u00a0 Council ") == "sefton council"
    _, problems = load_partners([a, b, c], guide)
    assert [p.code for p in problems if p.is_error] == ["duplicate-respondent"]
    c.unlink()
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(a), str(b), "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert (wb["Area"]["B2"].value, wb["Area"]["B3"].value) == ("Sefton", 2024)


def test_area_and_year_from_the_command_line_when_partners_leave_them_blank(guide, tmp_path):
    a = partner(guide, tmp_path, "a", "Org A", area="", year=None)
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(a), "-o", str(out), "--area", "Sefton", "--year", "2025"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert (wb["Area"]["B2"].value, wb["Area"]["B3"].value) == ("Sefton", 2025)


# --- a partner's workbook is a partner's ---

def test_partner_workbook_asks_a_partner_the_partner_questions(guide, tmp_path):
    path = write_template(guide, tmp_path / "p.xlsx", area="Sefton", year=2024, kind=KIND_RESPONDENT)
    wb = openpyxl.load_workbook(path)
    assert "Area" not in wb.sheetnames
    text = "\n".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "ehsg check" not in text and "data model" not in text.lower()
    assert "send it back" in text and "your organisation" in text.lower() and "blank is counted as no response" in text
    assert wb[FV]["A1"].value.endswith("your organisation's view")
    assert "agreed by the partnership" not in wb[FV]["A2"].value
    labels = {wb["Respondent"].cell(row=r, column=1).value: wb["Respondent"].cell(row=r, column=2).value
              for r in range(2, 7)}
    assert labels == {"Name": None, "Organisation": None, "Sector": None, "Area": "Sefton", "Year": 2024}


# --- nothing is ever cut ---

@settings(max_examples=200, deadline=None)
@given(hs.text(alphabet=hs.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400),
       hs.integers(min_value=8, max_value=60))
def test_split_for_cell_joins_back_exactly_and_every_part_fits(text, limit):
    text = text * 3 + "_x000D_\r\n\x0b" * 5
    parts = split_for_cell(text, limit)
    assert "".join(parts) == text
    assert all(0 < len(ooxml_escape(p)) <= limit for p in parts)
    assert not any(a.endswith("\r") and b.startswith("\n") for a, b in zip(parts, parts[1:]))


@settings(max_examples=200, deadline=None)
@given(hs.text(alphabet=hs.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_a_text_short_enough_to_fit_however_escaped_is_one_part(text):
    """split_for_cell keeps a text whole without escaping it when even the longest escaping would fit: escaping
    makes at most _MOST_ESCAPED characters of one (a control character or a literal _xHHHH_'s underscore)."""
    from ehsg.consolidate import _MOST_ESCAPED

    worst = "_x0041_" * 3 + "\x01\x1f"
    assert len(ooxml_escape(worst * 4)) == len(worst * 4) + 6 * 4 * 5 and len(ooxml_escape("\x01")) == _MOST_ESCAPED
    for sample in (text, worst + text, "_x0041_" + text):
        assert len(ooxml_escape(sample)) <= _MOST_ESCAPED * len(sample)
        limit = _MOST_ESCAPED * len(sample)
        if sample:
            assert split_for_cell(sample, limit) == [sample]


def _random_text(rng: random.Random, n: int) -> str:
    alphabet = "abcdefghij klmnopqrst uvwxyz ,.;:!? \n\n•–“”&<>é€🙂\t_x000B_ 0123456789"
    return "".join(rng.choice(alphabet) for _ in range(n)).strip() + " END"


@pytest.mark.parametrize("seed", [1, 2])
def test_long_evidence_from_many_partners_round_trips_exactly(guide, tmp_path, seed):
    rng = random.Random(seed)
    texts = {}
    files = []
    for i in range(7):
        ww = _random_text(rng, rng.randint(15_000, 25_000))
        nx = _random_text(rng, rng.randint(100, 5_000))
        texts[f"Partner {i}"] = (ww, nx)
        files.append(partner(guide, tmp_path, f"p{i}", f"Partner {i}", narratives={"6.6": (ww, nx)}))
    assert sum(len(w) for w, _ in texts.values()) > 100_000
    # Another program may save a cell longer than Excel's limit (openpyxl itself would cut it): write one so.
    long = _random_text(rng, 70_000)
    texts["Partner 3"] = (long, texts["Partner 3"][1])
    wb = openpyxl.load_workbook(files[3])
    cell = wb["6 Workforce"]["D9"]
    assert wb["6 Workforce"]["A9"].value == "6.6"
    cell._value, cell.data_type = ooxml_escape(long), "s"
    wb.save(files[3])
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", *map(str, files), "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    got: dict[tuple[str, str], list[str]] = {}
    for row in wb["Evidence"].iter_rows(min_row=3, values_only=True):
        assert len(row[8]) <= CELL_LIMIT
        if row[0] == "6.6":
            got.setdefault((row[2], row[6]), []).append(row[8])
            assert row[7] is None or " of " in row[7]
    for org, (ww, nx) in texts.items():
        assert "".join(got[(org, WW)]) == ww
        assert "".join(got[(org, NX)]) == nx
    assert len(got[("Partner 3", WW)]) == 3      # 70,000 characters over three rows
    marks = [r[7] for r in wb["Evidence"].iter_rows(min_row=3, values_only=True) if r[2] == "Partner 3" and r[6] == WW]
    assert marks == ["1 of 3", "2 of 3 (continued)", "3 of 3 (continued)"]


# --- agreeing scores ---

def _scores(path, guide):
    check = check_file(path, guide)
    return check.assessment.scores()


def test_agree_fills_unflagged_open_scores_and_never_overwrites(guide, partners, tmp_path):
    out = tmp_path / "c.xlsx"
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(out)]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    wb[FV]["C4"] = 0                                   # 5.1 already agreed by the partnership
    wb.save(out)
    before = sha(out)
    agreed = tmp_path / "agreed.xlsx"
    res = CliRunner().invoke(main, ["agree", str(out), "-o", str(agreed)])
    assert res.exit_code == 0, res.output
    assert sha(out) == before                          # the input is never modified
    scores = _scores(agreed, guide)
    assert scores["5.1"] == 0
    assert scores["7.1"] is None and scores["5.2"] is None     # flagged: left for discussion
    assert scores["5.3"] == 3 and sum(v is not None for v in scores.values()) == 31 - 9
    assert "Still open, flagged for discussion: 5.2, 6.1, 6.2, 7.1, 7.2, 8.1, 8.2, 9.1, 9.2." in res.output
    assert "1 already agreed, left as they were." in res.output
    assert openpyxl.load_workbook(agreed)["Spread chart"]._charts
    _assert_prints(openpyxl.load_workbook(agreed))     # the copy keeps its print settings
    again = tmp_path / "again.xlsx"
    res = CliRunner().invoke(main, ["agree", str(agreed), "-o", str(again), "--only", "7.1"])
    assert res.exit_code == 0 and "1 agreed score(s) filled from the proposals (7.1: 2)" in res.output
    assert _scores(again, guide)["7.1"] == 2 and _scores(again, guide)["5.2"] is None


def test_merge_accept_proposed_leaves_flagged_open(guide, partners, tmp_path):
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out), "--accept-proposed"])
    assert res.exit_code == 0, res.output
    scores = _scores(out, guide)
    assert [k for k, v in scores.items() if v is None] == ["5.1", "5.2", "6.1", "6.2", "7.1", "7.2", "8.1", "8.2",
                                                           "9.1", "9.2"]


def test_agree_refuses_what_is_not_a_consolidated_workbook(guide, partners, tmp_path):
    res = CliRunner().invoke(main, ["agree", str(partners / "council.xlsx"), "-o", str(tmp_path / "a.xlsx")])
    assert res.exit_code == 1 and "[not-consolidated]" in res.output and not (tmp_path / "a.xlsx").exists()
    res = CliRunner().invoke(main, ["agree", str(partners / "council.xlsx"), "-o", str(partners / "council.xlsx")])
    assert res.exit_code == 2 and "never overwrites its inputs" in res.output
    res = CliRunner().invoke(main, ["agree", str(EXAMPLE), "-o", str(tmp_path / "a.xlsx"), "--only", "5.9"])
    assert res.exit_code == 2 and "5.9" in res.output


def test_check_on_a_consolidated_workbook_leads_with_open_scores(guide, partners, tmp_path):
    out = tmp_path / "c.xlsx"
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(out)]).exit_code == 0
    text = render_text(check_file(out, guide), guide)
    assert text.index("Open scores: 31 descriptor(s)") < text.index("Other problems:")
    assert text.count("[narrative-missing]") == 1 and "[narrative-missing] 62 times" in text


# --- last time's answers ---

def test_partner_workbook_shows_last_time_and_merge_carries_it(guide, tmp_path):
    out = tmp_path / "p.xlsx"
    res = CliRunner().invoke(main, ["template", "--respondent", "--previous", str(EXAMPLE), "-o", str(out),
                                    "--area", "Sefton", "--year", "2023"])
    assert res.exit_code == 0, res.output
    last = check_file(EXAMPLE, guide).assessment
    ws = openpyxl.load_workbook(out)[FV]
    header = [c.value for c in ws[3]]
    assert header[5:] == ["Agreed score in 2022 (for reference, not read back)",
                          "Prioritising next in 2022 (for reference, not read back)"]
    assert (ws["F4"].value, ws["G4"].value) == (last.score("5.1"), last.response("5.1").next)
    set_respondent(out, Organisation="Org A")
    filled = fill_by_contract(out, tmp_path / "a.xlsx", scores={d.id: 1 for d in guide.descriptors})
    b = partner(guide, tmp_path, "b", "Org B", scores={d.id: 4 for d in guide.descriptors}, year=2023)
    c = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(filled), str(b), "-o", str(c), "--previous", str(EXAMPLE),
                                    "--pack", str(tmp_path / "pack.docx")])
    assert res.exit_code == 0, res.output
    assert "[previous-other-area]" not in res.output
    assert _scores(filled, guide)["5.1"] == 1          # the reference columns are not read back
    d = openpyxl.load_workbook(c)["Discussion"]
    header = [x.value for x in d[2]]
    assert header[-2:] == ["Agreed score in 2022 (for reference, not read back)",
                           "Prioritising next in 2022 (for reference, not read back)"]
    row = next(r for r in d.iter_rows(min_row=3, values_only=True) if r[0] == "5.1")
    assert row[-2:] == (last.score("5.1"), last.response("5.1").next)
    pack = "\n".join(p.text for p in Document(tmp_path / "pack.docx").paragraphs)
    assert f"Agreed in 2022: {last.score('5.1')}." in pack


def test_previous_must_be_an_agreed_workbook(guide, partners, tmp_path):
    res = CliRunner().invoke(main, ["template", "--respondent", "--previous", str(partners / "vcs.xlsx"), "-o",
                                    str(tmp_path / "p.xlsx")])
    assert res.exit_code == 1 and "[previous-is-partner]" in res.output and not (tmp_path / "p.xlsx").exists()
    res = CliRunner().invoke(main, ["template", "--previous", str(EXAMPLE), "-o", str(tmp_path / "p.xlsx")])
    assert res.exit_code == 2 and "--respondent" in res.output


# --- printing ---

def _assert_prints(wb):
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        ps = ws.page_setup
        assert ps.orientation == "landscape", ws.title
        assert ps.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_area, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
        for r in range(1, ws.max_row + 1):
            for c in ws[r]:
                if isinstance(c.value, str) and "\n" in c.value and c.alignment.wrap_text:
                    assert (ws.row_dimensions[r].height or 0) > 15, (ws.title, c.coordinate)


def test_every_workbook_ehsg_writes_prints(guide, partners, tmp_path):
    p = write_template(guide, tmp_path / "p.xlsx", kind=KIND_RESPONDENT)
    wb = openpyxl.load_workbook(p)
    _assert_prints(wb)
    assert wb[FV].print_title_rows == "$3:$3" and wb["Workforce table"].print_title_rows == "$3:$3"
    assert all((wb["Workforce table"].row_dimensions[r].height or 0) >= 45 for r in range(4, 20))
    out = tmp_path / "c.xlsx"
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(out), "--pack",
                                     str(tmp_path / "pack.docx")]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    _assert_prints(wb)
    assert wb["Evidence"].print_title_rows == "$2:$2" and wb["Spread chart"].page_setup.fitToHeight == 1
    assert "Exampleshire (invented)" in wb["Discussion"].oddHeader.left.text


def test_discussion_pack_has_page_numbers_header_and_a_box_to_record(guide, partners, tmp_path):
    pack = tmp_path / "pack.docx"
    assert CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "c.xlsx"), "--pack",
                                     str(pack)]).exit_code == 0
    doc = Document(pack)
    sec = doc.sections[0]
    assert "Exampleshire (invented) 2024 – workshop discussion pack" in sec.header.paragraphs[0].text
    assert 'w:instr="PAGE"' in sec.footer._element.xml and 'w:instr="NUMPAGES"' in sec.footer._element.xml
    boxes = [t for t in doc.tables if t.rows[0].cells[0].text == "Agreed score (0 to 5)"]
    assert len(boxes) == 10
    assert [r.cells[0].text for r in boxes[0].rows][1] == "Actions agreed (what, who, by when)"
    partners_table = doc.tables[0]
    assert partners_table.rows[0].cells[1].width < partners_table.rows[0].cells[2].width / 4


def test_area_names_reach_the_terminal_escaped(partners, tmp_path):
    set_respondent(partners / "police.xlsx", Area=ooxml_escape("Knowsley\x1b[2J"))   # as Excel stores it
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code == 1 and "\x1b" not in res.output and "'Knowsley\\x1b[2J'" in res.output


def test_an_older_partner_workbook_with_area_answers_is_told_they_are_not_used(guide, tmp_path):
    from ehsg.workbook import build_template

    wb = build_template(guide, kind=KIND_RESPONDENT)
    wb.remove(wb["Respondent"])
    old = build_template(guide)                       # the older layout: an Area sheet in a partner's workbook
    area = wb.create_sheet("Area", 1)
    for row in old["Area"].iter_rows(values_only=True):
        area.append(row)
    resp = wb.create_sheet("Respondent", 1)
    for row in (("Label", "Value"), ("Organisation", "Old Org")):
        resp.append(row)
    labels = {area.cell(row=r, column=1).value: r for r in range(2, area.max_row + 1)}
    area.cell(row=labels["Data model"], column=2).value = 5
    area.cell(row=labels["Priority descriptor 1"], column=2).value = "9.9"
    path = tmp_path / "old.xlsx"
    wb.save(path)
    _, problems = load_partners([path], guide)
    (p,) = [p for p in problems if p.code == "partner-area-ignored"]
    assert "Data model, Priority descriptor 1" in p.message and not [p for p in problems if p.is_error]


def test_last_time_from_another_area_is_pointed_out(partners, tmp_path):
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(tmp_path / "c.xlsx"), "--previous",
                                    str(EXAMPLE)])
    assert res.exit_code == 0 and "Last time's workbook is for 'Sefton', this one for 'Exampleshire (invented)'" \
        in res.output and "[previous-other-area]" in res.output


def test_merge_writes_both_outputs_or_neither(partners, tmp_path):
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(partners), "-o", str(out), "--pack", str(tmp_path / "no" / "p.docx")])
    assert res.exit_code == 2 and "does not exist" in res.output
    assert not out.exists() and not list(tmp_path.glob(".c.xlsx.*"))
