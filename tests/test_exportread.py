"""Reading exports back: every row of one file speaks of one area, one year, one guide."""

from __future__ import annotations

import csv
import subprocess
import sys

from ehsg.exportread import load_scores

from conftest import REPO


def _export(tmp_path, change):
    folder = tmp_path / "csv"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_cohort.py"), str(folder), "1", "--format", "csv"],
                   check=True)
    path = folder / "area-0001.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _disagree(path, guide):
    a, problems = load_scores(path, guide)
    return [(p.location, p.message) for p in problems if p.code == "export-rows-disagree"]


def test_rows_that_disagree_are_named_once_each_however_many(tmp_path, guide):
    def change(rows):
        year = rows[0].index("Year")
        rows[3][year], rows[5][year], rows[7][year] = "2023", "2023", "2025"

    found = _disagree(_export(tmp_path, change), guide)
    assert found == [("area-0001.csv: column Year", "The rows do not agree on Year: '2024' and 2023, 2025.")]


def test_a_neutralised_formula_and_a_blank_agree_with_what_they_mean(tmp_path, guide):
    def change(rows):
        area, audience = rows[0].index("Area"), rows[0].index("Audience")
        for r in rows[1:]:
            r[area] = "=Sefton"
            r[audience] = ""
        rows[2][area] = "'=Sefton"      # what an export writes before text a spreadsheet would run
        rows[3][audience] = ""

    path = _export(tmp_path, change)
    assert _disagree(path, guide) == []
    assert load_scores(path, guide)[0].area == "=Sefton"


def test_narratives_beginning_with_an_apostrophe_come_back_as_typed(tmp_path, guide):
    # An export marks formula-like text with an apostrophe; text that itself begins with one must not lose it.
    from dataclasses import replace

    from ehsg.export import export
    from ehsg.reader import load_workbook_file
    from ehsg.workbook import write_assessment
    from conftest import EXAMPLE

    typed = ["'+44 151 934 2000", "''", "'", "'=1+2", "=1+2", "'hello", "''=x", "-5 families", "'-"]
    a = load_workbook_file(EXAMPLE, guide).assessment
    responses = [replace(r, working_well=typed[i % len(typed)], next=typed[(i + 3) % len(typed)])
                 for i, r in enumerate(a.responses)]
    a = replace(a, responses=responses, permissions={"dfe": True, "coordinators": True, "ogd": True})
    src = write_assessment(guide, a, tmp_path / "a.xlsx")
    for fmt in ("xlsx", "csv", "json"):
        out = export(src, tmp_path / f"e.{fmt}", "dfe", guide)
        back, problems = load_scores(out, guide)
        assert not problems.errors, [str(p) for p in problems]
        assert [(r.working_well, r.next) for r in back.responses] == [(r.working_well, r.next) for r in responses], fmt
