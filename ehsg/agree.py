"""`ehsg agree`: fill a consolidated workbook's open agreed scores from the partners' proposals, where chosen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import workbook as wbk
from .errors import InputFileError, RefusedError
from .guide import Guide
from .outputs import atomic_save, refuse_overwriting_inputs
from .problems import Problem
from .reader import descriptor_id, load_workbook_file, norm

HEADER_PROPOSED = "Proposed score"
HEADER_DISCUSS = "Discuss?"
# Problems an unfinished consolidated workbook is expected to have: open scores and the Area details.
_EXPECTED = ("score-missing", "area-", "data-model", "current-data-model", "priority-", "permission-", "yes-no-")


@dataclass(frozen=True)
class AgreeResult:
    path: Path
    filled: tuple[tuple[str, int], ...]     # (descriptor, score) now agreed from its proposal
    kept: tuple[str, ...]                  # already had an agreed score: left as it was
    flagged: tuple[str, ...]               # open, but flagged for discussion: left open
    not_chosen: tuple[str, ...]            # open, but not among the descriptors chosen


class AgreeRefused(RefusedError):
    """Raised when the workbook is not a consolidated workbook ehsg can fill: the problems say why."""

    def __init__(self, message: str, problems: list[Problem]):
        self.problems = problems
        super().__init__(message + "".join(f"\n  {p}" for p in problems))


def agree(path: str | Path, output: str | Path, guide: Guide, only: list[str] | None = None,
          include_flagged: bool = False) -> AgreeResult:
    """Copy a consolidated workbook to `output` with each open agreed score set to its proposal.

    Never overwrites an agreed score. Descriptors flagged for discussion stay open unless include_flagged, or
    unless named in `only` (which limits the filling to those descriptors). The input is never modified."""
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    refuse_overwriting_inputs(output, [path])
    chosen = None
    if only:
        chosen = {descriptor_id(x) for x in only}
        unknown = sorted(x for x in chosen if guide.descriptor(x) is None)
        if unknown:
            raise InputFileError(f"Not descriptors of {guide.stamp}: {', '.join(unknown)}.")
    result = load_workbook_file(path, guide)
    a = result.assessment
    blocking = [p for p in result.problems if p.is_error and not p.code.startswith(_EXPECTED)]
    if a is not None and a.kind != wbk.KIND_CONSOLIDATED:
        blocking.append(Problem("not-consolidated", "error", path.name, "This is not a consolidated workbook from "
                                "'ehsg merge': it has no proposed scores to agree."))
    if a is None or blocking:
        raise AgreeRefused(f"{path}: cannot fill agreed scores; nothing was written.",
                           blocking or list(result.problems))
    wb = openpyxl.load_workbook(path)
    filled, kept, flagged, not_chosen = [], [], [], []
    for ws in wb.worksheets:
        header = {norm(c.value): c.column for c in ws[3]} if ws.max_row >= 3 else {}
        if not {norm(wbk.HEADER_ID), norm(wbk.HEADER_SCORE), norm(HEADER_PROPOSED)} <= header.keys():
            continue
        for r in range(4, ws.max_row + 1):
            raw = ws.cell(row=r, column=header[norm(wbk.HEADER_ID)]).value
            if raw is None or guide.descriptor(descriptor_id(raw)) is None:
                continue
            did = descriptor_id(raw)
            score = ws.cell(row=r, column=header[norm(wbk.HEADER_SCORE)])
            proposal = ws.cell(row=r, column=header[norm(HEADER_PROPOSED)]).value
            discuss = ws.cell(row=r, column=header[norm(HEADER_DISCUSS)]).value if norm(HEADER_DISCUSS) in header \
                else None
            if score.value is not None and str(score.value).strip():
                kept.append(did)
            elif not isinstance(proposal, int):
                continue                              # no partner scored it: nothing to propose
            elif chosen is not None and did not in chosen:
                not_chosen.append(did)
            elif chosen is None and not include_flagged and norm(discuss) == "yes":
                flagged.append(did)
            else:
                score.value = proposal
                filled.append((did, proposal))
    out = atomic_save(output, wb.save)
    return AgreeResult(out, tuple(filled), tuple(kept), tuple(flagged), tuple(not_chosen))
