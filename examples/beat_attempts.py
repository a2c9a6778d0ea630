"""Attempts on the inter-patient beat benchmark, chosen by CV over DS1 with DS2 printed beside.

The exploration behind the README tables "Third round: morphology, boosting, stronger
smoothing" (``--round 3``) and "Fourth round: the beat's neighbourhood in its record"
(``--round 4``), section "Models and the inter-patient benchmark". It uses VitalKit's own
building blocks -- the beat-feature table (:func:`vitalkit.beats.build_beat_dataset`),
:class:`~vitalkit.models.classical.ClassicalBeatModel`, the patient-grouped
:func:`~vitalkit.train.crossval.cross_validate`, :func:`~vitalkit.train.crossval.tune_class_bias`
and record smoothing (:mod:`vitalkit.beats.adapt`) -- on the feature table built outside a
run, so that one forest's out-of-fold and DS2 probabilities serve several variants.

Every variant's class biases are chosen on its out-of-fold probabilities (11 patient folds
over the 22 DS1 patients, fold seed 0); the CV score is the selection score of the pipeline
(mean F1 of the classes with 20 or more beats). DS2 columns are printed beside, never used to
choose. Each round takes 15 to 20 minutes on 2 cores::

    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/beat_attempts.py --out reports/beat_attempts
    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/beat_attempts.py --round 4 \
        --out reports/beat_attempts
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from vitalkit.beats.adapt import beat_description, beat_set_neighbours, smooth_probabilities
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

NEIGHBOURHOOD = ("nb_rarity", "nb_rarity_qrs", "nb_rr_pre", "nb_rr_post", "nb_share_qrs")
"""Round 4's columns: each beat among the beats of its own record that look like it (no label
used; the whole record is looked at, so they are a look-ahead, as record smoothing is)."""


def neighbourhood_columns(beats, k: int = 10) -> np.ndarray:
    """Round 4's :data:`NEIGHBOURHOOD` columns of a :class:`~vitalkit.beats.dataset.BeatSet`.

    Within each record, beats are placed in record smoothing's standardised P-wave + QRS space
    (:func:`~vitalkit.beats.adapt.beat_description`, without its RR block) and in a QRS-only one:

    ``nb_rarity`` / ``nb_rarity_qrs``
        log of the mean distance to the ``k`` nearest other beats, minus the record's median
        of it: how unusual the beat's shape is in its record.
    ``nb_rr_pre`` / ``nb_rr_post``
        the mean previous / next RR (over the record's mean RR) of the ``k`` beats shaped
        most like it: are beats of this shape premature in this patient?
    ``nb_share_qrs``
        the share of the record's beats (at most 400 counted) whose QRS lies within the
        record's median ``k``-th-neighbour distance: the size of the beat's QRS family.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> rng = np.random.default_rng(0)
    >>> n, fs = 40, 250.0
    >>> windows = rng.normal(0, 0.01, (n, 1, 175))
    >>> family = np.arange(n) % 5 == 1                 # 8 beats of another shape ...
    >>> windows[family, 0, 55:70] += 1.0
    >>> windows[0, 0, 30:40] -= 1.0                    # and one beat unlike any other
    >>> rr = np.ones((n, 2), dtype=np.float32)
    >>> rr[family, 0] = 0.6                            # ... that come early
    >>> beats = SimpleNamespace(windows=windows, rr=rr, labels=np.zeros(n, int), sampling_rate=fs,
    ...     before_s=0.25, record=np.array(["r"] * n),
    ...     feature_names=["rr_pre_record_mean", "rr_post_record_mean"])
    >>> cols = neighbourhood_columns(beats, k=5)
    >>> int(cols[:, 0].argmax())                       # the rarest shape
    0
    >>> sorted({round(float(v), 2) for v in cols[family, 2]})  # shaped like premature beats
    [0.6]
    """
    blocks = beat_description(
        beats.windows, beats.rr, beats.feature_names, beats.sampling_rate, beats.before_s
    )
    names = list(beats.feature_names)
    pre = np.asarray(beats.rr[:, names.index("rr_pre_record_mean")], dtype=np.float64)
    post = np.asarray(beats.rr[:, names.index("rr_post_record_mean")], dtype=np.float64)
    out = np.zeros((len(beats.labels), len(NEIGHBOURHOOD)))
    for record in np.unique(beats.record):
        rows = np.flatnonzero(beats.record == record)

        def space(parts: list[np.ndarray], rows: np.ndarray = rows) -> np.ndarray:
            scaled = [(b[rows] - b[rows].mean(0)) / (b[rows].std(0) + 1e-9) for b in parts]
            return np.nan_to_num(np.hstack([b / np.sqrt(b.shape[1]) for b in scaled]))

        n_near = min(k + 1, len(rows))
        shape, qrs = space(blocks[:2]), space(blocks[1:2])
        dist, idx = NearestNeighbors(n_neighbors=n_near).fit(shape).kneighbors(shape)
        rarity = np.log(dist[:, 1:].mean(1) + 1e-6)
        out[rows, 0] = rarity - np.median(rarity)
        near = rows[idx[:, 1:]]
        out[rows, 2], out[rows, 3] = pre[near].mean(1), post[near].mean(1)
        dist_qrs, _ = NearestNeighbors(n_neighbors=n_near).fit(qrs).kneighbors(qrs)
        rarity_qrs = np.log(dist_qrs[:, 1:].mean(1) + 1e-6)
        out[rows, 1] = rarity_qrs - np.median(rarity_qrs)
        radius = np.median(dist_qrs[:, -1])
        counted, _ = NearestNeighbors(n_neighbors=min(len(rows), 400)).fit(qrs).kneighbors(qrs)
        out[rows, 4] = (counted <= radius).sum(1) / len(rows)
    return out.astype(np.float32)


class Attempts:
    """Fits forests on DS1 (CV) and scores probability variants, CV beside DS2, into :attr:`rows`."""

    def __init__(self, ds1, ds2, fold_seed: int = 0) -> None:
        self.ds1, self.ds2 = ds1, ds2
        self.fold_seed = fold_seed
        self.classes = ds1.classes
        self.neighbours = {k: (beat_set_neighbours(ds1, k), beat_set_neighbours(ds2, k)) for k in (10, 20)}
        self.tunable = tunable_classes(ds1.labels, ds1.record, len(self.classes))
        self.rows: list[dict] = []

    def fit(
        self, arch: str, hparams: dict, feature_set: str, weighting: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold DS1 and DS2 probabilities of one model (fitted on all of DS1 for DS2)."""
        ds1, ds2 = self.ds1, self.ds2
        model = ClassicalBeatModel(
            arch, len(self.classes), hparams, ds1.sampling_rate, 0, feature_set, ds1.feature_names
        )
        cv = cross_validate(
            model,
            ds1.windows,
            ds1.rr,
            ds1.labels,
            ds1.record,
            self.classes,
            11,
            weighting,
            self.fold_seed,
            tune_bias=False,
        )
        weights = class_weights(np.bincount(ds1.labels, minlength=len(self.classes)), weighting)
        model.fit(ds1.windows, ds1.rr, ds1.labels, sample_weight=weights[ds1.labels])
        return cv.probabilities, model.predict_proba(ds2.windows, ds2.rr)

    def _smoother(self, k: int, keep: float, rounds: int) -> tuple[Callable, Callable]:
        def make(n: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
            def apply(p: np.ndarray) -> np.ndarray:
                for _ in range(rounds):
                    p = smooth_probabilities(p, n, keep)
                return p

            return apply

        return make(self.neighbours[k][0]), make(self.neighbours[k][1])

    def _f1(self, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
        return np.nan_to_num(per_class_arrays(confusion(y, pred, len(self.classes)))["F1"])

    def score(
        self,
        variant: str,
        cv_proba: np.ndarray,
        ds2_proba: np.ndarray,
        smoothing: tuple[int, float, int] = (10, 0.5, 1),
    ) -> None:
        """Choose the variant's class biases on its out-of-fold probabilities; score CV and DS2."""
        ds1, ds2, classes = self.ds1, self.ds2, self.classes
        smooth1, smooth2 = self._smoother(*smoothing)
        bias = tune_class_bias(cv_proba, ds1.labels, classes, tunable=self.tunable, transform=smooth1)
        cv_pred = smooth1(apply_class_bias(cv_proba, bias)).argmax(axis=1)
        pred = smooth2(apply_class_bias(ds2_proba, bias)).argmax(axis=1)
        cm = confusion(ds2.labels, pred, len(classes))
        keep = ds2.record != "232"
        cv_f1, ds2_f1 = self._f1(ds1.labels, cv_pred), self._f1(ds2.labels, pred)
        self.rows.append(
            {
                "variant": variant,
                "CV score": 100 * selection_score(ds1.labels, cv_pred, classes),
                "CV S F1": 100 * cv_f1[1],
                "CV V F1": 100 * cv_f1[2],
                "CV F F1": 100 * cv_f1[3],
                "DS2 accuracy": 100 * np.trace(cm) / cm.sum(),
                "DS2 S F1": 100 * ds2_f1[1],
                "DS2 S F1 w/o 232": 100 * self._f1(ds2.labels[keep], pred[keep])[1],
                "DS2 V F1": 100 * ds2_f1[2],
                "bias": " ".join(f"{b:+.2f}" for b in bias),
            }
        )
        print(self.rows[-1], flush=True)


def _mix(a: np.ndarray, b: np.ndarray, columns: list[int]) -> np.ndarray:
    """``a`` with the class columns ``columns`` taken from ``b``, rows renormalised."""
    out = a.copy()
    out[:, columns] = b[:, columns]
    return out / out.sum(axis=1, keepdims=True)


def round_3(attempts: Attempts, log: Callable[[str], None]) -> None:
    """Morphology columns, averaging, gradient boosting, class weights, stronger smoothing."""
    FEATURE_SETS["transfer_morphology"] = (*FEATURE_SETS["transfer"], *MORPHOLOGY)
    models = {
        "forest": ("random_forest", FOREST, "transfer", "sqrt_inverse"),
        "forest+morph": ("random_forest", FOREST, "transfer_morphology", "sqrt_inverse"),
        "gbdt": ("gbdt", {"max_iter": 150, "early_stopping": False}, "transfer", "sqrt_inverse"),
        "forest, unweighted": ("random_forest", FOREST, "transfer", "none"),
    }
    oof: dict[str, np.ndarray] = {}
    test: dict[str, np.ndarray] = {}
    for name, spec in models.items():
        oof[name], test[name] = attempts.fit(*spec)
        log(f"{name}: fitted")
    score = attempts.score
    score("forest (the default recipe)", oof["forest"], test["forest"])
    score("forest + 11 morphology columns", oof["forest+morph"], test["forest+morph"])
    for w in (0.75, 0.5, 0.25):
        a, b = oof["forest"], oof["forest+morph"]
        c, d = test["forest"], test["forest+morph"]
        score(f"average of the two forests ({w:.2f} / {1 - w:.2f})", w * a + (1 - w) * b, w * c + (1 - w) * d)
    score(
        "S from the forest, V from the morphology forest",
        _mix(oof["forest"], oof["forest+morph"], [2]),
        _mix(test["forest"], test["forest+morph"], [2]),
    )
    score("gradient boosting, record-smoothed", oof["gbdt"], test["gbdt"])
    score("forest without class weights", oof["forest, unweighted"], test["forest, unweighted"])
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


def _fit_feature_sets(
    attempts: Attempts, labels: dict[str, str], log: Callable[[str], None]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One default forest per feature set of ``labels``, each scored; out-of-fold and DS2
    probabilities by feature set."""
    oof: dict[str, np.ndarray] = {}
    test: dict[str, np.ndarray] = {}
    for feature_set, label in labels.items():
        oof[feature_set], test[feature_set] = attempts.fit(
            "random_forest", FOREST, feature_set, "sqrt_inverse"
        )
        log(f"{feature_set}: fitted")
        attempts.score(label, oof[feature_set], test[feature_set])
    return oof, test


def _add_columns(attempts: Attempts, names: tuple[str, ...], compute: Callable) -> None:
    """Append the columns ``compute(beats)`` (named ``names``) to DS1's and DS2's tables."""
    for beats in (attempts.ds1, attempts.ds2):
        beats.rr = np.hstack([beats.rr, compute(beats)])
        beats.meta = {**beats.meta, "rr_features": [*beats.feature_names, *names]}


def round_4(attempts: Attempts, log: Callable[[str], None]) -> None:
    """The beat's neighbourhood in its record (:func:`neighbourhood_columns`), alone and mixed."""
    _add_columns(attempts, NEIGHBOURHOOD, neighbourhood_columns)
    log("neighbourhood columns computed")
    FEATURE_SETS["transfer_nb"] = (*FEATURE_SETS["transfer"], *NEIGHBOURHOOD)
    FEATURE_SETS["transfer_nb_rr"] = (*FEATURE_SETS["transfer"], "nb_rr_pre", "nb_rr_post")
    FEATURE_SETS["transfer_nb_rarity"] = (
        *FEATURE_SETS["transfer"],
        "nb_rarity",
        "nb_rarity_qrs",
        "nb_share_qrs",
    )
    labels = {
        "transfer": "forest, the default recipe",
        "transfer_nb": "+ all 5 neighbourhood columns",
        "transfer_nb_rr": "+ neighbours' RR (nb_rr_pre, nb_rr_post)",
        "transfer_nb_rarity": "+ rarity (nb_rarity, nb_rarity_qrs, nb_share_qrs)",
    }
    oof, test = _fit_feature_sets(attempts, labels, log)
    for base, other, columns, what in (
        ("transfer", "transfer_nb", [1], "S"),
        ("transfer_nb", "transfer", [2, 3], "V and F"),
        ("transfer_nb_rr", "transfer_nb", [1], "S"),
        ("transfer_nb_rr", "transfer", [2, 3], "V and F"),
    ):
        attempts.score(
            f"{labels[base]}, {what} from '{labels[other]}'",
            _mix(oof[base], oof[other], columns),
            _mix(test[base], test[other], columns),
        )
    attempts.score(
        f"average of '{labels['transfer']}' and '{labels['transfer_nb_rr']}'",
        (oof["transfer"] + oof["transfer_nb_rr"]) / 2,
        (test["transfer"] + test["transfer_nb_rr"]) / 2,
    )


SUSTAINED = ("fast_run_log", "rr_long_record", "rr_pre_long")
"""Round 5's columns: is the beat part of a sustained fast rhythm (atrial flutter or
fibrillation, labelled N) or an isolated premature beat or short run (labelled S)?"""


def sustained_columns(beats, fast: float = 0.85, half: int = 40) -> np.ndarray:
    """Round 5's :data:`SUSTAINED` columns of a :class:`~vitalkit.beats.dataset.BeatSet`.

    ``fast_run_log``
        log(1 + the length in beats of the run of consecutive beats whose previous RR is
        under ``fast`` times the record's mean RR that holds this beat; 0 outside such runs).
    ``rr_long_record``
        the mean previous RR (over the record's mean) of the ``2 * half + 1`` beats centred on
        this one: below 1 inside a long fast episode, about 1 around an isolated early beat.
    ``rr_pre_long``
        the beat's previous RR over that long local mean: its prematurity against the rhythm
        of the last and next minute.

    Centred on the beat, so a look-ahead (as the other centred columns).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> pre = np.r_[np.ones(50), 0.6, np.ones(50), np.full(100, 0.6), np.ones(50)]
    >>> beats = SimpleNamespace(rr=pre[:, None].astype(np.float32), record=np.array(["r"] * pre.size),
    ...     feature_names=["rr_pre_record_mean"])
    >>> cols = sustained_columns(beats)
    >>> [round(float(np.expm1(cols[i, 0]))) for i in (10, 50, 150)]   # normal, isolated, flutter
    [0, 1, 100]
    >>> bool(cols[50, 2] < 0.7 and cols[150, 2] > 0.9)                # premature only when isolated
    True
    """
    names = list(beats.feature_names)
    pre = np.asarray(beats.rr[:, names.index("rr_pre_record_mean")], dtype=np.float64)
    out = np.zeros((len(pre), len(SUSTAINED)))
    for record in np.unique(beats.record):
        rows = np.flatnonzero(beats.record == record)
        x = np.nan_to_num(pre[rows], nan=1.0)
        flags = (x < fast).astype(np.int8)
        edges = np.flatnonzero(np.diff(np.r_[0, flags, 0]))
        run = np.zeros(len(rows))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            run[start:stop] = stop - start
        kernel = np.ones(2 * half + 1)
        padded = np.pad(x, half, mode="edge")
        long_mean = np.convolve(padded, kernel, mode="valid") / kernel.size
        out[rows, 0] = np.log1p(run)
        out[rows, 1] = long_mean
        out[rows, 2] = x / long_mean
    return out.astype(np.float32)


def round_5(attempts: Attempts, log: Callable[[str], None]) -> None:
    """Sustained fast rhythm against isolated early beats (:func:`sustained_columns`)."""
    _add_columns(attempts, SUSTAINED, sustained_columns)
    log("sustained-rhythm columns computed")
    FEATURE_SETS["transfer_sustained"] = (*FEATURE_SETS["transfer"], *SUSTAINED)
    FEATURE_SETS["transfer_run"] = (*FEATURE_SETS["transfer"], "fast_run_log")
    labels = {
        "transfer": "forest, the default recipe",
        "transfer_sustained": "+ fast_run_log, rr_long_record, rr_pre_long",
        "transfer_run": "+ fast_run_log",
    }
    oof, test = _fit_feature_sets(attempts, labels, log)
    attempts.score(
        f"{labels['transfer']}, S from '{labels['transfer_sustained']}'",
        _mix(oof["transfer"], oof["transfer_sustained"], [1]),
        _mix(test["transfer"], test["transfer_sustained"], [1]),
    )


ROUNDS = {3: round_3, 4: round_4, 5: round_5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/beat_attempts"))
    parser.add_argument(
        "--round", type=int, choices=sorted(ROUNDS), default=3, help="which round of attempts"
    )
    parser.add_argument("--fold-seed", type=int, default=0, help="seed of the 11 patient folds (default 0)")
    args = parser.parse_args()
    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"{message} ({time.perf_counter() - start:.0f} s)", flush=True)

    sets, _ = build_beat_dataset(
        {"DS1": mitdb.resolve_records("DS1"), "DS2": mitdb.resolve_records("DS2")},
        ["N", "S", "V", "F"],
        features="transfer",
        leads=2,
        progress=False,
    )
    attempts = Attempts(sets["DS1"], sets["DS2"], args.fold_seed)
    ROUNDS[args.round](attempts, log)
    table = pd.DataFrame(attempts.rows).set_index("variant").round(2)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "attempts.csv" if args.round == 3 else f"attempts_round{args.round}.csv"
    if args.fold_seed:
        name = name.replace(".csv", f"_folds{args.fold_seed}.csv")
    write_text(args.out / name, table.to_csv())
    print(table.drop(columns="bias").round(1).to_string())
    log("wall time")


if __name__ == "__main__":
    main()
