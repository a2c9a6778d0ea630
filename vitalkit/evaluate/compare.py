"""A/B comparison of two models on the same beats: paired bootstrap over records and McNemar.

Examples
--------
>>> import numpy as np
>>> mcnemar(np.array([0, 1, 1, 0]), np.array([0, 1, 1, 0]), np.array([1, 1, 1, 0]))["p_value"]
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from vitalkit.evaluate.tasks import TASKS


def _correct(y_true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Right or wrong per sample (multilabel: every label right)."""
    right = pred == y_true
    return right.all(axis=1) if right.ndim == 2 else right


def mcnemar(y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict[str, Any]:
    """Exact McNemar test on beats one model gets right and the other wrong.

    It treats beats as independent, which beats of one patient are not: its p-value is
    optimistic. The paired bootstrap over records is the honest test; McNemar is reported
    because it is the customary one.
    """
    a_right = _correct(y_true, pred_a)
    b_right = _correct(y_true, pred_b)
    only_a = int((a_right & ~b_right).sum())
    only_b = int((~a_right & b_right).sum())
    p = binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return {"only_a_correct": only_a, "only_b_correct": only_b, "p_value": float(p)}


def compare_models(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    names: tuple[str, str],
    metrics: Sequence[str] = ("macro_f1", "accuracy", "S_F1", "V_F1"),
    n_boot: int = 2000,
    seed: int = 0,
    task: str = "multiclass",
) -> pd.DataFrame:
    """Table of ``A - B`` differences with paired bootstrap CIs and p-values, plus McNemar.

    Metrics not defined for ``classes`` (``S_F1`` without an S class) are left out.
    """
    test = TASKS[task].paired_bootstrap
    known = {"macro_f1", "accuracy"} | {f"{c}_{m}" for c in classes for m in ("Se", "+P", "F1", "FPR")}
    rows = []
    for metric in [m for m in metrics if m in known]:
        r = test(y_true, pred_a, pred_b, groups, classes, metric=metric, n_boot=n_boot, seed=seed)
        rows.append(
            {
                "comparison": f"{names[0]} - {names[1]}",
                "metric": metric,
                "difference": r["difference"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value (bootstrap over records)": r["p_value"],
            }
        )
    table = pd.DataFrame(rows).set_index(["comparison", "metric"])
    table.attrs["mcnemar"] = mcnemar(y_true, pred_a, pred_b)
    return table
