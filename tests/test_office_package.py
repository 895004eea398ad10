"""The hardened inspection every Office file passes before a parser sees it."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from ehsg.errors import InputFileError
from ehsg.office.package import DOCX, XLSX, inspect_package
from ehsg.problems import Problems
from ehsg.submission import default_template

from conftest import EXAMPLE


def rezip(src, out, change=None, extra=None):
    """A copy of src with member contents changed by change(name, data) -> data, plus extra members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, change(item.filename, data) if change else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    out.write_bytes(buf.getvalue())
    return out


def inspect(path, kind=XLSX):
    problems = Problems()
    pkg = inspect_package(path, problems, kind)
    return pkg, [(p.code, p.location) for p in problems]


def test_the_example_and_the_template_pass_and_keep_their_bytes():
    pkg, found = inspect(EXAMPLE)
    assert found == [] and pkg.data == EXAMPLE.read_bytes()
    assert b"<workbook" in pkg.member("xl/workbook.xml")
    pkg, found = inspect(default_template(), DOCX)
    assert found == [] and pkg.member("word/document.xml")


@pytest.mark.parametrize("member", ["xl/styles.xml", "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                    "docProps/core.xml", "xl/theme/theme1.xml"])
def test_a_document_type_in_any_xml_member_is_unsafe_and_named(tmp_path, member):
    def change(name, data):
        if name != member:
            return data
        decl = b"?>" in data[:100]
        head, rest = data.split(b"?>", 1) if decl else (b"", data)
        return head + (b"?>" if decl else b"") + b'<!DOCTYPE x [<!ENTITY x "Area">]>' + rest
    bad = rezip(EXAMPLE, tmp_path / "bad.xlsx", change)
    pkg, found = inspect(bad)
    assert pkg is None and found == [("unsafe-xml", f"bad.xlsx: {member}")]


def test_an_unregistered_member_and_a_utf16_member_are_checked_too(tmp_path):
    evil = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><sst/>'.encode("utf-16")
    bad = rezip(EXAMPLE, tmp_path / "bad.xlsx", extra={"xl/extra/strings.bin": evil,
                                                       "xl/sharedStrings2.xml": b"<!DOCTYPE a><a/>"})
    pkg, found = inspect(bad)
    assert sorted(found) == [("unsafe-xml", "bad.xlsx: xl/extra/strings.bin"),
                             ("unsafe-xml", "bad.xlsx: xl/sharedStrings2.xml")]


def _raw_members(path):
    """(local header offset, info) of each member, to corrupt the bytes directly."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: i for i in z.infolist()}


def test_damaged_members_are_named(tmp_path):
    data = bytearray(EXAMPLE.read_bytes())
    info = _raw_members(EXAMPLE)["xl/workbook.xml"]
    # flip a byte of the compressed data: a bad CRC or a broken stream
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0xFF
    bad = tmp_path / "crc.xlsx"
    bad.write_bytes(bytes(data))
    pkg, found = inspect(bad)
    assert pkg is None and found == [("damaged-workbook", "crc.xlsx: xl/workbook.xml")]


def _central_entry(src: bytes, name: bytes) -> int:
    """The offset of a member's central directory entry."""
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        pos = z.start_dir
    while src[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", src, pos + 28)
        if src[pos + 46:pos + 46 + n] == name:
            return pos
        pos += 46 + n + m + k
    raise AssertionError(name)


def test_encrypted_flag_unknown_method_and_size_lie_are_damage(tmp_path):
    src = EXAMPLE.read_bytes()
    info = _raw_members(EXAMPLE)["xl/styles.xml"]
    central = _central_entry(src, b"xl/styles.xml")
    # (offset in the local header, offset in the central entry, format, value)
    for name, local, cent, fmt, value in (("flag", 6, 8, "<H", 1), ("method", 8, 10, "<H", 9),
                                          ("size", 22, 24, "<I", info.file_size - 7)):
        data = bytearray(src)
        struct.pack_into(fmt, data, info.header_offset + local, value)
        struct.pack_into(fmt, data, central + cent, value)
        bad = tmp_path / f"{name}.xlsx"
        bad.write_bytes(bytes(data))
        pkg, found = inspect(bad)
        assert pkg is None and found == [("damaged-workbook", f"{name}.xlsx: xl/styles.xml")], name


def test_the_wrong_kind_of_file_is_named(tmp_path):
    pkg, found = inspect(default_template())
    assert found == [("not-a-workbook", "submission.docx")]
    pkg, found = inspect(EXAMPLE, DOCX)
    assert found == [("not-a-word-document", "sefton-2022.xlsx")]
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    assert inspect(empty, DOCX)[1] == [("not-a-word-document", "empty.docx")]


def test_pipes_folders_and_missing_files_are_refused_before_opening(tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    # the same refusals, with the same codes, as every input named on the command line gets
    with pytest.raises(InputFileError, match=r"not an ordinary file.*\[input-not-a-file\]"):
        inspect(fifo)
    with pytest.raises(InputFileError, match=r"a folder; an Excel workbook was expected here\. \[input-is-folder\]"):
        inspect(tmp_path)
    with pytest.raises(InputFileError, match=r"missing\.xlsx: no such Excel workbook\. \[input-missing\]"):
        inspect(tmp_path / "missing.xlsx")


def test_a_zip_bomb_member_is_refused_before_it_is_inflated(tmp_path):
    bomb = rezip(EXAMPLE, tmp_path / "bomb.xlsx", extra={"xl/media/big.bin": b"\0" * (20 * 1024 * 1024)})
    pkg, found = inspect(bomb)
    assert found == [("workbook-too-large", "bomb.xlsx: xl/media/big.bin")]


@pytest.mark.parametrize("kind,src,member", [(XLSX, EXAMPLE, "xl/worksheets/sheet2.xml"),
                                             (DOCX, default_template(), "word/document.xml")])
def test_two_parts_with_one_name_are_refused(tmp_path, kind, src, member):
    # Which copy a program reads differs (Python's zipfile and calamine take the last one), so a file could show
    # one text in Excel or Word and give ehsg another: refused, whether the names match exactly or only by case.
    for n, (extra, shown) in enumerate(((member, member), (member.upper(), member.upper()))):
        with zipfile.ZipFile(src) as z:
            original = z.read(member)
        with pytest.warns(UserWarning, match="Duplicate name") if extra == member else _nothing():
            bad = rezip(src, tmp_path / f"dup{n}{kind.ending}", extra={extra: original})
        pkg, found = inspect(bad, kind)
        assert pkg is None and found == [(kind.damaged_code, f"{bad.name}: {shown}")]


@pytest.mark.parametrize("name", ["../evil.xml", "/xl/evil.xml", "xl\\evil.xml", "xl/../../evil.xml"])
def test_a_part_name_that_leads_out_of_the_file_is_refused(tmp_path, name):
    bad = rezip(EXAMPLE, tmp_path / "names.xlsx", extra={name: b"<x/>"})
    pkg, found = inspect(bad)
    assert pkg is None and found == [("damaged-workbook", f"names.xlsx: {name}")]


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def test_members_read_straight_from_the_bytes_are_zipfiles_own_and_anything_odd_goes_back_to_zipfile(tmp_path):
    """Members are inflated straight from the file's bytes only when that gives exactly what zipfile gives;
    a changed name in the local header, a bad CRC, a cut stream or a stored member of the wrong size are left
    to zipfile, which names the damage as before."""
    from ehsg.office.package import _unpacked

    src = EXAMPLE.read_bytes()
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        infos = z.infolist()
        assert all(_unpacked(src, i) == z.read(i) for i in infos)
    info = next(i for i in infos if i.filename == "xl/workbook.xml")
    name_at = info.header_offset + 30
    start = name_at + len(info.filename.encode()) + len(info.extra)
    renamed = bytearray(src)
    renamed[name_at] = ord("Y")
    flipped = bytearray(src)
    flipped[start + 5] ^= 0xFF
    cut = bytearray(src)
    cut[start + 3: start + info.compress_size] = b"\0" * (info.compress_size - 3)
    for damaged in (renamed, flipped, cut):
        assert _unpacked(bytes(damaged), info) is None
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
    stored = stored.getvalue()
    with zipfile.ZipFile(io.BytesIO(stored)) as z:
        one = z.infolist()[0]
    assert _unpacked(stored, one) == b"<workbook/>"
    one.file_size = 5
    assert _unpacked(stored, one) is None
    bad = tmp_path / "renamed.xlsx"
    bad.write_bytes(bytes(renamed))
    pkg, found = inspect(bad)
    assert pkg is None and found == [("damaged-workbook", "renamed.xlsx: xl/workbook.xml")]


def test_a_file_that_grows_while_it_is_read_is_read_whole_and_still_bounded(tmp_path, monkeypatch):
    """The read asks for the size the file had when opened; more bytes than that are read on, to the bound."""
    from ehsg.office import package

    path = tmp_path / "growing.xlsx"
    path.write_bytes(b"x" * 5000)
    real = os.fstat
    monkeypatch.setattr(package.os, "fstat", lambda fd: os.stat_result((*real(fd)[:6], 100, *real(fd)[7:])))
    assert package.read_bounded(path) == b"x" * 5000
    assert package.read_bounded(path, 4999) is None
    assert package.read_bounded(path, 5000) == b"x" * 5000
