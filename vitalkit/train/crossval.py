"""Patient-grouped cross-validation of beat models, and post-hoc class biases chosen on it.

Model selection on a handful of validation patients is noise (validation macro-F1 of one
model swings by 0.25 between epochs). Here every training patient is held out once: the
out-of-fold probabilities of all of them give the selection figures, with confidence intervals
over patients, and they choose the post-hoc class biases (log-probability offsets that trade
S precision for sensitivity). The test patients are never seen.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 3, 600)
>>> proba = np.eye(3)[y] * 0.4 + rng.uniform(0, 0.6, (600, 3))
>>> bias = tune_class_bias(proba, y, ["N", "S", "V"])
>>> bias.shape, float(bias[0])
((3,), 0.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.adapt import RecordSmoothing, beat_set_neighbours, smooth_probabilities
from vitalkit.data import mitdb
from vitalkit.errors import ParamsError
from vitalkit.evaluate.metrics import confusion, per_class_arrays, selection_score
from vitalkit.models.classical import apply_class_bias
from vitalkit.splits import check_no_leakage
from vitalkit.train.data import class_weights

BIAS_GRID = np.round(np.arange(-2.0, 2.01, 0.25), 2)
"""Candidate log-probability biases per class (class 0, the reference class, stays at 0)."""


def patient_folds(records: Sequence[str], k: int, seed: int = 0) -> list[list[str]]:
    """Split records into ``k`` folds of whole patients (records of one patient stay together).

    Patients are shuffled with ``seed`` and dealt round-robin, so fold sizes differ by at most
    one patient. MIT-BIH records 201 and 202 are one patient (:data:`mitdb.SAME_PATIENT`).

    Examples
    --------
    >>> patient_folds(["101", "106", "108", "109"], 2, seed=0)
    [['106', '108'], ['101', '109']]
    """
    records = sorted(set(records))
    patients = sorted({mitdb.patient_of(r) for r in records})
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= len(patients):
        raise ParamsError(
            "cv_folds", [f"cv_folds must be an integer from 2 to {len(patients)} (patients), not {k!r}"]
        )
    order = np.random.default_rng(seed).permutation(len(patients))
    folds: list[list[str]] = [[] for _ in range(k)]
    for i, p in enumerate(order):
        folds[i % k].extend(r for r in records if mitdb.patient_of(r) == patients[p])
    folds = [sorted(f) for f in folds]
    check_no_leakage({f"fold{i + 1}": [mitdb.patient_of(r) for r in f] for i, f in enumerate(folds)})
    return folds


@dataclass
class CrossValidation:
    """Out-of-fold results of a patient-grouped cross-validation.

    Attributes
    ----------
    probabilities : np.ndarray
        ``(n, n_classes)`` out-of-fold probabilities (no bias applied).
    fold : np.ndarray
        Fold index of every beat.
    folds : list of list of str
        Records of every fold.
    class_bias : np.ndarray
        Biases chosen on the out-of-fold probabilities (zeros if not tuned).
    neighbours : np.ndarray, optional
        With record smoothing (:mod:`vitalkit.beats.adapt`): every beat's neighbours in its record.
    keep : float
        With record smoothing: the weight of a beat's own probabilities.
    """

    probabilities: np.ndarray
    fold: np.ndarray
    folds: list[list[str]]
    class_bias: np.ndarray
    neighbours: np.ndarray | None = None
    keep: float = 1.0

    def biased(self) -> np.ndarray:
        """Out-of-fold probabilities with :attr:`class_bias` applied, then record-smoothed."""
        return self.smoothed(apply_class_bias(self.probabilities, self.class_bias))

    def smoothed(self, proba: np.ndarray) -> np.ndarray:
        """``proba`` record-smoothed as the model's predictions are (unchanged without smoothing)."""
        if self.neighbours is None:
            return proba
        return smooth_probabilities(proba, self.neighbours, self.keep)


def tunable_classes(
    labels: np.ndarray, records: np.ndarray, n_classes: int, min_patients: int = 3, max_share: float = 0.5
) -> np.ndarray:
    """Classes whose bias may be tuned: 10 or more beats in ``min_patients`` patients, and no
    patient holding more than ``max_share`` of the class's beats.

    A class that one training patient dominates (F in DS1: 372 of its 414 beats are record
    208's) would get a bias fitted to that patient; it keeps a zero bias instead.

    Examples
    --------
    >>> tunable_classes(np.array([0] * 30 + [1] * 30), np.array(["a", "b", "c"] * 20), 3).tolist()
    [True, True, False]
    """
    patients = np.array([mitdb.patient_of(r) for r in records])
    out = np.zeros(n_classes, dtype=bool)
    for c in range(n_classes):
        _names, counts = np.unique(patients[labels == c], return_counts=True)
        spread = counts.size > 0 and counts.max() <= max_share * counts.sum()
        out[c] = bool(spread) and int((counts >= 10).sum()) >= min_patients
    return out


