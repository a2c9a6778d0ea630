"""Missing values of vital-sign time series: limited forward fill and observation masks.

A vital sign charted at 10:00 says something about 11:00, little about tomorrow. Values
are therefore carried forward for at most ``max_hours`` after they were measured; beyond
that the cell stays missing (NaN) and every consumer decides explicitly what missing means
(the early warning scores report it, the models get a missingness mask). Nothing is ever
silently replaced by zero.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0], [np.nan], [np.nan], [np.nan]])
>>> forward_fill_limited(x, np.array([0.0, 1.0, 2.0, 3.0]), max_hours=2).ravel().tolist()
[1.0, 1.0, 1.0, nan]
>>> hours_since_observed(x, np.array([0.0, 1.0, 2.0, 3.0])).ravel().tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _last_observed(values: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Row index of the last observation at or before each row (-1: none in its group)."""
    n = values.shape[0]
    rows = np.arange(n)[:, None]
    last = np.maximum.accumulate(np.where(~np.isnan(values), rows, -1), axis=0)
    if groups is not None:
        start = group_starts(groups)
        last = np.where(last >= start[:, None], last, -1)
    return last


def group_starts(groups: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row of its group (groups stored contiguously).

    Examples
    --------
    >>> group_starts(np.array(["a", "a", "b", "b", "b"])).tolist()
    [0, 0, 2, 2, 2]
    """
    groups = np.asarray(groups)
    if groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, groups[1:] != groups[:-1]]
    return np.maximum.accumulate(np.where(new, np.arange(groups.size), 0))


def forward_fill_limited(
    values: np.ndarray,
    time_h: np.ndarray,
    max_hours: float | Sequence[float] | np.ndarray,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Carry each value forward for at most ``max_hours`` after its measurement.

    Parameters
    ----------
    values : np.ndarray
        ``(n_times, n_channels)`` with NaN where nothing was measured.
    time_h : np.ndarray
        Time of each row in hours, increasing within a group.
    max_hours : float or array
        Limit per channel (a scalar for all); 0 keeps only measured cells, ``inf`` fills
        without limit.
    groups : np.ndarray, optional
        Patient of each row, rows of one patient contiguous: values never cross patients.

    Returns
    -------
    np.ndarray
        Filled copy, NaN where no measurement lies within the limit.

    Examples
    --------
    >>> x = np.array([[np.nan], [5.0], [np.nan], [np.nan]])
    >>> g = np.array([1, 1, 2, 2])
    >>> forward_fill_limited(x, np.array([0, 1, 0, 1.0]), 10, groups=g).ravel().tolist()
    [nan, 5.0, nan, nan]
    """
    values = np.asarray(values, dtype=np.float64)
    squeeze = values.ndim == 1
    values = values[:, None] if squeeze else values
    time_h = np.asarray(time_h, dtype=np.float64)
    if time_h.shape[0] != values.shape[0]:
        raise ValueError(f"{values.shape[0]} rows of values but {time_h.shape[0]} times")
    limit = np.broadcast_to(np.asarray(max_hours, dtype=np.float64), (values.shape[1],))
    if np.any(limit < 0):
        raise ValueError(f"max_hours must be >= 0, got {limit.tolist()}")
    last = _last_observed(values, groups)
    safe = np.maximum(last, 0)
    carried = np.take_along_axis(values, safe, axis=0)
    age = time_h[:, None] - time_h[safe]
    filled = np.where((last >= 0) & (age <= limit[None, :]), carried, np.nan)
    return filled[:, 0] if squeeze else filled


def hours_since_observed(
    values: np.ndarray, time_h: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """Hours since each channel was last measured (0 at a measurement, NaN before the first).

    Parameters
    ----------
    values : np.ndarray
        ``(n_times, n_channels)`` raw values, NaN where not measured.
    time_h : np.ndarray
        Row times in hours.
    groups : np.ndarray, optional
        Patient of each row (contiguous).
    """
    values = np.asarray(values, dtype=np.float64)
    squeeze = values.ndim == 1
    values = values[:, None] if squeeze else values
    time_h = np.asarray(time_h, dtype=np.float64)
    last = _last_observed(values, groups)
    age = np.where(last >= 0, time_h[:, None] - time_h[np.maximum(last, 0)], np.nan)
    return age[:, 0] if squeeze else age
