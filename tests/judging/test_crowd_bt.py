"""Crowd-BT's maths (judging/crowd_bt.py): the update against values worked out by hand,
its invariants, the expected information gain, the choice of the next entry, replay and
the batch refit."""

from __future__ import annotations

import math
import random

import pytest

from judging.crowd_bt import (
    ALPHA_PRIOR,
    BETA_PRIOR,
    MIN_VIEWS,
    MU_PRIOR,
    SIGMA_SQ_PRIOR,
    Annotator,
    Item,
    choose_next,
    expected_information_gain,
    reassess,
    refit,
    reliability,
    replay,
    update,
)

approx = pytest.approx


def test_update_from_the_priors_matches_the_hand_computed_values():
    """alpha = 10, beta = 1, both entries N(0, 1).

    p = e^0 / (e^0 + e^0) = 1/2;  q = 10 e^0 / (10 e^0 + 1 e^0) = 10/11
    step = q - p = 10/11 - 1/2 = 9/22                   -> winner 0 + 1 * 9/22 = 0.40909..
                                                           loser  0 - 1 * 9/22 = -0.40909..
    curvature = q(1-q) - p(1-p) = 10/121 - 1/4 = -81/484
    sigma_sq = 1 * max(1 - 81/484, KAPPA) = 403/484 = 0.83264..  (both)
    Judge: p(1-p)(1-2p) = 0, so C1 = C2 = 1/2: the vote says nothing about the judge;
    E[eta] = (1/2 * 11 * 10 + 1/2 * 10) / (1/2 * 12 * 11) = 60/66 = 10/11 = the prior's mean,
    E[eta^2] = (1/2 * 12*11*10 + 1/2 * 11*10) / (1/2 * 13*12*11) = 715/858 = 5/6 = the prior's,
    so alpha and beta stay 10 and 1.
    """
    judge, winner, loser = update(Annotator(), Item(), Item())

    assert (winner.mu, loser.mu) == (approx(9 / 22), approx(-9 / 22))
    assert (winner.sigma_sq, loser.sigma_sq) == (approx(403 / 484), approx(403 / 484))
    assert (judge.alpha, judge.beta) == (approx(10.0), approx(1.0))


def test_update_of_an_unequal_pair_matches_the_hand_computed_values():
    """alpha = 4, beta = 2; winner N(ln 2, 0.5) so e^w = 2; loser N(0, 0.8) so e^l = 1.

    p = 2 / (2 + 1) = 2/3;  q = 4*2 / (4*2 + 2*1) = 8/10 = 4/5
    step = 4/5 - 2/3 = 2/15
      winner mu = ln 2 + 0.5 * 2/15 = 0.693147.. + 0.066667 = 0.759814
      loser  mu = 0 - 0.8 * 2/15 = -8/75 = -0.106667
    curvature = q(1-q) - p(1-p) = 4/25 - 2/9 = -14/225
      winner sigma_sq = 0.5 * (1 - 0.5 * 14/225) = 0.5 * 218/225 = 109/225 = 0.484444
      loser  sigma_sq = 0.8 * (1 - 0.8 * 14/225) = 0.8 * 1069/1125 = 4276/5625 = 0.760178
    Judge:
      p(1-p)(1-2p) = 2/9 * -1/3 = -2/27
      C1 = 2/3 + (0.5 + 0.8)/2 * -2/27 = 2/3 - 1.3/27 = 167/270;  C2 = 103/270
      C  = (167/270 * 4 + 103/270 * 2) / 6 = 874/1620 = 437/810
      E[eta]   = (C1 * 5*4 + C2 * 4*2) / (C * 7*6) = (3340 + 824)/270 / (437/810 * 42) = 2082/3059
      E[eta^2] = (C1 * 6*5*4 + C2 * 5*4*2) / (C * 8*7*6) = (20040 + 4120)/270 / (437/810 * 336)
               = 1510/3059
      v = 1510/3059 - (2082/3059)^2 = 284366/9357481
      alpha = E (E - E2) / v = 595452/142183 = 4.187927
      beta  = (1 - E)(E - E2) / v = 279422/142183 = 1.965228
    The judge agreed with the favourite: reliability 4/6 = 0.6667 -> 2082/3059 = 0.6806.
    """
    judge, winner, loser = update(Annotator(4.0, 2.0), Item(math.log(2), 0.5), Item(0.0, 0.8))

    assert winner == Item(approx(math.log(2) + 1 / 15), approx(109 / 225))
    assert loser == Item(approx(-8 / 75), approx(4276 / 5625))
    assert judge == Annotator(approx(595452 / 142183), approx(279422 / 142183))
    assert reliability(judge) == approx(2082 / 3059)


