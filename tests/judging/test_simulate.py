"""The simulation behind the adjusted ranking, on fixed seeds: the reference scenario of
issue 8 through the real assignment and scoring code."""

from statistics import fmean

from judging.simulate import main, simulate

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
