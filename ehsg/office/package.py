"""Inspecting an untrusted Office file (a workbook or a Word document) before any parser sees it.

The file is read into memory once, bounded; every member of the zip is checked (compression method,
encryption flag, declared size against real size, CRC) and every XML member is checked for document
type and entity declarations, which Office never writes and which are the root of XML attacks. Parsers
(calamine, openpyxl, python-docx, docxtpl) are then handed the same bytes, never the file again, so
what they parse is exactly what was inspected.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError
from ..inputfile import require_regular_file
from ..problems import Problems

# A filled self-assessment is well under a megabyte; a branded Word template a few megabytes.
# These bounds leave wide room while refusing bombs before anything is inflated.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2_000
_RATIO_FLOOR = 1024 * 1024  # small members may pack very well (runs of spaces); only large ones are judged

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY|doctype|entity)")
_XML_ENDINGS = (".xml", ".rels", ".vml")


@dataclass(frozen=True)
class Kind:
    """What a file must be, and the words and codes used when it is not."""

    main_part: str        # the member every file of this kind has
    noun: str             # "workbook", "Word document"
    ending: str           # ".xlsx", ".docx"
    not_code: str
    damaged_code: str
    large_code: str
    save_as: str          # how to make a good one


XLSX = Kind("xl/workbook.xml", "Excel workbook", ".xlsx", "not-a-workbook", "damaged-workbook",
            "workbook-too-large", "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).")
DOCX = Kind("word/document.xml", "Word document", ".docx", "not-a-word-document", "damaged-document",
            "document-too-large", "Open it in Word or LibreOffice and save it as a Word Document (.docx).")

_OTHER_KINDS = (("xl/workbook.xml", "an Excel workbook"), ("word/document.xml", "a Word document"),
                ("ppt/presentation.xml", "a PowerPoint file"))


@dataclass(frozen=True)
class Package:
    """An Office file that passed inspection: its bytes, read once, and its members' checked contents."""

    path: Path
    data: bytes
    members: dict[str, bytes] = field(repr=False)

    def open(self) -> io.BytesIO:
        """The file's bytes as a file object, for a parser: the same bytes that were inspected."""
        return io.BytesIO(self.data)

    def member(self, name: str) -> bytes | None:
        return self.members.get(name)


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The whole file, or None when it is larger than `limit` (read no further than limit + 1 bytes)."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size   # asked for what the file holds, not the bound (a large buffer)
            data = f.read(min(size, limit) + 1)
            if len(data) > size:  # the file grew while it was read: on to the bound
                data += f.read(limit + 1 - len(data))
    except OSError as e:
        raise InputFileError(f"{path}: cannot be read ({e.strerror or e}).") from None
    return None if len(data) > limit else data


def inspect_package(path: str | os.PathLike, problems: Problems, kind: Kind = XLSX,
                    label: str | None = None) -> Package | None:
    """The package when it is a safe, undamaged file of the kind asked for; else None, with located problems.

    Raises InputFileError only when the path itself is unusable (missing, a folder, a pipe, unreadable).
    """
    path = require_regular_file(path, kind.noun)
    label = label or path.name
    data = read_bounded(path)
    if data is None:
        problems.error(kind.large_code, label, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                       f"a self-assessment {kind.noun} is far smaller. It was not opened.")
        return None
    if not data:
        problems.error(kind.not_code, label, "The file is empty.")
        return None
    if data.startswith(_OLE_MAGIC):
        code = "password-protected" if _is_encrypted_ooxml(data) else kind.not_code
        problems.error(code, label, _ole_message(data, kind))
        return None
    if not data.startswith(b"PK"):
        hint = " It looks like text (perhaps a CSV or text file renamed)." if _looks_like_text(data) else ""
        problems.error(kind.not_code, label, f"This is not {_a(kind)} {kind.noun} ({kind.ending}).{hint}")
        return None
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        problems.error(kind.damaged_code, label, f"The file is damaged or incomplete and cannot be opened ({e}).")
        return None
    names = {i.filename for i in infos}
    if kind.main_part not in names:
        problems.error(kind.not_code, label, _wrong_kind_message(names, kind))
        return None
    if len(infos) > MAX_MEMBERS:
        problems.error(kind.large_code, label, f"The file has {len(infos):,} parts; a self-assessment {kind.noun} "
                       "has a few dozen. It was not opened.")
        return None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        problems.error(kind.large_code, label, f"The file would unpack to {unpacked / 1024 / 1024:,.0f} MB; a "
                       f"self-assessment {kind.noun} is far smaller. It was not opened, to protect this computer.")
        return None
    before = len(problems)
    _check_names(infos, label, kind, problems)
    members: dict[str, bytes] = {}
    for info in infos:
        content = _unpacked(data, info)
        if content is None:  # anything unusual: zipfile reads it, and names what is wrong
            content = _read_member(z, info, f"{label}: {info.filename}", kind, problems)
            if content is None:
                continue
        if _is_xml(info.filename, content):
            _check_xml(content, f"{label}: {info.filename}", problems)
        members[info.filename] = content
    if len(problems) > before:
        return None
    return Package(path, data, members)


