"""Rhythm metrics: the CinC 2017 challenge score, per-type Se/+P tables and record-bootstrap CIs.

The CinC 2017 score is the mean F1 over normal (N), AF (A) and other rhythm (O); the noisy
class (~) is classified but not scored (Clifford et al., CinC 2017). F1 is
``2 TP / (2 TP + FP + FN)`` per class, from :func:`vitalkit.evaluate.metrics.per_class_arrays`.

Examples
--------
>>> y = np.array([0, 0, 1, 1, 2, 2, 3]); p = np.array([0, 0, 1, 2, 2, 2, 3])
>>> s = challenge_scores(y, p, ("N", "A", "O", "~"))
>>> round(s["F1_A"], 3), round(s["challenge_score"], 3)
(0.667, 0.822)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import record_confusions, resample_confusions
from vitalkit.evaluate.metrics import confusion, per_class_arrays

SCORED: tuple[str, ...] = ("N", "A", "O")
"""CinC 2017 classes in the challenge score."""

MIN_SUPPORT = 10
"""Fewer reference examples than this: the type is reported as "too few examples"."""


def _score(f1: np.ndarray, classes: Sequence[str], scored: Sequence[str]) -> np.ndarray:
    idx = [list(classes).index(c) for c in scored]
    return np.nanmean(f1[..., idx], axis=-1)


def challenge_scores(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], scored: Sequence[str] = SCORED
) -> dict[str, float]:
    """``F1_<class>`` for every class and ``challenge_score`` (mean F1 over ``scored``)."""
    cm = confusion(y_true, y_pred, len(classes))
    f1 = per_class_arrays(cm)["F1"]
    out = {f"F1_{c}": float(f) for c, f in zip(classes, f1, strict=True)}
    out["challenge_score"] = float(_score(f1, classes, scored))
    return out


def challenge_score_ci(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    scored: Sequence[str] = SCORED,
) -> tuple[float, float]:
    """95% CI of the challenge score, resampling ``groups`` (records) with replacement.

    Examples
    --------
    >>> y = np.repeat([0, 1, 2, 3], 25); g = np.arange(100)
    >>> challenge_score_ci(y, y, g, ("N", "A", "O", "~"), n_boot=50)
    (1.0, 1.0)
    """
    cms, _ = record_confusions(np.asarray(y_true), np.asarray(y_pred), np.asarray(groups), len(classes))
    boot = resample_confusions(cms, n_boot, seed)
    scores = _score(per_class_arrays(boot)["F1"], classes, scored)
    lo, hi = np.nanpercentile(scores, [2.5, 97.5])
    return float(lo), float(hi)


def type_table(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    types: Sequence[str] | None = None,
    min_support: int = MIN_SUPPORT,
) -> pd.DataFrame:
    """Per type: reference count, Se, +P and F1 (%); ``'too few examples'`` under ``min_support``.

    Examples
    --------
    >>> t = type_table(["N"] * 20 + ["V"] * 3, ["N"] * 19 + ["V"] * 4)
    >>> float(t.loc["N", "Se"]), t.loc["V", "note"]
    (95.0, 'too few examples')
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    types = list(types) if types is not None else sorted(set(y_true) | set(y_pred))
    rows = []
    for t in types:
        ref, pred = y_true == t, y_pred == t
        tp = int((ref & pred).sum())
        n, p = int(ref.sum()), int(pred.sum())
        row = {"type": t, "count": n, "predicted": p}
        row["Se"] = round(100 * tp / n, 1) if n else np.nan
        row["+P"] = round(100 * tp / p, 1) if p else np.nan
        row["F1"] = round(200 * tp / (n + p), 1) if n + p else np.nan
        row["note"] = "too few examples" if n < min_support else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("type")


CINC_PREVALENCE: dict[str, int] = {"N": 5050, "A": 738, "O": 2456, "~": 284}
"""Records per class in the full CinC 2017 training set (v3 labels): the class mix of the challenge."""


def prevalence_adjusted_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str],
    prevalence: dict[str, float] | None = None,
    scored: Sequence[str] = SCORED,
) -> dict[str, float]:
    """Challenge F1s as if the classes had ``prevalence`` (rows of the confusion matrix rescaled).

    A balanced subset (100 per class) gives the rare classes many more records than the
    challenge's data, which lowers the precision of the common class N and raises that of
    A; rescaling each reference row to the full-set class counts estimates the score under
    the challenge's class mix (same per-class sensitivities, same confusion pattern).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1]); p = np.array([0, 1, 1, 1])
    >>> s = prevalence_adjusted_scores(y, p, ("N", "A"), {"N": 9, "A": 1}, scored=("N", "A"))
    >>> round(s["F1_N"], 3), round(s["F1_A"], 3)
    (0.667, 0.308)
    """
    prevalence = prevalence or CINC_PREVALENCE
    cm = confusion(y_true, y_pred, len(classes)).astype(np.float64)
    support = cm.sum(axis=1, keepdims=True)
    weights = np.array([prevalence.get(c, 0.0) for c in classes], dtype=np.float64)[:, None]
    cm = np.where(support > 0, cm / np.maximum(support, 1) * weights, 0.0)
    f1 = per_class_arrays(cm)["F1"]
    out = {f"F1_{c}": float(f) for c, f in zip(classes, f1, strict=True)}
    out["challenge_score"] = float(_score(f1, classes, scored))
    return out
