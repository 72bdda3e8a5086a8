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

Pairwise mode (issue 12, `--mode pairwise`): the same true qualities (the same draws from
each seed), judged by comparing pairs with Crowd-BT (judging/crowd_bt.py); see
`simulate_pairwise`.

    python -m judging.simulate --mode pairwise [--seeds 100] [--k 3 2] [--careless 2] [--scale 0.55]
                                               [--epsilon 0] [--gamma 0.1 10] [--reread 10]
                                               [--reread-weak 3] [--weak-prior 2 1] [--first-seed 1]

The last column (`--reread-weak 3`: gamma 3, judges re-read, Beta(2, 1) for judges) is
what the app does (judging/pairwise_services.py, crowd_bt.JUDGES_PRIOR).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass
from statistics import fmean

from . import crowd_bt
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
    careless: int = 0,
) -> Trial:
    """One jam: each ranking's Spearman correlation with the true quality.

    `careless` judges (issue 12's comparison) join the `judges` in the assignment and score
    every criterion uniformly at random."""
    rng = random.Random(seed)
    truth = {e: rng.gauss(0, 1) for e in range(entries)}
    harshness = {j: rng.uniform(-offset, offset) for j in range(judges)}
    stretch = {j: rng.uniform(*scale_use) for j in range(judges)}
    crit = [CriterionData(id=c, weight=1.0, low=LOW, high=HIGH) for c in range(criteria)]
    pairs = assign(
        entry_ids=list(truth),
        judges=[JudgeSlot(judge_id=j, cap=None) for j in range(judges + careless)],
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
        if j >= judges:
            reviews.append(ReviewData(judge_id=j, entry_id=e, scores={c.id: rng.randint(LOW, HIGH) for c in crit}))
            continue
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


# How sharply a careful judge tells two entries apart: P(prefers a) = 1 / (1 + e^-(q_a - q_b) / S).
# Matched to the rubric model's judges: one impression is 1.5 points per sd of quality plus
# noise sd 1 point, so comparing two impressions errs with noise sd sqrt(2) / 1.5 = 0.94 sd of
# quality, P = Phi(diff / 0.94); the logistic closest to that has S = 0.94 / 1.7 = 0.55
# (the usual 1.7 between probit and logit). Qualities are N(0, 1): neighbours in a field of
# 40 differ by about 0.06, so they are a coin toss; entries 1 sd apart are told right 86 % of the time.
PAIRWISE_SCALE = 0.55
GAVEL_PRIOR = crowd_bt.Annotator()  # a judge's prior reliability, Beta(10, 1)


@dataclass(frozen=True)
class PairwiseTrial:
    seed: int
    k: int
    spearman: float  # the ranking published: crowd_bt.refit's means
    spearman_online: float  # the means after the last vote, as Gavel ranks
    comparisons: int
    # Is every careless judge's reliability below every careful judge's? As crowd_bt.refit has
    # it (published, and in the admin), as Crowd-BT has it after the last vote (online), re-read
    # against the online beliefs after the last vote (crowd_bt.reassess), and by each judge's
    # share of votes agreeing with the true order (an oracle).
    careless_below: bool
    careless_below_online: bool
    careless_below_reassessed: bool
    careless_below_truth: bool


def simulate_pairwise(
    *,
    seed: int,
    k: int = 3,
    entries: int = 40,
    judges: int = 8,
    careless: int = 2,
    scale: float = PAIRWISE_SCALE,
    epsilon: float = 0.0,
    gamma: float = crowd_bt.GAMMA,
    reread: bool = False,
    judge_prior: crowd_bt.Annotator = GAVEL_PRIOR,
    looks: int | None = None,
) -> PairwiseTrial:
    """One jam judged by pairs, with as much of each judge's time as `simulate` at `k`.

    Equal time: the rubric model's judges each give k * entries / judges reviews; a
    comparison costs half a review, so each pairwise judge gets twice that many looks at an
    entry (the first look of a judge's walk compares with nothing, and counts too). The
    careful judges are the rubric scenario's `judges`, with the same time each; the
    `careless` judges come on top, with the same time each, and vote at random: their votes
    only add noise that Crowd-BT has to discount.

    Judges walk the floor in turns (in a random order each round): each looks at the entry
    crowd_bt.choose_next gives them (with `epsilon` and `gamma`) among those they have not
    seen, and says whether it beats the one they saw just before. choose_next is given the
    judge's online belief, or with `reread` their belief re-read (crowd_bt.reassess) from
    `judge_prior` by all their votes so far against the current beliefs, once a round. The
    published ranking is by crowd_bt.refit's means, with `judge_prior` the judges' prior in
    that fit too.

    `looks` overrides each judge's number of looks (the shared budget of `main`).
    """
    rng = random.Random(seed)
    truth = {e: rng.gauss(0, 1) for e in range(entries)}  # the same draws as simulate()'s
    rng = random.Random(f"pairwise {seed}")
    careful_ids = set(range(judges))
    everyone = list(range(judges + careless))
    items = {e: crowd_bt.Item() for e in truth}
    annotators = {j: crowd_bt.Annotator() for j in everyone}
    seen: dict[int, set[int]] = {j: set() for j in everyone}
    views = dict.fromkeys(truth, 0)
    current: dict[int, int | None] = dict.fromkeys(everyone)
    votes: list[tuple[int, int, int]] = []
    for _ in range(looks if looks is not None else 2 * k * entries // judges):
        rng.shuffle(everyone)
        if reread:
            beliefs = {**dict.fromkeys(everyone, judge_prior), **crowd_bt.reassess(votes, items, prior=judge_prior)}
        else:
            beliefs = annotators
        for j in everyone:
            candidates = [(e, items[e], views[e]) for e in truth if e not in seen[j]]
            before = current[j]
            chosen = crowd_bt.choose_next(
                beliefs[j], None if before is None else items[before], candidates, rng=rng, epsilon=epsilon, gamma=gamma
            )
            if chosen is None:
                continue
            seen[j].add(chosen)
            views[chosen] += 1
            current[j] = chosen
            if before is None:
                continue
            if j in careful_ids:
                new_wins = rng.random() < 1 / (1 + math.exp(-(truth[chosen] - truth[before]) / scale))
            else:
                new_wins = rng.random() < 0.5
            winner, loser = (chosen, before) if new_wins else (before, chosen)
            annotators[j], items[winner], items[loser] = crowd_bt.update(annotators[j], items[winner], items[loser])
            votes.append((j, winner, loser))
    fitted, fitted_judges = crowd_bt.refit(votes, prior=judge_prior)
    agreed = {j: fmean(truth[w] > truth[lo] for v, w, lo in votes if v == j) for j in fitted_judges}

    def careless_below(figure: dict[int, float]) -> bool:
        return max((figure[j] for j in figure if j not in careful_ids), default=-1.0) < min(
            figure[j] for j in careful_ids
        )

    def below(beliefs: dict[int, crowd_bt.Annotator]) -> bool:
        return careless_below({j: crowd_bt.reliability(a) for j, a in beliefs.items()})

    order = list(truth)
    true = [truth[e] for e in order]
    return PairwiseTrial(
        seed=seed,
        k=k,
        spearman=spearman(true, [fitted.get(e, crowd_bt.Item()).mu for e in order]),
        spearman_online=spearman(true, [items[e].mu for e in order]),
        comparisons=len(votes),
        careless_below=below(fitted_judges),
        careless_below_online=below(annotators),
        careless_below_reassessed=below(crowd_bt.reassess(votes, items)),
        careless_below_truth=careless_below(agreed),
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
    parser.add_argument("--mode", choices=["rubric", "pairwise"], default="rubric")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--judges", type=int, default=8)
    parser.add_argument("--k", type=int, nargs="+", default=[3, 2])
    parser.add_argument("--offset", type=float, default=2.0, help="harshness offsets are uniform in ± this, in points")
    parser.add_argument("--careless", type=int, default=2, help="pairwise: judges who vote at random, on top")
    parser.add_argument("--scale", type=float, default=PAIRWISE_SCALE, help="pairwise: the careful judges' logistic s")
    parser.add_argument("--epsilon", type=float, default=0.0, help="pairwise: choose_next's share of random picks")
    parser.add_argument(
        "--gamma",
        type=float,
        nargs="*",
        default=[crowd_bt.GAMMA, 10.0],
        help="pairwise: choose_next's gamma, a column each",
    )
    parser.add_argument(
        "--reread",
        type=float,
        nargs="*",
        default=[10.0],
        help="pairwise: gammas to walk with re-read judges, a column each",
    )
    parser.add_argument(
        "--reread-weak",
        type=float,
        nargs="*",
        default=[crowd_bt.PAIRING_GAMMA],
        help="pairwise: those, with --weak-prior",
    )
    parser.add_argument(
        "--weak-prior",
        type=float,
        nargs=2,
        default=[crowd_bt.JUDGES_PRIOR.alpha, crowd_bt.JUDGES_PRIOR.beta],
        help="pairwise: the judges' alpha, beta when re-read and in refit",
    )
    parser.add_argument(
        "--first-seed", type=int, default=1, help="pairwise: seeds first-seed .. first-seed + seeds - 1"
    )
    args = parser.parse_args(argv)
    if args.mode == "pairwise":
        _main_pairwise(args)
        return

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


def _main_pairwise(args: argparse.Namespace) -> None:
    n, j, c = args.entries, args.judges, args.careless
    gavel, weak = GAVEL_PRIOR, crowd_bt.Annotator(*args.weak_prior)
    walks = [(g, False, gavel) for g in args.gamma]
    walks += [(g, True, gavel) for g in args.reread] + [(g, True, weak) for g in args.reread_weak]
    heads = [
        f"{g:g}" + (" re-read" if reread else "") + ("" if prior == gavel else f" {prior.alpha:g}:{prior.beta:g}")
        for g, reread, prior in walks
    ]
    print(
        f"Pairwise (Crowd-BT, judging/crowd_bt.py) beside the rubric model: {n} entries with the same true "
        f"qualities, {args.seeds} seeds ({args.first_seed} to {args.first_seed + args.seeds - 1}).\n"
        f"Judge time: a comparison costs half a review, so a judge gets two looks at an entry for each review "
        f"(the first look of a walk\ncompares with nothing). A careful judge prefers a to b with "
        f"P = 1 / (1 + exp(-(q_a - q_b) / {args.scale:g})): as noisy as two impressions\nof the rubric model, "
        f"without its harshness and scale use. {c} careless judges vote (or score) at random.\n"
        f"Published figures: crowd_bt.refit of all the votes (ranking, and judges' reliability).\n"
        f"Columns: judges walk by choose_next (epsilon {args.epsilon:g}) with the gamma given, the weight of what "
        f"a vote teaches about the judge\n({crowd_bt.GAMMA:g} is Gavel's); 're-read': choose_next gets each judge's "
        f"belief re-read (crowd_bt.reassess) once a round, not the\nonline one; "
        f"'{weak.alpha:g}:{weak.beta:g}': judges re-read from, and refit with, the prior Beta({weak.alpha:g}, "
        f"{weak.beta:g}) instead of Gavel's Beta({gavel.alpha:g}, {gavel.beta:g})."
    )
    alone = _pairwise_table(
        args,
        walks,
        heads,
        title=f"A. Careless judges on top: the rubric model's {j} judges alone at k reviews per entry (k x {n} / {j} "
        f"reviews each);\n   pairwise: the same {j} careful judges with the same time each, plus {c} careless "
        f"judges with as much time each.",
        rubric_careless=0,
        share=j,
    )
    shared = _pairwise_table(
        args,
        walks,
        heads,
        title=f"B. The same {j + c} judges ({j} careful, {c} careless) in both, sharing the time: rubric at k reviews "
        f"per entry\n   (k x {n} / {j + c} reviews each), pairwise with twice that many looks each.",
        rubric_careless=c,
        share=j + c,
    )
    print(
        f"\nC. The rubric model's {j} judges' time shared by the {j + c} pairwise judges: B's pairwise minus A's "
        f"rubric model:"
    )
    print(f"{'':>24}  {'':>14}" + "".join(f"  {h:>16}" for h in heads))
    for (label, rubric, _), (_, _, pairwise) in zip(alone, shared, strict=True):
        cells = [f"{fmean(t.spearman for t in trials) - fmean(rubric):+.3f}" for trials in pairwise]
        print(f"{label.split(' (')[0]:>24}  {'':>14}" + "".join(f"  {cell:>16}" for cell in cells))
    print(
        "\nTargets: pairwise within 0.03 of the rubric model at the same k (equal time); "
        "careless below careful in >= 90 % of seeds."
    )


def _pairwise_table(
    args: argparse.Namespace,
    walks: list[tuple[float, bool, crowd_bt.Annotator]],
    heads: list[str],
    *,
    title: str,
    rubric_careless: int,
    share: int,
) -> list[tuple[str, list[float], list[list[PairwiseTrial]]]]:
    """One comparison at equal time, printed: each judge has `share`-th of the rubric's
    k x entries reviews. Returns the rows: (label, rubric's Spearman, pairwise trials per walk)."""
    n, j, c = args.entries, args.judges, args.careless
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows = []
    for k in args.k:
        looks = 2 * k * n // share
        rubric = [
            simulate(seed=s, k=k, entries=n, judges=j, offset=args.offset, careless=rubric_careless).model
            for s in seeds
        ]
        pairwise = [
            [
                simulate_pairwise(
                    seed=s,
                    entries=n,
                    judges=j,
                    careless=c,
                    scale=args.scale,
                    epsilon=args.epsilon,
                    gamma=gamma,
                    reread=reread,
                    judge_prior=prior,
                    looks=looks,
                )
                for s in seeds
            ]
            for gamma, reread, prior in walks
        ]
        rows.append((f"k = {k} ({looks} looks each)", rubric, pairwise))
    print(
        f"\n{title}\nSpearman with the true order, mean over seeds (the rubric's 5th percentile in brackets), "
        f"pairwise minus rubric:"
    )
    print(f"{'':>24}  {'':>14}  pairwise, by choose_next's gamma:")
    print(f"{'':>24}  {'rubric model':>14}" + "".join(f"  {h:>16}" for h in heads))
    for label, rubric, pairwise in rows:
        cells = [
            f"{fmean(t.spearman for t in trials):.3f} {fmean(t.spearman for t in trials) - fmean(rubric):+.3f}"
            for trials in pairwise
        ]
        print(f"{label:>24}  {_cell5(rubric):>14}" + "".join(f"  {cell:>16}" for cell in cells))
    print("Seeds where both careless judges' reliability is below every careful judge's:")
    for label, _, pairwise in rows:
        shares = [f"{_share(trials, 'careless_below'):.0%}" for trials in pairwise]
        print(f"{label:>24}  {'':>14}" + "".join(f"  {cell:>16}" for cell in shares))
    print(
        "Without refit: Spearman of the means after the last vote / careless below careful as re-read after the "
        "walk (crowd_bt.reassess):"
    )
    for label, _, pairwise in rows:
        cells = [
            f"{fmean(t.spearman_online for t in trials):.3f} / {_share(trials, 'careless_below_reassessed'):.0%}"
            for trials in pairwise
        ]
        print(f"{label:>24}  {'':>14}" + "".join(f"  {cell:>16}" for cell in cells))
    return rows


def _share(trials: list[PairwiseTrial], name: str) -> float:
    return sum(getattr(t, name) for t in trials) / len(trials)


def _cell5(values: list[float]) -> str:
    """Mean and 5th percentile."""
    fifth = sorted(values)[max(0, math.ceil(len(values) * 0.05) - 1)]
    return f"{fmean(values):.3f} ({fifth:.3f})"


def _cell(values: list[float]) -> str:
    return f"{fmean(values):.3f} ({min(values):.3f})"


if __name__ == "__main__":
    main()