def tune_class_bias(
    proba: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    rounds: int = 3,
    grid: np.ndarray = BIAS_GRID,
    tunable: np.ndarray | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Per-class log-probability biases that maximise the selection score on ``proba``.

    Coordinate ascent: each tunable class but the first (the reference) in turn takes the grid
    value that maximises :func:`~vitalkit.evaluate.metrics.selection_score` (mean F1 over
    classes with 20 or more beats) with the others fixed, for ``rounds`` rounds. Ties keep the
    value closest to zero. ``transform`` (e.g. record smoothing) is applied to the biased
    probabilities before they are scored, as the model applies it after its bias.
    """
    log_p = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-9, None))
    bias = np.zeros(log_p.shape[1])
    order = np.argsort(np.abs(grid), kind="stable")
    for _ in range(rounds):
        changed = False
        for c in range(1, log_p.shape[1]):
            if tunable is not None and not tunable[c]:
                continue
            scores = []
            for value in grid[order]:
                trial = bias.copy()
                trial[c] = value
                if transform is None:
                    pred = (log_p + trial).argmax(axis=1)
                else:
                    pred = transform(apply_class_bias(proba, trial)).argmax(axis=1)
                scores.append(selection_score(labels, pred, classes))
            best = float(grid[order][int(np.argmax(scores))])
            if best != bias[c]:
                bias[c], changed = best, True
        if not changed:
            break
    return bias


def cross_validate(
    model: object,
    windows: np.ndarray,
    rr: np.ndarray,
    labels: np.ndarray,
    records: np.ndarray,
    classes: Sequence[str],
    k: int,
    class_weighting: str = "inverse",
    seed: int = 0,
    tune_bias: bool = True,
    neighbours: np.ndarray | None = None,
    keep: float = 1.0,
) -> CrossValidation:
    """Fit a fresh copy of ``model`` (``model.clone()``) on k-1 patient folds, predict the last.

    Class weights are computed on each fold's training beats. Returns the out-of-fold
    probabilities and, with ``tune_bias``, the class biases chosen on them. With
    ``neighbours`` (record smoothing, :func:`vitalkit.beats.adapt.record_neighbours`; records
    never mix, so a held-out patient is smoothed only with itself) the biases are chosen on the
    smoothed probabilities.
    """
    folds = patient_folds(records.tolist(), k, seed)
    fold_of = np.full(len(labels), -1)
    for i, names in enumerate(folds):
        fold_of[np.isin(records, names)] = i
    proba = np.zeros((len(labels), len(classes)), dtype=np.float64)
    for i in range(k):
        held = fold_of == i
        fit_on = ~held
        weights = class_weights(np.bincount(labels[fit_on], minlength=len(classes)), class_weighting)
        member = model.clone()
        member.fit(windows[fit_on], rr[fit_on], labels[fit_on], sample_weight=weights[labels[fit_on]])
        proba[held] = member.predict_proba(windows[held], rr[held])
    tunable = tunable_classes(labels, records, len(classes))
    cv = CrossValidation(proba, fold_of, folds, np.zeros(len(classes)), neighbours, keep)
    if tune_bias:
        transform = cv.smoothed if neighbours is not None else None
        cv.class_bias = tune_class_bias(proba, labels, classes, tunable=tunable, transform=transform)
    return cv


def fit_with_cv_biases(
    model: Any,
    pool: Any,
    k: int,
    class_weighting: str = "inverse",
    seed: int = 0,
    tune_bias: bool = True,
    smoothing: RecordSmoothing | None = None,
) -> CrossValidation:
    """Cross-validate ``model`` over the patients of a beat set, then fit it on all of them and give
    it the class biases chosen on the out-of-fold probabilities; return the cross-validation.

    ``pool`` is a :class:`~vitalkit.beats.dataset.BeatSet` (windows, beat features, labels, records).
    With ``smoothing`` the model smooths its probabilities within each record
    (:mod:`vitalkit.beats.adapt`), in the cross-validation as after it.
    """
    neighbours = None if smoothing is None else beat_set_neighbours(pool, smoothing.neighbours)
    cv = cross_validate(
        model,
        pool.windows,
        pool.rr,
        pool.labels,
        pool.record,
        pool.classes,
        k,
        class_weighting,
        seed,
        tune_bias,
        neighbours,
        smoothing.keep if smoothing is not None else 1.0,
    )
    weights = class_weights(np.bincount(pool.labels, minlength=len(pool.classes)), class_weighting)
    model.fit(pool.windows, pool.rr, pool.labels, sample_weight=weights[pool.labels])
    model.class_bias_ = cv.class_bias
    model.record_smoothing = smoothing
    return cv


def fold_table(cv: CrossValidation, labels: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """Selection score, accuracy and per-class F1 of every fold (biased probabilities)."""
    pred = cv.biased().argmax(axis=1)
    rows = []
    for i, names in enumerate(cv.folds):
        held = cv.fold == i
        per = per_class_arrays(confusion(labels[held], pred[held], len(classes)))
        rows.append(
            {
                "fold": i + 1,
                "records": " ".join(names),
                "beats": int(held.sum()),
                "accuracy": float((pred[held] == labels[held]).mean()),
                "selection_score": selection_score(labels[held], pred[held], classes),
                **{f"{c}_F1": float(f) for c, f in zip(classes, per["F1"], strict=True)},
            }
        )
    return pd.DataFrame(rows).set_index("fold")
