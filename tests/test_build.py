"""`ehsg build`: the Word submission, with every character of every narrative arriving."""

from __future__ import annotations

import subprocess
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehsg.cli import main
from ehsg.reader import load_workbook_file
from ehsg.docxrender import check_template
from ehsg.submission import DRAFT_BANNER, build_submission, context_fields

from conftest import REPO, fill_by_contract, soffice

FV = "5 Family voice and experience"


def descriptor_blocks(doc):
    """{id: (score, working well, next)} read back from the document's descriptor tables."""
    out = {}
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2" and " - " in p.text]
    tables = [t for t in doc.tables if len(t.rows) == 5 and t.rows[0].cells[0].text.startswith("Self-Assessment")]
    assert len(headings) == len(tables)
    for heading, t in zip(headings, tables):
        did = heading.split(" - ", 1)[0]
        texts = ["\n\n".join(p.text for p in t.rows[r].cells[0].paragraphs) for r in (2, 4)]
        out[did] = (t.rows[0].cells[1].text, *texts)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory, guide):
    from conftest import EXAMPLE

    out = tmp_path_factory.mktemp("build") / "sefton.docx"
    result = build_submission(EXAMPLE, out, guide)
    return result, Document(out)


def test_every_narrative_and_score_arrives_verbatim(built, guide):
    result, doc = built
    a = result.report.assessment
    blocks = descriptor_blocks(doc)
    assert list(blocks) == [d.id for d in guide.descriptors]
    for r in a.responses:
        assert blocks[r.descriptor] == (str(r.score), r.working_well, r.next), r.descriptor
    assert sum(1 for r in a.responses for t in (r.working_well, r.next) if t) == 62


def test_form_order_wording_and_headings(built, guide):
    _, doc = built
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == [s.name for s in guide.sections] + [
        "Earned Autonomy Criteria and Eligibility – for information only", "Selection of Descriptors",
        "Permission to Share"]
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert h2[0] == "Score profile"
    assert h2[1:] == [f"{d.id} - {d.text}" for d in guide.descriptors]
    text = "\n".join(p.text for p in doc.paragraphs)
    for line in guide.priority_rule.text:
        assert line in text
    for p in guide.permissions:
        assert p.statement in text and f"{p.question}: Yes" in text
    assert "Sefton's data model (as submitted in the September 2021 data survey): 3 (Building blocks)" in text
    assert "has changed since you submitted the data survey? No." in text


def test_earned_autonomy_table_and_priorities(built, guide):
    _, doc = built
    ea = next(t for t in doc.tables if t.rows[0].cells[0].text == "Descriptor")
    rows = [[c.text for c in r.cells] for r in ea.rows[1:]]
    assert [r[0].split(" ", 1)[0] for r in rows] == ["5.1", "6.1", "6.3", "8.1", "8.3", "9.1", "9.3", "9.4", "9.7"]
    assert rows[0] == [f"5.1 {guide.descriptor('5.1').text}", "4", "3", "Short by 1"]
    assert rows[-1][1:] == ["3", "3", "Met"]
    assert ea.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # header row repeats across pages
    pri = next(t for t in doc.tables if t.rows[0].cells[0].text == "Priority")
    assert [[c.text for c in r.cells][:3] for r in pri.rows[1:]] == [
        ["Descriptor one", "7.3", "Communities"], ["Descriptor two", "6.4", "Workforce"],
        ["Descriptor three", "9.4", "Data"]]
    summary = doc.tables[0]
    assert [c.text for c in summary.rows[3].cells] == ["Earned Autonomy", "1 of 9 Earned Autonomy minimum scores are met."]


def test_no_workforce_table_when_the_sheet_is_empty(built):
    _, doc = built
    assert not [t for t in doc.tables if t.rows[0].cells[0].text == "Kind of service"]


def test_header_footer_and_chart(built):
    _, doc = built
    section = doc.sections[0]
    assert "Sefton" in section.header.paragraphs[0].text and "ehsg-2022 2022.1" in section.header.paragraphs[0].text
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    assert len(doc.inline_shapes) == 1


def test_refuses_to_build_from_a_workbook_with_errors(guide, example, tmp_path):
    wb = openpyxl.load_workbook(example)
    wb[FV]["C4"] = "three"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    out = tmp_path / "out.docx"
    out.write_bytes(b"previous submission")
    res = CliRunner().invoke(main, ["build", str(bad), "-o", str(out)])
    assert res.exit_code == 1
    assert f"{FV}!C4" in res.output and "no document was written" in res.output
    assert out.read_bytes() == b"previous submission"  # an existing output is only replaced on success
    assert not list(tmp_path.glob("*.part"))

    res = CliRunner().invoke(main, ["build", str(bad), "-o", str(out), "--draft"])
    assert res.exit_code == 0, res.output
    doc = Document(out)
    assert doc.paragraphs[0].text == DRAFT_BANNER
    text = "\n".join(p.text for p in doc.paragraphs[:10])
    assert f"{FV}!C4: 5.1: The score is 'three'" in text
    assert DRAFT_BANNER in doc.sections[0].footer.paragraphs[0].text


