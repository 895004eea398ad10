"""The guide as data: its frozen dataclasses, and loading a descriptors/ folder (checked by ehsg.guidecheck).

A guide is loaded once per folder and shared, never copied, so its objects (and the form text's) compare by
identity (eq=False): generated value comparison and hashing would add to every command's start-up and nothing
uses them. Two loads are compared value by value with dataclasses.asdict.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import GuideError
from .formtext import FormText
from .problems import Problems
from .yamlsource import load_yaml

GUIDE_FILES = ("guide.yaml", "sections.yaml", "data-models.yaml", "rules.yaml", "vision.yaml", "form.yaml")
DEFAULT_GUIDE = "ehsg-2022"


@dataclass(frozen=True, eq=False)
class Descriptor:
    """One scored descriptor, its wording verbatim from the guide."""

    id: str
    section: int
    title: str
    text: str

    @property
    def short(self) -> str:
        """The short title where the guide gives one, else the start of the wording."""
        if self.title:
            return self.title
        return self.text if len(self.text) <= 60 else self.text[:57].rstrip() + "…"


@dataclass(frozen=True, eq=False)
class Section:
    """One scored section of the guide and its descriptors."""

    number: int
    name: str
    kind: str
    descriptors: tuple[Descriptor, ...]


@dataclass(frozen=True, eq=False)
class Prompts:
    """The three questions the form asks of every descriptor."""

    score: str
    working_well: str
    next: str


@dataclass(frozen=True, eq=False)
class Scale:
    """The score scale and, where a partnership has added it, the official wording of each level."""

    minimum: int
    maximum: int
    levels: dict  # score -> official wording; empty until a partnership fills it in

    def describe(self, score: int) -> str:
        return self.levels.get(score, "")


@dataclass(frozen=True, eq=False)
class Permission:
    """One question of the form about who may see the self-assessment."""

    id: str
    label: str
    audience: str
    includes_narrative: bool
    statement: str
    question: str


@dataclass(frozen=True, eq=False)
class Service:
    """One kind of service the form lists in its Early Help System part."""

    id: str
    name: str
    text: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class DataModel:
    """One of the data models an area declares in the data survey."""

    number: int
    name: str
    definition: str


@dataclass(frozen=True, eq=False)
class PriorityBand:
    """How many data and service descriptors areas with these data models must choose."""

    data_models: tuple[int, ...]
    data: int
    service: int


@dataclass(frozen=True, eq=False)
class PriorityRule:
    """The rule for choosing priority descriptors, band by data model."""

    count: int
    source: str
    text: tuple[str, ...]
    bands: tuple[PriorityBand, ...]

    def band_for(self, data_model: int) -> PriorityBand:
        for band in self.bands:
            if data_model in band.data_models:
                return band
        raise KeyError(data_model)


@dataclass(frozen=True, eq=False)
class Threshold:
    """One Earned Autonomy minimum score, as the criteria table gives it."""

    descriptor: str
    minimum: int
    heading: str = ""    # the section name the form prints above the criterion
    criterion: str = ""  # the form's own wording of the criterion


@dataclass(frozen=True, eq=False)
class EarnedAutonomy:
    """The Earned Autonomy minimum scores of one prospectus year."""

    year: int
    source: str
    note: str
    thresholds: tuple[Threshold, ...]


@dataclass(frozen=True, eq=False)
class VisionSection:
    """The guide's vision statements for one section."""

    section: int
    name: str
    statements: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Guide:
    """One edition of the guide. Loaded once, validated, then trusted by the rest of ehsg."""

    id: str
    version: str
    title: str
    source: str
    path: str
    prompts: Prompts
    scale: Scale
    guidance: str
    permissions: tuple[Permission, ...]
    services: tuple[Service, ...]
    workforce_instruction: str
    workforce_grouping_terms: str
    workforce_evidence_for: str
    sections: tuple[Section, ...]
    data_survey: str
    data_models: tuple[DataModel, ...]
    priority_rule: PriorityRule
    earned_autonomy: tuple[EarnedAutonomy, ...]
    vision_statement: str
    vision: tuple[VisionSection, ...]
    form: FormText

    @property
    def stamp(self) -> str:
        """What is stamped into every file ehsg writes: edition and version."""
        return f"{self.id} {self.version}"

    @property
    def descriptors(self) -> tuple[Descriptor, ...]:
        return tuple(d for s in self.sections for d in s.descriptors)

    def descriptor(self, descriptor_id: str) -> Descriptor | None:
        return self._by_id().get(descriptor_id)

    def section(self, number: int) -> Section:
        return next(s for s in self.sections if s.number == number)

    def kind_of(self, descriptor_id: str) -> str:
        return self.section(self._by_id()[descriptor_id].section).kind

    def data_model(self, number: int) -> DataModel | None:
        return next((m for m in self.data_models if m.number == number), None)

    def thresholds(self, year: int | None = None) -> EarnedAutonomy:
        """The Earned Autonomy minima a self-assessment of `year` is judged against.

        That year's prospectus when the guide data has it; else the latest before the year (a prospectus holds
        until the next: between two, or after the last); for a year before every prospectus, the earliest (the
        first published, which no earlier one can stand in for); with no year, the latest. minima_note(year,
        the result's year) says which of these happened.
        """
        ordered = sorted(self.earned_autonomy, key=lambda e: e.year)
        if year is None:
            return ordered[-1]
        earlier = [e for e in ordered if e.year <= year]
        return earlier[-1] if earlier else ordered[0]

    def _by_id(self) -> dict[str, Descriptor]:
        cache = self.__dict__.get("_index")
        if cache is None:
            cache = {d.id: d for d in self.descriptors}
            object.__setattr__(self, "_index", cache)
        return cache


