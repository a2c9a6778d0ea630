"""Metrics of multi-label classification (one yes/no decision per label), with bootstrap CIs.

Per label: sensitivity (Se), positive predictivity (+P), F1 and false-positive rate from that
label's 2x2 table; macro-F1 over labels with positive examples; exact-match accuracy (all
labels of a sample right). Bootstrap replicates resample groups (records or patients) and
sum their tables, as for the multi-class metrics.

Examples
--------
>>> import numpy as np
>>> y = np.array([[1, 0], [0, 1], [1, 1]]); p = np.array([[1, 0], [0, 0], [1, 1]])
>>> s = multilabel_summary(y, p, ["afib", "pvc"])
>>> s["afib_Se"], s["pvc_Se"], round(s["accuracy"], 3)
(1.0, 0.5, 0.667)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import paired_difference_summary, percentile_table, resample_confusions

PER_LABEL = ("Se", "+P", "F1", "FPR")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def label_tables(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-label counts ``(K, 5)``: tp, fp, fn, tn, and exact matches (same in every column)."""
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    exact = np.full(t.shape[1], (t == p).all(axis=1).sum())
    return np.stack([(t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0), (~t & ~p).sum(0), exact], axis=1)


def metrics_from_tables(tables: np.ndarray, classes: Sequence[str]) -> dict[str, np.ndarray]:
    """Metrics of one ``(K, 5)`` or a stack ``(..., K, 5)`` of label tables."""
    tp, fp, fn, tn, exact = (tables[..., i] for i in range(5))
    positives = tp + fn
    out: dict[str, np.ndarray] = {}
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    f1 = np.where((positives > 0) & np.isnan(f1), 0.0, f1)
    present = positives > 0
    out["macro_f1"] = _ratio(np.where(present, np.nan_to_num(f1), 0).sum(-1), present.sum(-1))
    total = tp[..., 0] + fp[..., 0] + fn[..., 0] + tn[..., 0]
    out["accuracy"] = _ratio(exact[..., 0], total)
    per = {"Se": _ratio(tp, positives), "+P": _ratio(tp, tp + fp), "F1": f1, "FPR": _ratio(fp, fp + tn)}
    for i, c in enumerate(classes):
        for m in PER_LABEL:
            out[f"{c}_{m}"] = per[m][..., i]
    return out


def multilabel_summary(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """Flat dictionary: accuracy (exact match), macro-F1 and ``<label>_<metric>``."""
    return {k: float(v) for k, v in metrics_from_tables(label_tables(y_true, y_pred), classes).items()}


def multilabel_selection_score(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], min_support: int = 20
) -> float:
    """Mean F1 over labels with at least ``min_support`` positive samples (the selection criterion)."""
    tables = label_tables(y_true, y_pred)
    counted = (tables[:, 0] + tables[:, 2]) >= min_support
    if not counted.any():
        counted = (tables[:, 0] + tables[:, 2]) > 0
    f1 = _ratio(2 * tables[:, 0], 2 * tables[:, 0] + tables[:, 1] + tables[:, 2])
    return float(np.nan_to_num(f1[counted]).mean()) if counted.any() else 0.0


def multilabel_bootstrap(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Point estimates and percentile CIs, resampling groups; same layout as ``bootstrap_metrics``."""
    per_group = group_label_tables(y_true, y_pred, groups)
    reps = metrics_from_tables(resample_confusions(per_group, n_boot, seed), classes)
    point = metrics_from_tables(per_group.sum(axis=0), classes)
    return percentile_table(point, reps, level)


def group_label_tables(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Label tables per group, ``(G, K, 5)`` (groups in sorted order)."""
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    return np.stack([label_tables(y_true[inverse == g], y_pred[inverse == g]) for g in range(names.size)])


def paired_bootstrap_multilabel(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    metric: str = "macro_f1",
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """Paired bootstrap of ``metric(A) - metric(B)`` resampling groups (same draws for both)."""
    tables_a = group_label_tables(y_true, pred_a, groups)
    tables_b = group_label_tables(y_true, pred_b, groups)
    g, k = tables_a.shape[:2]
    reps = resample_confusions(np.concatenate([tables_a, tables_b], axis=1), n_boot, seed)  # same draws
    rep_a = metrics_from_tables(reps[:, :k], classes)[metric]
    rep_b = metrics_from_tables(reps[:, k:], classes)[metric]
    diff = (rep_a - rep_b)[np.isfinite(rep_a - rep_b)]
    observed = float(
        metrics_from_tables(tables_a.sum(0), classes)[metric]
        - metrics_from_tables(tables_b.sum(0), classes)[metric]
    )
    return paired_difference_summary(metric, observed, diff, level, g)
