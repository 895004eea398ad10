"""A Word submission as blocks: body paragraphs and table cells' paragraphs in document order.

The package is inspected here (size, packing, entities); python-docx then reads it in a worker process
with a deadline and a memory bound, as PDFs are read: a Word file within every size limit can still
unpack to a body of a hundred megabytes that takes minutes and gigabytes to walk.
"""

from __future__ import annotations

from pathlib import Path

from ..office.package import DOCX, inspect_package
from ..problems import Problem, Problems
from .blocks import Block
from .bounded_read import read_in_worker

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A 50-page submission reads in about a second, in well under 200 MB.
READ_SECONDS = 60
READ_MEMORY = 1024 * 1024 * 1024


def docx_blocks(path: Path, problems: Problems) -> list[Block] | None:
    """The document's paragraphs in order, or None (with problems) when it cannot be read safely."""
    with path.open("rb") as f:
        ole = f.read(8) == _OLE_MAGIC
    before = len(problems.items)
    package = inspect_package(path, problems, DOCX)
    if package is None:
        if ole:  # an old .doc has its own code; a password-protected .docx keeps the inspection's
            problems.items[before:] = [Problem("old-word-document", p.severity, p.location, p.message)
                                       if p.code == DOCX.not_code else p for p in problems.items[before:]]
        return None
    return read_in_worker(_work, package.data, path.name, READ_SECONDS, READ_MEMORY, problems, _stopped,
                          "docx-too-large")


def _stopped(kind: str) -> str:
    why = f"took longer than {READ_SECONDS} seconds" if kind == "time" else "used more memory than allowed"
    return (f"Reading the Word document {why} and was stopped: its text unpacks to far more than a submission "
            "holds. Check that this is the submission, or save it again from Word and import that file.")


def _work(data: bytes, label: str):
    import io

    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as e:  # python-docx meets a part it cannot make sense of: the file is damaged
        if _out_of_memory(e):
            raise MemoryError from None
        return "problems", [Problem(DOCX.damaged_code, "error", label,
                                    f"The Word document is damaged and cannot be read ({type(e).__name__}).")]
    return "found", _margins(doc) + list(_body(doc))


def _out_of_memory(e: Exception) -> bool:
    """Whether a failure came from the memory bound: libxml2 reports an allocation refused there as a syntax
    error of one wording or another, not as a MemoryError, so the worker's peak size is what tells."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmPeak:"))
    except (ImportError, OSError, ValueError, StopIteration):  # not Linux: only the wording can tell
        return "memory" in str(e).casefold()
    return soft != resource.RLIM_INFINITY and peak >= soft * 0.9


def _margins(doc) -> list[Block]:
    """The first section's page header and footer paragraphs (where a title or year often sits)."""
    out = []
    try:
        section = doc.sections[0]
    except IndexError:
        return out
    for where, part in (("page header", section.header), ("page footer", section.footer)):
        if part.is_linked_to_previous:
            continue
        out.extend(Block(p.text, where) for p in part.paragraphs if p.text.strip())
    return out


def _body(doc):
    from docx.text.paragraph import Paragraph

    counter = {"p": 0, "t": 0}
    # style names by id, read once (python-docx looks a paragraph's style up afresh on every call)
    names = {st.style_id: st.name or "" for st in doc.styles}

    def walk(parent_el, cell: str, where_cell: str):
        for el in parent_el.iterchildren():
            tag = el.tag
            if tag == _W + "p":
                p = Paragraph(el, doc)
                if cell:
                    yield Block(p.text, where_cell, cell=cell)
                else:
                    counter["p"] += 1
                    ppr = el.pPr
                    style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else ""
                    style = names.get(style_id, "")
                    # A paragraph style made for answers (ehsg's own "Form answer") holds typed text exactly,
                    # blank paragraphs included, as a table cell does.
                    answer = "answer" in style.casefold()
                    yield Block(p.text, f"paragraph {counter['p']}", cell=f"style {style}" if answer else "",
                                heading=style.startswith(("Heading", "Title")))
            elif tag == _W + "tbl":
                counter["t"] += 1
                t = counter["t"]
                for r, tr in enumerate(el.iterchildren(_W + "tr"), start=1):
                    for c, tc in enumerate(tr.iterchildren(_W + "tc"), start=1):
                        name = f"table {t} row {r}"
                        yield from walk(tc, f"{name} cell {c}", name)
            elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"):
                # content controls and tracked insertions hold ordinary paragraphs and tables
                yield from walk(el, cell, where_cell)

    yield from walk(doc.element.body, "", "")
