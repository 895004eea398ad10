"""`ehsg build`: the national form itself, with every character of every narrative in its place."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehsg.cli import main
from ehsg.reader import load_workbook_file
from ehsg.submission import DRAFT_BANNER, build_submission
from ehsg.templatecheck import check_template

from conftest import REPO, fill_by_contract, soffice

FV = "5 Family voice and experience"


def body_texts(doc) -> list[str]:
    """The document's text in body order: each paragraph, and each table cell once (merged cells too)."""
    out = []
    for child in doc.element.body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(Paragraph(child, doc).text)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, doc).rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        out.append(cell.text)
    return out


def descriptor_blocks(doc):
    """{id: (score, working well, next)} read back from the form: each descriptor's heading, then its labelled answers."""
    out, current, key = {}, None, None
    for p in doc.paragraphs:
        style = p.style.name
        if style == "Heading 2" and re.match(r"^\d+\.\d+ - ", p.text):
            current = p.text.split(" - ", 1)[0]
            out[current] = {"score": [], "ww": [], "next": []}
            key = None
        elif style.startswith("Heading") or current is None:
            current = None if style == "Heading 1" else current
        elif style == "Form label":
            key = {"Self-Assessment Score": "score", "What is working well": "ww",
                   "What are you prioritising": "next"}.get(next((k for k in ("Self-Assessment Score",
                   "What is working well", "What are you prioritising") if p.text.startswith(k)), ""), None)
        elif style == "Form answer" and key:
            out[current][key].append(p.text)
    return {d: ("\n\n".join(b["score"]), "\n\n".join(b["ww"]), "\n\n".join(b["next"])) for d, b in out.items()}


def _norm(text: str) -> str:
    """Spacing as the published text's extraction left it aside: runs of spaces, and "1.Text" for "1. Text"."""
    text = " ".join(text.split())
    return re.sub(r"^(\d+)\.\s*", r"\1. ", text)


def seed_form_lines(seed: str, guide) -> list[str]:
    """The national form's own lines from the published submission, in order, without the area's narratives.

    Kept: everything before the first descriptor and from Earned Autonomy on; per descriptor its heading,
    the three labels, and the next section's heading where one follows.
    """
    lines = seed.split("\n")
    heads = [i for i, line in enumerate(lines) if re.match(r"^\d\.\d - ", line)]
    end = next(i for i, line in enumerate(lines) if line.startswith("Earned Autonomy Criteria and Eligibility"))
    sections = {s.name for s in guide.sections}
    prompts = {guide.prompts.score, guide.prompts.working_well, guide.prompts.next}
    form = [line for line in lines[:heads[0]]]
    for k, start in enumerate(heads):
        block = [line for line in lines[start:(heads[k + 1] if k + 1 < len(heads) else end)] if line.strip()]
        form.append(block[0])
        form += [line for line in block if line.strip() in prompts]
        if block[-1].strip() in sections:
            form.append(block[-1])
    form += lines[end:]
    return [_norm(line) for line in form if line.strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory, guide):
    from conftest import EXAMPLE

    out = tmp_path_factory.mktemp("build") / "sefton.docx"
    result = build_submission(EXAMPLE, out, guide)
    return result, Document(out)


def test_the_form_in_its_order_and_words(built, guide, seed_text):
    """Every line of the national form, in the form's order, word for word, with Sefton's answers in place."""
    _, doc = built
    texts = [_norm(t) for t in body_texts(doc)]
    at = 0
    for n, line in enumerate(seed_form_lines(seed_text, guide)):
        try:
            at = texts.index(line, at) + 1
        except ValueError:
            where = "elsewhere, out of order" if line in texts else "nowhere"
            pytest.fail(f"form line {n} not found after {texts[at - 1]!r} (it is {where}): {line!r}")


def test_every_narrative_and_score_arrives_verbatim_in_its_place(built, guide):
    result, doc = built
    a = result.report.assessment
    blocks = descriptor_blocks(doc)
    assert list(blocks) == [d.id for d in guide.descriptors]
    for r in a.responses:
        assert blocks[r.descriptor] == (str(r.score), r.working_well, r.next), r.descriptor
    assert sum(1 for r in a.responses for t in (r.working_well, r.next) if t) == 62


def test_the_areas_answers_sit_in_the_forms_places(built, guide):
    _, doc = built
    texts = body_texts(doc)
    assert "Sefton's data model (as submitted in the September 2021 data survey): 3" in texts
    changed = "Do you think that Sefton's data model has changed since you submitted the data survey in September 2021? No."
    assert changed in texts
    i = texts.index(changed)
    assert texts[i + 1:i + 4] == ["Descriptor one: 7.3 – Communities", "Descriptor two: 6.4 – Workforce",
                                  "Descriptor three: 9.4 – Data"]
    for p in guide.permissions:
        j = texts.index(p.statement)
        assert texts[j + 1] == f"{p.question}: Yes."
    assert not [t for t in texts if "current data model" in t]


