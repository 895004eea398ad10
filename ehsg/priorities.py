"""Reading one priority cell as the national form writes it: "Descriptor two: 6.4 – Workforce", "6.4", 6.4."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .guide import Guide

# "Descriptor one:" … the form's own lead-in before the id; any ordinal word or digit is accepted
_LEAD_IN = re.compile(r"^\s*descriptor\s+\w+\s*[:.\-–—]\s*", re.IGNORECASE)
# an id such as 6.4 or 10.12, not part of a longer number such as 6.4.1 or 2022.5
_ID = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2})(?![\d.]*\d)")


def parse_priority_cell(value: Any, guide: Guide) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    """(descriptor ids found, problem) where problem is (code, message) or None.

    Exactly one known descriptor id gives ((id,), None). A cell holding several ids is an error that names
    them all, so nothing typed is silently dropped; a cell with no id, or an id the guide does not have,
    is an error that says what was read.
    """
    if isinstance(value, bool):
        return (), ("priority-unknown", f"'{value}' is not a descriptor of the guide (use an id such as 7.3).")
    if isinstance(value, float):
        text = f"{value:g}"
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    body = _LEAD_IN.sub("", text)
    ids = tuple(dict.fromkeys(_ID.findall(body)))
    if len(ids) > 1:
        return ids, ("priority-several", f"'{text}' names {len(ids)} descriptors ({', '.join(ids)}); put one "
                     "descriptor in each priority cell.")
    if not ids:
        return (), ("priority-unknown", f"'{text}' is not a descriptor of the guide (use an id such as 7.3, or "
                    "the form's own \"Descriptor one: 7.3 – Communities\").")
    did = ids[0]
    if guide.descriptor(did) is None:
        return ids, ("priority-unknown", f"'{text}': {did} is not a descriptor of {guide.stamp}.")
    return ids, None
