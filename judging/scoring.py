"""Results from judges' scores: plain figures in, figures out, no database.

For every entry: the mean per criterion, the weighted total, the total adjusted for judge
harshness with its standard error, the number of reviews and their spread. For every
judge: how harsh they are, how well they agree with the others, whether they scored
everything the same.

Each criterion is first put on 0-1 by its own scale (a 1-10 criterion would otherwise
carry more than twice the spread of a 1-5 one at equal weight); totals are weighted means
of those, shown back on the jam's scale.

The adjusted total comes from a judge-effects model: a review's total = the entry's
quality + the judge's bias + noise, fitted by least squares over all reviews at once, so
an entry's place does not depend on which judges it drew as long as the judges are linked
by shared entries (assignment sees to that). A small ridge prior pulls each judge's bias
toward 0 as if they had also given RIDGE reviews exactly at the consensus: a judge with
one review cannot move much, a judge with fifteen is barely held back. The fit is exact:
the entries are eliminated and the small judges-by-judges system is solved by Cholesky,
whose inverse also gives each entry's standard error.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

TIE_PLACES = 9  # totals equal to this many decimals are ties
RIDGE = 1.0  # the prior on a judge's bias, worth this many reviews at the consensus
FLAT = 1e-9  # review totals closer than this (on 0-1) count as the same score


@dataclass(frozen=True)
class CriterionData:
    id: int
    weight: float
    low: float = 1
    high: float = 5


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
    weighted_se: float | None = None  # standard error of the plain mean
    calibrated: float | None = None  # adjusted for judge harshness
    calibrated_se: float | None = None  # standard error from the fit
    spread: float | None = None  # standard deviation of the reviews' weighted totals
    rank: int | None = None
    tied: bool = False  # shares its rank with another entry
    too_close: bool = False  # its interval overlaps the next place's or the previous one's
    # Pairwise judging: Crowd-BT's mean and its standard deviation (the square root of
    # its variance); review_count is then the comparisons the entry was in.
    mu: float | None = None
    mu_se: float | None = None

    def total(self, method: str) -> float | None:
        if method == "pairwise":
            return self.mu
        return self.calibrated if method == "calibrated" else self.weighted

    def se(self, method: str) -> float | None:
        if method == "pairwise":
            return self.mu_se
        return self.calibrated_se if method == "calibrated" else self.weighted_se

    @property
    def reviewed(self) -> bool:
        return self.review_count > 0


@dataclass
class JudgeResult:
    judge_id: int
    review_count: int = 0
    bias: float | None = None  # points above the consensus on the jam's scale; below 0 is harsh
    agreement: float | None = None  # correlation with the other judges' adjusted view
    flat: bool = False  # gave every entry the same total
    excluded: bool = False


@dataclass
class Analysis:
    entries: list[EntryResult]  # ranked, best first; unreviewed last
    judges: dict[int, JudgeResult]
    scale: tuple[float, float]
    noise: float | None  # the fit's residual standard deviation, on the jam's scale


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _sd(values: list[float], *, sample: bool) -> float:
    """Standard deviation in plain floats (statistics' exact arithmetic is 10x slower)."""
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - (1 if sample else 0)))


def jam_scale(criteria: list[CriterionData]) -> tuple[float, float]:
    """The scale totals are shown on: the one carrying the most weight (1-5 if none)."""
    weight: dict[tuple[float, float], float] = defaultdict(float)
    for c in criteria:
        weight[c.low, c.high] += c.weight
    if not weight:
        return (1, 5)
    return max(weight, key=lambda s: (weight[s], s[1] - s[0], -s[0]))


def unit_score(scores: dict[int, float], criteria: list[CriterionData]) -> float | None:
    """The weighted mean over the criteria scored, each put on 0-1 by its scale; None if
    none was scored."""
    scored = [(c.weight, (scores[c.id] - c.low) / (c.high - c.low)) for c in criteria if c.id in scores]
    total_weight = sum(w for w, _ in scored)
    if not total_weight:
        return None
    return sum(w * v for w, v in scored) / total_weight


def compute_results(
    *, entry_ids: list[int], reviews: list[ReviewData], criteria: list[CriterionData], method: str
) -> list[EntryResult]:
    """Figures for every entry, ranked by `method` ("weighted" or "calibrated"), best first."""
    return analyse(entry_ids=entry_ids, reviews=reviews, criteria=criteria, method=method).entries


