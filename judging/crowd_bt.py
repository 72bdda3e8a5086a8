"""Crowd-BT: pairwise ranking with judges of unknown reliability, as Gavel does it.

Pure maths, no Django: the judging app stores the numbers and calls these functions.

The model (Chen, Bennett, Collins-Thompson and Horvitz, 2013, "Pairwise ranking aggregation
in a crowdsourced setting") is Bradley-Terry with a reliability per judge:

* every entry i has a latent quality s_i, believed to be normal: s_i ~ N(mu_i, sigma_sq_i);
* every judge k tells the truth with probability eta_k, believed to be Beta(alpha_k, beta_k);
* a truthful judge prefers i to j with the Bradley-Terry probability
  p = e^s_i / (e^s_i + e^s_j); an untruthful one answers the other way round, so

      P(judge k says i beats j) = eta_k * p + (1 - eta_k) * (1 - p).

After each vote the posterior is no longer normal x Beta, so it is approximated by the
closest one again (moment matching, the paper's online update): one step of a Laplace-like
expansion for the two entries (section 3.1 of the paper), and the Beta with the posterior's
first two moments for the judge. `update` gives the formulas.

The next entry for a judge is the one with the largest expected information gain: the
expected Kullback-Leibler divergence from the current belief to the belief after the vote
(`expected_information_gain`), with the judge's part weighted by GAMMA as Gavel does.

`refit` fits the same model to a whole vote log at once (the paper's batch formulation),
for publication: it reads early votes with what later votes taught about their judges.

Gavel's constants (taken from the paper's experiments) are kept. Gavel uses numpy and
scipy; here `math.lgamma` gives the log Beta function and `_digamma` is a short series.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

MU_PRIOR = 0.0
SIGMA_SQ_PRIOR = 1.0
ALPHA_PRIOR = 10.0  # a new judge is believed right about 10 times in 11
BETA_PRIOR = 1.0
KAPPA = 0.0001  # a variance never shrinks below KAPPA times itself in one vote
GAMMA = 0.1  # weight of what a vote teaches about the judge, next to what it teaches about the entries
MIN_VIEWS = 2  # entries seen fewer times than this are preferred (Gavel's default MIN_VIEWS)
EPSILON = 0.25  # Gavel's chance of a random pick instead of the best one, when a caller asks for exploration

K = TypeVar("K", bound=Hashable)
J = TypeVar("J", bound=Hashable)


@dataclass(frozen=True)
class Item:
    """Belief about one entry's quality: N(mu, sigma_sq)."""

    mu: float = MU_PRIOR
    sigma_sq: float = SIGMA_SQ_PRIOR


@dataclass(frozen=True)
class Annotator:
    """Belief about one judge's chance of answering truthfully: Beta(alpha, beta)."""

    alpha: float = ALPHA_PRIOR
    beta: float = BETA_PRIOR


# The judges' prior wherever the app reads a judge from their votes: when their reliability
# is re-read to choose their next pair (`reassess`, judging/pairwise_services.py) and when
# the results are fitted (`refit`). Beta(2, 1), a judge believed right twice in three,
# worth 3 votes rather than Gavel's 11, so 15 to 30 votes are what decides whether a judge
# counts, and a judge who has voted little is still uncertain, so pairs that test them are
# worth something. In the simulation (README) it ranks as close to the truth as Gavel's
# prior and catches careless judges more often. The online `update` and the functions'
# defaults stay Gavel's.
JUDGES_PRIOR = Annotator(2.0, 1.0)
# How much the app chooses a judge's next pair for what it tells about the judge, beside
# what it tells about the entries (`expected_information_gain`'s gamma; Gavel's is GAMMA,
# 0.1), with the judge re-read from their votes from JUDGES_PRIOR. 3 is the simulation's
# best (`python -m judging.simulate --mode pairwise`, README): over seeds 1-1000 at k = 2 it
# catches careless judges in 92 % of seeds (87 % with Gavel's prior and gamma 10) and ranks
# as close to the truth.
PAIRING_GAMMA = 3.0


