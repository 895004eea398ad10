"""Exports for each audience, compare of areas and years, and cohorts."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from ehsg.cli import main
from ehsg.compare import compare
from ehsg.export import load_scores

from conftest import REPO, fill_by_contract

MARK = "ZQX-narrative-marker-7731"
CO = "Share scores and priorities with Supporting Families co-ordinators"
OGD = "Share scores and priorities with other government departments"


@pytest.fixture
def marked(example, tmp_path, guide):
    """The example with a distinctive narrative in every narrative cell, and a formula-like area name."""
    narratives = {d.id: (f"{MARK} working {d.id}", f"=HYPERLINK(\"x\") {MARK} next {d.id}") for d in guide.descriptors}
    return fill_by_contract(example, tmp_path / "marked.xlsx", narratives=narratives,
                            area={"Area": "=Sefton+1", CO: "Yes", OGD: "No"})


def all_bytes(path):
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            data += b"".join(z.read(n) for n in z.namelist())
    return data


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_scores_only_export_carries_no_narrative_at_all(marked, tmp_path, fmt):
    out = tmp_path / f"co.{fmt}"
    res = CliRunner().invoke(main, ["export", str(marked), "--for", "coordinators", "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = all_bytes(out)
    assert MARK.encode() not in data and b"HYPERLINK" not in data
    assert b"What is working well" not in data


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_dfe_export_has_every_narrative(marked, tmp_path, guide, fmt):
    out = tmp_path / f"dfe.{fmt}"
    assert CliRunner().invoke(main, ["export", str(marked), "--for", "dfe", "-o", str(out)]).exit_code == 0
    a, problems = load_scores(out, guide)
    assert not problems.errors, [str(p) for p in problems]
    assert a.area == "=Sefton+1" and a.year == 2022 and a.priorities == ("7.3", "6.4", "9.4")
    for d in guide.descriptors:
        r = a.response(d.id)
        assert (r.working_well, r.next) == (f"{MARK} working {d.id}", f"=HYPERLINK(\"x\") {MARK} next {d.id}")


def test_refusal_when_the_area_said_no(marked, tmp_path):
    out = tmp_path / "ogd.csv"
    res = CliRunner().invoke(main, ["export", str(marked), "--for", "ogd", "-o", str(out)])
    assert res.exit_code == 1 and "answered 'No'" in res.output and "Nothing was written" in res.output
    assert not out.exists()


def test_formulas_are_neutralised(marked, tmp_path):
    out = tmp_path / "dfe.csv"
    CliRunner().invoke(main, ["export", str(marked), "--for", "dfe", "-o", str(out)])
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][0] == "'=Sefton+1"
    assert rows[1][-1].startswith("'=HYPERLINK")
    xl = tmp_path / "dfe.xlsx"
    CliRunner().invoke(main, ["export", str(marked), "--for", "dfe", "-o", str(xl)])
    wb = openpyxl.load_workbook(xl)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", c.coordinate
    cell = wb["Scores"]["A2"]
    assert cell.value == "=Sefton+1" and cell.quotePrefix


def test_export_stamps_area_year_and_guide(example, tmp_path, guide):
    out = tmp_path / "co.json"
    CliRunner().invoke(main, ["export", str(example), "--for", "coordinators", "-o", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["area"], data["year"], data["guide"]) == ("Sefton", 2022, {"id": guide.id, "version": guide.version})
    assert data["scores"]["6.1"] == 2 and "narratives" not in data


def _year(src, dst, year, bump):
    data = json.loads(src.read_text(encoding="utf-8"))
    data["year"] = year
    for k, v in bump.items():
        data["scores"][k] = v
    dst.write_text(json.dumps(data), encoding="utf-8")
    return dst


def test_compare_one_area_over_two_years(example, tmp_path, guide):
    first = tmp_path / "2022.json"
    CliRunner().invoke(main, ["export", str(example), "--for", "coordinators", "-o", str(first)])
    second = _year(first, tmp_path / "2023.json", 2023, {"5.1": 4, "9.4": 3, "7.5": 1})
    a, _ = load_scores(first, guide)
    b, _ = load_scores(second, guide)
    c = compare([b, a], guide)
    assert c.over_time and c.columns == ("2022", "2023")
    changes = {did: c.differences(s)[0] for did, s in c.rows}
    assert (changes["5.1"], changes["9.4"], changes["7.5"], changes["6.1"]) == (1, 1, -1, 0)
    assert ("5.1", "newly met") in c.ea_changes()
    assert ("2022", "9.4", 2, 3) in c.priority_moves()
    out = tmp_path / "over-time.xlsx"
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Earned Autonomy minimum for 5.1: newly met." in res.output
    wb = openpyxl.load_workbook(out)
    scores = {r[0]: r for r in wb["Scores"].iter_rows(min_row=2, values_only=True)}
    assert scores["7.5"][3:6] == (2, 1, -1) and scores["5.1"][3:6] == (3, 4, 1)
    assert wb["Scores"]["F1"].value == "Change 2022 to 2023 (+ rose, − fell)"
    assert wb["Sections"]._charts and wb["Profile"]._charts


def _two_years(example, tmp_path):
    first = tmp_path / "2022.json"
    CliRunner().invoke(main, ["export", str(example), "--for", "coordinators", "-o", str(first)])
    second = _year(first, tmp_path / "2023.json", 2023, {"5.1": 4, "7.5": 1})
    data = json.loads(second.read_text(encoding="utf-8"))
    data["priorities"] = ["5.1", "6.2", "8.2"]
    second.write_text(json.dumps(data), encoding="utf-8")
    return first, second


def _docx_text(path):
    from docx import Document

    doc = Document(path)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells), doc


def test_over_time_document_is_signed_and_has_every_years_priorities(example, tmp_path, guide):
    first, second = _two_years(example, tmp_path)
    out = tmp_path / "over-time.docx"
    res = CliRunner().invoke(main, ["compare", str(second), str(first), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text, doc = _docx_text(out)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    assert rows["5.1"][2:] == ["2022: 3\n2023: 4", "2023: +1"]
    assert rows["7.5"][3] == "2023: −1" and rows["6.1"][3] == "2023: 0"
    for did in ("7.3", "6.4", "9.4", "5.1", "6.2", "8.2"):   # 2022's priorities and the new year's
        assert f"{did} – " in text
    assert len(doc.inline_shapes) == 1
    footer = doc.sections[0].footer._element.xml
    assert "NUMPAGES" in footer and "PAGE" in footer
    assert doc.styles["Normal"].font.name == "Arial"


def test_compare_two_areas_signed_both_ways_in_every_output(example, tmp_path, guide):
    other = fill_by_contract(example, tmp_path / "other.xlsx", area={"Area": "Neighbourshire"},
                             scores={"8.1": 5, "6.1": 1})
    export = tmp_path / "sefton.csv"
    CliRunner().invoke(main, ["export", str(example), "--for", "coordinators", "-o", str(export)])
    out = tmp_path / "peer.docx"
    res = CliRunner().invoke(main, ["compare", str(export), str(other), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "8.1: Neighbourshire scores 3 or more above the others" in res.output
    text, doc = _docx_text(out)
    assert len(doc.inline_shapes) == 1
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    # Sefton's point of view: Sefton 2 / Neighbourshire 5 is −3; Sefton 2 / Neighbourshire 1 is +1
    assert rows["8.1"][2:] == ["Sefton: 2\nNeighbourshire: 5", "Neighbourshire: −3"]
    assert rows["6.1"][3] == "Neighbourshire: +1"
    assert "Sefton compared with" in doc.tables[0].rows[0].cells[3].text
    assert "Sefton" in text and "7.3 – Communities" in text and "Neighbourshire" in doc.tables[2].rows[2].cells[0].text
    xl = tmp_path / "peer.xlsx"
    assert CliRunner().invoke(main, ["compare", str(export), str(other), "-o", str(xl)]).exit_code == 0
    ws = openpyxl.load_workbook(xl)["Scores"]
    scores = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert scores["8.1"][3:6] == (2, 5, -3) and scores["6.1"][3:6] == (2, 1, 1)
    assert ws["F2"].number_format == '+0;"−"0;0'
    pri = openpyxl.load_workbook(xl)["Priorities"]
    assert [r[0] for r in pri.iter_rows(min_row=2, values_only=True)] == ["Sefton", "Neighbourshire"]
    # reversed: Neighbourshire's point of view, every sign flips
    res = CliRunner().invoke(main, ["compare", str(other), str(export), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    by_id = {d["id"]: d for d in data["descriptors"]}
    assert by_id["8.1"]["differences"] == {"Sefton": 3} and by_id["6.1"]["differences"] == {"Sefton": -1}
    assert data["baseline"] == "Neighbourshire" and data["priorities"]["Sefton"] == ["7.3", "6.4", "9.4"]


def test_compare_json_has_the_documents_numbers(example, tmp_path, guide):
    first, second = _two_years(example, tmp_path)
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "--format", "json", "-o",
                                    str(tmp_path / "t.xlsx")])
    data = json.loads(res.output)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Scores"]
    for row in ws.iter_rows(min_row=2, max_row=32, values_only=True):
        d = next(x for x in data["descriptors"] if x["id"] == row[0])
        assert (d["scores"]["2022"], d["scores"]["2023"], d["differences"]["2023"]) == row[3:6]
    assert data["priorities"] == {"2022": ["7.3", "6.4", "9.4"], "2023": ["5.1", "6.2", "8.2"]}


def test_compare_needs_an_output_or_json(example, tmp_path):
    first, second = _two_years(example, tmp_path)
    res = CliRunner().invoke(main, ["compare", str(first), str(second)])
    assert res.exit_code == 2 and "--format json" in res.output


def test_compare_reports_descriptors_that_cannot_be_compared(example, tmp_path, guide):
    first = tmp_path / "a.json"
    CliRunner().invoke(main, ["export", str(example), "--for", "coordinators", "-o", str(first)])
    data = json.loads(first.read_text(encoding="utf-8"))
    data["area"], data["guide"] = "Otherland", {"id": "ehsg-2025", "version": "1"}
    data["scores"]["10.1"] = 3
    second = tmp_path / "b.json"
    second.write_text(json.dumps(data), encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code == 0
    assert "only descriptors whose ids match are compared" in res.output and "10.1" in res.output


def make_cohort(folder, count, fmt="json"):
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_cohort.py"), str(folder), str(count),
                    "--format", fmt], check=True)


def test_cohort_distributions_high_scorers_and_learning_sets(tmp_path, guide):
    folder = tmp_path / "cohort"
    make_cohort(folder, 30)
    areas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    res = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--format", "json",
                                    "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code == 0, res.output
    result = json.loads(res.output[res.output.index("{"):])
    assert result["areas"] == 30
    d = next(x for x in result["descriptors"] if x["id"] == "7.2")
    expected = [a["scores"]["7.2"] for a in areas]
    assert d["distribution"] == {str(k): expected.count(k) for k in range(6)}
    top = max(expected)
    assert d["highest"] == top and d["highest_count"] == expected.count(top)
    assert d["highest_areas"] == sorted(a["area"] for a in areas if a["scores"]["7.2"] == top)
    sets = {s["descriptor"]: s["areas"] for s in result["action_learning_sets"]}
    for did, members in sets.items():
        assert sorted(members) == sorted(a["area"] for a in areas if did in a["priorities"])
    met_all = [a["area"] for a in areas if a["earned_autonomy"]["eligible"]]
    assert result["earned_autonomy"]["areas_meeting_all"] == len(met_all)
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames[:7] == ["About", "Descriptors", "Score distribution", "Earned Autonomy", "Minima met chart",
                                 "Minima per area chart", "Action learning sets"]
    assert wb.sheetnames[-2:] == ["Areas", "Left out"]
    assert all(len(wb[n]._charts) == 1 for n in ("Score distribution", "Minima met chart", "Minima per area chart"))
    for did, members in sets.items():
        rows = list(wb[f"Set {did}"].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == sorted(members)
        assert all(r[2] == next(a for a in areas if a["area"] == r[0])["scores"][did] for r in rows)


def test_cohort_keeps_one_copy_of_each_id_whatever_the_number_of_areas(tmp_path, guide):
    """Each area keeps its scores and priorities under the guide's own id strings, not a copy read from its file,
    so a cohort's memory grows by little more than the scores themselves."""
    from ehsg.cohort import gather

    folder = tmp_path / "cohort"
    make_cohort(folder, 3, fmt="xlsx")
    cohort = gather(sorted(folder.glob("*.xlsx")), guide, "coordinators")
    assert len(cohort.areas) == 3 and not cohort.left_out
    own = {d.id: d.id for d in guide.descriptors}
    for a in cohort.areas:
        assert set(a.scores) == set(own) and all(key is own[key] for key in a.scores)
        assert a.priorities and all(did is own[did] for did in a.priorities)
    assert cohort.areas[0].source is cohort.areas[1].source


