"""Gradient-boosting baseline: HistGradientBoosting on the causal history features.

scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier` routes missing
values natively, so the features keep their NaN. Its built-in early stopping would hold
out random *rows* (leaking patients between its training and validation parts), so it is
off: every setting of a small grid is trained on the training patients, its validation
AUROC is followed along the boosting iterations (``staged_predict_proba``), and the best
(setting, iterations) on the **validation patients** is refitted and kept.

Training runs single-threaded (threadpoolctl): on a shared 2-core machine OpenMP threads
competing for cores made a fit 4x slower, and one thread keeps results bit-reproducible.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0); X = pd.DataFrame({"a": rng.normal(size=400)})
>>> y = (X["a"] + rng.normal(scale=0.5, size=400) > 1).astype(int).to_numpy()
>>> rows = np.arange(400) < 300
>>> res = fit_gbm(X, y, rows, ~rows, learning_rates=(0.1,), max_leaf_nodes=(7,), max_iter=20, step=10)
>>> res.selection.shape[0], res.best["iterations"] in (10, 20)
(2, True)
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits


@dataclass
class GBMResult:
    """What :func:`fit_gbm` returns.

    Attributes
    ----------
    model : HistGradientBoostingClassifier
        Refitted with the selected setting.
    features : list of str
        Feature names, in order.
    selection : pandas.DataFrame
        Validation AUROC / AUPRC of every (setting, iterations) tried.
    best : dict
        The selected setting.
    wall_time_s : float
        Time of the search and the refit.
    """

    model: HistGradientBoostingClassifier
    features: list[str]
    selection: pd.DataFrame
    best: dict[str, Any]
    wall_time_s: float

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of the positive class per row."""
        with threadpool_limits(1):
            return self.model.predict_proba(X[self.features])[:, 1]


def _classifier(
    learning_rate: float, leaves: int, iterations: int, seed: int
) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        learning_rate=learning_rate,
        max_leaf_nodes=leaves,
        max_iter=iterations,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def fit_gbm(
    X: pd.DataFrame,
    y: np.ndarray,
    train_rows: np.ndarray,
    val_rows: np.ndarray,
    learning_rates: tuple[float, ...] = (0.05, 0.1),
    max_leaf_nodes: tuple[int, ...] = (15, 31),
    max_iter: int = 200,
    step: int = 25,
    seed: int = 0,
) -> GBMResult:
    """Grid search on the validation patients, then refit (module notes).

    Parameters
    ----------
    X : pandas.DataFrame
        Features of every row.
    y : np.ndarray
        Binary label of every row.
    train_rows, val_rows : np.ndarray
        Boolean masks of the rows to train on and to select on (different patients).
    learning_rates, max_leaf_nodes : tuple
        The grid.
    max_iter, step : int
        Boosting iterations, and the spacing at which validation AUROC is read.
    seed : int
        ``random_state``.
    """
    start = time.perf_counter()
    y = np.asarray(y)
    Xt, yt, Xv, yv = X[train_rows], y[train_rows], X[val_rows], y[val_rows]
    rows = []
    with threadpool_limits(1):
        for lr, leaves in itertools.product(learning_rates, max_leaf_nodes):
            model = _classifier(lr, leaves, max_iter, seed).fit(Xt, yt)
            for i, proba in enumerate(model.staged_predict_proba(Xv), start=1):
                if i % step == 0 or i == max_iter:
                    rows.append(
                        {
                            "learning_rate": lr,
                            "max_leaf_nodes": leaves,
                            "iterations": i,
                            "val_auroc": roc_auc_score(yv, proba[:, 1]),
                            "val_auprc": average_precision_score(yv, proba[:, 1]),
                        }
                    )
        selection = pd.DataFrame(rows)
        best = selection.loc[selection["val_auroc"].idxmax()].to_dict()
        best = {
            "learning_rate": float(best["learning_rate"]),
            "max_leaf_nodes": int(best["max_leaf_nodes"]),
            "iterations": int(best["iterations"]),
            "val_auroc": float(best["val_auroc"]),
        }
        model = _classifier(best["learning_rate"], best["max_leaf_nodes"], best["iterations"], seed).fit(
            Xt, yt
        )
    return GBMResult(model, list(X.columns), selection, best, time.perf_counter() - start)
