"""Results from judges' scores: plain figures in, figures out, no database.

For every entry: the mean per criterion, the weighted total, the calibrated total, the
number of reviews and their spread.

Calibration: judges differ in harshness. Each review's weighted score is turned into a
z-score over that judge's own reviews (how far above or below their usual), the z-scores
are averaged per entry, and the average is mapped back onto the scale with the mean and
spread of all reviews, so it reads like a score.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean, pstdev

TIE_PLACES = 9  # totals equal to this many decimals are ties


@dataclass(frozen=True)
class CriterionData:
    id: int
    weight: float


@dataclass(frozen=True)
class ReviewData:
    judge_id: int
    entry_id: int
    scores: dict[int, float]  # criterion id -> value


@dataclass
class EntryResult:
    entry_id: int
    review_count: int = 0
    criterion_means: dict[int, float] = field(default_factory=dict)
    weighted: float | None = None
    calibrated: float | None = None
    spread: float | None = None  # standard deviation of the reviews' weighted scores
    rank: int | None = None

    def total(self, method: str) -> float | None:
        return self.calibrated if method == "calibrated" else self.weighted


def weighted_score(scores: dict[int, float], criteria: list[CriterionData]) -> float | None:
    """The weighted mean over the criteria scored; None if none was."""
    scored = [(c.weight, scores[c.id]) for c in criteria if c.id in scores]
    total_weight = sum(w for w, _ in scored)
    if not total_weight:
        return None
    return sum(w * v for w, v in scored) / total_weight


def compute_results(
    *, entry_ids: list[int], reviews: list[ReviewData], criteria: list[CriterionData], method: str
) -> list[EntryResult]:
    """Figures for every entry, ranked by `method` ("weighted" or "calibrated"), best first."""
    results = {entry_id: EntryResult(entry_id=entry_id) for entry_id in entry_ids}
    by_entry: dict[int, list[ReviewData]] = defaultdict(list)
    review_scores: dict[int, list[tuple[ReviewData, float]]] = defaultdict(list)
    for review in reviews:
        if review.entry_id not in results:
            continue
        by_entry[review.entry_id].append(review)
        score = weighted_score(review.scores, criteria)
        if score is not None:
            review_scores[review.judge_id].append((review, score))

    for entry_id, entry_reviews in by_entry.items():
        result = results[entry_id]
        result.review_count = len(entry_reviews)
        for criterion in criteria:
            values = [r.scores[criterion.id] for r in entry_reviews if criterion.id in r.scores]
            if values:
                result.criterion_means[criterion.id] = fmean(values)
        result.weighted = weighted_score(result.criterion_means, criteria)

    _calibrate(results, review_scores)
    ranked = sorted(results.values(), key=lambda r: _sort_key(r, method))
    _assign_ranks(ranked, method)
    return ranked


def _calibrate(results: dict[int, EntryResult], review_scores: dict[int, list[tuple[ReviewData, float]]]) -> None:
    everything = [score for pairs in review_scores.values() for _, score in pairs]
    if not everything:
        return
    overall_mean, overall_spread = fmean(everything), pstdev(everything)
    z_by_entry: dict[int, list[float]] = defaultdict(list)
    raw_by_entry: dict[int, list[float]] = defaultdict(list)
    for pairs in review_scores.values():
        scores = [score for _, score in pairs]
        judge_mean, judge_spread = fmean(scores), pstdev(scores)
        for review, score in pairs:
            # A judge who gave every entry the same score tells us nothing about order.
            z = (score - judge_mean) / judge_spread if judge_spread > 0 else 0.0
            z_by_entry[review.entry_id].append(z)
            raw_by_entry[review.entry_id].append(score)
    for entry_id, zs in z_by_entry.items():
        results[entry_id].calibrated = overall_mean + fmean(zs) * overall_spread
        results[entry_id].spread = pstdev(raw_by_entry[entry_id]) if len(raw_by_entry[entry_id]) > 1 else 0.0


def _sort_key(result: EntryResult, method: str) -> tuple:
    total = result.total(method)
    # Unreviewed entries last; then best first; then a stable order.
    return (total is None, -round(total, TIE_PLACES) if total is not None else 0, result.entry_id)


def _assign_ranks(ranked: list[EntryResult], method: str) -> None:
    """Standard competition ranking: equal totals share a rank (1, 2, 2, 4)."""
    previous, previous_rank = None, 0
    for position, result in enumerate(ranked, start=1):
        total = result.total(method)
        if total is None:
            result.rank = None
            continue
        key = round(total, TIE_PLACES)
        result.rank = previous_rank if key == previous else position
        previous, previous_rank = key, result.rank


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    rx, ry = _average_ranks(xs), _average_ranks(ys)
    mx, my = fmean(rx), fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return cov / var if var else 0.0


def _average_ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks
