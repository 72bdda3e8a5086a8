"""The results figures on small examples worked out by hand, and the edge cases."""

import math

import pytest

from judging.scoring import (
    CriterionData,
    ReviewData,
    analyse,
    compute_results,
    fit_judge_effects,
    spearman,
    zscore_totals,
)

A, B = 1, 2  # criteria: A weighs 2, B weighs 1, both 1 to 5
J1, J2, J3 = 10, 20, 30
E1, E2, E3, E4 = 100, 200, 300, 400
CRITERIA = [CriterionData(id=A, weight=2.0), CriterionData(id=B, weight=1.0)]
REVIEWS = [
    ReviewData(judge_id=J1, entry_id=E1, scores={A: 5, B: 2}),  # weighted (10 + 2) / 3 = 4
    ReviewData(judge_id=J1, entry_id=E2, scores={A: 3, B: 3}),  # 3
    ReviewData(judge_id=J2, entry_id=E1, scores={A: 4, B: 4}),  # 4
    ReviewData(judge_id=J2, entry_id=E3, scores={A: 1, B: 4}),  # (2 + 4) / 3 = 2
]
ONE = [CriterionData(id=A, weight=1.0)]


def by_entry(ranked) -> dict:
    return {r.entry_id: r for r in ranked}


def reviews(judge: int, scores: dict[int, float]) -> list[ReviewData]:
    """One review per entry by `judge` on the single criterion A."""
    return [ReviewData(judge_id=judge, entry_id=e, scores={A: v}) for e, v in scores.items()]


def test_means_per_criterion_and_weighted_total():
    figures = by_entry(compute_results(entry_ids=[E1, E2, E3, E4], reviews=REVIEWS, criteria=CRITERIA, method="x"))
    assert figures[E1].criterion_means == {A: 4.5, B: 3.0}
    assert figures[E1].weighted == pytest.approx(4.0)
    assert figures[E2].weighted == pytest.approx(3.0)
    assert figures[E3].weighted == pytest.approx(2.0)
    assert [figures[e].review_count for e in (E1, E2, E3, E4)] == [2, 1, 1, 0]
    assert figures[E1].spread == pytest.approx(0.0)


def test_ranking_by_weighted_mean():
    ranked = compute_results(entry_ids=[E1, E2, E3, E4], reviews=REVIEWS, criteria=CRITERIA, method="weighted")
    assert [(r.entry_id, r.rank) for r in ranked] == [(E1, 1), (E2, 2), (E3, 3), (E4, None)]


def test_the_fit_by_hand_two_judges_on_every_entry():
    # J1 scores 4, 3, 2 and J2 scores 3, 3, 1: J1 is higher by 1, 0, 1. With both on every
    # entry, quality is the entry's mean; the bias c = ±(sum of half-differences) / (3 + 1)
    # = ±0.25 (the ridge counts as one more review at the consensus). Residuals are
    # ±(d/2 - c) = ±0.25 on all six reviews: RSS 0.375 over 6 - 3 - 2 + 1 = 2 degrees of
    # freedom; the standard error is sqrt(0.1875 / 2), as for a plain mean of two reviews.
    data = reviews(J1, {E1: 4, E2: 3, E3: 2}) + reviews(J2, {E1: 3, E2: 3, E3: 1})

    result = analyse(entry_ids=[E1, E2, E3], reviews=data, criteria=ONE, method="calibrated")

    figures = by_entry(result.entries)
    assert [figures[e].calibrated for e in (E1, E2, E3)] == [pytest.approx(v) for v in (3.5, 3.0, 1.5)]
    assert figures[E1].calibrated_se == pytest.approx(math.sqrt(0.1875 / 2))
    assert result.judges[J1].bias == pytest.approx(0.25)
    assert result.judges[J2].bias == pytest.approx(-0.25)
    assert result.noise == pytest.approx(math.sqrt(0.1875))


