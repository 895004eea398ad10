"""What a Word document can hold: the one definition, shared by the reader (which warns) and the writers."""

from __future__ import annotations

import re

# XML 1.0 cannot hold these; Word refuses a document that contains them (and docxtpl would turn \a into a new
# paragraph and \f into a page break: templatebox removes them from what a template prints).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> tuple[str, list[str]]:
    """Text Word can hold: line endings normalised, characters XML forbids removed and named."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = [f"U+{ord(c):04X}" for c in XML_ILLEGAL.findall(text)]
    return (XML_ILLEGAL.sub("", text) if removed else text), removed