def test_earned_autonomy_uses_the_criteria_tables_own_wording(built, guide):
    _, doc = built
    texts = body_texts(doc)
    i = texts.index("Early Help System Guide descriptors used for Stage 1 (for both prospective and existing EA areas):")
    rows = texts[i + 1:i + 1 + 4 * 9]
    assert rows[:4] == ["Family Voice and Experience", "Minimum Score:", guide.thresholds(2022).thresholds[0].criterion,
                        "4"]
    assert "governance and quality assurance." in rows[2]
    assert "(section 3 above or page 11 of the published document)" in rows[6]
    assert "placebased analysis" in rows[-2] and rows[-1] == "3"
    assert not any(t in texts for t in ("Met", "Our score", "Result"))  # the form's table is for information only


def test_no_dashboard_date_or_tool_text_in_the_form(built):
    _, doc = built
    text = "\n".join(body_texts(doc)) + doc.sections[0].header.paragraphs[0].text
    for absent in ("Produced", "ehsg-2022", "2022.1", "obey the selection rule", "Score profile"):
        assert absent not in text
    assert len(doc.inline_shapes) == 0
    header = doc.sections[0].header.paragraphs[0].text
    assert header.startswith("Sefton")
    assert "PAGE" in doc.sections[0].footer.paragraphs[0]._p.xml


def test_labels_keep_with_their_answers(built):
    _, doc = built
    for p in doc.paragraphs:
        if p.style.name in ("Form label", "Heading 1", "Heading 2"):
            assert p.style.paragraph_format.keep_with_next, p.text
    ea = doc.tables[0]
    assert all("w:cantSplit" in row._tr.xml for row in ea.rows)


def test_a_changed_data_model_is_stated(guide, example, tmp_path):
    filled = fill_by_contract(example, tmp_path / "changed.xlsx",
                              extra={"Data model changed since the data survey?": "Yes", "Current data model": 4,
                                     "Priority descriptor 1": "5.1", "Priority descriptor 2": "6.4",
                                     "Priority descriptor 3": "7.3"})
    out = tmp_path / "changed.docx"
    build_submission(filled, out, guide)
    texts = body_texts(Document(out))
    changed = "Do you think that Sefton's data model has changed since you submitted the data survey in September 2021? Yes."
    i = texts.index(changed)
    assert texts[i + 1] == "Sefton's current data model: 4"
    assert texts[i + 2] == "Descriptor one: 5.1 – Family voice and experience"


def test_a_different_year_is_built_with_a_warning_about_the_editions_dates(guide, example, tmp_path):
    filled = fill_by_contract(example, tmp_path / "y.xlsx", extra={"Year": 2023})
    res = CliRunner().invoke(main, ["build", str(filled), "-o", str(tmp_path / "y.docx")])
    assert res.exit_code == 0, res.output
    assert "form-edition-year" in res.output and "July 2022" in res.output


def test_line_breaks_inside_a_paragraph_stay_line_breaks(guide, example, tmp_path):
    filled = fill_by_contract(example, tmp_path / "br.xlsx", narratives={"5.2": ("one\ntwo\n\nthree\tfour", "x")})
    build_submission(filled, tmp_path / "br.docx", guide)
    doc = Document(tmp_path / "br.docx")
    para = next(p for p in doc.paragraphs if p.text.startswith("one"))
    assert para.text == "one\ntwo" and "<w:br/>" in para._p.xml
    assert descriptor_blocks(doc)["5.2"][1] == "one\ntwo\n\nthree\tfour"


def test_no_workforce_table_when_the_sheet_is_empty(built):
    _, doc = built
    assert not [t for t in doc.tables if t.rows[0].cells[0].text == "Kind of service"]


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


def test_check_template_lists_unknown_and_unused_fields(tmp_path, guide):
    from conftest import EXAMPLE
    from ehsg.check import check_file
    from ehsg.submission import build_context, context_fields

    result = check_template(REPO / "templates" / "submission.docx", guide)
    assert (result.kind.name, result.how, result.unknown, result.unused) == ("submission", "told", (), ("year",))
    assert set(build_context(check_file(EXAMPLE, guide), guide)[0]) == context_fields()
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


def test_a_workbook_with_errors_is_reported_before_a_refused_template(example, tmp_path):
    """The template is readied while the workbook is checked; the workbook's errors still come first."""
    wb = openpyxl.load_workbook(example)
    wb[FV]["C4"] = "three"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    doc = Document(REPO / "templates" / "submission.docx")
    doc.add_paragraph("{{ area.__class__ }}")
    refused = tmp_path / "refused.docx"
    doc.save(refused)
    out = tmp_path / "out.docx"
    res = CliRunner().invoke(main, ["build", str(bad), "-o", str(out), "--template", str(refused)])
    assert res.exit_code == 1, res.output
    assert f"{FV}!C4" in res.output and "template" not in res.output.lower()
    res = CliRunner().invoke(main, ["build", str(example), "-o", str(out), "--template", str(refused)])
    assert res.exit_code == 2 and "[template-unsafe]" in res.output
    assert not out.exists()