def analyse(
    *,
    entry_ids: list[int],
    reviews: list[ReviewData],
    criteria: list[CriterionData],
    method: str,
    excluded_judges: frozenset[int] | set[int] = frozenset(),
    ridge: float | None = None,
) -> Analysis:
    """Entries ranked by `method`, and every judge's diagnostics. Reviews by an excluded
    judge count nowhere in the entries' figures; the judge still gets diagnostics."""
    ridge = RIDGE if ridge is None else ridge
    low, high = jam_scale(criteria)
    width = high - low
    results = {entry_id: EntryResult(entry_id=entry_id) for entry_id in entry_ids}
    counted = [r for r in reviews if r.entry_id in results and r.judge_id not in excluded_judges]
    units = [(r.judge_id, r.entry_id, u) for r in counted if (u := unit_score(r.scores, criteria)) is not None]

    _plain_figures(results, counted, units, criteria, low, width)
    fit = fit_judge_effects(units, ridge=ridge)
    for entry_id, quality in fit.quality.items():
        results[entry_id].calibrated = low + quality * width
        se = fit.se.get(entry_id)
        results[entry_id].calibrated_se = None if se is None else se * width

    ranked = sorted(results.values(), key=lambda r: _sort_key(r, method))
    _assign_ranks(ranked, method)
    judges = _diagnose(reviews, criteria, fit, excluded_judges, ridge, results, width)
    noise = None if fit.sigma is None else fit.sigma * width
    return Analysis(entries=ranked, judges=judges, scale=(low, high), noise=noise)


def _plain_figures(results, counted, units, criteria, low, width) -> None:
    by_entry: dict[int, list[ReviewData]] = defaultdict(list)
    for review in counted:
        by_entry[review.entry_id].append(review)
    totals: dict[int, list[float]] = defaultdict(list)
    for _judge, entry_id, unit in units:
        totals[entry_id].append(low + unit * width)
    for entry_id, entry_reviews in by_entry.items():
        result = results[entry_id]
        result.review_count = len(entry_reviews)
        for criterion in criteria:
            values = [r.scores[criterion.id] for r in entry_reviews if criterion.id in r.scores]
            if values:
                result.criterion_means[criterion.id] = _mean(values)
        unit = unit_score(result.criterion_means, criteria)
        result.weighted = None if unit is None else low + unit * width
        scores = totals[entry_id]
        result.spread = _sd(scores, sample=False) if len(scores) > 1 else 0.0 if scores else None
        result.weighted_se = _sd(scores, sample=True) / math.sqrt(len(scores)) if len(scores) > 1 else None


# The judge-effects model ---------------------------------------------------------------


@dataclass
class Fit:
    quality: dict[int, float]  # entry -> estimated quality (0-1 units)
    se: dict[int, float | None]  # entry -> its standard error, None when the data can't say
    bias: dict[int, float]  # judge -> estimated bias
    sigma: float | None  # residual standard deviation, None with no degrees of freedom left


