"""The guide's rules as pure functions: Earned Autonomy minimum scores and priority selection.

Their results are frozen records read once (eq=False: nothing compares two results, and generated comparison
would add to every command's start-up); as_dict gives their values."""

from __future__ import annotations

from dataclasses import dataclass

from .guide import Guide
from .model import Assessment

_WORDS = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def count_words(n: int, noun: str) -> str:
    word = _WORDS.get(n, str(n))
    return f"{word} {noun}" if n == 1 else f"{word} {noun}s"


@dataclass(frozen=True, eq=False)
class ThresholdResult:
    """One Earned Autonomy minimum compared with the area's score."""

    id: str
    score: int | None
    minimum: int
    met: bool
    short_by: int | None  # None when met, or when there is no score

    def as_dict(self) -> dict:
        return {"id": self.id, "score": self.score, "minimum": self.minimum, "met": self.met,
                "short_by": self.short_by}


@dataclass(frozen=True, eq=False)
class EarnedAutonomyResult:
    """Every Earned Autonomy minimum of a prospectus year compared with the area's scores."""

    year: int
    source: str
    items: tuple[ThresholdResult, ...]

    @property
    def met_count(self) -> int:
        return sum(1 for i in self.items if i.met)

    @property
    def eligible(self) -> bool:
        """All minima met: the national team may invite an application (not a grant of status)."""
        return all(i.met for i in self.items)

    @property
    def summary(self) -> str:
        total = len(self.items)
        if self.eligible:
            return (f"All {total} Earned Autonomy minimum scores are met: the national team may invite "
                    "this area to apply for Earned Autonomy status.")
        return f"{self.met_count} of {total} Earned Autonomy minimum scores are met."

    def as_dict(self) -> dict:
        return {"year": self.year, "source": self.source, "eligible": self.eligible,
                "met": self.met_count, "total": len(self.items),
                "descriptors": [i.as_dict() for i in self.items]}


def earned_autonomy(assessment: Assessment, guide: Guide, year: int | None = None) -> EarnedAutonomyResult:
    """Compare each threshold descriptor's score with its minimum for the prospectus year."""
    table = guide.thresholds(year if year is not None else assessment.year)
    items = []
    for t in table.thresholds:
        score = assessment.score(t.descriptor)
        met = score is not None and score >= t.minimum
        short = None if met or score is None else t.minimum - score
        items.append(ThresholdResult(t.descriptor, score, t.minimum, met, short))
    return EarnedAutonomyResult(table.year, table.source, tuple(items))


@dataclass(frozen=True, eq=False)
class PriorityResult:
    """Whether the area's chosen priority descriptors obey the rule, and why."""

    data_model: int | None       # the model the rule followed
    survey_data_model: int | None
    changed: bool | None
    chosen: tuple[str, ...]
    valid: bool
    reasons: tuple[str, ...]
    needs_data: int | None = None
    needs_service: int | None = None

    def as_dict(self) -> dict:
        return {"data_model": self.data_model, "survey_data_model": self.survey_data_model,
                "data_model_changed": self.changed, "chosen": list(self.chosen), "valid": self.valid,
                "needs": None if self.needs_data is None else {"data": self.needs_data, "service": self.needs_service},
                "reasons": list(self.reasons)}


def rule_statement(guide: Guide, data_model: int) -> str:
    band = guide.priority_rule.band_for(data_model)
    parts = []
    if band.data:
        parts.append(count_words(band.data, "data descriptor"))
    if band.service:
        parts.append(count_words(band.service, "service descriptor"))
    return f"data model {data_model} needs {' and '.join(parts)}"


def data_model_answer_problems(survey: int | None, changed: bool | None,
                               current: int | None) -> list[tuple[str, str, str, str]]:
    """What is wrong with the form's changed-data-model answers: (code, severity, "changed" or "current", message)."""
    if changed is None:
        return [("data-model-changed-missing", "error", "changed",
                 "Answer Yes or No: has the data model changed since the data survey? The form asks it.")]
    if changed and current is not None and current == survey:
        return [("current-data-model-same", "error", "current",
                 f"The data model has changed (Yes), but the current data model, {current}, is the one from the data "
                 f"survey. Give the data model the area has now, or answer No.")]
    if not changed and current is not None:
        return [("current-data-model-ignored", "warning", "current",
                 f"The data model has not changed (No), so the current data model, {current}, is not used. Leave it "
                 "blank, or answer Yes if the data model has changed.")]
    return []