def test_cohort_reports_bad_files_and_keeps_the_rest(tmp_path, guide):
    folder = tmp_path / "cohort"
    make_cohort(folder, 12, fmt="xlsx")
    (folder / "garbage.xlsx").write_bytes(b"not a workbook")
    data = json.loads(json.dumps({"area": "Area 0003", "year": 2024, "scores": {}}))
    (folder / "dup.json").write_text(json.dumps(data), encoding="utf-8")
    twin = folder / "area-0003-again.csv"
    make_cohort(tmp_path / "csv", 3, fmt="csv")
    (tmp_path / "csv" / "area-0003.csv").replace(twin)
    rows = list(csv.reader(open(tmp_path / "csv" / "area-0002.csv", encoding="utf-8")))
    rows = [r for r in rows if r[8] != "6.5"]
    with open(folder / "missing-one.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerows([[c if i != 0 else c for i, c in enumerate(r)] for r in rows])
    (folder / "missing-one.csv").write_text((folder / "missing-one.csv").read_text().replace("Area 0002", "Lone Area"))
    res = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--format", "json"])
    assert res.exit_code == 1
    result = json.loads(res.output[res.output.index("{"):res.output.rindex("}") + 1])
    assert result["areas"] == 12
    why = {x["file"]: x["why"] for x in result["left_out"]}
    # files are read in name order, so the CSV twin comes first and the workbook is the repeat
    assert set(why) == {"garbage.xlsx", "dup.json", "area-0003.xlsx", "missing-one.csv"}
    assert "not an Excel workbook" in why["garbage.xlsx"]
    assert "Area 0003 2024 is already in the cohort from area-0003-again.csv" in why["area-0003.xlsx"]
    assert "dup.json: scores: Descriptor 5.1 is not in this file. [descriptor-missing]" in why["dup.json"]
    assert "6.5" in why["missing-one.csv"]


def _area(example, path, name, year, ogd="Yes", co="Yes", scores=None):
    return fill_by_contract(example, path, area={"Area": name, "Year": year, OGD: ogd, CO: co}, scores=scores)


def _cohort(folder, *args):
    res = CliRunner().invoke(main, ["cohort", str(folder), "--format", "json", *args])
    assert "Traceback" not in res.output
    body = res.output[res.output.index("{"):res.output.rindex("}") + 1] if "{" in res.output else "null"
    return res, json.loads(body)


def test_cohort_refuses_partner_workbooks_by_name_and_keeps_the_area(example, tmp_path, guide):
    from ehsg.workbook import KIND_RESPONDENT, write_template

    folder = tmp_path / "c"
    folder.mkdir()
    partner = write_template(guide, folder / "a-partner.xlsx", area="Sefton", year=2023, kind=KIND_RESPONDENT)
    fill_by_contract(partner, partner, scores={d.id: 3 for d in guide.descriptors})
    _area(example, folder / "sefton-2023.xlsx", "Sefton", 2023)
    res, result = _cohort(folder)
    assert res.exit_code == 1
    assert [p["file"] for p in result["positions"]] == ["sefton-2023.xlsx"]
    [left] = result["left_out"]
    assert left["file"] == "a-partner.xlsx" and left["code"] == "partner-workbook"
    assert "partner's response workbook" in left["why"]


def test_cohort_leaves_out_areas_that_did_not_permit_sharing(example, tmp_path, guide):
    folder = tmp_path / "c"
    folder.mkdir()
    _area(example, folder / "no-ogd.xlsx", "Hull", 2022, ogd="No", co="Yes")
    _area(example, folder / "yes.xlsx", "Leeds", 2022)
    full = _area(example, tmp_path / "york.xlsx", "York", 2022)
    CliRunner().invoke(main, ["export", str(full), "--for", "dfe", "-o", str(folder / "york-dfe.json")])
    CliRunner().invoke(main, ["export", str(full), "--for", "coordinators", "-o", str(folder / "york-co.csv")])
    res, result = _cohort(folder)            # default: the strictest, other government departments
    assert res.exit_code == 1 and result["audience"] == "ogd"
    assert [p["area"] for p in result["positions"]] == ["Leeds"]
    why = {x["file"]: (x["code"], x["why"]) for x in result["left_out"]}
    assert why["no-ogd.xlsx"][0] == "not-shared" and "Hull answered 'No'" in why["no-ogd.xlsx"][1]
    assert why["york-dfe.json"][0] == "not-shared" and "exported for dfe" in why["york-dfe.json"][1]
    assert why["york-co.csv"][0] == "not-shared" and "exported for coordinators" in why["york-co.csv"][1]
    res, result = _cohort(folder, "--for", "coordinators")
    assert sorted(p["area"] for p in result["positions"]) == ["Hull", "Leeds", "York"]
    assert {x["file"] for x in result["left_out"]} == {"york-dfe.json"}
    assert MARK not in res.output


def test_cohort_refuses_mixed_years_and_selects_one(example, tmp_path, guide):
    folder = tmp_path / "c"
    folder.mkdir()
    _area(example, folder / "sefton-2022.xlsx", "Sefton", 2022)
    _area(example, folder / "sefton-2023.xlsx", "Sefton", 2023)
    _area(example, folder / "hull-2023.xlsx", "Hull", 2023)
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["cohort", str(folder), "-o", str(out)])
    assert res.exit_code == 1 and "more than one year: 2022 (1 area(s)), 2023 (2 area(s))" in res.output
    assert "--year" in res.output and not out.exists()
    res, result = _cohort(folder, "--year", "2023")
    assert sorted(p["area"] for p in result["positions"]) == ["Hull", "Sefton"] and result["year"] == 2023
    assert result["earned_autonomy"]["year"] == guide.thresholds(2023).year
    assert [(x["file"], x["code"]) for x in result["left_out"]] == [("sefton-2022.xlsx", "other-year")]
    res, result = _cohort(folder, "--year", "2022")
    assert [p["area"] for p in result["positions"]] == ["Sefton"]