def _check_names(infos: list[zipfile.ZipInfo], label: str, kind: Kind, problems: Problems) -> None:
    """Office writes each part once, under a plain name. Two parts with one name (part names ignore case) let
    one program read a part another never shows, so such a file is refused, as is a name no part can have."""
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        folded = name.casefold()
        if folded in seen:
            problems.error(kind.damaged_code, f"{label}: {_shown(name)}", "The file holds two parts with this name; "
                           "Office never writes that, and programs disagree on which one they read. The file was "
                           f"altered or is damaged. {kind.save_as}")
        seen.add(folded)
        if name.startswith("/") or "\\" in name or ".." in name.split("/") or "\x00" in name:
            problems.error(kind.damaged_code, f"{label}: {_shown(name)}", "This part's name is not one a part of an "
                           "Office file can have (it leads out of the file's own folders); the file was altered. "
                           f"{kind.save_as}")


def _shown(name: str) -> str:
    from ..terminal import quoted

    return quoted(name, 120)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own layout of a member's local header (30 bytes)
_SIMPLE_FLAGS = 0x1 | 0x20 | 0x40                 # encrypted, patched, strongly encrypted: zipfile's to judge


def _unpacked(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes, inflated straight from the file's bytes, when it is exactly what zipfile would return
    without complaint: the local header in place under the same name, a supported method and flags, the whole
    stream inflated to the declared size (bounded) with the declared CRC. None otherwise, and then zipfile's own
    reading (_read_member) decides and words the problem, so every member is judged as before, only faster."""
    if info.flag_bits & _SIMPLE_FLAGS or info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > _RATIO_FLOOR and info.file_size / max(1, info.compress_size) > MAX_RATIO):
        return None
    found = packed_bytes(data, info)
    if found is None:
        return None
    flags, stored_name, packed = found
    try:
        name = stored_name.decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        content = packed
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            content = inflater.decompress(packed, info.file_size + 1)
        except zlib.error:
            return None
        if not inflater.eof:
            return None
    else:
        return None
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        return None
    return content


def packed_bytes(data: bytes, info: zipfile.ZipInfo) -> tuple[int, bytes, bytes] | None:
    """What a member's local header in the file's bytes gives: (its flags, its name as stored, its packed bytes,
    as long as the central directory says), or None when no local header is at the member's offset."""
    at = info.header_offset
    try:
        header = _LOCAL_HEADER.unpack_from(data, at)
    except struct.error:
        return None
    magic, flags, name_len, extra_len = header[0], header[3], header[10], header[11]
    if magic != b"PK\x03\x04":
        return None
    start = at + _LOCAL_HEADER.size
    name = data[start:start + name_len]
    start += name_len + extra_len
    return flags, name, data[start:start + info.compress_size]


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, kind: Kind,
                 problems: Problems) -> bytes | None:
    """A member's bytes, read with its declared size as a hard bound; damage and bombs become problems."""
    if info.flag_bits & 0x1:
        problems.error(kind.damaged_code, where, "This part of the file is encrypted, which Office does not do to "
                       f"a part; the file is damaged or was altered. {kind.save_as}")
        return None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        problems.error(kind.damaged_code, where, f"This part is packed with a method Office does not use "
                       f"(method {info.compress_type}); the file was not made by Office. {kind.save_as}")
        return None
    if info.file_size > MAX_MEMBER_BYTES:
        problems.error(kind.large_code, where, f"This part would unpack to {info.file_size / 1024 / 1024:,.0f} MB; "
                       "it was not opened, to protect this computer.")
        return None
    if info.file_size > _RATIO_FLOOR and info.file_size / max(1, info.compress_size) > MAX_RATIO:
        problems.error(kind.large_code, where, f"This part packs {info.file_size / max(1, info.compress_size):,.0f} "
                       "to 1, the mark of a zip bomb; it was not opened, to protect this computer.")
        return None
    try:
        with z.open(info) as f:
            content = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as e:
        problems.error(kind.damaged_code, where, f"This part of the file is damaged and cannot be read ({e}). "
                       f"{kind.save_as}")
        return None
    if len(content) != info.file_size:
        problems.error(kind.damaged_code, where, f"This part's size does not match what the file says "
                       f"({len(content):,} bytes, not {info.file_size:,}); the file is damaged. {kind.save_as}")
        return None
    return content


