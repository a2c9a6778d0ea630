"""Bootstrap confidence intervals resampled over records (patients), not beats.

Beats of one patient are not independent: resampling beats would give intervals far too
narrow. Here each replicate draws the records with replacement and sums their confusion
matrices, so a replicate costs one matrix product and 1,000 replicates take milliseconds.

Examples
--------
>>> import numpy as np
>>> from vitalkit.evaluate.bootstrap import bootstrap_metrics
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 400); groups = np.repeat(np.arange(8), 50)
>>> table = bootstrap_metrics(y, y, groups, ["N", "S"], n_boot=200, seed=0)
>>> float(table.loc["accuracy", "value"]), float(table.loc["accuracy", "ci_low"])
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.evaluate.metrics import confusion, per_class_arrays, summary_arrays

PER_CLASS = ("Se", "+P", "F1", "FPR")


def record_confusions(
    y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group confusion matrices ``(n_groups, K, K)`` and the group names."""
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    idx = inverse * n_classes * n_classes + np.asarray(y_true) * n_classes + np.asarray(y_pred)
    cms = np.bincount(idx, minlength=names.size * n_classes**2).reshape(names.size, n_classes, n_classes)
    return cms, names


def resample_confusions(cms: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap replicates ``(n_boot, K, K)``: records drawn with replacement, matrices summed.

    Any per-record count tables ``(n_records, ...)`` resample the same way (the multi-label
    tables of :mod:`vitalkit.evaluate.multilabel`); stacking two tables per record along the
    second axis gives paired replicates (the same draws for both).
    """
    rng = np.random.default_rng(seed)
    r = cms.shape[0]
    draws = rng.multinomial(r, np.full(r, 1.0 / r), size=n_boot)
    return (draws @ cms.reshape(r, -1)).reshape(n_boot, *cms.shape[1:])


def metric_arrays(cm: np.ndarray, classes: Sequence[str]) -> dict[str, np.ndarray]:
    """Flat ``{metric: values}`` for one or a stack of confusion matrices."""
    out = dict(summary_arrays(cm))
    per = per_class_arrays(cm)
    for i, c in enumerate(classes):
        for m in PER_CLASS:
            out[f"{c}_{m}"] = per[m][..., i]
    return out


def bootstrap_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Point estimates and percentile bootstrap CIs over groups (records).

    Parameters
    ----------
    y_true, y_pred : np.ndarray
        Class indices.
    groups : np.ndarray
        Record (patient) of each beat.
    classes : sequence of str
        Class names.
    n_boot : int
        Replicates.
    seed : int
        Seed of the resampling.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Rows ``accuracy``, ``macro_f1`` and ``<class>_<Se|+P|F1|FPR>``; columns ``value``,
        ``ci_low``, ``ci_high``. Replicates where a metric is undefined (no beats of that
        class drawn) are left out of its interval.
    """
    cms, _ = record_confusions(y_true, y_pred, groups, len(classes))
    return bootstrap_confusions(cms, classes, n_boot, seed, level)


def bootstrap_confusions(
    cms: np.ndarray, classes: Sequence[str], n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """:func:`bootstrap_metrics` from per-record confusion matrices ``(n_records, K, K)``.

    For scores kept as confusion matrices (``vitalkit predict --score`` keeps one per
    recording): the point estimate is their sum, each replicate a draw of records.

    Examples
    --------
    >>> cms = np.array([[[9, 1], [0, 2]], [[5, 0], [1, 1]]])
    >>> table = bootstrap_confusions(cms, ["N", "S"], n_boot=50)
    >>> round(float(table.loc["accuracy", "value"]), 3)
    0.895
    """
    point = metric_arrays(np.asarray(cms).sum(axis=0), classes)
    reps = metric_arrays(resample_confusions(np.asarray(cms), n_boot, seed), classes)
    return percentile_table(point, reps, level)


def percentile_table(
    point: dict[str, np.ndarray], reps: dict[str, np.ndarray], level: float = 0.95
) -> pd.DataFrame:
    """Table of point estimates and percentile CIs of bootstrap replicates, one row per metric.

    ``point`` holds each metric's estimate on all data, ``reps`` its ``(n_boot,)``
    replicates; non-finite replicates (metric undefined on that draw) are left out of the
    interval, which is NaN when none is finite.

    Examples
    --------
    >>> t = percentile_table({"f1": np.float64(0.5)}, {"f1": np.array([0.4, np.nan, 0.6])}, 0.5)
    >>> t.loc["f1"].tolist()
    [0.5, 0.45, 0.55]
    """
    alpha = (1 - level) / 2
    rows = {}
    for name, value in point.items():
        values = reps[name][np.isfinite(reps[name])]
        lo, hi = np.quantile(values, [alpha, 1 - alpha]) if values.size else (np.nan, np.nan)
        rows[name] = {"value": float(value), "ci_low": float(lo), "ci_high": float(hi)}
    table = pd.DataFrame(rows).T
    table.index.name = "metric"
    return table


def paired_difference_summary(
    metric: str, observed: float, diff: np.ndarray, level: float, n_records: int
) -> dict[str, float]:
    """Observed difference, percentile CI and two-sided bootstrap p-value of paired replicates.

    ``diff`` holds the finite replicate differences; the p-value is twice the share of
    replicates on the other side of zero (capped at 1).

    Examples
    --------
    >>> import numpy as np
    >>> r = paired_difference_summary("macro_f1", 0.1, np.linspace(0.05, 0.15, 101), 0.9, 8)
    >>> round(r["ci_low"], 3), r["p_value"], r["n_records"]
    (0.055, 0.0, 8)
    """
    alpha = (1 - level) / 2
    lo, hi = np.quantile(diff, [alpha, 1 - alpha])
    p = float(min(1.0, 2 * min((diff <= 0).mean(), (diff >= 0).mean())))
    return {
        "metric": metric,
        "difference": float(observed),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": p,
        "n_boot": int(diff.size),
        "n_records": int(n_records),
    }


def paired_bootstrap(
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
    """Paired bootstrap of ``metric(A) - metric(B)`` over records (the same draws for both).

    Returns the observed difference, its CI and a two-sided bootstrap p-value (twice the
    share of replicates on the other side of zero).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 50); g = np.repeat(np.arange(10), 10)
    >>> r = paired_bootstrap(y, y, np.zeros_like(y), g, ["N", "S"], n_boot=100)
    >>> r["difference"] > 0, r["ci_low"] > 0
    (True, True)
    """
    k = len(classes)
    cms_a, names_a = record_confusions(y_true, pred_a, groups, k)
    cms_b, _ = record_confusions(y_true, pred_b, groups, k)
    stacked = np.concatenate([cms_a, cms_b], axis=1)  # same record draws for A and B
    reps = resample_confusions(stacked, n_boot, seed)
    get: Callable[[np.ndarray], np.ndarray] = lambda cm: metric_arrays(cm, classes)[metric]  # noqa: E731
    diff = get(reps[:, :k]) - get(reps[:, k:])
    diff = diff[np.isfinite(diff)]
    observed = float(get(confusion(y_true, pred_a, k)) - get(confusion(y_true, pred_b, k)))
    return paired_difference_summary(metric, observed, diff, level, names_a.size)


def group_bootstrap(
    metric: Callable[..., float | dict[str, float]],
    groups: np.ndarray,
    *arrays: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Percentile bootstrap CI of any metric, resampling groups (patients) with replacement.

    Each replicate draws as many groups as there are, with replacement, and calls
    ``metric`` on all rows of the drawn groups (a group drawn twice contributes its rows
    twice). A metric returning a dict gets every entry computed on the same draws, so
    differences between entries (model A minus model B) are paired.

    Parameters
    ----------
    metric : callable
        ``metric(*arrays_of_the_drawn_rows) -> float or {name: float}``.
    groups : np.ndarray
        Group (patient) of each row.
    *arrays : np.ndarray
        Row-aligned arrays passed to ``metric`` (labels, scores, weights ...). For
        metrics defined per group (a utility summed per patient, a lead time per patient),
        pass one row per group.
    n_boot : int
        Replicates.
    seed : int
        Seed of the draws.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per metric (``'value'`` for a scalar metric) with ``value`` (on all rows),
        ``ci_low``, ``ci_high`` and ``n_boot`` (replicates where the metric was finite;
        undefined replicates, e.g. no positive drawn, are left out).

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1, 1, 0]); g = np.array([0, 0, 1, 1, 2, 2])
    >>> t = group_bootstrap(lambda a: {"mean": a.mean()}, g, y, n_boot=200, seed=0)
    >>> float(t.loc["mean", "value"]), bool(t.loc["mean", "ci_low"] == t.loc["mean", "ci_high"])
    (0.5, True)
    """
    groups = np.asarray(groups)
    arrays = tuple(np.asarray(a) for a in arrays)
    _, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse)
    starts = np.cumsum(counts) - counts
    as_dict: Callable[[Any], dict[str, float]] = lambda v: (  # noqa: E731
        {k: float(x) for k, x in v.items()} if isinstance(v, dict) else {"value": float(v)}
    )
    point = as_dict(metric(*arrays))
    reps: dict[str, list[float]] = {k: [] for k in point}
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        draw = rng.integers(0, counts.size, counts.size)
        c = counts[draw]
        within = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        idx = order[np.repeat(starts[draw], c) + within]
        for k, v in as_dict(metric(*(a[idx] for a in arrays))).items():
            reps[k].append(v)
    replicates = {k: np.asarray(r) for k, r in reps.items()}
    table = percentile_table(point, replicates, level)
    table["n_boot"] = [int(np.isfinite(replicates[k]).sum()) for k in table.index]
    return table