def packaged_guides_dir() -> Path:
    """Where the bundled guide editions are: inside the installed package, or the repository."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "descriptors", here.parent / "descriptors"):
        if candidate.is_dir():
            return candidate
    raise GuideError([])  # pragma: no cover - a broken installation


def resolve_guide_dir(guide: str | os.PathLike | None) -> Path:
    """A --guide value is a folder, or the name of a bundled edition; default is the current edition."""
    if guide is None:
        guide = os.environ.get("EHSG_GUIDE") or DEFAULT_GUIDE
    path = Path(guide)
    if path.is_dir():
        return path
    bundled = packaged_guides_dir() / str(guide)
    if bundled.is_dir():
        return bundled
    from .problems import Problem
    raise GuideError([Problem("guide-not-found", "error", str(guide),
                              "No guide folder here, and no bundled edition of that name "
                              f"(bundled: {', '.join(sorted(p.name for p in packaged_guides_dir().iterdir() if p.is_dir()))}).")])


def display_path(path: Path) -> str:
    """A path as a user would type it: relative to the working folder where possible."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_CACHE: dict[tuple[str, float], tuple[Guide, list]] = {}


def load_guide(guide: str | os.PathLike | None = None) -> Guide:
    """Load and validate a guide folder; raises GuideError listing every problem at once."""
    guide_obj, _warnings = load_guide_with_warnings(guide)
    return guide_obj


def load_guide_with_warnings(guide: str | os.PathLike | None = None):
    folder = resolve_guide_dir(guide)
    try:
        stamp = max((folder / f).stat().st_mtime for f in GUIDE_FILES if (folder / f).exists())
    except ValueError:
        stamp = 0.0
    key = (str(folder.resolve()), stamp)
    if key in _CACHE:
        return _CACHE[key]
    problems = Problems()
    sources = {}
    for name in GUIDE_FILES:
        sources[name] = load_yaml(folder / name, display_path(folder / name), problems)
    if problems.errors:
        raise GuideError(problems.items)
    from .guidecheck import assemble

    guide_obj = assemble(folder, sources, problems)
    if problems.errors:
        raise GuideError(problems.items)
    _CACHE[key] = (guide_obj, problems.warnings)
    return guide_obj, problems.warnings


def minima_note(year: int | None, used: int, who: str = "this self-assessment is") -> str:
    """Pure: why the Earned Autonomy minima `who` (e.g. "the areas are") judged against for `year` are those of
    the `used` prospectus (Guide.thresholds), naming it; "" when they are that year's own."""
    if year == used:
        return ""
    if year is None:
        return (f"No year is given, so {who} judged against the minima of the {used} prospectus, the latest in "
                "the guide data.")
    add = " add its minima to the guide data (rules.yaml, earned_autonomy)."
    if used < year:
        return (f"The guide data has no Earned Autonomy prospectus for {year}, so {who} judged against the minima "
                f"of the {used} prospectus, the latest before {year}. If there is a {year} prospectus," + add)
    return (f"The guide data has no Earned Autonomy prospectus for {year} or any earlier year, so {who} judged "
            f"against the minima of the {used} prospectus, the earliest it has, published after {year}. If a "
            f"prospectus of {year} or before applies," + add)