def fit_judge_effects(units: list[tuple[int, int, float]], *, ridge: float) -> Fit:
    """Least squares for y = quality[entry] + bias[judge], with ridge * bias² added.

    Setting the derivative for each entry to 0 gives quality = mean over its reviews of
    (y - bias); putting that into the judges' equations leaves S·bias = r, with
    S = diag(reviews + ridge) - Σ_entries c·cᵀ / n (c: which judges reviewed the entry,
    n: how many), positive definite for ridge > 0. The quality's variance is
    σ²·(1/n + cᵀ P c / n²), the entries' block of the inverse of the whole system, where P
    is S⁻¹ given that the biases average 0."""
    if not units:
        return Fit(quality={}, se={}, bias={}, sigma=None)
    judges = sorted({j for j, _, _ in units})
    index = {j: i for i, j in enumerate(judges)}
    on_entry: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for judge, entry, y in units:
        on_entry[entry].append((index[judge], y))

    size = len(judges)
    s = [[0.0] * size for _ in range(size)]
    r = [0.0] * size
    for i in range(size):
        s[i][i] = ridge
    for reviews in on_entry.values():
        n = len(reviews)
        mean_y = _mean(y for _, y in reviews)
        for i, y in reviews:
            s[i][i] += 1
            r[i] += y - mean_y
            for i2, _ in reviews:
                s[i][i2] -= 1 / n

    chol = _cholesky(s)
    bias_vec = _solve(chol, r)
    # The panel as a whole is the reference: biases are made to average exactly 0. This
    # moves every entry alike (the ranking stays), and takes the panel's common level out
    # of the standard errors, which are about entries compared with each other.
    inverse = _inverse(chol)
    u = [sum(row) for row in inverse]
    total = sum(u)
    level = sum(bias_vec) / total
    bias_vec = [b - ui * level for b, ui in zip(bias_vec, u, strict=True)]
    relative = [[inverse[i][i2] - u[i] * u[i2] / total for i2 in range(size)] for i in range(size)]
    bias = {j: bias_vec[index[j]] for j in judges}

    quality = {e: _mean(y - bias_vec[i] for i, y in reviews) for e, reviews in on_entry.items()}
    rss = sum((y - quality[e] - bias_vec[i]) ** 2 for e, reviews in on_entry.items() for i, y in reviews)
    free = len(units) - len(on_entry) - len(judges) + _components(on_entry, size)
    sigma = math.sqrt(rss / free) if free > 0 else None

    se: dict[int, float | None] = {}
    for e, reviews in on_entry.items():
        if sigma is None:
            se[e] = None
            continue
        n = len(reviews)
        spread = sum(relative[i][i2] for i, _ in reviews for i2, _ in reviews)
        se[e] = sigma * math.sqrt(1 / n + spread / n**2)
    return Fit(quality=quality, se=se, bias=bias, sigma=sigma)


def _components(on_entry: dict[int, list[tuple[int, float]]], size: int) -> int:
    """Groups of judges linked by shared entries (each leaves one level free without the
    prior, which is why it counts back a degree of freedom)."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for reviews in on_entry.values():
        first = root(reviews[0][0])
        for i, _ in reviews[1:]:
            parent[root(i)] = first
    return len({root(i) for i in range(size)})


def _cholesky(a: list[list[float]]) -> list[list[float]]:
    """Lower-triangular L with L·Lᵀ = a, for a symmetric positive definite a."""
    size = len(a)
    low = [[0.0] * size for _ in range(size)]
    for i in range(size):
        row = low[i]
        for j in range(i + 1):
            other = low[j]
            total = a[i][j] - sum(row[k] * other[k] for k in range(j))
            row[j] = math.sqrt(total) if i == j else total / other[j]
    return low


def _solve(low: list[list[float]], b: list[float]) -> list[float]:
    size = len(low)
    y = [0.0] * size
    for i in range(size):
        y[i] = (b[i] - sum(low[i][k] * y[k] for k in range(i))) / low[i][i]
    x = [0.0] * size
    for i in reversed(range(size)):
        x[i] = (y[i] - sum(low[k][i] * x[k] for k in range(i + 1, size))) / low[i][i]
    return x


def _inverse(low: list[list[float]]) -> list[list[float]]:
    size = len(low)
    columns = [_solve(low, [1.0 if i == j else 0.0 for i in range(size)]) for j in range(size)]
    return [[columns[j][i] for j in range(size)] for i in range(size)]


# Judges --------------------------------------------------------------------------------


def _diagnose(reviews, criteria, fit: Fit, excluded, ridge, results, width) -> dict[int, JudgeResult]:
    """Each judge's bias, agreement and flatness. Agreement compares the judge's totals
    with what the other judges' reviews say of the same entries, adjusted for their biases,
    so a judge is not measured against a consensus they make up themselves."""
    units_by_judge: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_entry: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for review in reviews:
        unit = unit_score(review.scores, criteria)
        if unit is None or review.entry_id not in results:
            continue
        units_by_judge[review.judge_id].append((review.entry_id, unit))
        if review.judge_id not in excluded:
            by_entry[review.entry_id].append((review.judge_id, unit))
    diagnostics = {}
    for judge, units in units_by_judge.items():
        result = JudgeResult(judge_id=judge, review_count=len(units), excluded=judge in excluded)
        values = [u for _, u in units]
        result.flat = len(values) > 1 and max(values) - min(values) < FLAT
        bias = fit.bias.get(judge)
        if bias is None:  # left out of the fit: measured against it afterwards, same prior
            offsets = [u - fit.quality[e] for e, u in units if e in fit.quality]
            bias = sum(offsets) / (len(offsets) + ridge) if offsets else None
        result.bias = None if bias is None else bias * width
        pairs = []
        for entry, unit in units:
            others = [u - fit.bias.get(j, 0.0) for j, u in by_entry[entry] if j != judge]
            if others:
                pairs.append((unit, _mean(others)))
        result.agreement = _correlation(pairs) if len(pairs) >= 3 and not result.flat else None
        diagnostics[judge] = result
    return diagnostics


def _correlation(pairs: list[tuple[float, float]]) -> float | None:
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    mx, my = _mean(xs), _mean(ys)
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    var = math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))
    return cov / var if var > FLAT else None


# Ranking -------------------------------------------------------------------------------


def _sort_key(result: EntryResult, method: str) -> tuple:
    total = result.total(method)
    # Unreviewed entries last; then best first; then a stable order.
    return (total is None, -round(total, TIE_PLACES) if total is not None else 0, result.entry_id)


def _assign_ranks(ranked: list[EntryResult], method: str) -> None:
    """Standard competition ranking: equal totals share a rank (1, 2, 2, 4), and are
    marked tied. Neighbours whose intervals (total ± standard error) overlap are marked
    too close to call; with no standard error the data can't tell, so they are too."""
    previous, previous_rank = None, 0
    placed = [r for r in ranked if r.total(method) is not None]
    for position, result in enumerate(placed, start=1):
        key = round(result.total(method), TIE_PLACES)
        result.rank = previous_rank if key == previous else position
        previous, previous_rank = key, result.rank
    for upper, lower in itertools.pairwise(placed):
        if upper.rank == lower.rank:
            upper.tied = lower.tied = True
        if _overlap(upper, lower, method):
            upper.too_close = lower.too_close = True