def test_an_entry_that_drew_only_the_harsh_judge_is_not_punished():
    # J1 is 1 point more lenient than J2 on the four entries they share. E3 was seen only by
    # J1 (4), E4 only by J2 (3): the plain mean puts E3 a full point ahead.
    data = reviews(J1, {E1: 4, E2: 3, E3: 4, 500: 5, 600: 3}) + reviews(J2, {E1: 3, E2: 2, E4: 3, 500: 4, 600: 2})

    figures = by_entry(compute_results(entry_ids=[E1, E2, E3, E4, 500, 600], reviews=data, criteria=ONE, method="c"))

    assert figures[E3].weighted - figures[E4].weighted == pytest.approx(1.0)
    # Four shared entries: biases ±0.5 x 4 / (4 + 1) = ±0.4, so 0.8 of the 1-point gap goes.
    assert figures[E3].calibrated == pytest.approx(4 - 0.4)
    assert figures[E4].calibrated == pytest.approx(3 + 0.4)


def test_more_reviews_means_a_smaller_standard_error():
    data = (
        reviews(J1, {E1: 4, E2: 3, E3: 2, E4: 5})
        + reviews(J2, {E1: 3, E2: 3, E3: 2, E4: 4})
        + reviews(J3, {E1: 4, E2: 2})
    )
    figures = by_entry(compute_results(entry_ids=[E1, E2, E3, E4], reviews=data, criteria=ONE, method="calibrated"))
    assert figures[E1].calibrated_se < figures[E3].calibrated_se
    assert figures[E2].calibrated_se < figures[E4].calibrated_se


def test_one_review_each_leaves_no_way_to_tell_the_noise():
    data = reviews(J1, {E1: 5, E2: 3})
    ranked = compute_results(entry_ids=[E1, E2], reviews=data, criteria=ONE, method="calibrated")
    assert [r.calibrated_se for r in ranked] == [None, None]
    assert [r.too_close for r in ranked] == [True, True]


def test_neighbours_whose_intervals_overlap_are_too_close_to_call():
    # The judges agree but for one point on E2: 3.5 and 3.0 with standard errors of 0.25
    # overlap; 5 and 1 stand clear of everything.
    data = reviews(J1, {E1: 5, E2: 4, E3: 3, E4: 1}) + reviews(J2, {E1: 5, E2: 3, E3: 3, E4: 1})
    ranked = compute_results(entry_ids=[E1, E2, E3, E4], reviews=data, criteria=ONE, method="calibrated")
    assert [(r.entry_id, r.calibrated) for r in ranked] == [(E1, 5), (E2, 3.5), (E3, 3), (E4, 1)]
    assert ranked[1].calibrated_se == pytest.approx(0.2517, abs=1e-4)
    assert [r.too_close for r in ranked] == [False, True, True, False]


def test_exact_ties_share_a_rank_and_are_marked():
    data = reviews(J1, {E1: 5, E2: 4, E3: 4, E4: 2}) + reviews(J2, {E1: 4, E2: 3, E3: 3, E4: 2})
    ranked = compute_results(entry_ids=[E1, E2, E3, E4], reviews=data, criteria=ONE, method="calibrated")
    assert [(r.entry_id, r.rank, r.tied) for r in ranked] == [
        (E1, 1, False),
        (E2, 2, True),
        (E3, 2, True),
        (E4, 4, False),
    ]


def test_an_entry_with_no_reviews_is_listed_last_unranked():
    data = reviews(J1, {E2: 1, E3: 2})
    ranked = compute_results(entry_ids=[E1, E2, E3], reviews=data, criteria=ONE, method="calibrated")
    assert [r.entry_id for r in ranked] == [E3, E2, E1]
    assert (ranked[-1].rank, ranked[-1].calibrated, ranked[-1].reviewed) == (None, None, False)


def test_a_flat_judge_is_flagged_and_does_not_reorder_the_others():
    fair = reviews(J1, {E1: 5, E2: 4, E3: 3, E4: 2}) + reviews(J2, {E1: 4, E2: 4, E3: 2, E4: 1})
    flat = reviews(J3, {E3: 5, E4: 5})  # every entry a 5, on the two weakest

    result = analyse(entry_ids=[E1, E2, E3, E4], reviews=fair + flat, criteria=ONE, method="calibrated")

    assert [r.entry_id for r in result.entries] == [E1, E2, E3, E4]
    assert result.judges[J3].flat
    assert result.judges[J3].agreement is None
    assert result.judges[J3].bias > 1  # far above the consensus on those entries
    assert not result.judges[J1].flat


