"""Regenerate tests/data/corpus/: bad and hostile inputs, one small file (or folder) each.

    python tests/data/make_corpus.py [OUT_DIR]

The copies committed in tests/data/corpus/ are for reading; the tests regenerate the whole corpus
into a temporary folder, so they always check what this script makes. The million-row workbook
(5 MB) is not committed.

Every case is made from the bundled example (examples/sefton-2022.xlsx), the bundled guide or the
bundled Word template, changed in exactly one way. cases.json records, for each file, the command
to run and the problem code and location it must produce; tests/test_corpus.py checks them all.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import openpyxl

import corpus_templates
import corpus_exports
from corpus_workbooks import make as hostile_workbooks
import corpus_inputs

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = HERE / "corpus"
EXAMPLE = REPO / "examples" / "sefton-2022.xlsx"
GUIDE = REPO / "descriptors" / "ehsg-2022"
TEMPLATE = REPO / "templates" / "submission.docx"
FV, DATA = "5 Family voice and experience", "9 Data"

CASES: list[dict] = []


def case(name: str, code: str, location: str | None, kind: str = "workbook", severity: str = "error", **extra):
    CASES.append({"file": name, "kind": kind, "code": code, "location": location, "severity": severity, **extra})


def edit(name: str, change, code: str, location: str | None, severity: str = "error", **extra) -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    change(wb)
    wb.save(OUT / name)
    case(name, code, location, severity=severity, **extra)


def zip_edit(name: str, member: str, change, code: str, location: str | None, src: Path = EXAMPLE) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = change(data)
            zout.writestr(item.filename, data)
    (OUT / name).write_bytes(buf.getvalue())
    case(name, code, location)


def put_cell(ref: str, text: bytes):
    """Replace one cell of a sheet's XML with an inline string, written as raw XML."""
    def change(data: bytes) -> bytes:
        i = data.index(b'<c r="%s"' % ref.encode())
        j = data.index(b"</c>", i) + 4
        return data[:i] + b'<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (
            ref.encode(), text) + data[j:]
    return change


def member_of(sheet_title: str) -> str:
    wb = openpyxl.load_workbook(EXAMPLE)
    return f"xl/worksheets/sheet{wb.sheetnames.index(sheet_title) + 1}.xml"


def setter(sheet, cell, value):
    def change(wb):
        wb[sheet][cell].value = value
    return change


def area(label, value):
    def change(wb):
        ws = wb["Area"]
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=1).value == label:
                ws.cell(row=r, column=2).value = value
    return change


