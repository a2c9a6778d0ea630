"""Trailing time windows over long patient-time tables, vectorized across patients.

A score or detector at time ``t`` may only use what was known by ``t``: every window here
ends at the current row and reaches back ``window_h`` hours, never into another patient's
rows and never into the future.

Examples
--------
>>> import numpy as np
>>> x = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
>>> w = trailing_window(x, np.array([0, 1, 2, 0, 1.0]), np.array([0, 0, 0, 1, 1]), window_h=1)
>>> w.tolist()
[[nan, 1.0], [1.0, 2.0], [2.0, 3.0], [nan, 10.0], [10.0, 20.0]]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def window_starts(time_h: np.ndarray, groups: np.ndarray, window_h: float) -> np.ndarray:
    """First row of each row's trailing window ``[t - window_h, t]`` within its group.

    Rows must be contiguous per group and in time order within it.
    """
    time_h = np.asarray(time_h, dtype=np.float64)
    codes = pd.factorize(np.asarray(groups))[0].astype(np.float64)
    span = (np.nanmax(time_h) - np.nanmin(time_h) if time_h.size else 0.0) + window_h + 1.0
    key = codes * span + time_h
    if np.any(np.diff(key) <= 0):
        raise ValueError("rows must be grouped by patient and in increasing time within each patient")
    return np.searchsorted(key, key - window_h - 1e-9, side="left")


def trailing_window(
    values: np.ndarray, time_h: np.ndarray, groups: np.ndarray, window_h: float
) -> np.ndarray:
    """Values of each row's trailing window, ``(n, W)`` or ``(n, W, channels)``, NaN-padded on the left.

    ``W`` is the longest window in rows; the last position is the current row.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    start = window_starts(time_h, groups, window_h)
    width = int((np.arange(n) - start).max()) + 1 if n else 1
    idx = np.arange(n)[:, None] - (width - 1) + np.arange(width)[None, :]
    valid = idx >= start[:, None]
    gathered = values[np.clip(idx, 0, None)]
    mask = valid if values.ndim == 1 else valid[:, :, None]
    return np.where(mask, gathered, np.nan)


def window_stats(
    values: np.ndarray, time_h: np.ndarray, groups: np.ndarray, window_h: float
) -> dict[str, np.ndarray]:
    """NaN-aware ``mean``, ``min``, ``max``, ``std`` and ``delta`` (last - first value) per row.

    Examples
    --------
    >>> s = window_stats(np.array([1.0, np.nan, 4.0]), np.array([0, 1, 2.0]), np.zeros(3), 2)
    >>> s["mean"].tolist(), s["delta"].tolist()
    ([1.0, 1.0, 2.5], [0.0, 0.0, 3.0])
    """
    w = trailing_window(values, time_h, groups, window_h)
    present = ~np.isnan(w)
    first = np.take_along_axis(w, np.argmax(present, axis=1)[:, None, ...], axis=1)[:, 0]
    last = np.take_along_axis(
        w, (w.shape[1] - 1 - np.argmax(present[:, ::-1], axis=1))[:, None, ...], axis=1
    )[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN, as intended
        return {
            "mean": np.nanmean(w, axis=1),
            "min": np.nanmin(w, axis=1),
            "max": np.nanmax(w, axis=1),
            "std": np.nanstd(w, axis=1),
            "delta": last - first,
        }
