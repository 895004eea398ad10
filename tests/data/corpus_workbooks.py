"""Hostile and damaged workbooks for the corpus: entity declarations in every kind of part, damaged members,
ranges and tables built to exhaust memory, malformed values and files that are not what they claim.

Called from make_corpus.py's main as make(out, case); each file is the bundled example changed in one way.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent.parent / "examples" / "sefton-2022.xlsx"
AREA, FV, DATA = "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet7.xml"
DOCTYPE = b'<!DOCTYPE x [<!ENTITY x "Area">]>'
SST_TYPE = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
           b'spreadsheetml.sharedStrings+xml"/>'
SST_REL = b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" ' \
          b'Target="/xl/sharedStrings.xml" Id="rIdS"/>'
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def rezip(out: Path, changes: dict | None = None, extra: dict | None = None, drop: tuple = ()) -> bytes:
    """The example with members changed (name -> function of the bytes), added and dropped."""
    buf = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename in drop:
                continue
            data = zin.read(item.filename)
            if changes and item.filename in changes:
                data = changes[item.filename](data)
            zout.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    out.write_bytes(buf.getvalue())
    return buf.getvalue()


def declare(data: bytes) -> bytes:
    """A document type with an entity, placed after the XML declaration (or first)."""
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end] + DOCTYPE + data[end:]
    return DOCTYPE + data


def cell(ref: str, xml: bytes):
    """Replace one cell of a sheet with raw XML."""
    def change(data: bytes) -> bytes:
        i = data.index(b'<c r="%s"' % ref.encode())
        j = data.index(b"</c>", i) + 4
        return data[:i] + xml + data[j:]
    return change


def before(marker: bytes, xml: bytes):
    def change(data: bytes) -> bytes:
        i = data.index(marker)
        return data[:i] + xml + data[i:]
    return change


def after(marker: bytes, xml: bytes):
    def change(data: bytes) -> bytes:
        i = data.index(marker) + len(marker)
        return data[:i] + xml + data[i:]
    return change


def replace(old: bytes, new: bytes):
    def change(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)
    return change


def inline(ref: str, text: bytes) -> bytes:
    return b'<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (ref.encode(), text)


def with_shared_strings(changes: dict) -> tuple[dict, dict]:
    """Changes and extra members giving the example a registered shared-string table of two entries."""
    changes = dict(changes)
    changes["[Content_Types].xml"] = before(b"</Types>", SST_TYPE)
    changes["xl/_rels/workbook.xml.rels"] = before(b"</Relationships>", SST_REL)
    sst = b'<sst xmlns="%s" count="2" uniqueCount="2"><si><t>Sefton</t></si><si><t>Other</t></si></sst>' % MAIN
    return changes, {"xl/sharedStrings.xml": sst}


def patch_header(data: bytes, member: str, local: int, central: int, fmt: str, value: int) -> bytes:
    """Change a field of one member's local header and central directory entry."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(member)
        pos = z.start_dir
    struct.pack_into(fmt, data, info.header_offset + local, value)
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if bytes(data[pos + 46:pos + 46 + n]) == member.encode():
            struct.pack_into(fmt, data, pos + central, value)
            break
        pos += 46 + n + m + k
    return bytes(data)


