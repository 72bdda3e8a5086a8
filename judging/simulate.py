"""Does calibration rank entries closer to the truth than the plain mean?

Builds entries with a known true quality, judges who are harsh or lenient by a fixed
offset and noisy, assigns k reviews per entry with the real assignment code, computes
the results with the real scoring code, and prints, per seed, Spearman's correlation of
each ranking with the true order. Also times the results for 300 entries x 3 reviews x 5
criteria.

    python -m judging.simulate [--seeds 10] [--entries 60] [--judges 8] [--k 3]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from statistics import fmean

from .assignment import JudgeSlot, assign
from .scoring import CriterionData, ReviewData, compute_results, spearman

SCALE = (1, 5)


@dataclass(frozen=True)
class Trial:
    seed: int
    plain: float
    calibrated: float


def _clamp(value: float) -> int:
    return max(SCALE[0], min(SCALE[1], round(value)))


def simulate(
    *, seed: int, entries: int = 60, judges: int = 8, k: int = 3, criteria: int = 3, offset: float = 1.0
) -> Trial:
    """One trial: the correlation with the truth of the plain mean and of the calibrated total."""
    rng = random.Random(seed)
    truth = {e: rng.uniform(1.5, 4.5) for e in range(entries)}
    # Half the judges are harsh, half lenient; all are noisy.
    bias = {j: (-offset if j % 2 else offset) + rng.gauss(0, 0.2) for j in range(judges)}
    crit = [CriterionData(id=c, weight=1.0) for c in range(criteria)]
    pairs = assign(
        entry_ids=list(truth),
        judges=[JudgeSlot(judge_id=j, cap=None) for j in range(judges)],
        k=k,
        conflicts=set(),
        existing=set(),
        seed=seed,
    )
    reviews = [
        ReviewData(
            judge_id=j,
            entry_id=e,
            scores={c.id: _clamp(truth[e] + bias[j] + rng.gauss(0, 0.5)) for c in crit},
        )
        for j, e in sorted(pairs)
    ]
    order = list(truth)
    figures = {
        r.entry_id: r for r in compute_results(entry_ids=order, reviews=reviews, criteria=crit, method="weighted")
    }
    true = [truth[e] for e in order]
    return Trial(
        seed=seed,
        plain=spearman(true, [figures[e].weighted for e in order]),
        calibrated=spearman(true, [figures[e].calibrated for e in order]),
    )


def time_results(*, entries: int = 300, k: int = 3, criteria: int = 5, repeat: int = 5) -> float:
    """Best wall time, in seconds, of computing results for entries x k reviews x criteria."""
    rng = random.Random(0)
    crit = [CriterionData(id=c, weight=1.0 + c % 2) for c in range(criteria)]
    reviews = [
        ReviewData(judge_id=(e * k + r) % 20, entry_id=e, scores={c.id: rng.randint(1, 5) for c in crit})
        for e in range(entries)
        for r in range(k)
    ]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        compute_results(entry_ids=list(range(entries)), reviews=reviews, criteria=crit, method="calibrated")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--entries", type=int, default=60)
    parser.add_argument("--judges", type=int, default=8)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--offset", type=float, default=1.0, help="how harsh or lenient judges are, in points")
    args = parser.parse_args(argv)

    trials = [
        simulate(seed=s, entries=args.entries, judges=args.judges, k=args.k, offset=args.offset)
        for s in range(1, args.seeds + 1)
    ]
    print(f"{args.entries} entries, {args.judges} judges (half harsh, half lenient by ±{args.offset}), k={args.k}")
    print(f"{'seed':>4}  {'plain mean':>10}  {'calibrated':>10}")
    for t in trials:
        print(f"{t.seed:>4}  {t.plain:>10.3f}  {t.calibrated:>10.3f}")
    print(f"{'mean':>4}  {fmean(t.plain for t in trials):>10.3f}  {fmean(t.calibrated for t in trials):>10.3f}")
    wins = sum(t.calibrated > t.plain for t in trials)
    print(f"calibrated closer to the truth in {wins} of {len(trials)} seeds")
    print(f"results for 300 entries x 3 reviews x 5 criteria: {time_results() * 1000:.1f} ms (best of 5)")


if __name__ == "__main__":
    main()
