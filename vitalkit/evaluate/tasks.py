"""What 'metrics' means for each task: how probabilities become decisions, and which metrics.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.2, 0.8]])
>>> TASKS["multiclass"].decide(p).tolist(), TASKS["multilabel"].decide(p).tolist()
([1], [[0, 1]])

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import bootstrap_metrics
from vitalkit.evaluate.metrics import classification_summary, selection_score
from vitalkit.evaluate.multilabel import multilabel_bootstrap, multilabel_selection_score, multilabel_summary


@dataclass(frozen=True)
class TaskMetrics:
    """The metric functions of one task.

    Attributes
    ----------
    decide : callable
        Probabilities ``(n, K)`` to predictions (class index, or 0/1 per label).
    summary : callable
        ``(y_true, y_pred, classes) -> {metric: value}``.
    selection : callable
        ``(y_true, y_pred, classes, min_support) -> float``: the model-selection criterion.
    bootstrap : callable
        ``(y_true, y_pred, groups, classes, n_boot, seed, level) -> DataFrame`` of CIs.
    """

    decide: Callable[[np.ndarray], np.ndarray]
    summary: Callable[..., dict[str, float]]
    selection: Callable[..., float]
    bootstrap: Callable[..., object]


THRESHOLD = 0.5
"""Decision threshold of each label in multilabel tasks."""

TASKS: dict[str, TaskMetrics] = {
    "multiclass": TaskMetrics(
        lambda p: np.asarray(p).argmax(axis=1), classification_summary, selection_score, bootstrap_metrics
    ),
    "multilabel": TaskMetrics(
        lambda p: (np.asarray(p) >= THRESHOLD).astype(np.int64),
        multilabel_summary,
        multilabel_selection_score,
        multilabel_bootstrap,
    ),
}


def class_table(
    y_true: np.ndarray, y_pred: np.ndarray, classes: list[str] | tuple[str, ...], task: str = "multiclass"
) -> pd.DataFrame:
    """Se, +P, F1, FPR and support per class (label), for either task."""

    summary = TASKS[task].summary(y_true, y_pred, classes)
    support = (
        np.asarray(y_true).sum(axis=0)
        if task == "multilabel"
        else np.bincount(np.asarray(y_true), minlength=len(classes))
    )
    table = pd.DataFrame(
        {m: [summary[f"{c}_{m}"] for c in classes] for m in ("Se", "+P", "F1", "FPR")}, index=list(classes)
    )
    table["support"] = support.astype(int)
    table.index.name = "class"
    return table
