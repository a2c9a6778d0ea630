"""Record-level cross-validation of rhythm classifiers: folds by record and patient, out-of-fold predictions.

No record (and no patient) is in two folds: folds come from scikit-learn's
``StratifiedGroupKFold`` over records, grouped by patient, stratified by each record's class
(CinC: its label; multi-rhythm records: the rarest class they contain).

The classical model is scikit-learn's ``HistGradientBoostingClassifier`` (missing feature
values handled natively, balanced class weights).

Examples
--------
>>> strata = pd.Series(["N", "A"] * 10, index=[f"r{i}" for i in range(20)])
>>> folds = record_folds(strata, k=5, seed=0)
>>> sorted(folds.value_counts().tolist()), folds.groupby(strata).nunique().tolist()
([4, 4, 4, 4, 4], [5, 5])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedGroupKFold

from vitalkit.errors import DataError

GBDT_DEFAULTS: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
    "class_weight": "balanced",
}
"""Gradient-boosting settings of the classical rhythm baselines."""


def record_folds(
    strata: pd.Series, k: int = 5, seed: int = 0, patients: pd.Series | None = None
) -> pd.Series:
    """Fold number (0 .. k-1) of every record (``strata`` index), stratified, grouped by patient."""
    if k < 2:
        raise DataError("folds", f"k must be at least 2, not {k}")
    counts = strata.value_counts()
    groups = (patients if patients is not None else pd.Series(strata.index, index=strata.index)).loc[
        strata.index
    ]
    if groups.nunique() < k:
        raise DataError("folds", f"{groups.nunique()} patients cannot fill {k} folds")
    if counts.min() < k:
        strata = strata.where(strata.map(counts) >= k, counts.index[0])
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    fold = pd.Series(-1, index=strata.index, dtype=np.int64)
    for i, (_, test) in enumerate(
        splitter.split(np.zeros(len(strata)), strata.to_numpy(), groups.to_numpy())
    ):
        fold.iloc[test] = i
    return fold


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