def test_priors_are_gavels():
    assert (MU_PRIOR, SIGMA_SQ_PRIOR, ALPHA_PRIOR, BETA_PRIOR) == (0.0, 1.0, 10.0, 1.0)
    assert Item() == Item(0.0, 1.0)
    assert reliability(Annotator()) == approx(10 / 11)


GRID = [-1.0, -0.3, 0.0, 0.4, 1.0, 2.5]
SIGMAS = [0.05, 0.4, 1.0]


def test_update_moves_the_winner_up_and_the_loser_down_and_shrinks_both():
    for w in GRID:
        for l in GRID:  # noqa: E741
            for s in SIGMAS:
                if w - l < -1.0:
                    continue  # a big upset widens the variances (next test)
                _, winner, loser = update(Annotator(), Item(w, s), Item(l, s))
                assert winner.mu > w and loser.mu < l, (w, l, s)
                assert winner.sigma_sq < s and loser.sigma_sq < s, (w, l, s)
                assert winner.sigma_sq > 0 and loser.sigma_sq > 0


def test_a_big_upset_widens_the_variances():
    # p = 1/(1 + e^3) = 0.047, q = 1/(1 + e^(3 - ln 10)) = 0.332: q(1-q) = 0.222 > p(1-p) = 0.045.
    # The upset still moves the entries the way of the vote.
    _, winner, loser = update(Annotator(), Item(-1.5, 1.0), Item(1.5, 1.0))

    assert winner.mu > -1.5 and loser.mu < 1.5
    assert winner.sigma_sq > 1.0 and loser.sigma_sq > 1.0


def test_the_judge_gains_reliability_agreeing_with_a_clear_favourite_and_loses_it_otherwise():
    strong, weak = Item(2.0, 0.2), Item(-2.0, 0.2)
    before = reliability(Annotator())

    agreeing, _, _ = update(Annotator(), strong, weak)
    disagreeing, _, _ = update(Annotator(), weak, strong)
    between_equals, _, _ = update(Annotator(), Item(0.5, 0.2), Item(0.5, 0.2))

    assert reliability(agreeing) > before > reliability(disagreeing)
    assert reliability(between_equals) == approx(before)
    assert agreeing.alpha > ALPHA_PRIOR and disagreeing.beta > BETA_PRIOR


def test_a_reliable_judge_moves_the_entries_more_and_a_random_one_not_at_all():
    moves = []
    for judge in (Annotator(10.0, 1.0), Annotator(3.0, 1.0), Annotator(1.0, 1.0)):
        _, winner, _ = update(judge, Item(), Item())
        moves.append(winner.mu)

    assert moves[0] > moves[1] > 0
    assert moves[2] == approx(0.0)


def test_a_judge_believed_to_lie_moves_the_entries_the_other_way():
    _, winner, loser = update(Annotator(1.0, 5.0), Item(), Item())

    assert winner.mu < 0 < loser.mu


def test_information_gain_between_two_fresh_entries_matches_the_hand_computed_value():
    """From the first test, either outcome gives N(+-9/22, 403/484) and leaves the judge as
    it was. Each entry's KL = (9/22)^2 / 2 + (403/484 - 1 - ln(403/484)) / 2
    = 81/968 - 81/968 - ln(403/484)/2; two entries, either outcome: ln(484/403) = 0.183143."""
    assert expected_information_gain(Annotator(), Item(), Item()) == approx(math.log(484 / 403))


MEANS = [-2.0, -0.5, 0.0, 0.7, 2.0]
JUDGES = [Annotator(), Annotator(3.0, 2.0), Annotator(1.0, 1.0), Annotator(2.0, 6.0), Annotator(50.0, 3.0)]


def test_information_gain_is_never_negative():
    for judge in JUDGES:
        for ma in MEANS:
            for mb in MEANS:
                for sa in SIGMAS:
                    for sb in SIGMAS:
                        gain = expected_information_gain(judge, Item(ma, sa), Item(mb, sb))
                        assert gain >= 0, (judge, ma, mb, sa, sb)


# Judges whose answers mean something (reliability well away from 1/2). For a judge the
# model doubts (Beta(3, 2), Beta(1, 1)) a clear pair teaches more about the judge than a
# close one does about the entries, so there the far pair can win: Gavel's model too.
TELLING_JUDGES = (Annotator(), Annotator(5.0, 1.0), Annotator(30.0, 2.0), Annotator(2.0, 6.0))


def test_information_gain_is_higher_for_uncertain_pairs():
    for judge in TELLING_JUDGES:
        for ma, mb in ((0.0, 0.0), (0.0, 0.7), (-0.5, 2.0)):
            gains = [expected_information_gain(judge, Item(ma, s), Item(mb, s)) for s in SIGMAS]
            assert gains[0] < gains[1] < gains[2], (judge, ma, mb)


def test_information_gain_is_higher_for_close_pairs_than_far_apart_ones():
    for judge in TELLING_JUDGES:
        for s in (0.4, 1.0):
            gains = [expected_information_gain(judge, Item(0.0, s), Item(gap, s)) for gap in (0.0, 0.5, 1.5, 3.0)]
            assert gains == sorted(gains, reverse=True), (judge, s)
            assert gains[0] > 3 * gains[-1]


def test_a_random_judge_teaches_nothing_about_the_entries():
    # Beta(1, 1): eta is as likely below as above 1/2, so a vote moves no entry; what is
    # left is GAMMA times what the vote says about the judge.
    random_judge = expected_information_gain(Annotator(1.0, 1.0), Item(0.0, 1.0), Item(0.3, 1.0))
    careful_judge = expected_information_gain(Annotator(), Item(0.0, 1.0), Item(0.3, 1.0))

    assert random_judge < careful_judge / 10


def test_gamma_weighs_what_the_vote_teaches_about_the_judge():
    # A random judge's vote moves no entry, so all it teaches is about the judge.
    judge, a, b = Annotator(1.0, 1.0), Item(0.0, 1.0), Item(0.3, 1.0)

    assert expected_information_gain(judge, a, b, gamma=0.0) == approx(0.0, abs=1e-12)
    assert expected_information_gain(judge, a, b, gamma=2.0) == approx(20 * expected_information_gain(judge, a, b))


def test_a_large_gamma_sends_a_judge_to_a_pair_that_checks_them():
    # A clear pair's answer is all but known, so it tells about the judge, not the entries.
    candidates = [("far", Item(3.0, 0.5), 0), ("close", Item(0.1, 0.5), 0)]
    judge = Annotator(5.0, 1.0)

    assert choose_next(judge, Item(0.0, 0.5), candidates) == "close"
    assert choose_next(judge, Item(0.0, 0.5), candidates, gamma=10.0) == "far"


def test_choose_next_returns_none_without_candidates():
    assert choose_next(Annotator(), Item(), []) is None
    assert choose_next(Annotator(), None, []) is None


def test_choose_next_takes_the_pair_with_the_largest_gain():
    candidates = [("far", Item(3.0, 1.0), 0), ("close", Item(0.1, 1.0), 0), ("certain", Item(0.0, 0.05), 0)]

    assert choose_next(Annotator(), Item(0.0, 1.0), candidates) == "close"
    assert choose_next(Annotator(), Item(0.0, 1.0), candidates, rng=random.Random(1)) == "close"


