"""QTc formulas against values worked out by hand, and QT intervals from a delineation."""

import math

import numpy as np
import pandas as pd
import pytest

from vitalkit.clinical.qt import qt_correct, qt_intervals, qtc_summary


@pytest.mark.parametrize(
    ("method", "qt", "rr", "expected"),
    [
        ("bazett", 400.0, 0.64, 500.0),  # 400 / 0.8
        ("bazett", 360.0, 0.81, 400.0),  # 360 / 0.9
        ("fridericia", 400.0, 0.512, 500.0),  # 400 / 0.8 (0.8 ** 3 = 0.512)
        ("fridericia", 350.0, 1.331, 350.0 / 1.1),  # 1.1 ** 3 = 1.331
        ("framingham", 400.0, 0.64, 455.44),  # 400 + 154 * 0.36
        ("framingham", 420.0, 1.2, 389.2),  # 420 - 154 * 0.2
    ],
)
def test_qtc_formulas_match_hand_values(method, qt, rr, expected):
    assert qt_correct(qt, rr, method) == pytest.approx(expected, abs=1e-9)


def test_every_formula_is_identity_at_60_bpm():
    for method in ("bazett", "fridericia", "framingham"):
        assert qt_correct(380.0, 1.0, method) == pytest.approx(380.0)


def test_implausible_rr_and_nan_give_nan_not_an_error():
    out = qt_correct(np.array([400.0, 400.0, np.nan]), np.array([0.1, 3.0, 1.0]), "bazett")
    assert np.isnan(out).all()
    assert math.isnan(qt_correct(400.0, -1.0, "fridericia"))


def test_unknown_formula_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown QTc formula 'hodgez'"):
        qt_correct(400.0, 1.0, "hodgez")


def test_qt_intervals_and_summary():
    waves = pd.DataFrame(
        {"R": [0.0, 200.0, 400.0], "QRS_on": [-10.0, 190.0, 390.0], "T_end": [90.0, 290.0, np.nan]}
    )
    table = qt_intervals(waves, 250.0)
    assert table["qt_ms"].tolist()[:2] == [400.0, 400.0]
    assert table["qtc_bazett_ms"].iloc[1] == pytest.approx(400.0 / np.sqrt(0.8))  # RR 0.8 s
    assert np.isnan(table["qt_ms"].iloc[2])
    summary = qtc_summary(table)
    assert summary["hr_bpm"] == pytest.approx(75.0)
    assert summary["n_beats"] == 2