def test_cohort_lists_every_high_scorer(example, tmp_path, guide):
    folder = tmp_path / "c"
    folder.mkdir()
    for i in range(9):
        _area(example, folder / f"a{i}.xlsx", f"Area {i}", 2022, scores={"5.1": 5})
    _area(example, folder / "low.xlsx", "Low", 2022, scores={"5.1": 1})
    out = tmp_path / "c.xlsx"
    res, result = _cohort(folder, "-o", str(out))
    assert res.exit_code == 0
    d = next(x for x in result["descriptors"] if x["id"] == "5.1")
    assert d["highest_count"] == 9 and d["highest_areas"] == [f"Area {i}" for i in range(9)]
    ws = openpyxl.load_workbook(out)["Descriptors"]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "5.1")
    assert row[-1] == ", ".join(f"Area {i}" for i in range(9)) and "more" not in row[-1]


def test_names_are_compared_after_unicode_normalisation(example, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    full = _area(example, tmp_path / "ynys.xlsx", "Ynys Môn", 2022)
    CliRunner().invoke(main, ["export", str(full), "--for", "ogd", "-o", str(folder / "a.json")])
    data = json.loads((folder / "a.json").read_text(encoding="utf-8"))
    data["area"] = "Ynys  Mo\u0302n "          # decomposed ô, a double space, a trailing space
    (folder / "b.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res, result = _cohort(folder)
    assert [p["area"] for p in result["positions"]] == ["Ynys Môn"]
    assert [(x["file"], x["code"]) for x in result["left_out"]] == [("b.json", "duplicate-area")]


def test_compare_with_a_restyled_template_and_a_broken_one(example, tmp_path):
    from docx import Document

    first, second = _two_years(example, tmp_path)
    restyled = tmp_path / "ours.docx"
    doc = Document(REPO / "templates" / "comparison.docx")
    doc.styles["Normal"].font.name = "Georgia"
    doc.paragraphs[0].insert_paragraph_before("Our council logo here")
    doc.save(restyled)
    out = tmp_path / "ours-out.docx"
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "-o", str(out), "--template", str(restyled)])
    assert res.exit_code == 0, res.output
    text, rendered = _docx_text(out)
    assert "Our council logo here" in text and rendered.styles["Normal"].font.name == "Georgia"
    doc.paragraphs[0].text = "{{ no_such_field }}"
    doc.save(restyled)
    out2 = tmp_path / "broken-out.docx"
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "-o", str(out2), "--template", str(restyled)])
    assert res.exit_code == 2 and "no_such_field" in res.output and "Traceback" not in res.output
    assert not out2.exists()
    res = CliRunner().invoke(main, ["compare", str(first), str(second), "-o", str(out2), "--template", str(first)])
    assert res.exit_code == 2 and "not a Word document" in res.output and not out2.exists()