def _is_xml(name: str, content: bytes) -> bool:
    if name.lower().endswith(_XML_ENDINGS) or name == "[Content_Types].xml":
        return True
    head = content[:4]
    return head.startswith((b"<", b"\xef\xbb\xbf<", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00"))


def _check_xml(content: bytes, where: str, problems: Problems) -> None:
    """Office writes its XML in UTF-8 with no document type; anything else is refused before a parser sees it."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")) or _declared_encoding_not_utf8(content):
        problems.error("unsafe-xml", where, "This part's XML is not in UTF-8, which Office always uses; an encoding "
                       "can hide a document type declaration, so ehsg does not read it.")
        return
    # Every marker holds a '!', which Office's XML almost never does: one fast byte search, then one pattern.
    if b"!" in content and _DECLARATION.search(content):
        problems.error("unsafe-xml", where, "This part's XML declares a document type or entities, which Office "
                       "never writes and which can be used to attack a computer; ehsg does not read it.")


def _declared_encoding_not_utf8(content: bytes) -> bool:
    head = content[:200].lstrip(b"\xef\xbb\xbf")
    if not head.startswith(b"<?xml"):
        return False
    decl = head.split(b"?>", 1)[0].lower()
    if b"encoding" not in decl:
        return False
    value = decl.split(b"encoding", 1)[1].lstrip(b" =\t\r\n")[1:].split(b'"')[0].split(b"'")[0]
    return value.replace(b"-", b"").replace(b"_", b"") not in (b"utf8",)


def _ole_message(data: bytes, kind: Kind) -> str:
    if _is_encrypted_ooxml(data):
        return (f"The {kind.noun} is protected with a password, so it cannot be read. Open it, remove the password "
                "(File › Info › Protect › Encrypt with Password, then clear it) and save it again.")
    if kind is XLSX:
        return ("This is an old-style Excel (.xls) or other Office 97 file. " + kind.save_as)
    return "This is an old-style Word (.doc) or other Office 97 file. " + kind.save_as


def _is_encrypted_ooxml(data: bytes) -> bool:
    """Office stores a password-protected .xlsx/.docx inside an OLE container with an 'EncryptedPackage' stream."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo")
    except Exception:  # a damaged container is simply not a protected Office file
        return False


def _wrong_kind_message(names: set[str], kind: Kind) -> str:
    for part, what in _OTHER_KINDS:
        if part in names and part != kind.main_part:
            return f"This is {what}, not {_a(kind)} {kind.noun}."
    if "content.xml" in names:
        return (f"This is an OpenDocument file. In LibreOffice, save it as "
                f"{'Excel 2007-365 (.xlsx)' if kind is XLSX else 'Word 2007-365 (.docx)'}.")
    return f"This zip file is not {_a(kind)} {kind.noun}."


def _a(kind: Kind) -> str:
    return "an" if kind.noun[0] in "AEIOU" else "a"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:512]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample
