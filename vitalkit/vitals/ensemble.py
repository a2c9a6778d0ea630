"""Combine learned risk scores: the mean of each score's percentile on the validation hours.

Risks from differently trained models are not on one scale (the GRU is trained with a
positive-class weight, gradient boosting without), so averaging probabilities lets one model
dominate. Each score is instead mapped to its empirical CDF over the **validation** hours -
a fixed, monotone map learned before the test patients are seen, so a deployed ensemble
scores one hour at a time - and the mapped scores are averaged. On the validation
hours this equals averaging ranks.

Examples
--------
>>> a = np.array([0.1, 0.2, 0.3, 0.4]); b = np.array([4.0, 1.0, 2.0, 3.0])
>>> percentile_average({"a": a, "b": b}, np.ones(4, dtype=bool)).tolist()
[0.625, 0.375, 0.625, 0.875]
"""

from __future__ import annotations

import numpy as np


def validation_percentile(score: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Share of ``reference`` scores at or below each score (NaN stays NaN).

    Examples
    --------
    >>> validation_percentile(np.array([0.0, 2.0, 9.0, np.nan]), np.array([1.0, 2.0, 3.0, 4.0])).tolist()
    [0.0, 0.5, 1.0, nan]
    """
    ref = np.sort(np.asarray(reference, dtype=np.float64)[np.isfinite(reference)])
    if ref.size == 0:
        raise ValueError("no finite reference scores to map percentiles on")
    score = np.asarray(score, dtype=np.float64)
    out = np.searchsorted(ref, score, side="right") / ref.size
    return np.where(np.isnan(score), np.nan, out)


def percentile_average(scores: dict[str, np.ndarray], reference_rows: np.ndarray) -> np.ndarray:
    """Mean over models of :func:`validation_percentile`, each mapped on ``reference_rows``.

    Parameters
    ----------
    scores : dict of str to np.ndarray
        One risk per row for each model (higher = more at risk).
    reference_rows : np.ndarray
        Boolean mask of the rows the percentiles are learned on (validation hours).
    """
    rows = np.asarray(reference_rows, dtype=bool)
    mapped = [validation_percentile(s, np.asarray(s)[rows]) for s in scores.values()]
    return np.mean(mapped, axis=0)
