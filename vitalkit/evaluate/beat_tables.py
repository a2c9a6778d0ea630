"""Beat-classification tables that keep one record from hiding the rest.

MIT-BIH DS2's S class is dominated by record 232 (1,382 of 1,837 S beats): a model can look
good or bad on S because of that record alone. These tables report a class per record, the
metrics with and without named records, the MIT-BIH beat types (N, L, R, e, j, A, a, J, S, V,
E, F, f, Q) one by one, and the cross-validation figures of the training patients.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1, 1, 0, 1]); p = np.array([0, 1, 0, 0, 1])
>>> rec = np.array(["a", "a", "b", "b", "b"])
>>> class_by_record(y, p, rec, ["N", "S"], "S")["Se"].tolist()
[1.0, 0.5]
>>> beat_type_table(np.array(["N", "A", "A", "N", "A"]), p, ["N", "S"]).loc["A", "Se"]
0.667
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import bootstrap_metrics
from vitalkit.labels import aami_class
from vitalkit.models.classical import apply_class_bias

BEAT_TYPES: tuple[str, ...] = ("N", "L", "R", "e", "j", "A", "a", "J", "S", "V", "E", "F", "f", "Q", "/")
"""MIT-BIH beat annotation symbols, in the order of the database directory (AAMI N, S, V, F, Q)."""

MIN_TYPE_BEATS = 10
"""Beat types with fewer test beats are marked: their Se is anecdotal."""


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def class_by_record(
    y_true: np.ndarray, y_pred: np.ndarray, records: np.ndarray, classes: Sequence[str], name: str
) -> pd.DataFrame:
    """One class, one row per record that has or is given that class: TP, FN, FP, Se, +P, F1."""
    c = list(classes).index(name)
    rows = {}
    for rec in np.unique(records):
        inside = records == rec
        t, p = y_true[inside] == c, y_pred[inside] == c
        tp, fn, fp = int((t & p).sum()), int((t & ~p).sum()), int((~t & p).sum())
        if tp + fn + fp == 0:
            continue
        se, ppv = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
        rows[str(rec)] = {
            f"n_{name}": tp + fn,
            "TP": tp,
            "FN": fn,
            "FP": fp,
            "Se": se,
            "+P": ppv,
            "F1": _ratio(2 * tp, 2 * tp + fn + fp),
        }
    table = pd.DataFrame(rows).T
    table.index.name = "record"
    return table


def without_records_table(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    records: np.ndarray,
    classes: Sequence[str],
    exclude: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Accuracy and per-class Se, +P, F1 (with bootstrap CIs over records) on all records and
    without each record of ``exclude`` (only those present).

    Returns
    -------
    pandas.DataFrame
        One row per (subset, metric) with ``value``, ``ci_low``, ``ci_high``; subsets
        ``'all records'`` and ``'without <record>'``.
    """
    subsets = {"all records": np.ones(len(y_true), dtype=bool)}
    for rec in exclude:
        if np.any(records == rec):
            subsets[f"without {rec}"] = records != rec
    metrics = ["accuracy", "macro_f1", *(f"{c}_{m}" for c in classes for m in ("Se", "+P", "F1"))]
    parts = []
    for label, keep in subsets.items():
        table = bootstrap_metrics(y_true[keep], y_pred[keep], records[keep], classes, n_boot, seed, level)
        parts.append(table.loc[metrics].assign(subset=label, beats=int(keep.sum())))
    return pd.concat(parts).reset_index().set_index(["subset", "metric"])


def beat_type_table(
    symbols: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], min_beats: int = MIN_TYPE_BEATS
) -> pd.DataFrame:
    """Per MIT-BIH beat type: beats, AAMI class, Se (share given its AAMI class) and where the
    rest went.

    A per-type +P is not defined (the model predicts AAMI classes, not types); the +P of each
    type's class is in the class table. Types with fewer than ``min_beats`` beats are marked
    ``few=True``.
    """
    rows = {}
    pred_names = np.asarray(classes)[y_pred]
    present = [t for t in BEAT_TYPES if np.any(symbols == t)] + sorted(
        {str(s) for s in np.unique(symbols)} - set(BEAT_TYPES)
    )
    for t in present:
        inside = symbols == t
        target = aami_class(t)
        n = int(inside.sum())
        row: dict[str, object] = {"class": target, "beats": n}
        row["Se"] = (
            round(float((pred_names[inside] == target).mean()), 3) if target in classes else float("nan")
        )
        for c in classes:
            row[f"as_{c}"] = int((pred_names[inside] == c).sum())
        row["few"] = n < min_beats
        rows[t] = row
    table = pd.DataFrame(rows).T
    table.index.name = "type"
    return table


def cv_metrics_table(
    labels: np.ndarray,
    probabilities: np.ndarray,
    records: np.ndarray,
    classes: Sequence[str],
    class_bias: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cross-validation figures with bootstrap CIs over the training patients.

    ``probabilities`` are out-of-fold; ``class_bias`` (chosen on them) is applied first.
    """
    proba = probabilities if class_bias is None else apply_class_bias(probabilities, class_bias)
    pred = np.asarray(proba).argmax(axis=1)
    return bootstrap_metrics(labels, pred, records, classes, n_boot, seed, level)
