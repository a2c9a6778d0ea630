"""Anomaly detectors on vital-sign windows, fitted on training patients only.

An anomaly detector learns what ICU vital signs usually look like and scores how unusual
each patient-hour's trailing window is; it never sees an outcome label. Two detectors,
registered by name (scikit-learn conventions: ``fit`` returns self, fitted state ends in
``_``, higher score = more anomalous):

``'isolation_forest'``
    :class:`sklearn.ensemble.IsolationForest` on the window features; the score is the
    negated ``score_samples`` (short isolation paths = anomalous).
``'robust_z'``
    A transparent baseline: each feature is standardized with the training median and
    MAD (scaled by 1.4826, the normal-consistent factor), and the score is the mean
    absolute robust z over the features. Hand-written because it is three lines of NumPy
    and must stay inspectable.

Missing features are imputed with the training median (a missing vital sign is "not
anomalous", stated here rather than hidden).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(500, 3)); odd = np.array([[6.0, 6.0, 6.0]])
>>> det = build_detector("robust_z").fit(X)
>>> bool(det.score(odd)[0] > np.quantile(det.score(X), 0.99))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.ensemble import IsolationForest

MAD_SCALE = 1.4826


class MedianImputer:
    """Replace NaN by the training median of each feature (all-NaN features: 0)."""

    def fit(self, X: np.ndarray) -> MedianImputer:
        with np.errstate(all="ignore"):
            med = np.nanmedian(np.asarray(X, dtype=np.float64), axis=0)
        self.median_ = np.nan_to_num(med, nan=0.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return np.where(np.isnan(X), self.median_, X)


class RobustZDetector:
    """Mean absolute robust z-score (median / MAD of the training rows), clipped at ``clip``."""

    def __init__(self, clip: float = 10.0) -> None:
        self.clip = clip

    def fit(self, X: np.ndarray) -> RobustZDetector:
        self.imputer_ = MedianImputer().fit(X)
        Z = self.imputer_.transform(X)
        self.center_ = np.median(Z, axis=0)
        mad = np.median(np.abs(Z - self.center_), axis=0) * MAD_SCALE
        self.scale_ = np.where(mad > 0, mad, np.maximum(Z.std(axis=0), 1e-6))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        z = (self.imputer_.transform(X) - self.center_) / self.scale_
        return np.minimum(np.abs(z), self.clip).mean(axis=1)


class IsolationForestDetector:
    """Isolation Forest on median-imputed features; score = ``-score_samples``."""

    def __init__(self, n_estimators: int = 200, max_samples: int | str = 512, seed: int = 0) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.seed = seed

    def fit(self, X: np.ndarray) -> IsolationForestDetector:
        self.imputer_ = MedianImputer().fit(X)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators, max_samples=self.max_samples, random_state=self.seed, n_jobs=1
        ).fit(self.imputer_.transform(X))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        return -self.forest_.score_samples(self.imputer_.transform(X))


DETECTORS: dict[str, Callable[..., Any]] = {
    "isolation_forest": IsolationForestDetector,
    "robust_z": RobustZDetector,
}


def build_detector(name: str, **kwargs: Any) -> Any:
    """Build a registered detector by name."""
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; registered: {sorted(DETECTORS)}")
    return DETECTORS[name](**kwargs)


def fit_detectors(
    features: np.ndarray,
    train_rows: np.ndarray,
    names: tuple[str, ...] = ("isolation_forest", "robust_z"),
    seed: int = 0,
) -> dict[str, Any]:
    """Fit each named detector on ``features[train_rows]`` (training patients only)."""
    X = np.asarray(features, dtype=np.float64)[np.asarray(train_rows)]
    kwargs = {"isolation_forest": {"seed": seed}}
    return {name: build_detector(name, **kwargs.get(name, {})).fit(X) for name in names}
