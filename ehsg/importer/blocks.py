"""A document as the importer sees it: its paragraphs in order, each with where it was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """One paragraph of a document (or one table cell's paragraph), exactly as written.

    where:   where a person finds it, e.g. "paragraph 340", "table 9 row 2", "page 12".
    cell:    the table cell it sits in ("" outside tables), or the answer paragraph style it has; such
             paragraphs are kept exactly, blank ones included, because they are the typed answer.
    heading: True where the document marks it as a heading (a Word heading style).
    """

    text: str
    where: str
    cell: str = ""
    heading: bool = False

    @property
    def blank(self) -> bool:
        return not self.text.strip()
