"""Record-level cross-validation of rhythm classifiers: out-of-fold predictions.

Folds come from :func:`vitalkit.splits.record_folds` (records grouped by patient, stratified
by each record's class; no patient in two folds).

The classical model is scikit-learn's ``HistGradientBoostingClassifier`` (missing feature
values handled natively, balanced class weights).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

GBDT_DEFAULTS: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
    "class_weight": "balanced",
}
"""Gradient-boosting settings of the classical rhythm baselines."""


def gbdt(hparams: dict[str, Any] | None = None, seed: int = 0) -> HistGradientBoostingClassifier:
    """The classical baseline: gradient boosting with :data:`GBDT_DEFAULTS` updated by ``hparams``."""
    return HistGradientBoostingClassifier(**{**GBDT_DEFAULTS, **(hparams or {})}, random_state=seed)


def out_of_fold_proba(
    features: np.ndarray,
    labels: np.ndarray,
    fold: np.ndarray,
    n_classes: int,
    make_model: Callable[[], Any] = gbdt,
) -> np.ndarray:
    """Class probabilities of every row predicted by a model trained on the other folds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(60, 2)); y = (x[:, 0] > 0).astype(int); f = np.arange(60) % 3
    >>> p = out_of_fold_proba(x, y, f, 2, lambda: gbdt({"max_iter": 20}))
    >>> p.shape, bool(((p.argmax(1) == y).mean() > 0.8))
    ((60, 2), True)
    """
    proba = np.zeros((len(labels), n_classes))
    for k in np.unique(fold):
        test = fold == k
        model = make_model().fit(features[~test], labels[~test])
        proba[np.ix_(test, model.classes_.astype(int))] = model.predict_proba(features[test])
    return proba