def workbooks() -> None:
    (OUT / "empty.xlsx").write_bytes(b"")
    case("empty.xlsx", "not-a-workbook", "empty.xlsx")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    (OUT / "word-renamed.xlsx").write_bytes(docx.getvalue())
    case("word-renamed.xlsx", "not-a-workbook", "word-renamed.xlsx")
    (OUT / "csv-renamed.xlsx").write_text("ID,Score\n5.1,3\n", encoding="utf-8")
    case("csv-renamed.xlsx", "not-a-workbook", "csv-renamed.xlsx")
    (OUT / "old-excel.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    case("old-excel.xlsx", "not-a-workbook", "old-excel.xlsx")
    (OUT / "truncated.xlsx").write_bytes(EXAMPLE.read_bytes()[:4000])
    case("truncated.xlsx", "damaged-workbook", "truncated.xlsx")
    zip_edit("malformed-workbook-xml.xlsx", "xl/workbook.xml", lambda d: d[: len(d) // 2], "damaged-workbook",
             "malformed-workbook-xml.xlsx: xl/workbook.xml")
    zip_edit("malformed-sheet-xml.xlsx", member_of(FV), lambda d: d.replace(b"</sheetData>", b"<row></sheetData>"),
             "damaged-workbook", f"malformed-sheet-xml.xlsx: {member_of(FV)}")
    # A zip bomb: 300 MB of zeros packed into a few hundred kilobytes; refused before it is inflated.
    bomb = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in zin.infolist():
            z.writestr(item.filename, zin.read(item.filename))
        with z.open("xl/media/padding.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(300):
                f.write(block)
    (OUT / "zip-bomb.xlsx").write_bytes(bomb.getvalue())
    case("zip-bomb.xlsx", "workbook-too-large", "zip-bomb.xlsx")
    xxe = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
    area_xml = member_of("Area")
    zip_edit("external-entity.xlsx", area_xml, lambda d: xxe + put_cell("B2", b"&xxe;")(d),
             "unsafe-xml", f"external-entity.xlsx: {area_xml}")
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
              b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>\n')
    zip_edit("entity-expansion.xlsx", area_xml, lambda d: laughs + put_cell("B2", b"&f;&f;&f;&f;")(d),
             "unsafe-xml", f"entity-expansion.xlsx: {area_xml}")
    zip_edit("lone-surrogate.xlsx", area_xml, put_cell("B2", b"Sef&#xD800;ton"), "damaged-workbook",
             f"lone-surrogate.xlsx: {area_xml}")
    million = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(million, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member_of(DATA):
                rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(12, 1_000_001))
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            z.writestr(item.filename, data)
    (OUT / "million-rows.xlsx").write_bytes(million.getvalue())
    case("million-rows.xlsx", "workbook-too-large", f"million-rows.xlsx: {member_of(DATA)}")

    def drop_sheets(wb):
        for title in list(wb.sheetnames)[2:7]:
            wb.remove(wb[title])
    edit("score-sheets-deleted.xlsx", drop_sheets, "score-sheet-missing", None)
    edit("section-sheet-deleted.xlsx", lambda wb: wb.remove(wb["7 Communities"]), "section-sheet-missing",
         "7 Communities")

    def move_header(wb):
        ws = wb["8 Leaders"]
        ws.insert_rows(1, amount=40)
    edit("header-moved-far-down.xlsx", move_header, "descriptor-missing", "8 Leaders")
    edit("header-renamed.xlsx", setter("6 Workforce", "C3", "Points"), "descriptor-missing", "6 Workforce")
    edit("narrative-header-renamed.xlsx", setter("6 Workforce", "E3", "Next"), "column-missing", "6 Workforce!A3")
    edit("merged-scores.xlsx", lambda wb: wb[FV].merge_cells("C5:C6"), "merged-cell", f"{FV}!C5")
    edit("formula-no-value.xlsx", setter(FV, "C4", "=2+1"), "formula-no-value", f"{FV}!C4")
    edit("score-3.5.xlsx", setter(FV, "C4", 3.5), "score-not-whole", f"{FV}!C4")
    edit("score-minus-1.xlsx", setter(FV, "C4", -1), "score-out-of-range", f"{FV}!C4")
    edit("score-6.xlsx", setter(FV, "C4", 6), "score-out-of-range", f"{FV}!C4")
    edit("score-true.xlsx", setter(FV, "C4", True), "score-not-number", f"{FV}!C4")
    edit("score-date.xlsx", setter(FV, "C4", dt.datetime(2022, 3, 3)), "score-not-number", f"{FV}!C4")
    edit("score-three.xlsx", setter(FV, "C4", "three"), "score-not-number", f"{FV}!C4")
    edit("score-blank.xlsx", setter(FV, "C4", None), "score-missing", f"{FV}!C4")
    edit("duplicate-descriptor-row.xlsx", setter(DATA, "A5", "9.1"), "duplicate-descriptor", f"{DATA}!A5")
    edit("unknown-descriptor.xlsx", setter(DATA, "A5", "9.9"), "unknown-descriptor", f"{DATA}!A5")
    edit("other-guide-version.xlsx", setter("ehsg", "B4", "2019.1"), "guide-version-mismatch", "ehsg!B3")
    edit("area-sheet-missing.xlsx", lambda wb: wb.remove(wb["Area"]), "area-sheet-missing", "Area")
    edit("data-model-7.xlsx", area("Data model", 7), "data-model-invalid", "Area!B4")
    edit("data-model-blank.xlsx", area("Data model", None), "data-model-missing", "Area!B4")
    # Text Python's int() refuses although str.isdigit() accepts it, or refuses for its length.
    edit("year-superscript-two.xlsx", area("Year", "²"), "year-invalid", "Area!B3")
    edit("data-model-5000-digits.xlsx", area("Data model", "9" * 5000), "data-model-invalid", "Area!B4")
    zip_edit("shared-string-superscript.xlsx", area_xml, lambda d: d.replace(b"</sheetData>", b'<row r="99"><c '
             b'r="A99" t="s"><v>\xc2\xb2</v></c></row></sheetData>'), "damaged-workbook",
             f"shared-string-superscript.xlsx: {area_xml} (Area!A99)")
    zip_edit("row-number-superscript.xlsx", area_xml, lambda d: d.replace(b"</sheetData>", b'<row r="\xc2\xb2"><c>'
             b'<v>1</v></c></row></sheetData>'), "damaged-workbook", f"row-number-superscript.xlsx: {area_xml}")
    edit("priority-twice.xlsx", area("Priority descriptor 2", "7.3"), "priority-duplicate", "Area!B8")
    edit("priority-breaks-rule.xlsx", area("Priority descriptor 3", "5.1"), "priority-rule", "Area")
    edit("priority-not-a-descriptor.xlsx", area("Priority descriptor 1", "Communities"), "priority-unknown",
         "Area!B7")
    # Tolerated: read correctly, with at most a warning.
    edit("score-3.0.xlsx", setter(FV, "C4", 3.0), None, None, severity="ok")
    edit("score-text-3.xlsx", setter(FV, "C4", "3"), "score-as-text", f"{FV}!C4", severity="warning")
    edit("score-text-spaces.xlsx", setter(FV, "C4", " 3 "), "score-as-text", f"{FV}!C4", severity="warning")

    def hide(wb):
        wb[FV].row_dimensions[5].hidden = True
        wb[FV].column_dimensions["B"].hidden = True
    edit("hidden-row-and-column.xlsx", hide, "hidden-row", f"{FV}!A5", severity="warning")
    edit("section-sheet-renamed.xlsx", lambda wb: setattr(wb["7 Communities"], "title", "Communities (agreed)"),
         None, None, severity="ok")
    # Longer than Excel's own 32,767-character limit, so written as raw XML: it must still arrive whole.
    from xml.sax.saxutils import escape

    long_text = ("Forty thousand characters of evidence & more <text>. " * 800)[:40_000]
    zip_edit("narrative-40000-characters.xlsx", member_of(DATA), put_cell("D4", escape(long_text).encode()), None,
             None)
    CASES[-1].update(severity="ok", narrative={"descriptor": "9.1", "length": 40_000})
    zip_edit("narrative-control-characters.xlsx", member_of(FV),
             put_cell("D4", b"Children_x0007_ and_x001B_ family feedback"), "narrative-control-characters",
             f"{FV}!D4")
    CASES[-1].update(severity="warning", stage="build")


def guides() -> None:
    def guide_case(name, change, code, location, severity="error"):
        folder = OUT / name
        shutil.copytree(GUIDE, folder)
        change(folder)
        CASES.append({"file": name, "kind": "guide", "code": code, "location": location, "severity": severity})

    def replace_in(file, old, new):
        def change(folder):
            text = (folder / file).read_text(encoding="utf-8")
            assert old in text, (file, old)
            (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
        return change

    guide_case("guide-syntax-error", replace_in("rules.yaml", "count: 3", "count: [3"), "guide-yaml-syntax",
               "guide-syntax-error/rules.yaml")
    guide_case("guide-duplicate-id", replace_in("sections.yaml", 'id: "7.2"', 'id: "7.1"'), "guide-duplicate-id",
               "guide-duplicate-id/sections.yaml: sections[2].descriptors[1].id")
    guide_case("guide-object-tag", replace_in("guide.yaml", "id: ehsg-2022",
                                              "id: !!python/object/apply:os.system [\"touch /tmp/ehsg-pwned\"]"),
               "guide-yaml-tag", "guide-object-tag/guide.yaml")
    guide_case("guide-name-tag", replace_in("data-models.yaml", 'name: "Manual"', "name: !!python/name:os.system"),
               "guide-yaml-tag", "guide-name-tag/data-models.yaml")
    guide_case("guide-alias-bomb", replace_in("vision.yaml", "sections:\n", "bomb:\n" + "".join(
        f"  - &x{i} [{', '.join(['*x' + str(i - 1)] * 10) if i else 'lol'}]\n" for i in range(9)) + "sections:\n"),
        "guide-too-complex", "guide-alias-bomb/vision.yaml")
    guide_case("guide-bad-threshold", replace_in("rules.yaml", 'descriptor: "9.7"',
                                                 'descriptor: "9.8"'),
               "guide-bad-reference", "guide-bad-threshold/rules.yaml: earned_autonomy[0].thresholds[8].descriptor")
    guide_case("guide-unknown-key", replace_in("guide.yaml", "id: ehsg-2022", "id: ehsg-2022\nedition_colour: teal"),
               "guide-unknown-key", "guide-unknown-key/guide.yaml: edition_colour", severity="warning")


def templates() -> None:
    from docx import Document

    for name, text, code in (("template-broken-tag.docx", "{{ area ", "broken"),
                             ("template-python-internals.docx",
                              "{{ area.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
                             ("template-unknown-field.docx", "{{ council_logo }}", "does not provide")):
        doc = Document(TEMPLATE)
        doc.add_paragraph(text)
        doc.save(OUT / name)
        CASES.append({"file": name, "kind": "template", "code": code, "location": None, "severity": "error"})
    shutil.copy(EXAMPLE, OUT / "template-is-a-workbook.docx")
    CASES.append({"file": "template-is-a-workbook.docx", "kind": "template", "code": "not a Word document",
                  "location": None, "severity": "error"})


def main() -> int:
    global OUT
    if len(sys.argv) > 1:
        OUT = Path(sys.argv[1])
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    workbooks()
    hostile_workbooks(OUT, case)
    guides()
    templates()
    corpus_templates.make(OUT, case)
    corpus_exports.make(OUT, case)
    corpus_inputs.make(OUT, case)
    (OUT / "cases.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {len(CASES)} cases to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
