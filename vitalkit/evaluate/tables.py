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

from vitalkit.evaluate.bootstrap import PER_CLASS
from vitalkit.evaluate.tasks import TASKS


def per_record_table(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    records: np.ndarray,
    classes: Sequence[str],
    task: str = "multiclass",
) -> pd.DataFrame:
    """One row per record: samples, accuracy, macro-F1, and per class its count, Se and +P."""
    return TASKS[task].per_record(y_true, y_pred, records, classes)


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
