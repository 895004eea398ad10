"""`ehsg brief`: the director's briefing, apart from the form."""

from __future__ import annotations

import subprocess

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from ehsg.brief import build_brief
from ehsg.cli import main

from conftest import soffice
from test_build import body_texts

FV = "5 Family voice and experience"


@pytest.fixture(scope="module")
def briefing(tmp_path_factory, guide):
    from conftest import EXAMPLE

    out = tmp_path_factory.mktemp("brief") / "brief.docx"
    result = build_brief(EXAMPLE, out, guide, date="30 June 2022")
    return result, Document(out)


def test_briefing_has_the_chart_and_the_results(briefing, guide):
    result, doc = briefing
    texts = body_texts(doc)
    assert len(doc.inline_shapes) == 1
    assert "30 June 2022" in texts and "Sefton: Early Help System Guide self-assessment" in texts
    assert result.report.earned_autonomy.summary in texts
    assert ["5 Family voice and experience", "7", "3.0", "3 – 3"] == texts[texts.index("5 Family voice and experience"):
                                                                            texts.index("5 Family voice and experience") + 4]
    i = texts.index("5.1 Family engagement")
    assert texts[i:i + 4] == ["5.1 Family engagement", "4", "3", "Short by 1"]
    assert "The chosen descriptors follow the selection rule for the area's data model." in texts
    assert not any("What is working well" in t for t in texts)  # no narrative: a summary, not the form


def test_briefing_refuses_a_workbook_with_errors_unless_draft(example, tmp_path):
    wb = openpyxl.load_workbook(example)
    wb[FV]["C4"] = "three"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    res = CliRunner().invoke(main, ["brief", str(bad), "-o", str(tmp_path / "b.docx")])
    assert res.exit_code == 1 and f"{FV}!C4" in res.output and not (tmp_path / "b.docx").exists()
    res = CliRunner().invoke(main, ["brief", str(bad), "-o", str(tmp_path / "b.docx"), "--draft"])
    assert res.exit_code == 0, res.output
    assert "DRAFT" in Document(tmp_path / "b.docx").paragraphs[0].text


@pytest.mark.skipif(not soffice(), reason="LibreOffice (soffice) is not installed")
def test_briefing_is_one_or_two_pages(briefing, tmp_path):
    result, _ = briefing
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(result.path)], check=True, capture_output=True, timeout=240)
    pdf = (tmp_path / result.path.with_suffix(".pdf").name).read_bytes()
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") or pdf.count(b"/Type/Page") - pdf.count(b"/Type/Pages")
    assert 1 <= pages <= 2


def test_check_template_knows_the_briefings_fields(guide):
    from conftest import EXAMPLE, REPO
    from ehsg.brief import brief_context, brief_fields
    from ehsg.check import check_file
    from ehsg.templatecheck import check_template

    result = check_template(REPO / "templates" / "briefing.docx", guide)
    assert (result.kind.name, result.how, result.unknown, result.unused) == ("briefing", "told", (), ())
    context, _ = brief_context(check_file(EXAMPLE, guide), guide)
    assert set(context) | {"chart"} == brief_fields()


def test_brief_checks_its_output_like_build(example, tmp_path):
    from click.testing import CliRunner

    from ehsg.cli import main

    wrong = tmp_path / "brief.xlsx"
    res = CliRunner().invoke(main, ["brief", str(example), "-o", str(wrong)])
    assert res.exit_code == 2 and "[output-ending]" in res.output and not wrong.exists()
    res = CliRunner().invoke(main, ["brief", str(example), "-o", str(example)])
    assert res.exit_code == 2 and "[output-is-input]" in res.output
    if soffice():
        pdf = tmp_path / "brief.pdf"
        res = CliRunner().invoke(main, ["brief", str(example), "-o", str(pdf)])
        assert res.exit_code == 0, res.output
        assert pdf.read_bytes().startswith(b"%PDF") and sorted(p.name for p in tmp_path.iterdir()) == [
            "brief.pdf", example.name]
