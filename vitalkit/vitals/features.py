"""Causal features of the hourly history: what is known about a patient at hour ``t``.

Two sets:

* :func:`vital_window_features` - the bedside vital signs only, summarised over the
  trailing window (current filled value, mean, min, max, std, change): the input of the
  anomaly detectors;
* :func:`history_features` - everything the gradient-boosting baseline sees: the window
  features, every vital sign and laboratory value (limited forward fill), hours since each
  was last measured and how often it has been measured so far (in the ICU, *that* a lab is
  ordered is information), demographics, time in the ICU and the NEWS2/MEWS scores.

Missing stays NaN (HistGradientBoosting routes it explicitly; the detectors impute with
training medians).

Examples
--------
>>> X = vital_window_features(cohort.frame, cohort.filled, window_h=6)   # doctest: +SKIP
>>> X.shape[1]                                                           # doctest: +SKIP
35
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vitalkit.vitals.missing import group_starts, hours_since_observed
from vitalkit.vitals.psv import STATIC_COLUMNS
from vitalkit.vitals.windows import window_stats

WINDOW_CHANNELS: tuple[str, ...] = ("HR", "SpO2", "SBP", "RR", "Temp", "MAP", "DBP")
"""Vital signs summarised over trailing windows."""

STATS: tuple[str, ...] = ("mean", "min", "max", "std", "delta")


def vital_window_features(
    frame: pd.DataFrame,
    filled: pd.DataFrame,
    window_h: float = 6.0,
    channels: tuple[str, ...] = WINDOW_CHANNELS,
) -> pd.DataFrame:
    """``<channel>`` (current filled value) and ``<channel>_<stat>`` over the measured values
    of the trailing ``window_h`` hours, for each vital sign."""
    time_h = frame["time_h"].to_numpy()
    groups = frame["patient"].to_numpy()
    columns: dict[str, np.ndarray] = {}
    for ch in channels:
        columns[ch] = filled[ch].to_numpy()
        stats = window_stats(frame[ch].to_numpy(), time_h, groups, window_h)
        for stat in STATS:
            columns[f"{ch}_{stat}"] = stats[stat]
    return pd.DataFrame(columns, index=frame.index)


def history_features(
    frame: pd.DataFrame,
    filled: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    window_h: float = 6.0,
    channels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Feature matrix of the gradient-boosting baseline (module notes), one row per patient-hour.

    ``channels`` fixes the per-channel columns (default: every channel measured in ``frame``;
    a model applied to one new stay needs its training cohort's list).
    """
    if channels is None:
        channels = [c for c in filled.columns if filled[c].notna().any()]
    channels = list(channels)
    time_h = frame["time_h"].to_numpy()
    groups = frame["patient"].to_numpy()
    raw = frame[channels].to_numpy(dtype=np.float64)
    since = hours_since_observed(raw, time_h, groups)
    measured = ~np.isnan(raw)
    counts = np.cumsum(measured, axis=0)
    start = group_starts(groups)
    before = np.where(start[:, None] > 0, counts[np.maximum(start - 1, 0)], 0)
    counts = counts - before
    parts = [
        vital_window_features(frame, filled, window_h),
        filled[channels].add_suffix("_filled"),
        pd.DataFrame(since, columns=[f"{c}_hours_since" for c in channels], index=frame.index),
        pd.DataFrame(counts, columns=[f"{c}_count" for c in channels], index=frame.index),
        frame[list(STATIC_COLUMNS)],
        pd.DataFrame({"ICULOS": time_h, "hours_in_record": frame["hour"].to_numpy()}, index=frame.index),
    ]
    if scores is not None:
        parts.append(scores[["news2", "mews", "news2_rise", "mews_rise"]].astype(np.float64))
    out = pd.concat(parts, axis=1)
    return out.loc[:, ~out.columns.duplicated()]