def compound_file(stream_name: str, size: int = 4096) -> bytes:
    """A minimal OLE compound file holding one stream: the container Office uses for a password-protected
    .xlsx ('EncryptedPackage'), or for an old .xls ('Workbook')."""
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    data_sectors = size // sector
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 68, 0)  # no DIFAT sectors
    header[76:76 + 4 * 109] = struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = [fat_sector, end] + [i + 3 for i in range(2, 2 + data_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child: int = free) -> bytes:
        e = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        e[:len(encoded)] = encoded
        struct.pack_into("<HBB", e, 64, len(encoded), kind, 1)
        struct.pack_into("<III", e, 68, free, free, child)
        struct.pack_into("<II", e, 116, start, length)
        return bytes(e)

    directory = entry("Root Entry", 5, end, 0, child=1) + entry(stream_name, 2, 2, size) + bytes(256)
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + bytes(size)


def make(out: Path, case) -> None:
    """Write the hostile workbooks into out, recording each with case(name, code, location, ...)."""
    # Entity declarations in every kind of part, not only in sheets.
    for name, member in (("entity-in-styles.xlsx", "xl/styles.xml"),
                         ("entity-in-content-types.xlsx", "[Content_Types].xml"),
                         ("entity-in-relationships.xlsx", "xl/_rels/workbook.xml.rels"),
                         ("entity-in-package-relationships.xlsx", "_rels/.rels"),
                         ("entity-in-core-properties.xlsx", "docProps/core.xml"),
                         ("entity-in-app-properties.xlsx", "docProps/app.xml"),
                         ("entity-in-theme.xlsx", "xl/theme/theme1.xml")):
        rezip(out / name, {member: declare})
        case(name, "unsafe-xml", f"{name}: {member}")
    rezip(out / "entity-in-workbook.xlsx", {"xl/workbook.xml": lambda d: declare(d).replace(
        b'name="Area"', b'name="&x;"')})
    case("entity-in-workbook.xlsx", "unsafe-xml", "entity-in-workbook.xlsx: xl/workbook.xml")
    sst = b'<?xml version="1.0"?>' + DOCTYPE + b'<sst xmlns="%s"><si><t>&x;</t></si></sst>' % MAIN
    rezip(out / "entity-in-unregistered-shared-strings.xlsx", extra={"xl/sharedStrings.xml": sst})
    case("entity-in-unregistered-shared-strings.xlsx", "unsafe-xml",
         "entity-in-unregistered-shared-strings.xlsx: xl/sharedStrings.xml")
    rezip(out / "entity-in-oddly-named-part.xlsx", extra={"xl/printerSettings/settings.bin":
                                                          b'<?xml version="1.0"?>' + DOCTYPE + b"<x>&x;</x>"})
    case("entity-in-oddly-named-part.xlsx", "unsafe-xml",
         "entity-in-oddly-named-part.xlsx: xl/printerSettings/settings.bin")
    rezip(out / "utf16-sheet.xlsx", {AREA: lambda d: d.decode("utf-8").replace(
        '<?xml version="1.0" encoding="UTF-8"?>', "").encode("utf-16")})
    case("utf16-sheet.xlsx", "unsafe-xml", f"utf16-sheet.xlsx: {AREA}")

    # Ranges and tables built to exhaust memory or time: refused before anything expands them.
    rezip(out / "merge-whole-sheet.xlsx", {DATA: before(b"<pageMargins",
                                                        b'<mergeCells count="1"><mergeCell ref="D1:XFD1048576"/>'
                                                        b"</mergeCells>")})
    case("merge-whole-sheet.xlsx", "range-too-large", "9 Data!D1:XFD1048576")
    rezip(out / "hyperlink-whole-sheet.xlsx", {DATA: before(b"<pageMargins",
                                                            b'<hyperlinks><hyperlink ref="A1:XFD1048576" '
                                                            b'display="x"/></hyperlinks>')})
    case("hyperlink-whole-sheet.xlsx", "range-too-large", "9 Data!A1:XFD1048576")
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 30_001))
    odd_sheet = b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (MAIN, rows)
    rezip(out / "long-sheet-odd-path.xlsx",
          {"xl/_rels/workbook.xml.rels": replace(b'Target="/xl/worksheets/sheet9.xml"',
                                                 b'Target="/xl/elsewhere/data.bin"')},
          extra={"xl/elsewhere/data.bin": odd_sheet}, drop=("xl/worksheets/sheet9.xml",))
    case("long-sheet-odd-path.xlsx", "workbook-too-large", "long-sheet-odd-path.xlsx: xl/elsewhere/data.bin")
    one_row = b'<row r="20">' + b"<c><v>1</v></c>" * 250_000 + b"</row>"
    rezip(out / "quarter-million-cells-in-a-row.xlsx", {DATA: replace(b"</sheetData>", one_row + b"</sheetData>")})
    case("quarter-million-cells-in-a-row.xlsx", "workbook-too-large",
         f"quarter-million-cells-in-a-row.xlsx: {DATA}")
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    rezip(out / "cell-at-XFD1048576.xlsx", {DATA: replace(b"</sheetData>", far + b"</sheetData>")})
    case("cell-at-XFD1048576.xlsx", "workbook-too-large", f"cell-at-XFD1048576.xlsx: {DATA}")
    wide = b'<row r="30"><c r="XFD30"><v>1</v></c></row>'
    rezip(out / "cell-at-XFD30.xlsx", {DATA: replace(b"</sheetData>", wide + b"</sheetData>")})
    case("cell-at-XFD30.xlsx", "workbook-too-large", f"cell-at-XFD30.xlsx: {DATA}")
    rezip(out / "dimension-lies.xlsx", {DATA: lambda d: d.replace(d[d.index(b"<dimension"):d.index(b"/>", d.index(
        b"<dimension")) + 2], b'<dimension ref="A1:XFD1048576"/>')})
    case("dimension-lies.xlsx", None, None, severity="ok")
    many = b"<si><t>x</t></si>" * 600_000
    changes, extra = with_shared_strings({})
    extra["xl/sharedStrings.xml"] = b'<sst xmlns="%s">%s</sst>' % (MAIN, many)
    rezip(out / "shared-strings-600000.xlsx", changes, extra)
    case("shared-strings-600000.xlsx", "workbook-too-large", "shared-strings-600000.xlsx: xl/sharedStrings.xml")
    sheets = b"".join(b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="S%d" '
                     b'sheetId="%d" r:id="rId9"/>' % (i, i + 20) for i in range(5000))
    rezip(out / "5000-sheets.xlsx", {"xl/workbook.xml": replace(b"</sheets>", sheets + b"</sheets>")})
    case("5000-sheets.xlsx", "workbook-too-large", "5000-sheets.xlsx")
    loop = (b'<definedName name="loop_a">loop_b</definedName><definedName name="loop_b">loop_a</definedName>'
            b'<definedName name="loop_c">loop_c</definedName>')
    rezip(out / "defined-name-loop.xlsx", {"xl/workbook.xml": after(b"<definedNames>", loop)})
    case("defined-name-loop.xlsx", None, None, severity="ok")
    deep = b'<c r="B2" t="inlineStr"><is>' + b"<r>" * 100_000 + b"<t>x</t>" + b"</r>" * 100_000 + b"</is></c>"
    rezip(out / "deep-nesting.xlsx", {AREA: cell("B2", deep)})
    case("deep-nesting.xlsx", "damaged-workbook", f"deep-nesting.xlsx: {AREA}")
    # Nesting just within the parser's bound (256 deep, counted from <worksheet>) is read; one more is refused.
    for depth, name in ((256, "nesting-256.xlsx"), (257, "nesting-257.xlsx")):
        n = depth - 6  # worksheet, sheetData, row, c, is ... t
        rezip(out / name, {AREA: cell("B2", b'<c r="B2" t="inlineStr"><is>' + b"<r>" * n + b"<t>Sefton</t>" +
                                   b"</r>" * n + b"</is></c>")})
        if depth == 256:
            case(name, None, None, severity="ok")
        else:
            case(name, "damaged-workbook", f"{name}: {AREA}")
    # A bound crossed by the very last element of a sheet, and a formula given as CDATA.
    rezip(out / "merge-range-last.xlsx", {FV: replace(b"</worksheet>", b'<mergeCells count="1"><mergeCell '
                                                     b'ref="A1:Z9999"/></mergeCells></worksheet>')})
    case("merge-range-last.xlsx", "range-too-large", "5 Family voice and experience!A1:Z9999")
    rezip(out / "formula-in-cdata.xlsx", {FV: cell("C4", b'<c r="C4" s="11"><f><![CDATA[1+2]]></f><v>3</v></c>')})
    case("formula-in-cdata.xlsx", "formula", "5 Family voice and experience!C4", severity="warning")
    rezip(out / "cell-named-A0.xlsx", {AREA: replace(b'<c r="B2"', b'<c r="B0"')})
    case("cell-named-A0.xlsx", "damaged-workbook", f"cell-named-A0.xlsx: {AREA}")
    rezip(out / "two-sheets-one-part.xlsx", {"xl/_rels/workbook.xml.rels": replace(
        b'Target="/xl/worksheets/sheet8.xml"', b'Target="/xl/worksheets/sheet7.xml"')},
        drop=("xl/worksheets/sheet8.xml",))
    case("two-sheets-one-part.xlsx", "damaged-workbook", f"two-sheets-one-part.xlsx: {DATA}")
    rezip(out / "sheet-part-missing.xlsx", drop=("xl/worksheets/sheet5.xml",))
    case("sheet-part-missing.xlsx", "damaged-workbook", "sheet-part-missing.xlsx: xl/worksheets/sheet5.xml")

    # Damaged members: each named, never an internal error.
    src = EXAMPLE.read_bytes()
    with zipfile.ZipFile(EXAMPLE) as z:
        info = z.getinfo(FV)
    for name, local, central, fmt, value in (("encrypted-member.xlsx", 6, 8, "<H", 1),
                                             ("deflate64-member.xlsx", 8, 10, "<H", 9),
                                             ("member-size-lie.xlsx", 22, 24, "<I", info.file_size - 7),
                                             ("member-bad-crc.xlsx", 14, 16, "<I", info.CRC ^ 0xFFFF)):
        (out / name).write_bytes(patch_header(src, FV, local, central, fmt, value))
        case(name, "damaged-workbook", f"{name}: {FV}")
    # The part's name in its own header differs from the file's list of parts: which is it?
    renamed = bytearray(src)
    renamed[info.header_offset + 30 + FV.index("sheet")] = ord("S")
    (out / "member-names-differ.xlsx").write_bytes(bytes(renamed))
    case("member-names-differ.xlsx", "damaged-workbook", f"member-names-differ.xlsx: {FV}")

    # Malformed values: never read as something else.
    changes, extra = with_shared_strings({AREA: cell("B2", b'<c r="B2" t="s"><v>-1</v></c>')})
    rezip(out / "shared-string-minus-1.xlsx", changes, extra)
    case("shared-string-minus-1.xlsx", "damaged-workbook", f"shared-string-minus-1.xlsx: {AREA} (Area!B2)")
    changes, extra = with_shared_strings({AREA: cell("B2", b'<c r="B2" t="s"><v>2</v></c>')})
    rezip(out / "shared-string-past-the-end.xlsx", changes, extra)
    case("shared-string-past-the-end.xlsx", "damaged-workbook", f"shared-string-past-the-end.xlsx: {AREA} (Area!B2)")
    changes, extra = with_shared_strings({AREA: cell("B2", b'<c r="B2" t="s"><v>0</v></c>')})
    rezip(out / "shared-string-area.xlsx", changes, extra)
    case("shared-string-area.xlsx", None, None, severity="ok")
    rezip(out / "year-2023.5.xlsx", {AREA: cell("B3", b'<c r="B3" t="n"><v>2023.5</v></c>')})
    case("year-2023.5.xlsx", "year-invalid", "Area!B3")
    rezip(out / "area-control-character.xlsx", {AREA: cell("B2", inline("B2", b"Sef_x0007_ton"))})
    case("area-control-character.xlsx", None, None, severity="ok")
    rezip(out / "narrative-literal-escape.xlsx",
          {FV: cell("D4", inline("D4", b"Typed as _x005F_x0007_ by LibreOffice"))})
    case("narrative-literal-escape.xlsx", None, None, severity="ok")

    # Files that are not what they claim, named for what they are.
    (out / "password-protected.xlsx").write_bytes(compound_file("EncryptedPackage"))
    case("password-protected.xlsx", "password-protected", "password-protected.xlsx")
    rezip(out / "strict-ooxml.xlsx", {"xl/workbook.xml": replace(
        MAIN, b"http://purl.oclc.org/ooxml/spreadsheetml/main")})
    case("strict-ooxml.xlsx", "strict-ooxml", "strict-ooxml.xlsx")
    (out / "~$sefton.xlsx").write_bytes(b"\x0bTest author" + bytes(150))
    case("~$sefton.xlsx", "excel-lock-file", "~$sefton.xlsx")