def rerank(results: list[EntryResult], method: str) -> list[EntryResult]:
    """Part of a ranking ranked again on its own, as a track's: the same figures (copies),
    places, ties and "too close to call" counted among these entries only."""
    copies = [replace(result, rank=None, tied=False, too_close=False) for result in results]
    ranked = sorted(copies, key=lambda r: _sort_key(r, method))
    _assign_ranks(ranked, method)
    return ranked


def _overlap(upper: EntryResult, lower: EntryResult, method: str) -> bool:
    up_se, low_se = upper.se(method), lower.se(method)
    if up_se is None or low_se is None:
        return True
    return upper.total(method) - up_se <= lower.total(method) + low_se


def rank_pairwise(estimates: dict[int, tuple[float, float, int]]) -> list[EntryResult]:
    """Entries ranked by Crowd-BT's mean, best first, from entry id -> (mu, sigma_sq,
    comparisons). An entry in no comparison is unranked (last), as an unreviewed one is;
    equal means share a place and overlapping mu ± sd are too close to call, as in the
    rubric's ranking."""
    results = []
    for entry_id, (mu, sigma_sq, comparisons) in estimates.items():
        result = EntryResult(entry_id=entry_id, review_count=comparisons)
        if comparisons:
            result.mu, result.mu_se = mu, math.sqrt(sigma_sq)
        results.append(result)
    ranked = sorted(results, key=lambda r: _sort_key(r, "pairwise"))
    _assign_ranks(ranked, "pairwise")
    return ranked


# Comparisons for the simulation --------------------------------------------------------


def zscore_totals(*, reviews: list[ReviewData], criteria: list[CriterionData]) -> dict[int, float]:
    """The method this model replaced, kept for the simulation to compare: each review's
    total as a z-score over its judge's reviews (0 for a judge with no spread), averaged
    per entry. Flawed as the simulation shows: one review gives z = 0 whatever the score,
    a nearly flat judge's one different score becomes huge."""
    per_judge: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for review in reviews:
        unit = unit_score(review.scores, criteria)
        if unit is not None:
            per_judge[review.judge_id].append((review.entry_id, unit))
    zs: dict[int, list[float]] = defaultdict(list)
    for pairs in per_judge.values():
        values = [u for _, u in pairs]
        mean, spread = _mean(values), _sd(values, sample=False)
        for entry, unit in pairs:
            zs[entry].append((unit - mean) / spread if spread > 0 else 0.0)
    return {entry: _mean(values) for entry, values in zs.items()}


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    rx, ry = _average_ranks(xs), _average_ranks(ys)
    mx, my = _mean(rx), _mean(ry)
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