def test_a_nearly_flat_judge_is_not_amplified():
    # Fourteen 7s and one 8 (1-10 scale). With z-scores that 8 became z = 3.7 and an entry
    # scored (4, 8) ranked first of 15. In the model the 8 is one point above that judge's
    # usual, no more: the entry ranks where its plain mean puts it.
    ten = [CriterionData(id=A, weight=1.0, low=1, high=10)]
    others = dict(zip(range(15), [10, 9, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 3, 2, 4], strict=True))
    nearly_flat = {e: 8 if e == 14 else 7 for e in range(15)}
    data = reviews(J1, others) + reviews(J2, nearly_flat)

    ranked = compute_results(entry_ids=list(range(15)), reviews=data, criteria=ten, method="calibrated")
    z = zscore_totals(reviews=data, criteria=ten)

    assert max(z, key=z.get) == 14
    entry = by_entry(ranked)[14]
    assert entry.calibrated == pytest.approx(6.0)
    assert entry.rank == 10  # behind the nine entries whose plain mean is above 6
    assert entry.rank == 1 + sum(r.weighted > 6 + 1e-9 for r in ranked)


def test_a_judge_with_one_review_counts_but_is_held_toward_the_consensus():
    linked = reviews(J1, {E1: 4, E2: 2, E3: 3}) + reviews(J2, {E1: 5, E2: 3, E3: 4})

    def adjusted(score: int) -> tuple[float, float]:
        data = [*linked, ReviewData(judge_id=J3, entry_id=E3, scores={A: score})]
        figures = by_entry(compute_results(entry_ids=[E1, E2, E3], reviews=data, criteria=ONE, method="c"))
        return figures[E3].calibrated, zscore_totals(reviews=data, criteria=ONE)[E3]

    high, z_high = adjusted(5)
    low, z_low = adjusted(1)
    assert z_high == z_low  # the z-score ignored that judge's score entirely
    assert high > low
    # Without the prior a lone judge's bias would swallow the whole score (high == low);
    # with it, half the difference is read as bias and the rest as the entry.
    assert 0 < high - low < 4 / 3


def test_mixed_scales_are_put_on_0_to_1_before_weighting():
    ten = CriterionData(id=A, weight=1.0, low=1, high=10)
    five = CriterionData(id=B, weight=1.0, low=1, high=5)
    data = [
        ReviewData(judge_id=J1, entry_id=E1, scores={A: 9, B: 2}),  # raw mean 5.5
        ReviewData(judge_id=J1, entry_id=E2, scores={A: 5, B: 5}),  # raw mean 5.0
    ]
    figures = by_entry(compute_results(entry_ids=[E1, E2], reviews=data, criteria=[ten, five], method="weighted"))
    # On 0-1: E1 (8/9 + 1/4) / 2, E2 (4/9 + 1) / 2; shown on 1-10, the widest of equal weights.
    assert figures[E1].weighted == pytest.approx(1 + 9 * (8 / 9 + 1 / 4) / 2)
    assert figures[E2].weighted == pytest.approx(1 + 9 * (4 / 9 + 1) / 2)
    assert figures[E2].rank == 1


def test_excluded_judges_count_nowhere_but_are_still_diagnosed():
    data = reviews(J1, {E1: 4, E2: 2}) + reviews(J2, {E1: 1, E2: 5})
    result = analyse(entry_ids=[E1, E2], reviews=data, criteria=ONE, method="calibrated", excluded_judges={J2})
    figures = by_entry(result.entries)
    assert figures[E1].review_count == 1
    assert figures[E1].weighted == 4
    assert result.judges[J2].excluded
    assert result.judges[J2].review_count == 2


def test_agreement_and_harshness_of_judges():
    entries = dict(zip(range(8), [5, 4, 4, 3, 3, 2, 2, 1], strict=True))
    agrees = {e: max(1, v - 1) for e, v in entries.items()}  # harsh but in the same order
    contrarian = {e: 6 - v for e, v in entries.items()}
    another = {e: min(5, v + (e % 2)) for e, v in entries.items()}
    data = reviews(J1, entries) + reviews(J2, agrees) + reviews(J3, contrarian) + reviews(40, another)
    result = analyse(entry_ids=list(range(8)), reviews=data, criteria=ONE, method="calibrated")
    assert result.judges[J2].bias < 0 < result.judges[J1].bias
    assert result.judges[J2].agreement > 0.8
    assert result.judges[J3].agreement < 0


def test_fit_with_no_reviews():
    fit = fit_judge_effects([], ridge=1.0)
    assert (fit.quality, fit.sigma) == ({}, None)


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(math.sqrt(3) / 2)