def test_a_clean_build_has_no_draft_marking(built):
    _, doc = built
    assert DRAFT_BANNER not in "\n".join(p.text for p in doc.paragraphs)


def test_never_overwrites_the_input(guide, example):
    res = CliRunner().invoke(main, ["build", str(example), "-o", str(example)])
    assert res.exit_code == 2 and "one of the input files" in res.output


def test_control_characters_are_removed_with_a_warning_naming_the_cell(guide, example, tmp_path):
    # openpyxl refuses to write control characters, as Excel escapes them: write the escape by hand
    wb = openpyxl.load_workbook(example)
    wb[FV]["D4"] = "Bell MARKER here"
    src = tmp_path / "src.xlsx"
    wb.save(src)
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if b"Bell MARKER here" in data:
                data = data.replace(b"Bell MARKER here", b"Bell_x0007_ and_x0001_ here")
            zout.writestr(item, data)
    assert "\x07" in load_workbook_file(odd, guide).assessment.response("5.1").working_well
    result = build_submission(odd, tmp_path / "odd.docx", guide)
    (w,) = result.warnings
    assert w.code == "narrative-control-characters" and w.location == f"{FV}!D4"
    assert "U+0007" in w.message and "U+0001" in w.message
    assert descriptor_blocks(Document(tmp_path / "odd.docx"))["5.1"][1] == "Bell and here"


_pieces = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                  | st.sampled_from("\n\t&<>\"'•’👍{}%"), min_size=1, max_size=60) \
    | st.sampled_from(["\n\n", "{{ area }}", "{% if x %}", "<w:t>", "&amp;", " leading", "trailing "])
narrative_text = st.lists(_pieces, min_size=1, max_size=8).map("".join)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(narrative_text, min_size=4, max_size=4))
def test_random_narratives_all_arrive(guide, example, tmp_path, texts):
    narratives = {"5.1": (texts[0], texts[1]), "9.7": (texts[2], texts[3])}
    filled = fill_by_contract(example, tmp_path / "random.xlsx", narratives=narratives)
    out = tmp_path / "random.docx"
    build_submission(filled, out, guide)
    blocks = descriptor_blocks(Document(out))
    assert blocks["5.1"][1:] == narratives["5.1"]
    assert blocks["9.7"][1:] == narratives["9.7"]


def test_ten_thousand_character_narrative(guide, example, tmp_path):
    long_text = "\n".join(f"• point {i} & <more> “quoted”" for i in range(400))[:10_000]
    filled = fill_by_contract(example, tmp_path / "long.xlsx", narratives={"6.4": (long_text, "x")})
    build_submission(filled, tmp_path / "long.docx", guide)
    assert descriptor_blocks(Document(tmp_path / "long.docx"))["6.4"][1] == long_text


def test_check_template_lists_unknown_and_unused_fields(tmp_path):
    result = check_template(REPO / "templates" / "submission.docx", context_fields())
    assert result["unknown"] == []
    doc = Document(REPO / "templates" / "submission.docx")
    doc.add_paragraph("{{ council_logo }}")
    custom = tmp_path / "custom.docx"
    doc.save(custom)
    res = CliRunner().invoke(main, ["check-template", str(custom)])
    assert res.exit_code == 1 and "council_logo" in res.output


def test_template_with_a_broken_tag_or_unsafe_access_is_refused(guide, example, tmp_path):
    for text, fragment in (("{{ area ", "broken"), ("{{ area.__class__.__mro__ }}", "unsafe")):
        doc = Document(REPO / "templates" / "submission.docx")
        doc.add_paragraph(text)
        bad = tmp_path / "bad.docx"
        doc.save(bad)
        out = tmp_path / "out.docx"
        res = CliRunner().invoke(main, ["build", str(example), "-o", str(out), "--template", str(bad)])
        assert res.exit_code == 2, res.output
        assert fragment in res.output and "Traceback" not in res.output
        assert not out.exists()


@pytest.mark.skipif(not soffice(), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_submission_to_pdf(built, tmp_path):
    result, _ = built
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(result.path)], check=True, capture_output=True, timeout=240)
    pdf = (tmp_path / result.path.with_suffix(".pdf").name).read_bytes()
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    if pages <= 0:
        pages = pdf.count(b"/Type/Page") - pdf.count(b"/Type/Pages")
    assert pages >= 15
