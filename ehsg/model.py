"""The domain: an area's self-assessment as loaded from a workbook."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Response:
    """The partnership's answer for one descriptor, exactly as typed."""

    descriptor: str
    score: int | None
    working_well: str = ""
    next: str = ""
    row: str = ""  # where it was read, e.g. "5 Family voice!A4", for messages
    cells: tuple[str, str, str] = ("", "", "")  # cells of the score and the two narratives


@dataclass(frozen=True)
class WorkforceRow:
    """One practitioner group on the workforce sheet, in the partnership's own words."""

    kind: str
    group: str
    lead: str = ""
    role: str = ""
    notes: str = ""
    row: str = ""
    partner_entries: int = 0  # in a consolidated workbook: how many partners' words wait on the Evidence sheet

    @property
    def filled(self) -> bool:
        return bool(self.lead.strip() or self.role.strip() or self.notes.strip())


@dataclass(frozen=True)
class Respondent:
    """Who filled a partner's workbook at a workshop."""

    name: str = ""
    organisation: str = ""
    sector: str = ""

    @property
    def label(self) -> str:
        who = self.organisation or self.name or "Unnamed partner"
        return f"{who} ({self.sector})" if self.sector else who


@dataclass(frozen=True)
class Assessment:
    """One area's self-assessment: everything the form asks for."""

    area: str
    guide_id: str
    guide_version: str
    responses: tuple[Response, ...]
    data_model: int | None = None
    data_model_changed: bool | None = None
    current_data_model: int | None = None
    priorities: tuple[str, ...] = ()
    permissions: dict = field(default_factory=dict)  # permission id -> True / False / None
    year: int | None = None
    source: str = ""
    has_narrative: bool = True  # False for scores-only exports
    workforce: tuple[WorkforceRow, ...] = ()
    kind: str = "assessment"   # assessment, respondent (a partner's view) or consolidated
    respondent: Respondent | None = None

    @property
    def effective_data_model(self) -> int | None:
        """The data model the priority rule follows: the current one where the area says it changed."""
        if self.data_model_changed and self.current_data_model is not None:
            return self.current_data_model
        return self.data_model

    def response(self, descriptor_id: str) -> Response | None:
        return self._index().get(descriptor_id)

    def score(self, descriptor_id: str) -> int | None:
        r = self.response(descriptor_id)
        return r.score if r else None

    def scores(self) -> dict[str, int | None]:
        return {r.descriptor: r.score for r in self.responses}

    def _index(self) -> dict[str, Response]:
        cache = self.__dict__.get("_by_id")
        if cache is None:
            cache = {}
            for r in self.responses:
                cache.setdefault(r.descriptor, r)
            object.__setattr__(self, "_by_id", cache)
        return cache
