"""The simulation behind the calibrated ranking, with fixed seeds."""

from statistics import fmean

from judging.simulate import main, simulate


def test_calibration_beats_the_plain_mean_when_judges_differ_in_harshness():
    trials = [simulate(seed=seed, entries=60, judges=8, k=3, offset=1.0) for seed in range(1, 6)]

    assert fmean(t.calibrated for t in trials) > fmean(t.plain for t in trials) + 0.05
    assert all(t.calibrated > t.plain for t in trials)


def test_without_harshness_calibration_costs_little():
    trials = [simulate(seed=seed, entries=60, judges=8, k=3, offset=0.0) for seed in range(1, 6)]
    assert fmean(t.calibrated for t in trials) > fmean(t.plain for t in trials) - 0.05


def test_simulation_is_reproducible():
    assert simulate(seed=3) == simulate(seed=3)


def test_simulate_prints_the_table(capsys):
    main(["--seeds", "2"])
    out = capsys.readouterr().out
    assert "seed  plain mean  calibrated" in out
    assert "calibrated closer to the truth in" in out
    assert "results for 300 entries x 3 reviews x 5 criteria:" in out