def check_priorities(assessment: Assessment, guide: Guide) -> PriorityResult:
    """Whether the chosen descriptors obey the data-model rule, with reasons a person can act on."""
    rule = guide.priority_rule
    chosen = tuple(assessment.priorities)
    model = assessment.effective_data_model
    reasons: list[str] = []
    if assessment.data_model_changed and assessment.current_data_model is not None:
        reasons.append(f"The area says its data model has changed since the data survey "
                       f"(from {assessment.data_model} to {assessment.current_data_model}); "
                       f"the rule follows the current data model, {assessment.current_data_model}.")
    elif assessment.data_model_changed and assessment.current_data_model is None:
        reasons.append("The area says its data model has changed but gives no usable current data model; "
                       "the rule follows the data model from the data survey.")
    ok = True
    if len(chosen) != rule.count:
        ok = False
        reasons.append(f"Choose exactly {rule.count} descriptors; {len(chosen)} chosen.")
    duplicates = sorted({d for d in chosen if chosen.count(d) > 1})
    if duplicates:
        ok = False
        reasons.append(f"Each descriptor may be chosen once; chosen more than once: {', '.join(duplicates)}.")
    unknown = [d for d in chosen if guide.descriptor(d) is None]
    if unknown:
        ok = False
        reasons.append(f"Not descriptors of the guide: {', '.join(unknown)}.")
    if model is None or not any(model in b.data_models for b in rule.bands):
        reasons.append("The data model is missing or not one of "
                       f"{', '.join(str(m.number) for m in guide.data_models)}, so the rule cannot be applied.")
        return PriorityResult(model, assessment.data_model, assessment.data_model_changed, chosen, False,
                              tuple(reasons))
    band = rule.band_for(model)
    known = [d for d in dict.fromkeys(chosen) if guide.descriptor(d) is not None]
    data = sorted((d for d in known if guide.kind_of(d) == "data"), key=_id_key)
    service = sorted((d for d in known if guide.kind_of(d) == "service"), key=_id_key)
    picked = []
    if data:
        picked.append(f"{count_words(len(data), 'data descriptor')} ({', '.join(data)})")
    if service:
        picked.append(f"{count_words(len(service), 'service descriptor')} ({', '.join(service)})")
    statement = rule_statement(guide, model)
    statement = statement[0].upper() + statement[1:]
    if len(data) != band.data or len(service) != band.service:
        ok = False
        reasons.append(f"{statement}; you chose {' and '.join(picked) if picked else 'none'}.")
    elif ok:
        reasons.append(f"{statement}; chosen: {' and '.join(picked)}.")
    return PriorityResult(model, assessment.data_model, assessment.data_model_changed, chosen, ok,
                          tuple(reasons), band.data, band.service)


@dataclass(frozen=True, eq=False)
class Suggestion:
    """A descriptor the rule allows as a priority, with the reasons it is ranked where it is."""

    id: str
    kind: str
    score: int | None
    reasons: tuple[str, ...]
    rank_key: tuple


def suggest(assessment: Assessment, guide: Guide, limit: int | None = None) -> dict:
    """Candidate priorities the rule allows, ranked: lowest score first, near-miss thresholds raised."""
    model = assessment.effective_data_model
    if model is None or not any(model in b.data_models for b in guide.priority_rule.bands):
        return {"data_model": model, "needs": None, "candidates": []}
    band = guide.priority_rule.band_for(model)
    minima = {t.descriptor: t.minimum for t in guide.thresholds(assessment.year).thresholds}
    out = []
    for d in guide.descriptors:
        kind = guide.kind_of(d.id)
        if (kind == "data" and band.data == 0) or (kind == "service" and band.service == 0):
            continue
        score = assessment.score(d.id)
        reasons = []
        gap = None
        if score is None:
            reasons.append("no score yet")
        else:
            reasons.append(f"scored {score} out of {guide.scale.maximum}")
        if d.id in minima and score is not None:
            gap = minima[d.id] - score
            if gap > 0:
                reasons.append(f"Earned Autonomy minimum is {minima[d.id]}: short by {gap}")
            else:
                reasons.append(f"Earned Autonomy minimum of {minima[d.id]} already met")
        near_miss = 0 if gap is None or gap <= 0 else (1 if gap == 1 else 2)
        # Rank: a threshold one point short first (closest to unlocking Earned Autonomy),
        # then other shortfalls, then the lowest scores; ties in the guide's order.
        key = (near_miss == 0, near_miss, score if score is not None else -1, _id_key(d.id))
        out.append(Suggestion(d.id, kind, score, tuple(reasons), key))
    out.sort(key=lambda s: s.rank_key)
    if limit:
        out = out[:limit]
    return {"data_model": model, "needs": {"data": band.data, "service": band.service},
            "statement": rule_statement(guide, model), "candidates": out}


def _id_key(descriptor_id: str) -> tuple[int, ...]:
    return tuple(int(x) for x in descriptor_id.split(".") if x.isdigit())
