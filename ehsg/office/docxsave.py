"""A Word document saved reproducibly: python-docx's members, in a stable order, with fixed dates, compressed once.

Runs in the bounded worker of a template (ehsg.docxworker), on a document python-docx has rendered.
"""

from __future__ import annotations

import io
import time
import zipfile

FIXED_DATE = (2000, 1, 1, 0, 0, 0)  # zip member dates when SOURCE_DATE_EPOCH is not set


class _Collected:
    """Stands in for python-docx's zip writer: keeps each member's bytes, compressing nothing."""

    def __init__(self):
        self.written: list[tuple[str, bytes]] = []

    def write(self, pack_uri, blob: bytes) -> None:
        self.written.append((pack_uri.membername, blob))


def members(document) -> tuple[list[str], dict[str, bytes]]:
    """The members python-docx's save writes (its own steps, in its order), in a stable order, uncompressed:
    the document is compressed once, by reproducible_zip, not zipped by python-docx and then zipped again."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    collected = _Collected()
    PackageWriter._write_content_types_stream(collected, package.parts)
    PackageWriter._write_pkg_rels(collected, package.rels)
    PackageWriter._write_parts(collected, package.parts)
    names = sorted((name for name, _ in collected.written), key=lambda n: (n != "[Content_Types].xml", n))
    return names, dict(collected.written)  # a name written twice keeps its last bytes, as a zip reader does


def reproducible_zip(names: list[str], members: dict[str, bytes], epoch: str | None,
                      deflated: dict[str, bytes] | None = None) -> bytes:
    """The members in the order given, with fixed dates: the same inputs give the same bytes.

    A member that is still byte for byte as the template has it keeps the template's own compressed form
    (`deflated`), checked to unpack to exactly its bytes; every other member is compressed here.
    """
    stamp = FIXED_DATE if epoch is None else max(time.gmtime(int(epoch))[:6], (1980, 1, 1, 0, 0, 0))
    deflated = deflated or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in names:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data, stream = members[name], deflated.get(name)
            if stream is not None and _unpacks_to(stream, data):
                info.file_size = len(data)
                info._compresslevel = 6  # as writestr(…, compresslevel=6) leaves it
                with zout.open(info, "w") as dest:
                    dest._compressor = _Deflated(stream)  # zipfile still counts the size and the checksum
                    dest.write(data)
            else:
                zout.writestr(info, data, compresslevel=6)
    return out.getvalue()


class _Deflated:
    """In place of zipfile's compressor: hands over a stream compressed already."""

    def __init__(self, stream: bytes):
        self.stream = stream

    def compress(self, data: bytes) -> bytes:
        stream, self.stream = self.stream, b""
        return stream

    def flush(self) -> bytes:
        return b""


def deflated_members(package: bytes) -> dict[str, bytes]:
    """Each deflated member of an (inspected) package: its compressed stream, as stored."""
    from .package import packed_bytes

    out = {}
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
                continue
            found = packed_bytes(package, info)
            if found is not None:
                out[info.filename] = found[2]
    return out


def _unpacks_to(stream: bytes, data: bytes) -> bool:
    import zlib

    if len(stream) > len(data) + 1024:  # never larger than the data, give or take a few bytes of framing
        return False
    unpack = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        return unpack.decompress(stream, len(data) + 1) == data and not unpack.unconsumed_tail \
            and unpack.eof and not unpack.unused_data
    except zlib.error:
        return False
