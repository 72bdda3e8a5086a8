"""The simulation behind the adjusted ranking, on fixed seeds: the reference scenario of
issue 8 through the real assignment and scoring code."""

from statistics import fmean

from judging import crowd_bt
from judging.simulate import main, simulate, simulate_pairwise

SEEDS = range(1, 13)


def test_the_model_beats_the_z_score_when_judges_differ_in_harshness():
    for k in (3, 2):
        trials = [simulate(seed=seed, k=k) for seed in SEEDS]
        assert fmean(t.model for t in trials) > fmean(t.zscore for t in trials), f"k = {k}"
        assert fmean(t.model for t in trials) > fmean(t.plain for t in trials) + 0.02, f"k = {k}"


def test_with_unbiased_judges_the_model_stays_within_001_of_the_plain_mean():
    for k in (3, 2):
        trials = [simulate(seed=seed, k=k, offset=0.0, scale_use=(1.0, 1.0)) for seed in SEEDS]
        assert fmean(t.model for t in trials) > fmean(t.plain for t in trials) - 0.01, f"k = {k}"


def test_simulation_is_reproducible():
    assert simulate(seed=3) == simulate(seed=3)


def test_simulate_prints_the_three_methods_side_by_side(capsys):
    main(["--seeds", "2"])
    out = capsys.readouterr().out
    assert "plain mean           z-score             model" in out
    assert " k = 3 " in out and " k = 2 " in out
    assert "results for 300 entries x 3 reviews x 5 criteria:" in out


# Issue 12: pairwise judging with Crowd-BT beside the rubric model, on a few seeds.
PAIRWISE_SEEDS = range(1, 9)


def test_pairwise_ranks_the_entries_sanely_and_uses_the_judges_time():
    trials = [simulate_pairwise(seed=seed, k=3) for seed in PAIRWISE_SEEDS]

    # 10 judges x 30 looks, the first look of each walk without a vote.
    assert {t.comparisons for t in trials} == {10 * 29}
    assert fmean(t.spearman for t in trials) > 0.8
    assert min(t.spearman for t in trials) > 0.6


def test_pairwise_without_careless_judges_keeps_up_with_the_rubric_model():
    pairwise = [simulate_pairwise(seed=seed, k=3, careless=0).spearman for seed in PAIRWISE_SEEDS]
    rubric = [simulate(seed=seed, k=3).model for seed in PAIRWISE_SEEDS]

    assert fmean(pairwise) > fmean(rubric) - 0.03


def test_the_refit_tells_careless_judges_from_careful_ones_more_often_than_online():
    trials = [simulate_pairwise(seed=seed, k=3) for seed in PAIRWISE_SEEDS]

    assert sum(t.careless_below for t in trials) >= 6
    assert sum(t.careless_below for t in trials) >= sum(t.careless_below_online for t in trials) + 4
    assert fmean(t.spearman for t in trials) >= fmean(t.spearman_online for t in trials)


def test_a_large_gamma_sends_judges_to_pairs_that_catch_the_careless_ones():
    trials = [simulate_pairwise(seed=seed, k=3, gamma=10.0) for seed in PAIRWISE_SEEDS]

    assert sum(t.careless_below for t in trials) >= 7
    assert fmean(t.spearman for t in trials) > 0.8


def test_reassessed_reliability_tells_careless_judges_from_careful_ones_more_often_than_online():
    # With judges' time to look at most entries, explore as Gavel does.
    trials = [simulate_pairwise(seed=seed, k=3, epsilon=0.5) for seed in PAIRWISE_SEEDS]

    reassessed = sum(t.careless_below_reassessed for t in trials)
    assert reassessed >= 6
    assert reassessed >= sum(t.careless_below_online for t in trials)


def test_pairwise_simulation_uses_the_same_true_qualities_as_the_rubric_one():
    # Same seed, same truth: with perfect judges pairwise and rubric see one order.
    sharp = simulate_pairwise(seed=4, k=3, careless=0, scale=0.01)

    assert sharp.spearman > 0.95
    assert simulate_pairwise(seed=4) == simulate_pairwise(seed=4)


def test_simulate_pairwise_prints_both_comparisons(capsys):
    main(["--mode", "pairwise", "--seeds", "2", "--first-seed", "5", "--k", "2", "--gamma", "0.1", "--reread", "10"])
    out = capsys.readouterr().out
    assert "A. Careless judges on top" in out
    assert "B. The same 10 judges (8 careful, 2 careless) in both" in out
    assert "C. The rubric model's 8 judges' time shared by the 10 pairwise judges" in out
    assert "k = 2 (20 looks each)" in out and "k = 2 (16 looks each)" in out
    assert "pairwise, by choose_next's gamma:" in out
    assert "40 entries with the same true qualities, 2 seeds (5 to 6)." in out
    # The last column is what the app does: judges re-read from JUDGES_PRIOR, PAIRING_GAMMA.
    prior = crowd_bt.JUDGES_PRIOR
    app = f"{crowd_bt.PAIRING_GAMMA:g} re-read {prior.alpha:g}:{prior.beta:g}"
    assert f"rubric model               0.1        10 re-read  {app:>16}" in out
    assert "Seeds where both careless judges' reliability is below every careful judge's:" in out
