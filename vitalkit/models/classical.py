"""Classical baselines: gradient boosting or random forest on RR and morphology features.

Same inputs as the neural models (windows and RR features of a :class:`~vitalkit.beats.BeatSet`),
turned into a fixed feature vector by :func:`beat_features`, so the baseline goes through the
same training stage, evaluation and reports.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> w, rr = rng.normal(0, 1, (40, 1, 252)).astype(np.float32), rng.uniform(0.5, 1, (40, 4))
>>> beat_features(w, rr, 360.0).shape
(40, 35)
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

from vitalkit.beats.scaler import window_center
from vitalkit.errors import ParamsError
from vitalkit.io import atomic_path

CLASSICAL: dict[str, Callable[..., Any]] = {
    "gbdt": HistGradientBoostingClassifier,
    "random_forest": RandomForestClassifier,
}
"""Registered classical models (scikit-learn estimators), by name."""

_DEFAULTS: dict[str, dict[str, Any]] = {
    "gbdt": {
        "max_iter": 300,
        "learning_rate": 0.1,
        "max_leaf_nodes": 31,
        "l2_regularization": 1.0,
        "early_stopping": True,
        "n_iter_no_change": 20,
    },
    "random_forest": {"n_estimators": 300, "min_samples_leaf": 5, "n_jobs": -1},
}


def beat_features(windows: np.ndarray, rr: np.ndarray, sampling_rate: float, points: int = 24) -> np.ndarray:
    """Fixed-length features of beats: RR context and coarse morphology.

    Per beat: the 4 RR features, their 4 log ratios (prematurity and compensatory pause
    against the local and the record rhythm), and for every window channel the
    median-centred waveform averaged into ``points`` bins, its peak-to-peak amplitude, energy
    and the width (ms) of the QRS above half its amplitude. With a template channel, the
    beat-minus-template difference is summarized the same way.
    """
    rr = np.asarray(rr, dtype=np.float64)
    safe = np.clip(rr, 1e-3, None)
    ratios = np.log(
        np.stack(
            [
                safe[:, 0] / safe[:, 2],
                safe[:, 1] / safe[:, 2],
                safe[:, 0] / safe[:, 3],
                safe[:, 2] / safe[:, 3],
            ],
            axis=1,
        )
    )
    centred = windows - window_center(windows)
    signals = [centred[:, c] for c in range(centred.shape[1])]
    if centred.shape[1] > 1:
        signals.append(centred[:, 0] - centred[:, 1])
    parts = [rr, ratios]
    for x in signals:
        n, length = x.shape
        usable = length - length % points
        parts.append(x[:, :usable].reshape(n, points, -1).mean(axis=2))
        amplitude = x.max(axis=1) - x.min(axis=1)
        peak = np.abs(x).max(axis=1, keepdims=True)
        width = (np.abs(x) >= 0.5 * np.maximum(peak, 1e-6)).sum(axis=1) * 1000.0 / sampling_rate
        parts.append(np.stack([amplitude, (x**2).mean(axis=1), width], axis=1))
    return np.concatenate(parts, axis=1).astype(np.float32)


class ClassicalBeatModel:
    """A scikit-learn classifier on :func:`beat_features` (scikit-learn conventions).

    Parameters
    ----------
    architecture : str
        Key of :data:`CLASSICAL`.
    n_classes : int
        Number of classes (classes absent from training get probability 0).
    hparams : dict, optional
        Estimator parameters, over :data:`_DEFAULTS`.
    sampling_rate : float
        Sampling rate of the windows (for widths in ms).
    seed : int
        ``random_state`` of the estimator.
    """

    kind = "classical"

    def __init__(
        self,
        architecture: str,
        n_classes: int,
        hparams: dict[str, Any] | None = None,
        sampling_rate: float = 360.0,
        seed: int = 0,
    ) -> None:
        if architecture not in CLASSICAL:
            raise ParamsError(
                "architecture", [f"unknown classical model {architecture!r}; registered: {sorted(CLASSICAL)}"]
            )
        self.architecture = architecture
        self.n_classes = n_classes
        self.hparams = dict(hparams or {})
        self.sampling_rate = sampling_rate
        self.seed = seed
        self.config = {
            "architecture": architecture,
            "n_classes": n_classes,
            "hparams": self.hparams,
            "sampling_rate": sampling_rate,
            "seed": seed,
            "kind": self.kind,
        }
        try:
            self.estimator_ = CLASSICAL[architecture](
                **{**_DEFAULTS[architecture], **self.hparams, "random_state": seed}
            )
        except TypeError as exc:
            raise ParamsError("hparams", [f"{architecture}: {exc}"]) from None

    def features(self, windows: np.ndarray, rr: np.ndarray) -> np.ndarray:
        """Feature matrix of beats."""
        return beat_features(windows, rr, self.sampling_rate)

    def fit(
        self,
        windows: np.ndarray,
        rr: np.ndarray,
        labels: np.ndarray,
        sample_weight: np.ndarray | None = None,
        validation: tuple | None = None,
    ) -> ClassicalBeatModel:
        """Fit on training beats; gradient boosting stops early on the validation patients."""
        x = self.features(windows, rr)
        kwargs: dict[str, Any] = {"sample_weight": sample_weight}
        if validation is not None and self.architecture == "gbdt":
            vw, vrr, vy = validation
            kwargs.update(X_val=self.features(vw, vrr), y_val=vy)
        self.estimator_.fit(x, labels, **kwargs)
        return self

    def predict_proba(self, windows: np.ndarray, rr: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``."""
        proba = self.estimator_.predict_proba(self.features(windows, rr))
        out = np.zeros((len(proba), self.n_classes), dtype=np.float32)
        out[:, self.estimator_.classes_] = proba
        return out

    def staged_predict_proba(self, windows: np.ndarray, rr: np.ndarray):
        """Probabilities after each boosting iteration (gradient boosting only)."""
        x = self.features(windows, rr)
        for proba in self.estimator_.staged_predict_proba(x):
            out = np.zeros((len(proba), self.n_classes), dtype=np.float32)
            out[:, self.estimator_.classes_] = proba
            yield out

    def save(self, path: str | Path) -> None:
        """Pickle the fitted model atomically (scikit-learn's own persistence)."""
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            pickle.dump(self, handle)

    @staticmethod
    def load(path: str | Path) -> ClassicalBeatModel:
        """Read a model written by :meth:`save`."""
        with open(path, "rb") as handle:
            return pickle.load(handle)


def check_classical_hparams(name: str, hparams: dict[str, Any]) -> list[str]:
    """Problems with ``hparams`` for classical model ``name``."""
    import inspect

    allowed = set(inspect.signature(CLASSICAL[name].__init__).parameters) - {"self", "random_state"}
    return [
        f"classical model {name!r} has no hyperparameter {key!r}" for key in hparams if key not in allowed
    ]
