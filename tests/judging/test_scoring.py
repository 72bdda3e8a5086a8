"""The results figures on a small example computed by hand."""

import math

import pytest

from judging.scoring import CriterionData, ReviewData, compute_results, spearman

A, B = 1, 2  # criteria: A weighs 2, B weighs 1
J1, J2 = 10, 20
E1, E2, E3, E4 = 100, 200, 300, 400
CRITERIA = [CriterionData(id=A, weight=2.0), CriterionData(id=B, weight=1.0)]
REVIEWS = [
    ReviewData(judge_id=J1, entry_id=E1, scores={A: 5, B: 2}),  # weighted (10 + 2) / 3 = 4
    ReviewData(judge_id=J1, entry_id=E2, scores={A: 3, B: 3}),  # 3
    ReviewData(judge_id=J2, entry_id=E1, scores={A: 4, B: 4}),  # 4
    ReviewData(judge_id=J2, entry_id=E3, scores={A: 1, B: 4}),  # (2 + 4) / 3 = 2
]
# All four reviews: mean 3.25, population spread sqrt(0.6875).
SPREAD = math.sqrt(0.6875)


def results(method: str) -> dict[int, object]:
    ranked = compute_results(entry_ids=[E1, E2, E3, E4], reviews=REVIEWS, criteria=CRITERIA, method=method)
    return {r.entry_id: r for r in ranked}


def test_means_per_criterion_and_weighted_total():
    figures = results("weighted")
    assert figures[E1].criterion_means == {A: 4.5, B: 3.0}
    assert figures[E1].weighted == pytest.approx(4.0)
    assert figures[E2].weighted == pytest.approx(3.0)
    assert figures[E3].weighted == pytest.approx(2.0)
    assert [figures[e].review_count for e in (E1, E2, E3, E4)] == [2, 1, 1, 0]
    assert figures[E1].spread == pytest.approx(0.0)


def test_calibrated_total_uses_each_judges_z_scores():
    # J1 gave 4 and 3 (mean 3.5, spread 0.5): z = +1 for E1, -1 for E2.
    # J2 gave 4 and 2 (mean 3, spread 1): z = +1 for E1, -1 for E3.
    figures = results("calibrated")
    assert figures[E1].calibrated == pytest.approx(3.25 + SPREAD)
    assert figures[E2].calibrated == pytest.approx(3.25 - SPREAD)
    assert figures[E3].calibrated == pytest.approx(3.25 - SPREAD)


def test_ranking_by_weighted_mean():
    figures = results("weighted")
    assert [figures[e].rank for e in (E1, E2, E3, E4)] == [1, 2, 3, None]


def test_ties_are_shown_as_ties():
    # Calibrated, E2 (harsh judge's low) and E3 (lenient judge's low) are equal.
    ranked = compute_results(entry_ids=[E1, E2, E3, E4], reviews=REVIEWS, criteria=CRITERIA, method="calibrated")
    assert [(r.entry_id, r.rank) for r in ranked] == [(E1, 1), (E2, 2), (E3, 2), (E4, None)]


def test_a_judge_who_gives_everyone_the_same_score_moves_nobody():
    reviews = [
        ReviewData(judge_id=J1, entry_id=E1, scores={A: 3, B: 3}),
        ReviewData(judge_id=J1, entry_id=E2, scores={A: 3, B: 3}),
    ]
    ranked = compute_results(entry_ids=[E1, E2], reviews=reviews, criteria=CRITERIA, method="calibrated")
    assert [r.calibrated for r in ranked] == [pytest.approx(3.0), pytest.approx(3.0)]
    assert [r.rank for r in ranked] == [1, 1]


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(math.sqrt(3) / 2)
