"""AAMI EC57 classification metrics from confusion matrices.

Per class: sensitivity (Se, recall), positive predictivity (+P, precision), F1, false
positive rate (FPR) and specificity; overall accuracy and macro-F1. Macro-F1 averages over
the classes present in the reference (a class absent from a record set has no defined Se).

Examples
--------
>>> import numpy as np
>>> from vitalkit.evaluate.metrics import confusion, class_metrics, summary_metrics
>>> cm = confusion(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 2]), 3)
>>> cm.tolist()
[[1, 1, 0], [0, 2, 0], [0, 0, 1]]
>>> summary_metrics(cm)["accuracy"]
0.8
>>> round(float(class_metrics(cm, ["N", "S", "V"]).loc["S", "+P"]), 3)
0.667
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix ``cm[true, predicted]`` (int64)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes**2).reshape(n_classes, n_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def per_class_arrays(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Se, +P, F1, FPR, Sp per class from one or a stack of confusion matrices.

    Works on ``(..., K, K)`` arrays so that bootstrap replicates are computed at once.
    """
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    support = cm.sum(axis=-1)
    predicted = cm.sum(axis=-2)
    total = cm.sum(axis=(-2, -1))[..., None]
    fp = predicted - tp
    fn = support - tp
    tn = total - tp - fp - fn
    se = _ratio(tp, support)
    ppv = _ratio(tp, predicted)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    f1 = np.where((support > 0) & np.isnan(f1), 0.0, f1)
    fpr = _ratio(fp, fp + tn)
    return {"Se": se, "+P": ppv, "F1": f1, "FPR": fpr, "Sp": 1 - fpr, "support": support}


def summary_arrays(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy and macro-F1 (over classes present in the reference) of ``(..., K, K)``."""
    cm = np.asarray(cm, dtype=np.float64)
    per = per_class_arrays(cm)
    present = per["support"] > 0
    f1 = np.where(present, np.nan_to_num(per["F1"]), 0.0)
    macro = _ratio(f1.sum(axis=-1), present.sum(axis=-1))
    accuracy = _ratio(np.diagonal(cm, axis1=-2, axis2=-1).sum(axis=-1), cm.sum(axis=(-2, -1)))
    return {"accuracy": accuracy, "macro_f1": macro}


def class_metrics(cm: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """Table of Se, +P, F1, FPR, Sp and support per class (rows) from a confusion matrix."""
    per = per_class_arrays(cm)
    table = pd.DataFrame({k: v for k, v in per.items()}, index=list(classes))
    table["support"] = table["support"].astype(int)
    table.index.name = "class"
    return table


def summary_metrics(cm: np.ndarray) -> dict[str, float]:
    """Overall accuracy and macro-F1 as plain floats."""
    return {k: float(v) for k, v in summary_arrays(cm).items()}


def classification_summary(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]
) -> dict[str, float]:
    """Flat dictionary: accuracy, macro-F1 and ``<class>_<metric>`` for Se, +P, F1, FPR.

    Examples
    --------
    >>> import numpy as np
    >>> s = classification_summary(np.array([0, 1]), np.array([0, 1]), ["N", "S"])
    >>> s["macro_f1"], s["S_Se"]
    (1.0, 1.0)
    """
    cm = confusion(y_true, y_pred, len(classes))
    out = summary_metrics(cm)
    per = per_class_arrays(cm)
    for i, c in enumerate(classes):
        for m in ("Se", "+P", "F1", "FPR"):
            out[f"{c}_{m}"] = float(per[m][i])
    return out


def selection_score(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], min_support: int = 20
) -> float:
    """Model-selection criterion: mean F1 over classes with at least ``min_support`` reference beats.

    A class with a handful of validation beats (F in the default split) would make the
    criterion noise; its F1 is still reported elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 30 + [1] * 30 + [2] * 2)
    >>> selection_score(y, y.copy(), ["N", "S", "F"])
    1.0
    """
    per = per_class_arrays(confusion(y_true, y_pred, len(classes)))
    counted = per["support"] >= min_support
    return float(np.nan_to_num(per["F1"][counted]).mean()) if counted.any() else 0.0
