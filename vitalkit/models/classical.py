"""Classical baselines: gradient boosting or random forest on RR and morphology features.

Same inputs as the neural models (windows and RR features of a :class:`~vitalkit.samples.BeatSet`),
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

import inspect
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vitalkit.beats.adapt import RecordSmoothing
from vitalkit.errors import DataError, ParamsError
from vitalkit.io import atomic_path
from vitalkit.samples.scaling import window_center


def _standardized_lda(**params: Any) -> Any:
    """Linear discriminant analysis on standardized features (de Chazal 2004's classifier)."""
    return make_pipeline(StandardScaler(), LinearDiscriminantAnalysis(**params))


_standardized_lda.__signature__ = inspect.signature(LinearDiscriminantAnalysis.__init__)  # type: ignore[attr-defined]

CLASSICAL: dict[str, Callable[..., Any]] = {
    "gbdt": HistGradientBoostingClassifier,
    "random_forest": RandomForestClassifier,
    "lda": _standardized_lda,
}
"""Registered classical models (scikit-learn estimators), by name."""

FEATURE_SETS: dict[str, tuple[str, ...] | None] = {
    "window": None,
    "table": (),
    "transfer": (
        "rr_pre_record_mean",
        "rr_post_record_mean",
        "rr_local_record_mean",
        "rr_pre_local",
        "rr_pre_post",
        "rr_irregularity_median",
        "rr_irregularity_centred",
        "rr_fraction_irregular",
        "lead0_qrs_width_ms",
        "lead0_qrs_width_ratio",
        "lead0_corr_qrs",
        "lead0_corr_p",
        "lead0_resid_qrs",
        "lead1_corr_qrs",
        "lead1_qrs_width_ratio",
        "rr_cv_centred",
        "lead0_local_p_ratio",
        "lead0_local_corr_p",
        "lead1_local_p_ratio",
        "lead0_p_rel",
        "lead0_p_signed",
        "lead0_p_pos_ms",
        "lead0_p_energy",
        "lead0_p_corr_prev",
        "lead0_p_corr_next",
    ),
    "saenz2020": (
        "lead0_qrs_width_ms",
        "rr_pre_record_mean",
        "rr_post_record_mean",
        "rr_local_record_mean",
        "rr_pre_post",
        "rr_pre_local",
    ),
    "dechazal2004": (
        "rr_pre",
        "rr_post",
        "rr_local",
        "rr_record",
        *(f"lead{k}_{c}" for k in (0, 1) for c in ("qrs_width_ms", "qrs_max_mv", "qrs_min_mv")),
        *(f"lead{k}_wave_{i}" for k in (0, 1) for i in range(12)),
    ),
}
"""Which inputs a classical model uses, by name:

``'window'``
    :func:`beat_features` of the windows and the 4 RR features (the original baseline).
``'table'``
    Every column of the beat-feature table (``BeatSet.rr``).
``'transfer'``
    VitalKit's 19 patient-normalised features: RR against the record's mean RR and the local
    rhythm, RR irregularity and P waves of the local average beat (AF context), QRS width
    and template correlations of two leads (chosen by cross-validation over DS1).
``'saenz2020'``
    The six features of Saenz-Cogollo & Agelli 2020: QRS width and RR intervals normalised
    by the patient's average RR.
``'dechazal2004'``
    de Chazal et al. 2004: raw RR intervals (pre, post, local and record average, in s), QRS
    width and amplitudes, and the sampled beat morphology of both leads.
"""

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
    "lda": {"solver": "lsqr", "shrinkage": "auto"},
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


def apply_class_bias(proba: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Multiply probabilities by ``exp(bias)`` per class and renormalize (post-hoc class biases).

    Examples
    --------
    >>> apply_class_bias(np.array([[0.5, 0.5]]), np.array([0.0, np.log(3.0)])).round(2).tolist()
    [[0.25, 0.75]]
    """
    out = np.asarray(proba, dtype=np.float64) * np.exp(np.asarray(bias, dtype=np.float64))[None, :]
    return out / np.clip(out.sum(axis=1, keepdims=True), 1e-12, None)


_SKOPS_ID = re.compile(r'("__id__": )(\d+)')
_SKOPS_FILE = re.compile(r'"(\d+)\.npy"')


def canonical_skops(data: bytes) -> bytes:
    """The same skops archive with reproducible bytes: equal models give equal files.

    skops names its array files and ``__id__`` fields after Python object ids (which change
    from one process to the next) and stamps every zip entry with the current time. This
    renumbers the ids in order of first appearance (one mapping for both, so shared references
    stay shared) and sets every entry's time to 1980-01-01; the contents are unchanged.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    ids: dict[str, str] = {}

    def renumber(old: str) -> str:
        return ids.setdefault(old, str(len(ids)))

    schema = source.read("schema.json").decode()
    schema = _SKOPS_ID.sub(lambda m: m.group(1) + renumber(m.group(2)), schema)
    schema = _SKOPS_FILE.sub(lambda m: f'"{renumber(m.group(1))}.npy"', schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            stem, _, ext = info.filename.partition(".")
            name = f"{renumber(stem)}.{ext}" if ext == "npy" and stem.isdigit() else info.filename
            content = schema.encode() if info.filename == "schema.json" else source.read(info)
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


class ClassicalBeatModel:
    """A scikit-learn classifier on beat features (scikit-learn conventions).

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
    feature_set : str
        Key of :data:`FEATURE_SETS`: which inputs the estimator sees.
    feature_names : sequence of str, optional
        Names of the beat-feature columns (``BeatSet.feature_names``); needed by every feature
        set but ``'window'``.

    Attributes
    ----------
    class_bias_ : np.ndarray
        Post-hoc log-probability bias per class (zeros unless tuned, see
        :func:`vitalkit.train.crossval.tune_class_bias`), applied by :meth:`predict_proba`.
    record_smoothing : RecordSmoothing or None
        Smoothing of the probabilities within each record (:mod:`vitalkit.beats.adapt`), set by
        training with ``record_smoothing``; applied by whoever predicts whole records
        (evaluation, ``vitalkit predict``), after :meth:`predict_proba`.
    """

    kind = "classical"
    samples = ("beats",)
    """The samples it takes: beats (windows and beat features)."""
    tasks = ("multiclass",)
    """The tasks it learns."""

    def __init__(
        self,
        architecture: str,
        n_classes: int,
        hparams: dict[str, Any] | None = None,
        sampling_rate: float = 360.0,
        seed: int = 0,
        feature_set: str = "window",
        feature_names: Sequence[str] | None = None,
    ) -> None:
        if architecture not in CLASSICAL:
            raise ParamsError(
                "architecture", [f"unknown classical model {architecture!r}; registered: {sorted(CLASSICAL)}"]
            )
        if feature_set not in FEATURE_SETS:
            raise ParamsError(
                "feature_set", [f"unknown feature set {feature_set!r}; use {sorted(FEATURE_SETS)}"]
            )
        self.architecture = architecture
        self.n_classes = n_classes
        self.hparams = dict(hparams or {})
        self.sampling_rate = sampling_rate
        self.seed = seed
        self.feature_set = feature_set
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.columns_ = self._columns()
        self.config = {
            "architecture": architecture,
            "n_classes": n_classes,
            "hparams": self.hparams,
            "sampling_rate": sampling_rate,
            "seed": seed,
            "kind": self.kind,
            "feature_set": feature_set,
            "feature_names": self.feature_names,
        }
        self.class_bias_ = np.zeros(n_classes)
        self.record_smoothing: RecordSmoothing | None = None
        params = {**_DEFAULTS.get(architecture, {}), **self.hparams}
        if "random_state" in inspect.signature(CLASSICAL[architecture]).parameters:
            params["random_state"] = seed
        try:
            self.estimator_ = CLASSICAL[architecture](**params)
        except TypeError as exc:
            raise ParamsError("hparams", [f"{architecture}: {exc}"]) from None

    def _columns(self) -> np.ndarray | None:
        wanted = FEATURE_SETS[self.feature_set]
        if wanted is None:
            return None
        if self.feature_names is None:
            raise ParamsError("feature_set", [f"feature set {self.feature_set!r} needs the feature names"])
        if not wanted:
            return np.arange(len(self.feature_names))
        missing = [w for w in wanted if w not in self.feature_names]
        if missing:
            raise ParamsError(
                "feature_set",
                [
                    f"feature set {self.feature_set!r} needs {missing}, which the preprocessed beats "
                    "lack (preprocess with beat_features: transfer)"
                ],
            )
        return np.array([self.feature_names.index(w) for w in wanted])

    def features(self, windows: np.ndarray, rr: np.ndarray) -> np.ndarray:
        """Feature matrix of beats."""
        if self.columns_ is None:
            return beat_features(windows, rr, self.sampling_rate)
        return np.asarray(rr, dtype=np.float32)[:, self.columns_]

    def clone(self) -> ClassicalBeatModel:
        """An unfitted model with the same parameters (for cross-validation)."""
        return ClassicalBeatModel(
            self.architecture,
            self.n_classes,
            self.hparams,
            self.sampling_rate,
            self.seed,
            self.feature_set,
            self.feature_names,
        )

    def fit(
        self,
        windows: np.ndarray,
        rr: np.ndarray,
        labels: np.ndarray,
        sample_weight: np.ndarray | None = None,
        validation: tuple | None = None,
    ) -> ClassicalBeatModel:
        """Fit on training beats; gradient boosting stops early on ``validation`` when given.

        Estimators without sample weights (LDA) take the weighting as class priors instead:
        a class's prior is its share of the total weight.
        """
        x = self.features(windows, rr)
        kwargs: dict[str, Any] = {}
        if self.architecture == "lda":
            weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight)
            mass = np.bincount(labels, weights=weights, minlength=self.n_classes)
            present = np.unique(labels)
            self.estimator_.set_params(lineardiscriminantanalysis__priors=mass[present] / mass[present].sum())
        else:
            kwargs["sample_weight"] = sample_weight
        if validation is not None and self.architecture == "gbdt":
            vw, vrr, vy = validation
            kwargs.update(X_val=self.features(vw, vrr), y_val=vy)
        self.estimator_.fit(x, labels, **kwargs)
        return self

    def _full(self, proba: np.ndarray) -> np.ndarray:
        out = np.zeros((len(proba), self.n_classes), dtype=np.float64)
        out[:, self.estimator_.classes_] = proba
        if np.any(self.class_bias_):
            out = apply_class_bias(out, self.class_bias_)
        return out.astype(np.float32)

    def predict_proba(self, windows: np.ndarray, rr: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``, with the class biases applied."""
        return self._full(self.estimator_.predict_proba(self.features(windows, rr)))

    def staged_predict_proba(self, windows: np.ndarray, rr: np.ndarray):
        """Probabilities after each boosting iteration (gradient boosting only)."""
        x = self.features(windows, rr)
        for proba in self.estimator_.staged_predict_proba(x):
            yield self._full(proba)

    def save(self, path: str | Path) -> None:
        """Write the fitted estimator and class biases atomically with skops (a data-only format:
        loading it runs no code; see :meth:`load`). The constructor arguments go to the caller's
        ``model.json`` (:attr:`config`)."""
        from skops.io import dumps

        state: dict[str, Any] = {"estimator": self.estimator_, "class_bias": np.asarray(self.class_bias_)}
        if self.record_smoothing is not None:
            state["record_smoothing"] = self.record_smoothing.to_dict()
        data = dumps(state)
        with atomic_path(path) as tmp:
            tmp.write_bytes(canonical_skops(data))

    @classmethod
    def load(cls, path: str | Path, config: dict[str, Any]) -> ClassicalBeatModel:
        """Rebuild a model from its :attr:`config` and the file written by :meth:`save`.

        Only the types in :data:`TRUSTED_TYPES` may appear in the file besides plain data; a file
        holding anything else (a tampered or foreign file) is refused, naming the types.
        """
        from skops.io import get_untrusted_types
        from skops.io import load as skops_load

        path = Path(path)
        if path.suffix == ".pkl":
            raise DataError(
                path, "pickled models are not loaded (unpickling can run code); re-run the train stage"
            )
        if not path.is_file():
            raise DataError(path, "model file not found (did the training stage finish?)")
        try:
            untrusted = get_untrusted_types(file=path)
        except Exception as exc:  # zip or JSON errors of a damaged file
            raise DataError(path, f"not a readable skops model file ({type(exc).__name__}: {exc})") from None
        refused = sorted(set(untrusted) - TRUSTED_TYPES)
        if refused:
            raise DataError(path, f"model file holds types outside the allow-list: {refused}")
        state = skops_load(path, trusted=list(untrusted))
        model = cls(
            config["architecture"],
            config["n_classes"],
            config.get("hparams"),
            config.get("sampling_rate", 360.0),
            config.get("seed", 0),
            config.get("feature_set", "window"),
            config.get("feature_names"),
        )
        model.estimator_ = state["estimator"]
        model.class_bias_ = np.asarray(state["class_bias"], dtype=np.float64)
        if state.get("record_smoothing") is not None:
            model.record_smoothing = RecordSmoothing(**state["record_smoothing"])
        return model


TRUSTED_TYPES = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)
"""Types a classical model file may hold beyond what skops trusts by default (scikit-learn
estimators, NumPy arrays, builtins): the tree structures of the registered estimators."""


def check_classical_hparams(name: str, hparams: dict[str, Any]) -> list[str]:
    """Problems with ``hparams`` for classical model ``name``."""
    target = CLASSICAL[name]
    allowed = set(
        inspect.signature(target if hasattr(target, "__signature__") else target.__init__).parameters
    )
    allowed = (allowed - {"self", "random_state"}) | {"feature_set"}
    feature_set = hparams.get("feature_set", "window")
    if not isinstance(feature_set, str) or feature_set not in FEATURE_SETS:
        known = sorted(FEATURE_SETS)
        return [f"classical model {name!r}: feature_set must be one of {known}, not {feature_set!r}"]
    return [
        f"classical model {name!r} has no hyperparameter {key!r}" for key in hparams if key not in allowed
    ]