def test_choose_next_prefers_entries_seen_fewer_than_min_views_times():
    # "close" would teach the most, but it has been seen enough and "far" has not.
    candidates = [("close", Item(0.1, 1.0), MIN_VIEWS), ("far", Item(3.0, 0.5), MIN_VIEWS - 1)]

    assert choose_next(Annotator(), Item(0.0, 1.0), candidates) == "far"
    # Once every candidate has been seen enough, the gain decides again.
    candidates = [("close", Item(0.1, 1.0), MIN_VIEWS + 3), ("far", Item(3.0, 0.5), MIN_VIEWS)]
    assert choose_next(Annotator(), Item(0.0, 1.0), candidates) == "close"


def test_the_first_pick_is_one_of_the_least_seen():
    candidates = [("a", Item(), 3), ("b", Item(), 0), ("c", Item(), 1), ("d", Item(), 0)]

    assert choose_next(Annotator(), None, candidates) == "b"
    picks = {choose_next(Annotator(), None, candidates, rng=random.Random(seed)) for seed in range(40)}
    assert picks == {"b", "d"}


def test_choose_next_only_returns_candidates():
    rng = random.Random(5)
    for _ in range(50):
        candidates = [(f"e{i}", Item(rng.gauss(0, 1), rng.uniform(0.1, 1)), rng.randint(0, 4)) for i in range(6)]
        keys = {key for key, _, _ in candidates}
        assert choose_next(Annotator(), Item(), candidates, rng=rng, epsilon=0.3) in keys
        assert choose_next(Annotator(), None, candidates, rng=rng) in keys


def test_epsilon_sometimes_explores_instead_of_taking_the_best():
    candidates = [("far", Item(3.0, 1.0), 0), ("close", Item(0.1, 1.0), 0), ("certain", Item(0.0, 0.05), 0)]
    rng = random.Random(3)

    picks = [choose_next(Annotator(), Item(), candidates, rng=rng, epsilon=0.5) for _ in range(200)]

    assert set(picks) == {"far", "close", "certain"}
    assert picks.count("close") > 100  # the best, plus its share of the random picks


VOTES = [
    ("ann", "x", "y"),
    ("bob", "y", "z"),
    ("ann", "x", "z"),
    ("eve", "z", "x"),
    ("bob", "x", "y"),
    ("eve", "z", "w"),
    ("ann", "w", "y"),
]


def test_replay_equals_the_updates_one_after_another():
    items = {key: Item() for key in "wxyz"}
    judges = {name: Annotator() for name in ("ann", "bob", "eve")}
    for judge, winner, loser in VOTES:
        judges[judge], items[winner], items[loser] = update(judges[judge], items[winner], items[loser])

    assert replay(VOTES) == (items, judges)


def test_replay_ignoring_a_judge_equals_replaying_the_others_votes():
    others = [vote for vote in VOTES if vote[0] != "eve"]

    items, judges = replay(VOTES, ignored={"eve"})
    expected_items, expected_judges = replay(others)

    assert {key: items[key] for key in expected_items} == expected_items
    assert {name: judges[name] for name in expected_judges} == expected_judges
    assert judges["eve"] == Annotator()
    assert items != replay(VOTES)[0]  # eve's votes did count before


def test_replay_of_nothing_is_empty():
    assert replay([]) == ({}, {})


def test_reassess_reads_every_vote_against_the_final_beliefs():
    items = {"top": Item(1.5, 0.1), "mid": Item(0.0, 0.1), "low": Item(-1.5, 0.1)}
    votes = [("ann", "top", "mid"), ("ann", "mid", "low"), ("bob", "low", "top"), ("bob", "mid", "top")]

    judges = reassess(votes, items)

    # ann's first vote, read against the final beliefs, is update()'s judge at those beliefs.
    first, _, _ = update(Annotator(), items["top"], items["mid"])
    assert reassess(votes[:1], items) == {"ann": first}
    assert reliability(judges["ann"]) > reliability(Annotator()) > reliability(judges["bob"])