def reliability(annotator: Annotator) -> float:
    """The judge's expected chance of answering truthfully, alpha / (alpha + beta)."""
    return annotator.alpha / (annotator.alpha + annotator.beta)


def update(annotator: Annotator, winner: Item, loser: Item) -> tuple[Annotator, Item, Item]:
    """The beliefs after `annotator` said `winner` beats `loser`: (annotator, winner, loser).

    Write w, l for the two means, s_w, s_l for the variances, a, b for alpha, beta, and

        p = e^w / (e^w + e^l)             the Bradley-Terry chance that w wins,
        q = a e^w / (a e^w + b e^l).

    Entries. The vote's likelihood, averaged over the judge's reliability, is
    (a p + b (1 - p)) / (a + b); its log has first derivative in w of q - p and second
    derivative q (1 - q) - p (1 - p) (the same in l, with the sign of the first flipped).
    One Newton-like step from the prior gives the paper's update:

        w' = w + s_w (q - p)                    l' = l - s_l (q - p)
        s_w' = s_w max(1 + s_w (q(1-q) - p(1-p)), KAPPA)     and the same for s_l.

    With a > b the winner goes up and the loser down; a judge believed to answer at random
    (a = b, so q = p) moves nothing; one believed to lie (a < b) moves them the other way.
    The variances shrink unless the vote was a big surprise (a much weaker entry won).

    Judge. The chance that a truthful judge gives this answer, averaged over the entries'
    qualities with a second-order expansion of p around the means, is

        C1 = p + (s_w + s_l) / 2 * p (1 - p) (1 - 2 p),   C2 = 1 - C1,

    so the vote's likelihood in eta is C1 eta + C2 (1 - eta), with total probability
    C = (C1 a + C2 b) / (a + b). The posterior's first two moments are

        E[eta]   = (C1 (a+1) a + C2 a b) / (C (a+b+1) (a+b))
        E[eta^2] = (C1 (a+2)(a+1) a + C2 (a+1) a b) / (C (a+b+2)(a+b+1)(a+b))

    and the Beta with that mean m and variance v = E[eta^2] - m^2 has
    a' = m (m - E[eta^2]) / v and b' = (1 - m)(m - E[eta^2]) / v.
    """
    new_annotator, _ = _annotator_after(annotator, winner, loser)
    new_winner, new_loser = _items_after(annotator, winner, loser)
    return new_annotator, new_winner, new_loser


def expected_information_gain(annotator: Annotator, a: Item, b: Item, *, gamma: float = GAMMA) -> float:
    """How much `annotator` comparing `a` and `b` is expected to teach, in nats.

    With C the chance (under the current beliefs, the judge's reliability included) that the
    judge says a beats b, the gain is

        C * (KL(a after "a wins" || a) + KL(b after "a wins" || b) + gamma KL(judge after || judge))
        + (1 - C) * (the same after "b wins"),

    where for normals

        KL(N(m1, s1) || N(m2, s2)) = (m1 - m2)^2 / (2 s2) + (s1/s2 - 1 - ln(s1/s2)) / 2

    and for Betas, with B the Beta function and psi the digamma function,

        KL(Beta(a1, b1) || Beta(a2, b2)) = ln B(a2, b2) - ln B(a1, b1) + (a1 - a2) psi(a1)
            + (b1 - b2) psi(b1) + (a2 - a1 + b2 - b1) psi(a1 + b1).

    Every KL divergence is >= 0, so the gain is too; it is larger for entries the model
    is unsure about (large sigma_sq) and for pairs close in mean, whose outcome is least
    predictable, as long as the judge's answers mean something: for a judge the model
    doubts, a clear pair (an answer it can check) teaches more about the judge. `gamma`
    weighs the judge's part (GAMMA, Gavel's, by default).
    """
    judge_1, c = _annotator_after(annotator, a, b)
    a_1, b_1 = _items_after(annotator, a, b)
    judge_2, _ = _annotator_after(annotator, b, a)
    b_2, a_2 = _items_after(annotator, b, a)
    gain_1 = _kl_normal(a_1, a) + _kl_normal(b_1, b) + gamma * _kl_beta(judge_1, annotator)
    gain_2 = _kl_normal(a_2, a) + _kl_normal(b_2, b) + gamma * _kl_beta(judge_2, annotator)
    return max(0.0, c * gain_1 + (1 - c) * gain_2)  # rounding gives -1e-17 where nothing is learnt


