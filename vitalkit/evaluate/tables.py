"""Evaluation tables: per-class metrics with CIs, per-record results.

Examples
--------
>>> import numpy as np
>>> from vitalkit.evaluate.tables import per_record_table
>>> y, p = np.array([0, 1, 0]), np.array([0, 1, 1])
>>> t = per_record_table(y, p, np.array(["a", "a", "b"]), ["N", "S"])
>>> t["accuracy"].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import PER_CLASS, record_confusions
from vitalkit.evaluate.metrics import per_class_arrays, summary_arrays
from vitalkit.evaluate.multilabel import multilabel_summary


def per_record_table(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    records: np.ndarray,
    classes: Sequence[str],
    task: str = "multiclass",
) -> pd.DataFrame:
    """One row per record: samples, accuracy, macro-F1, and per class its count, Se and +P."""
    if task == "multilabel":
        rows = {}
        for name in np.unique(records):
            inside = records == name
            s = multilabel_summary(y_true[inside], y_pred[inside], classes)
            rows[name] = {
                "windows": int(inside.sum()),
                "accuracy": s["accuracy"],
                "macro_f1": s["macro_f1"],
                **{f"{c}_Se": s[f"{c}_Se"] for c in classes},
            }
        table = pd.DataFrame(rows).T
        table.index.name = "record"
        return table
    cms, names = record_confusions(y_true, y_pred, records, len(classes))
    per = per_class_arrays(cms)
    summ = summary_arrays(cms)
    table = pd.DataFrame(
        {"beats": cms.sum(axis=(1, 2)), "accuracy": summ["accuracy"], "macro_f1": summ["macro_f1"]},
        index=names,
    )
    for i, c in enumerate(classes):
        table[f"n_{c}"] = per["support"][:, i].astype(int)
        table[f"{c}_Se"] = per["Se"][:, i]
        table[f"{c}_+P"] = per["+P"][:, i]
    table.index.name = "record"
    return table


def class_table_with_ci(boot: pd.DataFrame, classes: Sequence[str], digits: int = 1) -> pd.DataFrame:
    """Per-class table of ``value [low, high]`` strings in percent, from bootstrap output."""

    def fmt(name: str) -> str:
        v, lo, hi = boot.loc[name, ["value", "ci_low", "ci_high"]]
        if not np.isfinite(v):
            return "n/a"
        return f"{100 * v:.{digits}f} [{100 * lo:.{digits}f}, {100 * hi:.{digits}f}]"

    rows = {c: {m: fmt(f"{c}_{m}") for m in PER_CLASS} for c in classes}
    table = pd.DataFrame(rows).T
    table.index.name = "class"
    return table


def headline_with_ci(
    boot: pd.DataFrame, names: Sequence[str] = ("accuracy", "macro_f1"), digits: int = 1
) -> dict[str, str]:
    """``{metric: 'value [low, high]'}`` in percent for a few metrics."""
    out = {}
    for n in names:
        v, lo, hi = boot.loc[n, ["value", "ci_low", "ci_high"]]
        out[n] = f"{100 * v:.{digits}f} [{100 * lo:.{digits}f}, {100 * hi:.{digits}f}]"
    return out
