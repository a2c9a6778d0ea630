"""The PhysioNet/CinC Challenge 2019 utility score (Reyna et al., Crit Care Med 2020).

Re-implemented from the published scoring rule (``compute_prediction_utility`` and the
normalization in the Challenge's ``evaluate_sepsis_score.py``; the script itself cannot be
downloaded here). For a septic patient with ``t_sepsis = argmax(labels) - dt_optimal``
(first labelled hour + 6) a positive prediction at hour ``t`` earns

* ``max(m1 (t - t_sepsis) + b1, u_fp)`` up to ``t_sepsis + dt_optimal``: rising linearly
  from 0 at ``dt_early`` = -12 h to ``max_u_tp`` = 1 at ``dt_optimal`` = -6 h (earlier than
  -12 h it costs ``u_fp``);
* ``m2 (t - t_sepsis) + b2`` up to ``t_sepsis + dt_late``: falling from 1 at -6 h to 0 at
  ``dt_late`` = +3 h;

a negative prediction costs nothing up to -6 h, then falls linearly to ``min_u_fn`` = -2
at +3 h; hours after ``t_sepsis + dt_late`` count 0. For a non-septic patient every positive
prediction costs ``u_fp`` = -0.05 and every negative one earns ``u_tn`` = 0. Totals are
summed over all patients and normalized::

    (U_observed - U_inaction) / (U_best - U_inaction)

where *inaction* predicts 0 everywhere and *best* predicts 1 exactly on
``[t_sepsis - 12, t_sepsis + 3]`` of septic patients.

:func:`compute_utility` follows the official per-patient function line by line (it is
the reference the tests check by hand); :func:`utility_rows` gives the same numbers
vectorized (the utility of predicting 1 and of predicting 0 at every row), so that any
threshold's utility is one dot product.

Examples
--------
>>> labels = np.array([0] * 10 + [1] * 10)   # first label at hour 10 -> t_sepsis = 16
>>> compute_utility(labels, np.zeros(20))     # misses hours 11-19: sum of -2/9 d - 4/3, d = -5..3
-10.0
>>> best = np.zeros(20); best[4:20] = 1        # hours t_sepsis - 12 ... t_sepsis + 3
>>> compute_utility(labels, best)             # (0 + 1/6 + ... + 1) + sum of 1/3 - d/9, d = -5..3
7.5
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class UtilityParams:
    """The Challenge 2019 constants."""

    dt_early: float = -12
    dt_optimal: float = -6
    dt_late: float = 3
    max_u_tp: float = 1
    min_u_fn: float = -2
    u_fp: float = -0.05
    u_tn: float = 0

    def slopes(self) -> tuple[float, float, float, float, float, float]:
        """``m1, b1, m2, b2, m3, b3`` of the piecewise-linear rewards."""
        m1 = self.max_u_tp / (self.dt_optimal - self.dt_early)
        b1 = -m1 * self.dt_early
        m2 = -self.max_u_tp / (self.dt_late - self.dt_optimal)
        b2 = -m2 * self.dt_late
        m3 = self.min_u_fn / (self.dt_late - self.dt_optimal)
        b3 = -m3 * self.dt_optimal
        return m1, b1, m2, b2, m3, b3


CHALLENGE = UtilityParams()


def compute_utility(labels: np.ndarray, predictions: np.ndarray, params: UtilityParams = CHALLENGE) -> float:
    """Utility of one patient's binary hourly predictions (the official function's logic).

    Parameters
    ----------
    labels : np.ndarray
        The patient's ``SepsisLabel`` per hour (0/1).
    predictions : np.ndarray
        Binary predictions per hour.
    params : UtilityParams
        Constants (the Challenge's by default).
    """
    labels = np.asarray(labels)
    predictions = np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.size} labels but {predictions.size} predictions")
    if not (np.isin(labels, (0, 1)).all() and np.isin(predictions, (0, 1)).all()):
        raise ValueError("labels and predictions must be 0 or 1")
    p = params
    if not p.dt_early < p.dt_optimal < p.dt_late:
        raise ValueError("need dt_early < dt_optimal < dt_late")
    is_septic = bool(np.any(labels))
    t_sepsis = float(np.argmax(labels) - p.dt_optimal) if is_septic else float("inf")
    m1, b1, m2, b2, m3, b3 = p.slopes()
    u = np.zeros(labels.size)
    for t in range(labels.size):
        if t <= t_sepsis + p.dt_late:
            if is_septic and predictions[t]:  # true positive
                if t <= t_sepsis + p.dt_optimal:
                    u[t] = max(m1 * (t - t_sepsis) + b1, p.u_fp)
                elif t <= t_sepsis + p.dt_late:
                    u[t] = m2 * (t - t_sepsis) + b2
            elif not is_septic and predictions[t]:  # false positive
                u[t] = p.u_fp
            elif is_septic and not predictions[t]:  # false negative
                if t <= t_sepsis + p.dt_optimal:
                    u[t] = 0
                elif t <= t_sepsis + p.dt_late:
                    u[t] = m3 * (t - t_sepsis) + b3
            elif not is_septic and not predictions[t]:  # true negative
                u[t] = p.u_tn
    return float(np.sum(u))


def utility_rows(
    labels: np.ndarray, groups: np.ndarray, params: UtilityParams = CHALLENGE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: utility of predicting 1, of predicting 0, and whether *best* predicts 1.

    Rows of a patient must be contiguous and in hour order (row position = hour).

    Examples
    --------
    >>> pos, neg, best = utility_rows(np.array([0, 0, 1]), np.zeros(3))
    >>> pos.round(3).tolist(), neg.tolist(), best.tolist()
    ([0.667, 0.833, 1.0], [0.0, 0.0, 0.0], [True, True, True])
    """
    from vitalkit.vitals.missing import group_starts

    labels = np.asarray(labels)
    p = params
    start = group_starts(np.asarray(groups))
    t = np.arange(labels.size) - start
    first = pd.Series(np.where(labels > 0, t, np.inf)).groupby(start).transform("min").to_numpy()
    septic = np.isfinite(first)
    d = t - np.where(septic, first - p.dt_optimal, 0.0)  # hours relative to t_sepsis
    m1, b1, m2, b2, m3, b3 = p.slopes()
    early = d <= p.dt_optimal
    in_range = d <= p.dt_late
    pos_septic = np.where(early, np.maximum(m1 * d + b1, p.u_fp), m2 * d + b2)
    neg_septic = np.where(early, 0.0, m3 * d + b3)
    pos = np.where(septic, np.where(in_range, pos_septic, 0.0), p.u_fp)
    neg = np.where(septic, np.where(in_range, neg_septic, 0.0), p.u_tn)
    best = septic & (d >= p.dt_early) & in_range
    return pos, neg, best


def patient_utilities(
    labels: np.ndarray, predictions: np.ndarray, groups: np.ndarray, params: UtilityParams = CHALLENGE
) -> pd.DataFrame:
    """Per patient: ``observed``, ``best`` and ``inaction`` utility (index = patient, in order)."""
    pos, neg, best = utility_rows(labels, groups, params)
    pred = np.asarray(predictions).astype(bool)
    rows = pd.DataFrame(
        {
            "observed": np.where(pred, pos, neg),
            "best": np.where(best, pos, neg),
            "inaction": neg,
        }
    )
    return rows.groupby(
        pd.Categorical(groups, categories=pd.unique(np.asarray(groups))), observed=False
    ).sum()


def normalized_utility(
    observed: np.ndarray, best: np.ndarray, inaction: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """``(sum observed - sum inaction) / (sum best - sum inaction)``, patients optionally weighted.

    Examples
    --------
    >>> normalized_utility(np.array([1.0, -0.5]), np.array([2.0, 0.0]), np.array([-1.0, 0.0]))
    0.5
    """
    w = np.ones(len(observed)) if weights is None else np.asarray(weights, dtype=np.float64)
    o, b, i = (float(np.sum(w * np.asarray(x))) for x in (observed, best, inaction))
    return (o - i) / (b - i) if b != i else float("nan")


def utility_curve(
    scores: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    thresholds: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Normalized utility of ``scores >= threshold`` for each threshold (vectorized).

    Rows with a NaN score predict 0. ``weights`` (per row, constant within a patient)
    weight each patient's utility, as in :func:`normalized_utility`.
    """
    pos, neg, best = utility_rows(labels, groups)
    w = np.ones(len(pos)) if weights is None else np.asarray(weights, dtype=np.float64)
    gain = w * (pos - neg)
    base = (w * neg).sum()
    top = (w * np.where(best, pos, neg)).sum()
    s = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)
    order = np.argsort(-s, kind="mergesort")
    cum = np.r_[0.0, np.cumsum(gain[order])]
    n_above = np.searchsorted(-s[order], -np.asarray(thresholds, dtype=np.float64), side="right")
    return cum[n_above] / (top - base)


def best_utility_threshold(
    scores: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    weights: np.ndarray | None = None,
    n_candidates: int = 200,
) -> tuple[float, float]:
    """The threshold (among score quantiles) with the highest normalized utility, and that utility.

    Examples
    --------
    >>> y = np.array([0] * 10 + [1] * 10); s = np.r_[np.zeros(4), np.ones(16)]
    >>> best_utility_threshold(s, y, np.zeros(20))
    (1.0, 1.0)
    """
    s = np.asarray(scores, dtype=np.float64)
    finite = s[np.isfinite(s)]
    if finite.size == 0:
        return float("nan"), float("nan")
    candidates = np.unique(finite)
    if candidates.size > n_candidates:
        candidates = np.unique(np.quantile(finite, np.linspace(0, 1, n_candidates)))
    values = utility_curve(s, labels, groups, candidates, weights)
    i = int(np.argmax(values))
    return float(candidates[i]), float(values[i])
