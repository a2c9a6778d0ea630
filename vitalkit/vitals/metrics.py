"""Early-warning metrics: weighted AUROC / AUPRC, prevalence weights, lead times.

**Prevalence adjustment.** The staged subset holds all septic patients of set B but only
its lowest-id non-septic ones: 34 % septic against 5.7 % in the full set B. AUPRC and PPV
depend on prevalence, so besides the figures on the subset we report them re-weighted to a
target prevalence ``p``: every non-septic patient (all of their hours) gets weight
``w = n_septic (1 - p) / (p n_non_septic)``, septic patients weight 1, which makes the
weighted share of septic patients exactly ``p`` - as if each non-septic patient stood for
``w`` similar ones. This assumes the non-septic patients we have are representative of
set B's non-septic population; they are the lowest ids, not a random draw, which the
re-weighting cannot correct. AUROC changes little (only the mix of negative hours between
septic and non-septic patients moves).

AUROC and average precision are computed here rather than with scikit-learn because the
bootstrap calls them hundreds of thousands of times; they match
:func:`sklearn.metrics.roc_auc_score` and :func:`sklearn.metrics.average_precision_score`
(with ``sample_weight``) including ties, which the tests check.

Examples
--------
>>> y = np.array([0, 0, 1, 1]); s = np.array([0.1, 0.4, 0.35, 0.8])
>>> roc_auc(y, s), round(average_precision(y, s), 4)
(0.75, 0.8333)
>>> prevalence_weights(np.array([True, False, False]), 0.2).tolist()   # 1 septic, 2 not -> w = 2
[1.0, 2.0, 2.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _ranked(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels sorted by descending score, the sort order, and the last row of each tied score."""
    s = np.nan_to_num(np.asarray(score, dtype=np.float64), nan=-np.inf)
    order = np.argsort(-s, kind="mergesort")
    last = np.r_[np.flatnonzero(np.diff(s[order]) != 0), s.size - 1]
    return np.asarray(y).astype(bool)[order], order, last


def _curve(y_sorted: np.ndarray, w_sorted: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative weighted true and false positives at each distinct score (descending)."""
    return np.cumsum(w_sorted * y_sorted)[last], np.cumsum(w_sorted * ~y_sorted)[last]


def _auc_from_curve(tp: np.ndarray, fp: np.ndarray) -> float:
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    tpr = np.r_[0.0, tp / tp[-1]]
    fpr = np.r_[0.0, fp / fp[-1]]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def _ap_from_curve(tp: np.ndarray, fp: np.ndarray) -> float:
    if tp[-1] <= 0:
        return float("nan")
    precision = tp / np.maximum(tp + fp, 1e-300)
    return float(np.sum(np.diff(np.r_[0.0, tp / tp[-1]]) * precision))


def ranking_metrics(
    y: np.ndarray, score: np.ndarray, weights: tuple[np.ndarray | None, ...] = (None,)
) -> list[tuple[float, float]]:
    """``(AUROC, AUPRC)`` for each weighting (None: unweighted), sorting the scores once."""
    if len(y) == 0:
        return [(float("nan"), float("nan"))] * len(weights)
    ys, order, last = _ranked(y, score)
    out = []
    for w in weights:
        ws = np.ones(ys.size) if w is None else np.asarray(w, dtype=np.float64)[order]
        tp, fp = _curve(ys, ws, last)
        out.append((_auc_from_curve(tp, fp), _ap_from_curve(tp, fp)))
    return out


def roc_auc(y: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Area under the ROC curve (NaN when only one class is present); NaN scores rank lowest."""
    return ranking_metrics(y, score, (weight,))[0][0]


def average_precision(y: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Average precision (area under the precision-recall curve, step-wise, as scikit-learn)."""
    return ranking_metrics(y, score, (weight,))[0][1]


def prevalence_weights(septic: np.ndarray, target: float, share: np.ndarray | None = None) -> np.ndarray:
    """Weight per row giving septic patients a share ``target`` of the weighted patients.

    Parameters
    ----------
    septic : np.ndarray
        Whether each row's patient is septic.
    target : float
        Target prevalence (share of septic patients), e.g. 0.057 for set B.
    share : np.ndarray, optional
        Each row's share of its patient (``1 / rows of that patient``), to count patients
        from rows; by default every row is one patient.
    """
    septic = np.asarray(septic, dtype=bool)
    share = np.ones(septic.size) if share is None else np.asarray(share, dtype=np.float64)
    n_septic, n_other = share[septic].sum(), share[~septic].sum()
    if not 0 < target < 1:
        raise ValueError(f"target prevalence must be in (0, 1), got {target}")
    w = n_septic * (1 - target) / (target * n_other) if n_other > 0 else 1.0
    return np.where(septic, 1.0, w)


def lead_times(frame: pd.DataFrame, alert: np.ndarray, window_h: float = 12.0) -> pd.DataFrame:
    """Per septic (not censored) patient: hours before onset of the first alert within the window.

    Only alerts 1 to ``window_h`` hours before onset count (an alert two days earlier is
    more likely a false alarm than an early warning; the Challenge utility also gives no
    credit before 12 h). Non-septic patients get ``alerted`` (any alert during the stay).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``patient``, ``septic``, ``censored``, ``hours_to_onset`` per row.
    alert : np.ndarray
        Boolean alert per row.
    window_h : float
        Look-back before onset, hours.

    Returns
    -------
    pandas.DataFrame
        Index patient: ``septic``, ``lead_h`` (NaN: no alert in the window, or non-septic),
        ``alerted`` (septic: alert in the window; non-septic: any alert).
    """
    alert = np.asarray(alert, dtype=bool)
    to_onset = frame["hours_to_onset"].to_numpy()
    septic = frame["septic"].to_numpy() & ~frame["censored"].to_numpy()
    in_window = septic & (to_onset >= 1) & (to_onset <= window_h)
    counted = np.where(septic, alert & in_window, alert)
    lead = np.where(septic & counted, to_onset, np.nan)
    table = pd.DataFrame(
        {"patient": frame["patient"].to_numpy(), "septic": septic, "lead_h": lead, "alerted": counted}
    )
    keep = ~(frame["septic"].to_numpy() & frame["censored"].to_numpy())
    return (
        table[keep]
        .groupby("patient", sort=False)
        .agg(septic=("septic", "first"), lead_h=("lead_h", "max"), alerted=("alerted", "any"))
    )
