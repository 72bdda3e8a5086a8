"""How close does each ranking come to the truth? The reference scenario of issue 8.

40 entries with a true quality drawn from N(0, 1). 8 judges on a 1-10 scale, each with a
harshness offset uniform in +-2 points and a scale use uniform in x0.6-1.4 (how far from the
middle of the scale they go for the same difference in quality). Reading an entry gives a
judge one noisy impression of it, in points:

    impression = scale use * POINTS * quality + noise (sd 1 point)

and the judge's scores on the three criteria all come from that impression, each with a
small noise of its own (sd 0.3), so the criteria are correlated as real ones are, not three
independent measurements:

    score = middle of the scale + offset + impression + criterion noise, rounded, clamped

POINTS = 1.5: one standard deviation of quality is worth 1.5 points to a typical judge, so
+-2 sd spans 2.5-8.5. With the assignment used before this model, this scenario gives the
plain mean and the z-score the Spearman correlations issue 8 measured (0.86 and 0.89 at
k = 3, 0.79 and 0.82 at k = 2), which is how POINTS was chosen.

Entries go to k judges through the real assignment code, and the real scoring code ranks
them by the plain weighted mean, by the per-judge z-score (the method used before) and by
the judge-effects model. Spearman's correlation of each ranking with the true order is
averaged over the seeds.

    python -m judging.simulate [--seeds 100] [--entries 40] [--judges 8] [--k 3 2]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from statistics import fmean

from .assignment import JudgeSlot, assign
from .scoring import CriterionData, ReviewData, compute_results, spearman, zscore_totals

LOW, HIGH = 1, 10
POINTS = 1.5  # points on the 1-10 scale per standard deviation of quality
CRITERION_NOISE = 0.3  # each criterion's own noise, next to the shared impression's 1.0


@dataclass(frozen=True)
class Trial:
    seed: int
    k: int
    plain: float
    zscore: float
    model: float


def simulate(
    *,
    seed: int,
    k: int = 3,
    entries: int = 40,
    judges: int = 8,
    criteria: int = 3,
    offset: float = 2.0,
    scale_use: tuple[float, float] = (0.6, 1.4),
    noise: float = 1.0,
) -> Trial:
    """One jam: each ranking's Spearman correlation with the true quality."""
    rng = random.Random(seed)
    truth = {e: rng.gauss(0, 1) for e in range(entries)}
    harshness = {j: rng.uniform(-offset, offset) for j in range(judges)}
    stretch = {j: rng.uniform(*scale_use) for j in range(judges)}
    crit = [CriterionData(id=c, weight=1.0, low=LOW, high=HIGH) for c in range(criteria)]
    pairs = assign(
        entry_ids=list(truth),
        judges=[JudgeSlot(judge_id=j, cap=None) for j in range(judges)],
        k=k,
        conflicts=set(),
        existing=set(),
        seed=seed,
    )
    middle = (LOW + HIGH) / 2

    def score(judge: int, impression: float) -> int:
        raw = middle + harshness[judge] + impression + rng.gauss(0, CRITERION_NOISE)
        return max(LOW, min(HIGH, round(raw)))

    reviews = []
    for j, e in sorted(pairs):
        impression = stretch[j] * POINTS * truth[e] + rng.gauss(0, noise)  # in points, shared by the criteria
        reviews.append(ReviewData(judge_id=j, entry_id=e, scores={c.id: score(j, impression) for c in crit}))
    order = list(truth)
    ranked = compute_results(entry_ids=order, reviews=reviews, criteria=crit, method="calibrated")
    figures = {r.entry_id: r for r in ranked}
    z = zscore_totals(reviews=reviews, criteria=crit)
    true = [truth[e] for e in order]
    return Trial(
        seed=seed,
        k=k,
        plain=spearman(true, [figures[e].weighted for e in order]),
        zscore=spearman(true, [z[e] for e in order]),
        model=spearman(true, [figures[e].calibrated for e in order]),
    )


def time_results(*, entries: int = 300, k: int = 3, criteria: int = 5, judges: int = 20, repeat: int = 5) -> float:
    """Best wall time, in seconds, of computing results for entries x k reviews x criteria,
    assigned by the real assignment code."""
    rng = random.Random(0)
    crit = [CriterionData(id=c, weight=1.0 + c % 2, low=1, high=5 if c % 2 else 10) for c in range(criteria)]
    pairs = assign(
        entry_ids=list(range(entries)),
        judges=[JudgeSlot(judge_id=j, cap=None) for j in range(judges)],
        k=k,
        conflicts=set(),
        existing=set(),
        seed=0,
    )
    reviews = [
        ReviewData(judge_id=j, entry_id=e, scores={c.id: rng.randint(int(c.low), int(c.high)) for c in crit})
        for j, e in sorted(pairs)
    ]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        compute_results(entry_ids=list(range(entries)), reviews=reviews, criteria=crit, method="calibrated")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--judges", type=int, default=8)
    parser.add_argument("--k", type=int, nargs="+", default=[3, 2])
    parser.add_argument("--offset", type=float, default=2.0, help="harshness offsets are uniform in ± this, in points")
    args = parser.parse_args(argv)

    print(
        f"{args.entries} entries, {args.judges} judges (harshness +-{args.offset:g} points on {LOW}-{HIGH}, "
        f"scale use x0.6-1.4, noise sd 1, 3 correlated criteria), {args.seeds} seeds"
    )
    print("Spearman correlation with the true order, mean over seeds (lowest seed in brackets):")
    print(f"{'':>6}  {'plain mean':>16}  {'z-score':>16}  {'model':>16}  model beats z-score")
    for k in args.k:
        trials = [
            simulate(seed=s, k=k, entries=args.entries, judges=args.judges, offset=args.offset)
            for s in range(1, args.seeds + 1)
        ]
        cells = [_cell([getattr(t, name) for t in trials]) for name in ("plain", "zscore", "model")]
        wins = sum(t.model > t.zscore for t in trials)
        print(f"{'k = ' + str(k):>6}  {cells[0]:>16}  {cells[1]:>16}  {cells[2]:>16}  in {wins} of {len(trials)} seeds")
    print(f"results for 300 entries x 3 reviews x 5 criteria: {time_results() * 1000:.1f} ms (best of 5)")


def _cell(values: list[float]) -> str:
    return f"{fmean(values):.3f} ({min(values):.3f})"


if __name__ == "__main__":
    main()