def test_jinja_and_docxtpl_are_loaded_only_in_the_render_worker(tmp_path):
    """The build's own process checks the workbook; only its bounded worker loads Jinja, docxtpl and python-docx."""
    printed = _made_in_child(tmp_path, "build", "",
                             "print(sorted({m.split('.')[0] for m in sys.modules} & {'jinja2', 'docxtpl', 'docx', "
                             "'markupsafe'}))\n")
    assert printed == "[]"
    assert Document(tmp_path / "out.docx").paragraphs


@pytest.mark.parametrize("command", ["build", "brief"])
def test_the_template_worker_starts_before_the_guide_and_the_reader_load(command, tmp_path):
    """The worker's libraries take longest to load: it starts first, and inherits what both processes use."""
    printed = _made_in_child(tmp_path, command,
                             "import ehsg.bounded\n"
                             "seen = []\n"
                             "start = ehsg.bounded.BoundedWorker.__init__\n"
                             "def started(self, *args, **kwargs):\n"
                             "    seen.append(sorted(m for m in ('ehsg.guide', 'ehsg.reader', 'ehsg.check', "
                             "'lxml.etree', 'zipfile') if m in sys.modules))\n"
                             "    start(self, *args, **kwargs)\n"
                             "ehsg.bounded.BoundedWorker.__init__ = started\n",
                             "print(seen)\n")
    assert printed == "[['lxml.etree', 'zipfile']]"


def _made_in_child(tmp_path, command: str, before: str, after: str) -> str:
    """What a fresh Python prints after running `before`, making the example's document with `command` (build or
    brief) through the command line in that same process, then running `after`."""
    code = ("import sys\n" + before + "from click.testing import CliRunner\nfrom ehsg.cli import main\n"
            f"res = CliRunner().invoke(main, [{command!r}, {str(REPO / 'examples' / 'sefton-2022.xlsx')!r}, '-o', "
            f"{str(tmp_path / 'out.docx')!r}])\n"
            "assert res.exit_code == 0, res.output\n" + after)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.strip()


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


def test_two_builds_of_the_same_workbook_are_byte_identical(guide, example, tmp_path, monkeypatch):
    import time

    build_submission(example, tmp_path / "one.docx", guide)
    time.sleep(2.1)  # zip entries carry seconds (2-second resolution): a later build must not differ
    build_submission(example, tmp_path / "two.docx", guide)
    assert (tmp_path / "one.docx").read_bytes() == (tmp_path / "two.docx").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1656547200")  # 30 June 2022
    build_submission(example, tmp_path / "three.docx", guide)
    with zipfile.ZipFile(tmp_path / "three.docx") as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(2022, 6, 30)}


def test_the_context_holds_plain_values_only(guide):
    from conftest import EXAMPLE
    from ehsg.brief import brief_context
    from ehsg.check import check_file
    from ehsg.submission import build_context

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (str, int, float, bool)

    report = check_file(EXAMPLE, guide)
    assert plain(build_context(report, guide)[0]) and plain(brief_context(report, guide)[0])


def test_an_area_name_with_ampersand_and_brackets_arrives_as_typed(guide, example, tmp_path):
    filled = fill_by_contract(example, tmp_path / "bh.xlsx", area={"Area": "Brighton & Hove <x>"})
    build_submission(filled, tmp_path / "bh.docx", guide)
    doc = Document(tmp_path / "bh.docx")
    assert doc.sections[0].header.paragraphs[0].text.startswith("Brighton & Hove <x> · ")
    assert "Brighton & Hove <x>'s data model (as submitted in the September 2021 data survey): 3" in body_texts(doc)
    assert "python-docx" not in (doc.core_properties.author + doc.core_properties.comments)


def test_control_characters_in_the_area_name_are_reported_once_at_the_area_cell(guide, example, tmp_path):
    odd = fill_by_contract(example, tmp_path / "odd.xlsx", area={"Area": "Sef\x07ton"})
    res = CliRunner().invoke(main, ["check", str(odd)])
    assert res.exit_code == 0 and "Problems: none" not in res.output
    assert res.output.count("[area-control-characters]") == 1 and "U+0007" in res.output
    out = tmp_path / "odd.docx"
    res = CliRunner().invoke(main, ["build", str(odd), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output.count("[area-control-characters]") == 1 and "narrative-control-characters" not in res.output
    (w,) = [p for p in build_submission(odd, tmp_path / "again.docx", guide).warnings
            if p.code == "area-control-characters"]
    assert re.fullmatch(r"Area!\$?[A-Z]+\$?\d+", w.location), w.location
    assert "Sefton" in "\n".join(p.text for p in Document(out).paragraphs)
