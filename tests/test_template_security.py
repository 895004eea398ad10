"""Word templates are untrusted: no escape from the sandbox, no file read or written, bounded, data untouched."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehsg import docxrender
from ehsg.office import docxsave
from ehsg.cli import main
from ehsg.docxrender import check_template, render_docx
from ehsg.errors import TemplateError
from ehsg.submission import PICTURES, build_submission, context_fields

from conftest import EXAMPLE, REPO, fill_by_contract

sys.path.insert(0, str(REPO / "tests" / "data"))
import corpus_templates  # noqa: E402

CASES = json.loads((REPO / "tests" / "data" / "corpus" / "cases.json").read_text(encoding="utf-8"))
HOSTILE = [c for c in CASES if c["kind"] == "template" and c["location"] is not None]
TEMPLATE = REPO / "templates" / "submission.docx"


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-templates")
    made = []
    corpus_templates.make(out, lambda name, code, location, **extra: made.append(
        {"file": name, "kind": "template", "code": code, "location": location, "severity": "error", **extra}))
    assert made == HOSTILE  # the committed cases.json lists exactly what the generator makes
    return out


def _snapshot(*folders: Path) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for folder in folders for p in sorted(folder.rglob("*"))}


@pytest.fixture
def sandboxed(tmp_path, monkeypatch):
    """A working folder holding the workbook, a canary and an output folder; $TMPDIR of its own."""
    work, tmp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    (work / "out").mkdir()
    shutil.copy(EXAMPLE, work / "sefton-2022.xlsx")
    canary = secrets.token_hex(24)
    (work / "canary.txt").write_text(canary)
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return work, tmp, canary


def _run(args):
    res = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    assert res.exit_code not in (0, 3), res.output
    return res


@pytest.mark.parametrize("c", HOSTILE, ids=[c["file"] for c in HOSTILE])
def test_hostile_template_is_refused_and_touches_nothing(hostile, sandboxed, c):
    work, tmp, canary = sandboxed
    shutil.copy(hostile / c["file"], work / c["file"])
    before = _snapshot(work, tmp)
    out = work / "out" / "submission.docx"
    build = _run([c.get("command", "build"), "sefton-2022.xlsx", "-o", str(out), "--template", c["file"]])
    assert build.exit_code == 2
    assert f"[{c['code']}]" in build.output and f"{c['location']}: error" in build.output, build.output
    assert canary not in build.output
    assert not out.exists() and not list((work / "out").iterdir())
    check = _run(["check-template", c["file"]])
    if c["code"] == "template-unknown-field" and check.exit_code == 1:
        assert "does not provide" in check.output
    else:
        assert check.exit_code == 2 and f"[{c['code']}]" in check.output and c["location"] in check.output
    assert canary not in check.output
    assert _snapshot(work, tmp) == before  # inputs unchanged, nothing written anywhere, temporary files gone


def test_the_bundled_template_is_clean():
    result = check_template(TEMPLATE, context_fields(), pictures=PICTURES)
    assert result["unknown"] == []


def _small_template(path: Path, body: list[str], header: str = "") -> Path:
    doc = Document()
    for text in body:
        doc.add_paragraph(text)
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    doc.save(path)
    return path


def test_a_loop_that_never_ends_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(docxrender, "RENDER_SECONDS", 2)
    loop = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}" \
           "{% endfor %}{% endfor %}"
    tpl = _small_template(tmp_path / "slow.docx", [loop])
    with pytest.raises(TemplateError) as e:
        render_docx(tpl, {}, tmp_path / "out.docx")
    assert [p.code for p in e.value.problems] == ["template-too-slow"]
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize("value", [object(), Path("x"), b"bytes", {1: "a"}, {"a": [{"b": object()}]},
                                   __import__("markupsafe").Markup("<w:br/>"), 1j])
def test_only_plain_values_reach_a_template(tmp_path, value):
    tpl = _small_template(tmp_path / "t.docx", ["{{ x }}"])
    with pytest.raises(TypeError):
        render_docx(tpl, {"x": value}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_picture_names_must_be_new_fields(tmp_path):
    tpl = _small_template(tmp_path / "t.docx", ["{{ x }}"])
    with pytest.raises(TypeError):
        render_docx(tpl, {"x": "a"}, tmp_path / "out.docx", images={"x": tmp_path / "p.png"})


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


_text = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                                blacklist_characters="\ufffe\uffff")
                         | st.sampled_from("\n\t&<>\"'{}%_#👍"), max_size=40)
                 | st.sampled_from(["{_{ x }_}", "{{ area }}", "{% if x %}", "{%p endfor %}", "}}", "{_%", "%_}",
                                    "&amp;", "<w:t>", "]]>", "{#", "#}"]), max_size=6).map("".join)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_text, min_size=1, max_size=4))
def test_text_arrives_character_for_character(tmp_path, texts):
    tpl = _small_template(tmp_path / "t.docx", ["{%p for t in texts %}", "{{ t }}", "{%p endfor %}"],
                          header="{{ texts[0] }}")
    out = tmp_path / "out.docx"
    render_docx(tpl, {"texts": texts}, out)
    assert _paragraphs(out) == texts
    assert Document(out).sections[0].header.paragraphs[0].text == texts[0]


def test_control_characters_never_split_the_document(tmp_path):
    tpl = _small_template(tmp_path / "t.docx", ["{{ area }}", "after"])
    out = tmp_path / "out.docx"
    render_docx(tpl, {"area": "Sef\x07ton\x0c and\x00 more"}, out)
    assert _paragraphs(out) == ["Sefton and more", "after"]
    assert b'w:type="page"' not in zipfile.ZipFile(out).read("word/document.xml")


def test_narratives_with_template_syntax_arrive_as_typed(guide, example, tmp_path):
    typed = "We wrote {_{ x }_} and {_% if %_} and {{ area }} & {% raw %} <b>\ttabbed\nnext line"
    filled = fill_by_contract(example, tmp_path / "typed.xlsx", narratives={"5.1": (typed, "{#p x #}")})
    out = tmp_path / "typed.docx"
    build_submission(filled, out, guide)
    from test_build import descriptor_blocks

    assert descriptor_blocks(Document(out))["5.1"][1:] == (typed, "{#p x #}")


def test_the_chart_is_placed_as_wide_as_the_text(guide, example, tmp_path):
    from ehsg.brief import build_brief

    out = tmp_path / "s.docx"
    build_brief(example, out, guide)
    doc = Document(out)
    (shape,) = doc.inline_shapes
    section = doc.sections[0]
    assert shape.width == section.page_width - section.left_margin - section.right_margin
    holder = [p for p in doc.paragraphs if p._p.xpath(".//pic:pic")]
    assert len(holder) == 1 and holder[0].text == ""
    assert "EHSG-PICTURE" not in zipfile.ZipFile(out).read("word/document.xml").decode()


def test_two_builds_are_byte_identical(guide, example, tmp_path, monkeypatch):
    day = "3 March 2022"
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    build_submission(example, a, guide, date=day)
    build_submission(example, b, guide, date=day)
    assert a.read_bytes() == b.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646300000")
    build_submission(example, a, guide, date=day)
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 3, 3, 9, 33, 20)}
        assert z.namelist()[0] == "[Content_Types].xml"
        assert b"2022-03-03T09:33:20Z" in z.read("docProps/core.xml")


def test_check_template_cli_lists_every_refused_construct_at_once(tmp_path):
    doc = Document(TEMPLATE)
    doc.paragraphs[0].insert_paragraph_before("{% include 'a' %}")
    doc.add_paragraph("{{ area.__class__ }}")
    bad = tmp_path / "two.docx"
    doc.save(bad)
    res = _run(["check-template", str(bad)])
    assert res.exit_code == 2
    assert "two.docx, paragraph 1: error" in res.output and "[template-refused-tag]" in res.output
    assert "[template-unsafe]" in res.output and "2 problem(s)" in res.output
    assert os.listdir(tmp_path) == ["two.docx"]


def test_control_characters_in_the_area_name_are_removed_with_a_warning(guide, example, tmp_path):
    filled = fill_by_contract(example, tmp_path / "area.xlsx", area={"Area": "Sef\x07ton\x0c"})
    out = tmp_path / "area.docx"
    result = build_submission(filled, out, guide)
    assert [(w.code, w.location) for w in result.warnings] == [("area-control-characters", "Area!B2")]  # once, at its cell
    doc = Document(out)
    assert doc.sections[0].header.paragraphs[0].text.startswith("Sefton · ")
    plain = fill_by_contract(example, tmp_path / "plain.xlsx", area={"Area": "Sefton"})
    build_submission(plain, tmp_path / "plain.docx", guide)
    breaks = [zipfile.ZipFile(f).read("word/document.xml").count(b'w:type="page"') for f in (out, tmp_path / "plain.docx")]
    assert breaks[0] == breaks[1]  # the template's own page breaks, and no more


def test_web_links_and_ordinary_fields_are_allowed():
    from ehsg.office.docxparts import check_parts
    from ehsg.problems import Problems

    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            b'Target="https://www.gov.uk/supporting-families" TargetMode="External"/></Relationships>')
    body = (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
            b'<w:fldSimple w:instr=" TOC \\o &quot;1-3&quot; \\h "/><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            b'<w:r><w:instrText> PA</w:instrText></w:r><w:r><w:instrText>GE </w:instrText></w:r>'
            b'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>')
    problems = Problems()
    check_parts({"word/_rels/document.xml.rels": rels, "word/document.xml": body}, "ok.docx", problems)
    assert list(problems) == []
    split = body.replace(b"> PA<", b"> INCLUDE<").replace(b">GE <", b'>TEXT "c.txt" <')
    check_parts({"word/document.xml": split}, "bad.docx", problems)
    assert [p.code for p in problems] == ["template-unsafe-field"]


def test_a_member_keeps_the_templates_compressed_form_only_when_it_unpacks_to_its_bytes():
    import zlib

    def deflate(data: bytes, level: int = 6) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        return c.compress(data) + c.flush()

    members = {"[Content_Types].xml": b"<Types/>", "same.xml": b"<a>" + b"x" * 5000 + b"</a>",
               "changed.xml": b"<b>rendered</b>", "broken.xml": b"<c/>"}
    names = sorted(members, key=lambda n: (n != "[Content_Types].xml", n))
    deflated = {"same.xml": deflate(members["same.xml"], 1), "changed.xml": deflate(b"<b>{{ x }}</b>"),
                "broken.xml": b"\x00not deflate"}
    out = docxsave.reproducible_zip(names, members, None, deflated)
    with zipfile.ZipFile(__import__("io").BytesIO(out)) as z:
        assert z.testzip() is None and z.namelist() == names
        assert {n: z.read(n) for n in names} == members
        kept = z.getinfo("same.xml")  # the template's own stream (level 1), not compressed again
        assert kept.compress_size == len(deflated["same.xml"]) != len(deflate(members["same.xml"]))
    assert docxsave.reproducible_zip(names, members, None) == docxsave.reproducible_zip(names, members, None)


def test_a_rendering_started_early_holds_the_templates_refusal_until_it_renders(tmp_path):
    """A refused template is reported when the document is asked for (after the caller's own checks)."""
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip at all")
    rendering = docxrender.Rendering(bad)
    with rendering:
        with pytest.raises(TypeError):  # the caller's values are checked first, as render_docx always did
            rendering.render({"x": object()}, tmp_path / "out.docx")
    with docxrender.Rendering(bad) as rendering:
        with pytest.raises(TemplateError) as e:
            rendering.render({"x": "a"}, tmp_path / "out.docx")
        assert [p.code for p in e.value.problems] == ["not-a-word-document"]
        with pytest.raises(RuntimeError):
            rendering.render({"x": "a"}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()
    good = _small_template(tmp_path / "good.docx", ["{{ x }}"])
    with docxrender.Rendering(good) as rendering:
        rendering.render({"x": "once"}, tmp_path / "out.docx")
    assert [p.text for p in Document(tmp_path / "out.docx").paragraphs] == ["once"]


def _in_a_thread(work):
    """work() run from a second thread, as the web app runs it: (its result, None) or (None, its exception)."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as e:  # handed to the test
            outcome["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(300)
    return outcome.get("result"), outcome.get("error")


def test_a_build_from_a_thread_is_the_same_document_and_as_bounded(guide, tmp_path, monkeypatch):
    """A process running threads starts its worker as a fresh interpreter (never a fork): same bytes, same bounds."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_submission(EXAMPLE, tmp_path / "main.docx", guide)
    _, error = _in_a_thread(lambda: build_submission(EXAMPLE, tmp_path / "thread.docx", guide))
    assert error is None
    assert (tmp_path / "thread.docx").read_bytes() == (tmp_path / "main.docx").read_bytes()
    monkeypatch.setattr(docxrender, "RENDER_SECONDS", 5)
    loop = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}" \
           "{% endfor %}{% endfor %}"
    slow = _small_template(tmp_path / "slow.docx", [loop])
    _, error = _in_a_thread(lambda: render_docx(slow, {}, tmp_path / "slow-out.docx"))
    assert isinstance(error, TemplateError) and [p.code for p in error.problems] == ["template-too-slow"]
    assert not (tmp_path / "slow-out.docx").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["<w:p>", '<w:p w:rsidR="00A1">']),
                          st.sampled_from(["", "<w:pPr><w:jc w:val=\"center\"/></w:pPr>"]),
                          st.lists(st.text(alphabet="ab \t\n\a\f&;", max_size=8), max_size=3),
                          st.booleans()), max_size=6))
