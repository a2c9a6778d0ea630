"""Challenge 2019 utility: hand-computed cases, and the vectorized form against the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.utility import (
    best_utility_threshold,
    compute_utility,
    normalized_utility,
    patient_utilities,
    utility_curve,
    utility_rows,
)


def _septic(first_label: int, length: int) -> np.ndarray:
    y = np.zeros(length, dtype=int)
    y[first_label:] = 1
    return y


def _pred(length: int, hours: list[int]) -> np.ndarray:
    p = np.zeros(length, dtype=int)
    p[hours] = 1
    return p


@pytest.mark.parametrize(
    ("labels", "predictions", "expected"),
    [
        # non-septic: every alert costs u_fp = -0.05, silence costs nothing
        (np.zeros(5, int), np.zeros(5, int), 0.0),
        (np.zeros(5, int), np.array([0, 1, 0, 1, 1]), -0.15),
        # first label at hour 2 -> t_sepsis = 8; one alert at t_sepsis - 6 earns max_u_tp = 1,
        # the missed hours t_sepsis-5 .. t_sepsis+2 cost -2/9 d - 4/3 each: sum -8
        (_septic(2, 11), _pred(11, [2]), 1 - 8),
        # alert at t_sepsis - 8: 2 - 8/6 = 2/3 (on the rising ramp), hours 1..2 are free misses
        (_septic(2, 11), _pred(11, [0]), 2 / 3 - 8),
        # alert at onset: 1/3 (falling ramp); at t_sepsis + 2: 1/3 - 2/9 = 1/9
        (_septic(2, 11), _pred(11, [8]), 1 / 3 - 8 + 4 / 3),
        (_septic(2, 11), _pred(11, [10]), 1 / 9 - 8 + 16 / 9),
        # alerts earlier than t_sepsis - 12 cost u_fp; exactly -12 earns 0; -13 would be -1/6 -> u_fp
        (_septic(20, 30), _pred(30, [0]), -0.05 - 10),
        (_septic(20, 30), _pred(30, [14]), 0.0 - 10),
        (_septic(20, 30), _pred(30, [13]), -0.05 - 10),
        # hours after t_sepsis + 3 count 0 whatever the prediction
        (_septic(0, 15), _pred(15, [10, 11, 12, 13, 14]), -10.0),
        # always on: 1 at t_sepsis - 6, then 1/3 - d/9 for d = -5 .. 3 (sum 4), 0 afterwards
        (_septic(0, 15), np.ones(15, int), 5.0),
    ],
    ids=[
        "silent-non-septic",
        "false-alarms",
        "optimal-hour",
        "early-ramp",
        "at-onset",
        "late",
        "too-early",
        "earliest-useful",
        "just-too-early",
        "after-late-window",
        "always-on-septic",
    ],
)
def test_hand_computed_patients(labels: np.ndarray, predictions: np.ndarray, expected: float) -> None:
    assert compute_utility(labels, predictions) == pytest.approx(expected)


def test_input_checks() -> None:
    with pytest.raises(ValueError, match="2 labels but 3 predictions"):
        compute_utility(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="must be 0 or 1"):
        compute_utility(np.array([0, 2]), np.zeros(2))


def test_vectorized_rows_match_the_reference_function() -> None:
    rng = np.random.default_rng(0)
    labels, groups, preds = [], [], []
    for pid in range(40):
        n = int(rng.integers(3, 40))
        y = _septic(int(rng.integers(0, n)), n) if rng.random() < 0.5 else np.zeros(n, int)
        labels.append(y)
        groups.append(np.full(n, pid))
        preds.append(rng.integers(0, 2, n))
    y, g, p = np.concatenate(labels), np.concatenate(groups), np.concatenate(preds)
    table = patient_utilities(y, p, g)
    reference = [compute_utility(a, b) for a, b in zip(labels, preds, strict=True)]
    np.testing.assert_allclose(table["observed"].to_numpy(), reference, atol=1e-12)
    # best / inaction as the official evaluation builds them
    for k, lab in enumerate(labels):
        best = np.zeros(lab.size, int)
        if lab.any():
            t_sepsis = int(np.argmax(lab)) + 6
            best[max(0, t_sepsis - 12) : min(t_sepsis + 3 + 1, lab.size)] = 1
        assert table["best"].iloc[k] == pytest.approx(compute_utility(lab, best))
        assert table["inaction"].iloc[k] == pytest.approx(compute_utility(lab, np.zeros(lab.size, int)))
    pos, neg, _ = utility_rows(y, g)
    non_septic = ~pd.Series(y).groupby(g).transform("max").to_numpy().astype(bool)
    assert np.all(pos[non_septic] == -0.05) and np.all(neg[non_septic] == 0)


def test_normalization_best_is_one_inaction_zero() -> None:
    y = np.r_[np.zeros(10, int), _septic(4, 12)]
    g = np.r_[np.zeros(10), np.ones(12)]
    _, _, best = utility_rows(y, g)
    for pred, expected in ((best, 1.0), (np.zeros(y.size), 0.0)):
        t = patient_utilities(y, pred.astype(int), g)
        assert normalized_utility(t["observed"], t["best"], t["inaction"]) == pytest.approx(expected)
    # one false alarm in the non-septic patient on top of the best septic predictions
    pred = best.astype(int).copy()
    pred[0] = 1
    t = patient_utilities(y, pred, g)
    b, i = t["best"].sum(), t["inaction"].sum()
    assert normalized_utility(t["observed"], t["best"], t["inaction"]) == pytest.approx(
        (b - 0.05 - i) / (b - i)
    )
    # weights multiply patients' utilities
    w = np.array([10.0, 1.0])
    assert normalized_utility(t["observed"], t["best"], t["inaction"], w) == pytest.approx(
        (b - 0.5 - i) / (b - i)
    )


def test_utility_curve_matches_brute_force_and_threshold_search() -> None:
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(30, int), _septic(10, 25), np.zeros(20, int)]
    g = np.r_[np.zeros(30), np.ones(25), np.full(20, 2)]
    s = rng.random(y.size) + 0.5 * y
    thresholds = np.array([0.2, 0.5, 0.9, 1.2])
    curve = utility_curve(s, y, g, thresholds)
    for th, value in zip(thresholds, curve, strict=True):
        t = patient_utilities(y, (s >= th).astype(int), g)
        assert value == pytest.approx(normalized_utility(t["observed"], t["best"], t["inaction"]))
    th, best = best_utility_threshold(s, y, g)
    assert best == pytest.approx(utility_curve(s, y, g, np.array([th]))[0])
    assert best >= curve.max() - 1e-12
