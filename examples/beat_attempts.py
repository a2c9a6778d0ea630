"""Attempts on the inter-patient beat benchmark, chosen by CV over DS1 with DS2 printed beside.

The exploration behind the README table "Third round: morphology, boosting, stronger
smoothing" (section "Models and the inter-patient benchmark"). It uses VitalKit's own
building blocks -- the beat-feature table (:func:`vitalkit.beats.build_beat_dataset`),
:class:`~vitalkit.models.classical.ClassicalBeatModel`, the patient-grouped
:func:`~vitalkit.train.crossval.cross_validate`, :func:`~vitalkit.train.crossval.tune_class_bias`
and record smoothing (:mod:`vitalkit.beats.adapt`) -- on the feature table built outside a
run, so that one forest's out-of-fold and DS2 probabilities serve several variants.

Every variant's class biases are chosen on its out-of-fold probabilities (11 patient folds
over the 22 DS1 patients, fold seed 0); the CV score is the selection score of the pipeline
(mean F1 of the classes with 20 or more beats). DS2 columns are printed beside, never used to
choose. Takes about 20 minutes on 2 cores::

    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/beat_attempts.py --out reports/beat_attempts
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.beats.adapt import beat_set_neighbours, smooth_probabilities
from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.data import mitdb
from vitalkit.evaluate.metrics import confusion, per_class_arrays, selection_score
from vitalkit.evaluate.tasks import class_weights
from vitalkit.io import write_text
from vitalkit.models.classical import FEATURE_SETS, ClassicalBeatModel, apply_class_bias
from vitalkit.train.crossval import cross_validate, tunable_classes, tune_class_bias

MORPHOLOGY = (
    "lead0_corr_full",
    "lead0_corr_t",
    "lead0_resid_t",
    "lead0_resid_p",
    "lead0_qrs_ptp_ratio",
    "lead0_qrs_area_ratio",
    "lead0_lag_ms",
    "lead1_corr_full",
    "lead1_resid_qrs",
    "lead1_qrs_width_ms",
    "lead1_corr_t",
)
"""Morphology columns added to the ``transfer`` set in the ``transfer + morphology`` forest."""

FOREST = {"n_estimators": 100, "min_samples_leaf": 20, "max_features": 0.5}
"""The default forest (params/default.yaml, ``rf_transfer``)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/beat_attempts"))
    args = parser.parse_args()
    start = time.perf_counter()
    sets, _ = build_beat_dataset(
        {"DS1": mitdb.resolve_records("DS1"), "DS2": mitdb.resolve_records("DS2")},
        ["N", "S", "V", "F"],
        features="transfer",
        leads=2,
        progress=False,
    )
    ds1, ds2 = sets["DS1"], sets["DS2"]
    classes = ds1.classes
    FEATURE_SETS["transfer_morphology"] = (*FEATURE_SETS["transfer"], *MORPHOLOGY)
    models = {
        "forest": ("random_forest", FOREST, "transfer", "sqrt_inverse"),
        "forest+morph": ("random_forest", FOREST, "transfer_morphology", "sqrt_inverse"),
        "gbdt": ("gbdt", {"max_iter": 150, "early_stopping": False}, "transfer", "sqrt_inverse"),
        "forest, unweighted": ("random_forest", FOREST, "transfer", "none"),
    }
    oof: dict[str, np.ndarray] = {}
    test: dict[str, np.ndarray] = {}
    for name, (arch, hparams, feature_set, weighting) in models.items():
        model = ClassicalBeatModel(
            arch, len(classes), hparams, ds1.sampling_rate, 0, feature_set, ds1.feature_names
        )
        cv = cross_validate(
            model, ds1.windows, ds1.rr, ds1.labels, ds1.record, classes, 11, weighting, 0, tune_bias=False
        )
        weights = class_weights(np.bincount(ds1.labels, minlength=len(classes)), weighting)
        model.fit(ds1.windows, ds1.rr, ds1.labels, sample_weight=weights[ds1.labels])
        oof[name], test[name] = cv.probabilities, model.predict_proba(ds2.windows, ds2.rr)
        print(f"{name}: fitted ({time.perf_counter() - start:.0f} s)", flush=True)

    neighbours = {k: (beat_set_neighbours(ds1, k), beat_set_neighbours(ds2, k)) for k in (10, 20)}
    tunable = tunable_classes(ds1.labels, ds1.record, len(classes))

    def smoother(k: int, keep: float, rounds: int) -> tuple[Callable, Callable]:
        def make(n: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
            def apply(p: np.ndarray) -> np.ndarray:
                for _ in range(rounds):
                    p = smooth_probabilities(p, n, keep)
                return p

            return apply

        return make(neighbours[k][0]), make(neighbours[k][1])

    def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a.copy()
        out[:, 2] = b[:, 2]
        return out / out.sum(axis=1, keepdims=True)

    def f1(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
        return np.nan_to_num(per_class_arrays(confusion(y, pred, len(classes)))["F1"])

    rows = []

    def score(
        variant: str, cv_proba: np.ndarray, ds2_proba: np.ndarray, smoothing: tuple[int, float, int]
    ) -> None:
        smooth1, smooth2 = smoother(*smoothing)
        bias = tune_class_bias(cv_proba, ds1.labels, classes, tunable=tunable, transform=smooth1)
        cv_pred = smooth1(apply_class_bias(cv_proba, bias)).argmax(axis=1)
        pred = smooth2(apply_class_bias(ds2_proba, bias)).argmax(axis=1)
        cm = confusion(ds2.labels, pred, len(classes))
        keep = ds2.record != "232"
        cv_f1, ds2_f1 = f1(ds1.labels, cv_pred), f1(ds2.labels, pred)
        rows.append(
            {
                "variant": variant,
                "CV score": 100 * selection_score(ds1.labels, cv_pred, classes),
                "CV S F1": 100 * cv_f1[1],
                "CV V F1": 100 * cv_f1[2],
                "DS2 accuracy": 100 * np.trace(cm) / cm.sum(),
                "DS2 S F1": 100 * ds2_f1[1],
                "DS2 S F1 w/o 232": 100 * f1(ds2.labels[keep], pred[keep])[1],
                "DS2 V F1": 100 * ds2_f1[2],
                "bias": " ".join(f"{b:+.2f}" for b in bias),
            }
        )
        print(rows[-1], flush=True)

    default = (10, 0.5, 1)
    score("forest (the default recipe)", oof["forest"], test["forest"], default)
    score("forest + 11 morphology columns", oof["forest+morph"], test["forest+morph"], default)
    for w in (0.75, 0.5, 0.25):
        a, b = oof["forest"], oof["forest+morph"]
        c, d = test["forest"], test["forest+morph"]
        score(
            f"average of the two forests ({w:.2f} / {1 - w:.2f})",
            w * a + (1 - w) * b,
            w * c + (1 - w) * d,
            default,
        )
    score(
        "S from the forest, V from the morphology forest",
        mix(oof["forest"], oof["forest+morph"]),
        mix(test["forest"], test["forest+morph"]),
        default,
    )
    score("gradient boosting, record-smoothed", oof["gbdt"], test["gbdt"], default)
    score("forest without class weights", oof["forest, unweighted"], test["forest, unweighted"], default)
    for k, keep, rounds in (
        (10, 0.3, 1),
        (10, 0.5, 2),
        (10, 0.3, 2),
        (10, 0.3, 3),
        (20, 0.5, 1),
        (20, 0.5, 2),
    ):
        label = f"forest, smoothing {k} neighbours, keep {keep}, {rounds} round{'s' if rounds > 1 else ''}"
        score(label, oof["forest"], test["forest"], (k, keep, rounds))
    table = pd.DataFrame(rows).set_index("variant").round(2)
    args.out.mkdir(parents=True, exist_ok=True)
    write_text(args.out / "attempts.csv", table.to_csv())
    print(table.drop(columns="bias").round(1).to_string())
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