def choose_next(
    annotator: Annotator,
    current: Item | None,
    candidates: Sequence[tuple[K, Item, int]],
    *,
    rng: random.Random | None = None,
    epsilon: float = 0.0,
    gamma: float = GAMMA,
) -> K | None:
    """The key of the entry the judge should see next, or None when there is none.

    `candidates` are (key, item, times seen by anyone) for the entries this judge may see
    next (the caller leaves out conflicts, other tracks and what the judge has seen).

    The gentle preference for the least seen is Gavel's: if some candidates have been seen
    fewer than MIN_VIEWS times, only those are considered; otherwise all are. Among them:

    * the first pick (`current` None) compares with nothing, so it is one of the least seen;
    * otherwise the one with the largest expected information gain against `current`.

    With `rng`, ties are broken at random (without it, by the candidates' order), and with
    `epsilon` > 0 (Gavel uses EPSILON) a random pool member is taken that often instead.
    `gamma` is `expected_information_gain`'s weight of what the vote teaches about the judge.
    """
    if not candidates:
        return None
    pool = [c for c in candidates if c[2] < MIN_VIEWS] or list(candidates)
    if rng is not None:
        rng.shuffle(pool)
    if current is None:
        fewest = min(seen for _, _, seen in pool)
        return next(key for key, _, seen in pool if seen == fewest)
    if rng is not None and epsilon > 0 and rng.random() < epsilon:
        return pool[0][0]
    return max(pool, key=lambda c: expected_information_gain(annotator, current, c[1], gamma=gamma))[0]


def replay(votes: Iterable[tuple[J, K, K]], *, ignored: Collection[J] = ()) -> tuple[dict[K, Item], dict[J, Annotator]]:
    """Every entry's and judge's belief after the votes (judge, winner, loser), in order.

    The votes of judges in `ignored` are skipped, as if never cast: their entries start
    from the prior like the others and the ignored judges keep the prior belief. Entries
    and judges appear in the result once they appear in a vote.
    """
    items: dict[K, Item] = {}
    judges: dict[J, Annotator] = {}
    for judge, winner, loser in votes:
        items.setdefault(winner, Item())
        items.setdefault(loser, Item())
        annotator = judges.setdefault(judge, Annotator())
        if judge in ignored:
            continue
        judges[judge], items[winner], items[loser] = update(annotator, items[winner], items[loser])
    return items, judges


def reassess(
    votes: Iterable[tuple[J, K, K]],
    items: Mapping[K, Item],
    *,
    ignored: Collection[J] = (),
    prior: Annotator = Annotator(),
) -> dict[J, Annotator]:
    """Each judge's belief re-estimated from `prior` by their votes, read against `items`
    (the entries' beliefs after all the votes, from `replay`), not against the beliefs at
    the moment of each vote.

    The online estimate (`replay`'s judges) learns little from a judge's early votes: the
    entries all look alike then, so any answer is as likely from a careful judge as from a
    careless one. Read against the final beliefs, each vote counts as evidence. Judges in
    `ignored` keep the prior.
    """
    judges: dict[J, Annotator] = {}
    for judge, winner, loser in votes:
        annotator = judges.setdefault(judge, prior)
        if judge not in ignored:
            judges[judge], _ = _annotator_after(annotator, items[winner], items[loser])
    return judges


