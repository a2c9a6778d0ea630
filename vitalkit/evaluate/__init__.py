"""Evaluation: AAMI metrics, bootstrap confidence intervals over records, tables, plots.

Examples
--------
>>> import numpy as np
>>> from vitalkit.evaluate import confusion, summary_metrics
>>> summary_metrics(confusion(np.array([0, 1]), np.array([0, 0]), 2))["accuracy"]
0.5
"""

from __future__ import annotations

from vitalkit.evaluate.bootstrap import bootstrap_metrics, group_bootstrap, paired_bootstrap
from vitalkit.evaluate.compare import compare_models, mcnemar
from vitalkit.evaluate.curves import calibration_figure, roc_pr_figure
from vitalkit.evaluate.metrics import (
    class_metrics,
    classification_summary,
    confusion,
    per_class_arrays,
    summary_arrays,
    summary_metrics,
)
from vitalkit.evaluate.models import Evaluation, evaluate_models, load_ensembles
from vitalkit.evaluate.plots import confusion_figure, metrics_ci_figure
from vitalkit.evaluate.predict import predict_proba
from vitalkit.evaluate.published import published_table
from vitalkit.evaluate.tables import class_table_with_ci, per_record_table

__all__ = [
    "Evaluation",
    "bootstrap_metrics",
    "calibration_figure",
    "class_metrics",
    "class_table_with_ci",
    "classification_summary",
    "compare_models",
    "confusion",
    "confusion_figure",
    "evaluate_models",
    "group_bootstrap",
    "load_ensembles",
    "mcnemar",
    "metrics_ci_figure",
    "paired_bootstrap",
    "per_class_arrays",
    "per_record_table",
    "predict_proba",
    "published_table",
    "roc_pr_figure",
    "summary_arrays",
    "summary_metrics",
]