def test_only_paragraphs_with_tabs_or_breaks_go_through_docxtpls_listing_rewrite(paragraphs):
    """The render skips docxtpl's rewrite for paragraphs it would give back unchanged: the result is the same."""
    from docxtpl import DocxTemplate

    from ehsg.docxworker import _template_class

    xml = ""
    for opening, properties, texts, boxed in paragraphs:
        runs = "".join(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{t}</w:t></w:r>' for t in texts)
        inner = "<w:r><w:txbxContent><w:p><w:r><w:t>in\tbox</w:t></w:r></w:p></w:txbxContent></w:r>" if boxed else ""
        xml += f"{opening}{properties}{inner}{runs}</w:p><w:tbl>\n</w:tbl>"
    ours = _template_class().resolve_listing(object.__new__(_template_class()), xml)
    assert ours == DocxTemplate.resolve_listing(object.__new__(DocxTemplate), xml)


@pytest.mark.parametrize("name", ["submission.docx", "briefing.docx", "comparison.docx"])
def test_check_template_needs_one_worker_and_answers_as_the_separate_checks(guide, name, monkeypatch):
    """The fields, then the check and trial render, in one worker (its libraries loaded once) while the sample
    is made: the same answer as the worker's own check run twice here, once for the fields and once to judge."""
    from ehsg import bounded, docxworker
    from ehsg.submission import blank_report
    from ehsg.templatecheck import KINDS, check_template as check_for_ehsg, kinds_of

    template = REPO / "templates" / name
    data, label = template.read_bytes(), template.name
    every_picture = frozenset().union(*(k.pictures for k in KINDS.values()))
    answer, used = docxworker.check(data, label, {"sample": None, "provided": []}, dict.fromkeys(every_picture, b""))
    assert answer == "ok"
    (kind,) = kinds_of(set(used))
    chosen = KINDS[kind]
    job = {"sample": chosen.context(blank_report(guide), guide, True)[0], "provided": sorted(chosen.fields)}
    answer, used = docxworker.check(data, label, job, dict.fromkeys(chosen.pictures, b""))
    assert answer == "ok"
    apart = {"unknown": sorted(set(used) - chosen.fields), "unused": sorted(chosen.fields - set(used))}
    started = []
    start = bounded.BoundedWorker.__init__

    def counted(self, *args, **kwargs):
        started.append(args[0].__name__)
        start(self, *args, **kwargs)

    monkeypatch.setattr(bounded.BoundedWorker, "__init__", counted)
    found = check_for_ehsg(template, guide)
    assert found.kind is chosen and (list(found.unknown), list(found.unused)) == (apart["unknown"], apart["unused"])
    assert started == ["_check_in_two_steps"]


def test_a_template_found_once_the_worker_runs_is_inspected_as_any_other(tmp_path):
    """Rendering may be given a function finding the template (a packaged one); what it gives, or raises, is
    handled as a template file given directly: used when it passes, held and raised by `render` when not."""
    good = _small_template(tmp_path / "good.docx", ["{{ x }}"])
    with docxrender.Rendering(lambda: good) as rendering:
        rendering.render({"x": "found"}, tmp_path / "out.docx")
    assert [p.text for p in Document(tmp_path / "out.docx").paragraphs] == ["found"]

    def missing():
        raise FileNotFoundError("no packaged template")

    with docxrender.Rendering(missing) as rendering:
        assert rendering._worker is None  # stopped at once
        with pytest.raises(FileNotFoundError):
            rendering.render({"x": "a"}, tmp_path / "none.docx")
    assert not (tmp_path / "none.docx").exists()


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("when", ["inspected", "handed over"])
def test_a_rendering_interrupted_while_its_template_is_inspected_or_handed_over_leaves_no_worker_running(
        monkeypatch, interruption, when):
    """The worker starts before the template is inspected and sent to it: an interruption (Ctrl-C, exit) at
    either step ends it, as no `with` block has begun that would."""
    from ehsg import bounded, docxrender

    started = []

    def interrupt(*args):
        raise interruption

    class Recorded(bounded.BoundedWorker):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    if when == "inspected":
        monkeypatch.setattr(docxrender, "_inspected", interrupt)
    else:
        Recorded.send = interrupt
    monkeypatch.setattr(bounded, "BoundedWorker", Recorded)
    try:
        with pytest.raises(interruption):
            docxrender.Rendering(REPO / "templates" / "submission.docx")
        assert len(started) == 1
        assert not started[0]._process.is_alive()
    finally:
        for worker in started:
            worker.stop()
