"""Per-patient score trajectories: rising-trend alerts and trajectories aligned at onset.

A single NEWS2 of 4 means little; a rise from 1 to 4 within six hours means a patient is
getting worse. :func:`rising_trend` flags every time point whose score exceeds the lowest
score of the preceding ``window_h`` hours by at least ``min_rise`` points.

Examples
--------
>>> import numpy as np
>>> r = rising_trend(np.array([1, 1, 2, 4, 4, 1.0]), np.arange(6.0), np.zeros(6), window_h=3, min_rise=2)
>>> r["rise"].tolist(), r["trend_alert"].tolist()
([0.0, 0.0, 1.0, 3.0, 3.0, 0.0], [False, False, False, True, True, False])
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from vitalkit.vitals.windows import trailing_window


def rising_trend(
    score: np.ndarray,
    time_h: np.ndarray,
    groups: np.ndarray,
    window_h: float = 6.0,
    min_rise: float = 2.0,
) -> pd.DataFrame:
    """Rise of a score above its trailing minimum, and the alert flag ``rise >= min_rise``.

    Parameters
    ----------
    score : np.ndarray
        Score per row (NaN where missing).
    time_h, groups : np.ndarray
        Row times (hours) and patients (rows contiguous per patient, in time order).
    window_h : float
        Look-back, hours (the window includes the current row).
    min_rise : float
        Points of rise that raise an alert.

    Returns
    -------
    pandas.DataFrame
        ``rise`` (NaN if the current score is missing) and ``trend_alert`` (bool).
    """
    w = trailing_window(score, time_h, groups, window_h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rise = np.asarray(score, dtype=np.float64) - np.nanmin(w, axis=1)
    return pd.DataFrame({"rise": rise, "trend_alert": np.nan_to_num(rise, nan=-np.inf) >= min_rise})


def onset_trajectories(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    columns: list[str],
    hours_before: int = 24,
    hours_after: int = 3,
    split: str | None = "test",
) -> pd.DataFrame:
    """Median and quartiles of scores by hour relative to onset, septic patients (not censored).

    Only patients of ``split`` are used (None: all); learned scores are only honest on
    held-out patients.

    Non-septic patients give the reference: the same statistics over all their hours,
    reported at ``relative_hour`` NaN with ``group = 'non-septic (all hours)'``.

    Returns
    -------
    pandas.DataFrame
        Columns ``score, group, relative_hour, median, q25, q75, patients``.
    """
    if split is not None:
        keep = frame["split"].to_numpy() == split
        frame, scores = frame[keep], scores[keep]
    rel = frame["hour"] - frame["onset_hour"]
    septic = frame["septic"].to_numpy() & ~frame["censored"].to_numpy()
    window = septic & (rel >= -hours_before).to_numpy() & (rel <= hours_after).to_numpy()
    rows = []
    for col in columns:
        s = scores[col]
        stats = s[window].groupby(rel[window]).describe()
        for hour, st in stats.iterrows():
            rows.append(
                {
                    "score": col,
                    "group": "septic",
                    "relative_hour": float(hour),
                    "median": st["50%"],
                    "q25": st["25%"],
                    "q75": st["75%"],
                    "patients": int(st["count"]),
                }
            )
        ref = s[~frame["septic"].to_numpy()].describe()
        rows.append(
            {
                "score": col,
                "group": "non-septic (all hours)",
                "relative_hour": np.nan,
                "median": ref["50%"],
                "q25": ref["25%"],
                "q75": ref["75%"],
                "patients": int(frame.loc[~frame["septic"], "patient"].nunique()),
            }
        )
    return pd.DataFrame(rows)