def test_text_from_files_reaches_the_terminal_escaped(example, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    full = _area(example, tmp_path / "a.xlsx", "Sefton", 2022, ogd="No")
    CliRunner().invoke(main, ["export", str(full), "--for", "coordinators", "-o", str(folder / "a.json")])
    data = json.loads((folder / "a.json").read_text(encoding="utf-8"))
    data["area"] = "Evil\x1b]0;owned\x07\u202eArea"
    (folder / "a.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "a-again.json").write_text(json.dumps(data), encoding="utf-8")   # left out, named in a message
    second = tmp_path / "b.json"
    data["area"] = "Other"
    second.write_text(json.dumps(data), encoding="utf-8")
    for args in (["cohort", str(folder), "--for", "coordinators"],
                 ["compare", str(folder / "a.json"), str(second), "-o", str(tmp_path / "c.xlsx")]):
        res = CliRunner().invoke(main, args)
        assert "Evil" in res.output and "\\x1b]0;owned\\x07\\u202eArea" in res.output, res.output
        assert "\x1b" not in res.output and "\u202e" not in res.output


def test_load_all_names_each_file_and_refuses_when_any_has_errors(example, tmp_path, guide):
    from ehsg.compare import load_all

    first, second = _two_years(example, tmp_path)
    loaded, problems = load_all([first, second], guide)
    assert [a.year for a in loaded] == [2022, 2023] and not [p for p in problems if p.is_error]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    loaded, problems = load_all([first, broken], guide)
    assert loaded is None
    errors = [p for p in problems if p.is_error]
    assert errors and all(p.location.startswith("broken.json") for p in errors)


def test_comparison_chart_is_a_png_with_one_bar_per_input(example, tmp_path, guide):
    from PIL import Image

    from ehsg.compare import load_all
    from ehsg.compare_write import comparison_chart

    loaded, _ = load_all(list(_two_years(example, tmp_path)), guide)
    out = comparison_chart(compare(loaded, guide), guide, tmp_path / "chart.png")
    with Image.open(out) as im:
        assert im.format == "PNG" and im.width > 1000
