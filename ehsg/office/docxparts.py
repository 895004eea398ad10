"""Parts a Word template may not hold: macros, content from outside the file, pulled-in documents, fetching fields.

Run on the members of a package that passed inspection (no document type or entity declarations), so the
standard library's XML parser is safe here.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

from ..problems import Problems
from ..terminal import quoted
from .package import DOCX

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Word fields a form template may hold; others (INCLUDETEXT, INCLUDEPICTURE, DDE, LINK…) fetch or run things.
_SAFE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "TOC", "REF", "PAGEREF", "SEQ", "STYLEREF",
                          "TITLE", "SUBJECT", "AUTHOR", "NOTEREF", "HYPERLINK", "DATE", "CREATEDATE", "SAVEDATE",
                          "NUMWORDS", "FILENAME", "TC", "XE", "INDEX", "LISTNUM", "SYMBOL", "EQ", "ADVANCE",
                          "DOCPROPERTY", "NUMCHARS", "PRINTDATE", "TIME", "KEYWORDS", "COMMENTS", "LASTSAVEDBY"})


def check_parts(members: dict[str, bytes], label: str, problems: Problems) -> None:
    """Macros, content from outside the file, and Word fields that fetch or run things are refused."""
    types = members.get("[Content_Types].xml", b"")
    macros = [n for n in members if PurePosixPath(n).name.lower() in ("vbaproject.bin", "vbadata.xml")]
    if b"macroEnabled" in types or macros:
        problems.error("template-macros", f"{label}: {macros[0] if macros else '[Content_Types].xml'}",
                       "The template holds macros (a .docm saved as .docx?); ehsg does not use templates with "
                       "macros. Open it in Word and save it as a Word Document (.docx).")
    for name, content in sorted(members.items()):
        if name.endswith(".rels"):
            _check_relationships(name, content, label, problems)
        elif name.startswith("word/") and name.endswith(".xml"):
            _check_fields(name, content, label, problems)


def _parsed(name: str, content: bytes, label: str, problems: Problems):
    try:
        return ET.fromstring(content)  # safe: inspection refused every DOCTYPE and entity declaration
    except ET.ParseError as e:
        problems.error("damaged-document", f"{label}: {name}", f"This part's XML is damaged ({e}). "
                       + DOCX.save_as)
        return None


def _check_relationships(name: str, content: bytes, label: str, problems: Problems) -> None:
    root = _parsed(name, content, label, problems)
    if root is None:
        return
    for rel in root.iter(_REL):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target, where = rel.get("Target", ""), f"{label}: {name} ({_shown(rel.get('Id', ''))})"
        if kind == "aFChunk":
            problems.error("template-alt-chunk", where, "The template pulls in another document (an 'alternative "
                           "format chunk') that Word would convert when opening it; ehsg does not use such "
                           "templates. Paste the content into the template itself.")
        elif rel.get("TargetMode", "").lower() == "external" and not (
                kind == "hyperlink" and target.lower().startswith(_LINK_SCHEMES)):
            problems.error("template-external-link", where, f"The template links a {_shown(kind)} from outside "
                           f"the file ('{_shown(target)}'); Word would fetch it when the submission is opened. "
                           "Insert pictures and other content into the template itself.")


def _check_fields(name: str, content: bytes, label: str, problems: Problems) -> None:
    if b"instrText" not in content and b"fldSimple" not in content:
        return
    root = _parsed(name, content, label, problems)
    if root is None:
        return
    codes, current = [], None
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "fldSimple":
            codes.append(el.get(f"{{{_W}}}instr", ""))
        elif tag == "fldChar":
            kind = el.get(f"{{{_W}}}fldCharType")
            if kind == "begin":
                current = []
            elif current is not None:
                codes.append("".join(current))
                current = None
        elif tag == "instrText" and current is not None:
            current.append(el.text or "")
    for code in codes:
        word = code.strip().split(" ", 1)[0].upper().lstrip("\\")
        if word and word not in _SAFE_FIELDS:
            problems.error("template-unsafe-field", f"{label}: {name}", f"The template holds a Word field "
                           f"'{_shown(code.strip())}' that fetches or runs something when the document is opened; "
                           "ehsg does not use such templates.")


def _shown(text: str) -> str:
    """Text from a file made safe for a terminal (as ehsg.templatebox.shown, without loading Jinja)."""
    return quoted(text, 80)
