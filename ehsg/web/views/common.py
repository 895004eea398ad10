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
    """[(group, [(problem, where), ...]), ...], errors before warnings within a group, groups in first-seen order."""
    groups: dict[str, list] = {}
    for p in problems:
        group, where = split_location(p.location, file_first)
        groups.setdefault(group or blank, []).append((p, where))
    return [(g, sorted(items, key=lambda pw: not pw[0].is_error)) for g, items in groups.items()]


async def upload_files(form, field: str) -> list:
    """The files posted in one field, ignoring the empty part a browser sends when none was chosen."""
    from starlette.datastructures import UploadFile

    return [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