def test_reassess_leaves_ignored_judges_at_the_prior():
    items, _ = replay(VOTES)

    judges = reassess(VOTES, items, ignored={"eve"})

    assert judges["eve"] == Annotator()
    assert judges["ann"] == reassess([v for v in VOTES if v[0] == "ann"], items)["ann"]


# A log where the careful judges agree on the order a > b > c > d > e > f, each with one
# slip, and eve's answers are half with them and half against.
ORDER = "abcdef"
PAIRS = [(ORDER[i], ORDER[j]) for i in range(6) for j in range(i + 1, 6)]  # 15, better one first


def _careful_and_careless_log() -> list[tuple[str, str, str]]:
    votes = []
    for n, judge in enumerate(("ann", "bob", "cid")):
        for index, (better, worse) in enumerate(PAIRS):
            slip = index == 3 * n + 1  # each errs once, on a different close pair
            votes.append((judge, worse, better) if slip else (judge, better, worse))
    for index, (better, worse) in enumerate(PAIRS):
        votes.append(("eve", better, worse) if index % 2 else ("eve", worse, better))
    return votes


def test_refit_rates_a_careless_judge_below_the_careful_ones_and_ranks_as_they_do():
    votes = _careful_and_careless_log()

    items, judges = refit(votes)

    careful = [reliability(judges[name]) for name in ("ann", "bob", "cid")]
    assert reliability(judges["eve"]) < min(careful)
    assert reliability(judges["eve"]) < reliability(Annotator()) < min(careful)
    assert sorted(items, key=lambda key: -items[key].mu) == list(ORDER)
    assert all(0 < item.sigma_sq < SIGMA_SQ_PRIOR for item in items.values())


def test_refit_with_a_weaker_judges_prior_lets_the_careless_judges_votes_count_less():
    votes = _careful_and_careless_log()
    without_eve, _ = refit([vote for vote in votes if vote[0] != "eve"])

    def eves_pull(items: dict[str, Item]) -> float:
        return sum(abs(items[key].mu - without_eve[key].mu) for key in ORDER)

    assert eves_pull(refit(votes, prior=Annotator(2.0, 1.0))[0]) < eves_pull(refit(votes)[0])


def test_refit_of_a_coin_tossing_judge_alone_moves_nothing_much():
    # eve alone, half her answers each way: the entries stay near the prior.
    votes = [vote for vote in _careful_and_careless_log() if vote[0] == "eve"]

    items, _ = refit(votes)

    assert max(abs(item.mu) for item in items.values()) < 0.5


def test_refit_ignoring_a_judge_equals_refitting_the_others_votes():
    votes = _careful_and_careless_log()
    others = [vote for vote in votes if vote[0] != "ann"]

    items, judges = refit(votes, ignored={"ann"})
    expected_items, expected_judges = refit(others)

    assert items == expected_items
    assert {name: judges[name] for name in expected_judges} == expected_judges
    assert judges["ann"] == Annotator()
    assert items != refit(votes)[0]


def test_refit_is_deterministic_and_its_entries_do_not_depend_on_the_votes_order():
    votes = _careful_and_careless_log()
    shuffled = votes[:]
    random.Random(5).shuffle(shuffled)
    eve_first = votes[-15:] + votes[:-15]

    items, judges = refit(votes)

    assert refit(votes) == (items, judges)
    for other in (shuffled, eve_first):
        again, _ = refit(other)
        for key in ORDER:
            assert (again[key].mu, again[key].sigma_sq) == (
                approx(items[key].mu, abs=1e-5),
                approx(items[key].sigma_sq),
            )
    # replay, reading each vote once, depends on when eve voted.
    assert replay(eve_first)[0]["a"].mu != approx(replay(votes)[0]["a"].mu, abs=0.01)


def test_refit_of_nothing_is_empty():
    assert refit([]) == ({}, {})