def refit(
    votes: Iterable[tuple[J, K, K]],
    *,
    ignored: Collection[J] = (),
    rounds: int = 200,
    prior: Annotator = Annotator(),
) -> tuple[dict[K, Item], dict[J, Annotator]]:
    """Every entry's and judge's belief fitted to all the votes (judge, winner, loser) at once,
    for publication and the admin's reliability column, in `replay`'s shapes.

    `replay` reads each vote once, with what was known when it was cast: early votes move
    entries at a judge's prior reliability even if the judge turns out to vote at random.
    Here the same model and priors are fitted in one go (the paper's batch formulation):
    the most probable qualities s and reliabilities eta, with s_i ~ N(MU_PRIOR,
    SIGMA_SQ_PRIOR) and eta_k ~ Beta(prior.alpha, prior.beta), found by expectation-
    maximisation. Whether vote v was truthful is the hidden variable; given the fit so far,
    with p_v = e^s_w / (e^s_w + e^s_l), its chance is

        r_v = eta_k p_v / (eta_k p_v + (1 - eta_k)(1 - p_v)).

    Each round then sets eta_k = (prior.alpha - 1 + sum of judge k's r_v) / (prior.alpha +
    prior.beta - 2 + n_k), the mode of the Beta counting r_v truthful answers out of n_k,
    and moves each s_i by one Newton step on the Bradley-Terry fit in which vote v counts
    r_v times for its winner and 1 - r_v times for its loser, with the prior. A judge who
    agrees with the others no more than chance gets eta near 1/2, so r_v near 1/2: their
    votes pull both ways alike and move nothing. Every round raises the posterior; it stops
    when no s_i moves by more than 1e-6 (a few dozen rounds) or after `rounds`.

    Entries: N(s_i, sigma_sq_i), sigma_sq_i the inverse of the posterior's curvature in s_i,
    1 / SIGMA_SQ_PRIOR plus p (1 - p) - q (1 - q) for each of its votes (q as in `update`,
    at the judge's eta: a coin-tossing judge's votes make no entry surer). They do not
    depend on the order of the votes. Judges: `reassess` from `prior` at the fitted entries. Ignored
    judges' votes are skipped and they keep the prior, as in `replay`.

    `prior` is the judges' prior in the fit (the eta above), Gavel's by default. Gavel's
    Beta(10, 1) counts as 11 votes, a third of the evidence about a judge with 20 to 30
    votes: a weaker one (alpha > beta >= 1, so the fit cannot start at eta = 1/2 where
    nothing moves) lets a careless judge's eta fall further, and their votes count less.
    """
    votes = list(votes)
    keys = dict.fromkeys(key for _, winner, loser in votes for key in (winner, loser))
    counted = [(judge, w, lo) for judge, w, lo in votes if judge not in ignored]
    s, eta, touching = _fit(counted, keys, rounds, prior)
    items = {key: Item(mu, _fitted_variance(touching[key], s, eta)) for key, mu in s.items()}
    return items, reassess(votes, items, ignored=ignored, prior=prior)


_Touching = dict[K, list[tuple[int, J, K, K]]]  # each entry's votes: (index, judge, winner, loser)


def _fit(
    counted: list[tuple[J, K, K]], keys: Iterable[K], rounds: int, prior: Annotator
) -> tuple[dict[K, float], dict[J, float], _Touching]:
    """`refit`'s expectation-maximisation: (s, eta, each entry's votes)."""
    s = dict.fromkeys(keys, MU_PRIOR)
    eta = {judge: reliability(prior) for judge, _, _ in counted}
    touching: _Touching = {key: [] for key in s}
    for index, (judge, w, lo) in enumerate(counted):
        touching[w].append((index, judge, w, lo))
        touching[lo].append((index, judge, w, lo))
    r = [0.0] * len(counted)
    for _ in range(rounds):
        truthful = dict.fromkeys(eta, prior.alpha - 1.0)
        cast = dict.fromkeys(eta, prior.alpha + prior.beta - 2.0)
        for index, (judge, w, lo) in enumerate(counted):
            p = _logistic(s[w] - s[lo])
            r[index] = eta[judge] * p / (eta[judge] * p + (1 - eta[judge]) * (1 - p))
            truthful[judge] += r[index]
            cast[judge] += 1.0
        eta = {judge: truthful[judge] / cast[judge] for judge in eta}
        moved = 0.0
        for key, its_votes in touching.items():  # entries in turn, each step using the others' latest
            gradient = -(s[key] - MU_PRIOR) / SIGMA_SQ_PRIOR
            curvature = 1 / SIGMA_SQ_PRIOR
            for index, _, w, lo in its_votes:
                p = _logistic(s[w] - s[lo])
                gradient += (r[index] - p) if key == w else (p - r[index])
                curvature += p * (1 - p)
            s[key] += gradient / curvature
            moved = max(moved, abs(gradient / curvature))
        if moved < 1e-6:
            break
    return s, eta, touching


