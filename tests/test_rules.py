"""Earned Autonomy and the priority rule, at and around every threshold and band."""

from __future__ import annotations

import pytest

from ehsg.model import Assessment, Response
from ehsg.rules import check_priorities, earned_autonomy, suggest


def make(guide, scores=None, default=3, model=3, changed=None, current=None, priorities=("7.3", "6.4", "9.4")):
    scores = scores or {}
    responses = tuple(Response(d.id, scores.get(d.id, default)) for d in guide.descriptors)
    return Assessment("Testshire", guide.id, guide.version, responses, data_model=model, data_model_changed=changed,
                      current_data_model=current, priorities=tuple(priorities))


MINIMA = {"5.1": 4, "6.1": 4, "6.3": 3, "8.1": 4, "8.3": 3, "9.1": 4, "9.3": 4, "9.4": 4, "9.7": 3}


@pytest.mark.parametrize("did,minimum", sorted(MINIMA.items()))
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_each_threshold_at_and_around_its_minimum(guide, did, minimum, delta):
    scores = dict(MINIMA)
    scores[did] = minimum + delta
    result = earned_autonomy(make(guide, scores), guide, 2022)
    item = next(i for i in result.items if i.id == did)
    assert item.minimum == minimum and item.score == minimum + delta
    assert item.met is (delta >= 0)
    assert item.short_by == (1 if delta < 0 else None)
    assert result.eligible is (delta >= 0)
    assert result.met_count == (9 if delta >= 0 else 8)


def test_missing_score_is_not_met(guide):
    scores = dict(MINIMA)
    a = make(guide, scores)
    a = Assessment(a.area, a.guide_id, a.guide_version,
                   tuple(Response(r.descriptor, None if r.descriptor == "9.1" else r.score) for r in a.responses))
    item = next(i for i in earned_autonomy(a, guide, 2022).items if i.id == "9.1")
    assert (item.met, item.score, item.short_by) == (False, None, None)


def test_all_met_says_the_team_may_invite_not_grant(guide):
    result = earned_autonomy(make(guide, MINIMA), guide, 2022)
    assert result.eligible and "may invite" in result.summary


@pytest.mark.parametrize("model,chosen,valid", [
    (1, ("9.1", "9.2", "9.3"), True),
    (2, ("9.1", "9.2", "9.3"), True),
    (2, ("9.1", "9.2", "5.1"), False),
    (3, ("9.4", "7.3", "6.4"), True),
    (3, ("9.4", "9.1", "6.4"), False),
    (3, ("5.1", "6.4", "7.3"), False),
    (4, ("5.1", "6.4", "7.3"), True),
    (4, ("5.1", "6.4", "9.3"), False),
    (5, ("8.1", "8.2", "8.3"), True),
    (6, ("9.1", "8.2", "8.3"), False),
])
def test_priority_rule_bands(guide, model, chosen, valid):
    assert check_priorities(make(guide, model=model, priorities=chosen), guide).valid is valid


def test_reason_a_person_can_act_on(guide):
    result = check_priorities(make(guide, model=3, priorities=("5.1", "6.4", "7.3")), guide)
    assert not result.valid
    assert ("Data model 3 needs one data descriptor and two service descriptors; "
            "you chose three service descriptors (5.1, 6.4, 7.3).") in result.reasons


def test_changed_data_model_is_followed_and_said(guide):
    a = make(guide, model=3, changed=True, current=4, priorities=("5.1", "6.4", "7.3"))
    result = check_priorities(a, guide)
    assert result.valid and result.data_model == 4 and result.survey_data_model == 3
    assert "from 3 to 4" in result.reasons[0]
    unchanged = make(guide, model=3, changed=False, current=4, priorities=("5.1", "6.4", "7.3"))
    assert not check_priorities(unchanged, guide).valid


@pytest.mark.parametrize("chosen,fragment", [
    (("9.4", "7.3"), "Choose exactly 3"),
    (("9.4", "7.3", "7.3"), "chosen more than once: 7.3"),
    (("9.4", "7.3", "4.1"), "Not descriptors of the guide: 4.1"),
])
def test_three_distinct_real_descriptors(guide, chosen, fragment):
    result = check_priorities(make(guide, priorities=chosen), guide)
    assert not result.valid and any(fragment in r for r in result.reasons)


def test_missing_data_model_cannot_apply_rule(guide):
    result = check_priorities(make(guide, model=None), guide)
    assert not result.valid and "cannot be applied" in result.reasons[-1]


def test_suggest_respects_the_band_and_ranks_near_misses_first(guide):
    scores = {d: 3 for d in MINIMA} | {"9.1": 3, "9.4": 1, "9.5": 0}
    s = suggest(make(guide, scores, model=2), guide)
    ids = [c.id for c in s["candidates"]]
    assert set(ids) == {d.id for d in guide.descriptors if d.id.startswith("9.")}
    assert ids[:2] == ["9.1", "9.3"]  # one point short of the Earned Autonomy minimum
    assert ids.index("9.4") < ids.index("9.5")  # other shortfalls before plain low scores
    s4 = suggest(make(guide, scores, model=4), guide)
    assert all(not c.id.startswith("9.") for c in s4["candidates"])
