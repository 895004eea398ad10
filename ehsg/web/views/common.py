"""Helpers every page shares: grouping problems for display, running library calls off the event loop."""

from __future__ import annotations

from ...problems import Problem


def split_location(location: str, file_first: bool = False) -> tuple[str, str]:
    """'Sheet!C4' → ('Sheet', 'C4'); 'file.xlsx: Sheet!C4' → ('file.xlsx', 'Sheet!C4') when file_first."""
    if file_first:
        head, sep, rest = location.partition(": ")
        return (head, rest) if sep else (location, "")
    sheet, sep, cell = location.rpartition("!")
    return (sheet, cell) if sep else (location, "")


def group_problems(problems: list[Problem], file_first: bool = False, blank: str = "The file") -> list:
    """[(group, [(index, problem, where), ...]), ...]: groups in first-seen order, errors first within each;
    the index is the problem's place in `problems`, which the error summary links to."""
    groups: dict[str, list] = {}
    for i, p in enumerate(problems):
        group, where = split_location(p.location, file_first)
        groups.setdefault(group or blank, []).append((i, p, where))
    return [(g, sorted(items, key=lambda ipw: not ipw[1].is_error)) for g, items in groups.items()]


async def upload_files(form, field: str) -> list:
    """The files posted in one field, ignoring the empty part a browser sends when none was chosen."""
    from starlette.datastructures import UploadFile

    return [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