def _fitted_variance(its_votes: list[tuple[int, J, K, K]], s: Mapping[K, float], eta: Mapping[J, float]) -> float:
    """1 / the posterior's curvature in one entry's s at the fit (see `refit`)."""
    curvature = 1 / SIGMA_SQ_PRIOR
    for _, judge, w, lo in its_votes:
        p = _logistic(s[w] - s[lo])
        truthful = min(max(eta[judge], 1e-9), 1 - 1e-9)  # eta is 1 only if some p rounds to 1
        q = _logistic(s[w] - s[lo] + math.log(truthful / (1 - truthful)))
        curvature += p * (1 - p) - q * (1 - q)
    return 1 / max(curvature, KAPPA / SIGMA_SQ_PRIOR)  # a run of upsets can make it negative


def _logistic(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _items_after(annotator: Annotator, winner: Item, loser: Item) -> tuple[Item, Item]:
    """The entries' moment-matched normals after the vote (see `update`)."""
    d = winner.mu - loser.mu
    p = _logistic(d)
    q = _logistic(d + math.log(annotator.alpha / annotator.beta))  # a e^w / (a e^w + b e^l)
    step = q - p
    curvature = q * (1 - q) - p * (1 - p)
    return (
        Item(winner.mu + winner.sigma_sq * step, winner.sigma_sq * max(1 + winner.sigma_sq * curvature, KAPPA)),
        Item(loser.mu - loser.sigma_sq * step, loser.sigma_sq * max(1 + loser.sigma_sq * curvature, KAPPA)),
    )


def _annotator_after(annotator: Annotator, winner: Item, loser: Item) -> tuple[Annotator, float]:
    """The judge's moment-matched Beta after the vote, and the vote's total probability C."""
    a, b = annotator.alpha, annotator.beta
    p = _logistic(winner.mu - loser.mu)
    c1 = p + 0.5 * (winner.sigma_sq + loser.sigma_sq) * p * (1 - p) * (1 - 2 * p)
    c2 = 1 - c1
    c = (c1 * a + c2 * b) / (a + b)
    mean = (c1 * (a + 1) * a + c2 * a * b) / (c * (a + b + 1) * (a + b))
    second = (c1 * (a + 2) * (a + 1) * a + c2 * (a + 1) * a * b) / (c * (a + b + 2) * (a + b + 1) * (a + b))
    variance = second - mean**2
    return Annotator(mean * (mean - second) / variance, (1 - mean) * (mean - second) / variance), c


def _kl_normal(new: Item, old: Item) -> float:
    ratio = new.sigma_sq / old.sigma_sq
    return (new.mu - old.mu) ** 2 / (2 * old.sigma_sq) + (ratio - 1 - math.log(ratio)) / 2


def _kl_beta(new: Annotator, old: Annotator) -> float:
    a1, b1, a2, b2 = new.alpha, new.beta, old.alpha, old.beta
    return (
        _betaln(a2, b2)
        - _betaln(a1, b1)
        + (a1 - a2) * _digamma(a1)
        + (b1 - b2) * _digamma(b1)
        + (a2 - a1 + b2 - b1) * _digamma(a1 + b1)
    )


def _betaln(a: float, b: float) -> float:
    """ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b) (scipy's betaln, for a, b > 0)."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _digamma(x: float) -> float:
    """psi(x) = d/dx ln Gamma(x) for x > 0 (scipy's psi), to about 1e-12.

    Shifted up with psi(x) = psi(x + 1) - 1/x until x >= 6, then the asymptotic series
    ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10).
    """
    result = 0.0
    while x < 6:
        result -= 1 / x
        x += 1
    f = 1 / (x * x)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))
    return result + math.log(x) - 0.5 / x - series
