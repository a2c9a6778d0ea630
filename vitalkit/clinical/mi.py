"""Myocardial infarction (MI) detection on PTB-XL from interpretable ECG measurements.

Features per record (12 leads, 10 s, 100 Hz): R peaks are detected on lead II
(:func:`vitalkit.beats.ecg_rpeaks`), every lead is delineated
(:func:`vitalkit.clinical.delineate.ecg_delineate`) and the leads combined into one QRS
onset and J point; then, per lead, the median over beats of

* ``st60`` / ``st80``: ST deviation at J + 60 / 80 ms against the PR level (:mod:`.st`);
* ``q``: the deepest deflection below the PR level before the largest positive one in the
  QRS (0 without a Q wave; the whole negative QRS for a QS complex), and ``qr`` = ``|q|``
  divided by the QRS peak-to-peak amplitude (a pathological Q exceeds a quarter of R);
* ``r``: the largest positive deflection in the QRS; ``t``: T amplitude at its peak;

plus QRS duration, QTc (Bazett) and heart rate: 12 x 6 + 3 = 75 features.

Models (fixed settings, nothing tuned on the data) are registered in :data:`MODELS`:
a standardised, class-balanced L2 logistic regression and class-balanced gradient-boosted
trees. Evaluation is leave-one-fold-out over PTB-XL's ``strat_fold`` (patient-separated),
so every record gets an out-of-fold probability; AUROC, sensitivity and specificity (at
probability 0.5, which the class balancing makes the prevalence-free threshold) come with
95 % bootstrap intervals over patients.

Examples
--------
>>> feats = ptbxl_features()                                  # doctest: +SKIP
>>> oof = cross_validate(feats, model="logreg")               # doctest: +SKIP
>>> mi_metrics(oof).loc["auroc", "value"]                     # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from vitalkit import config
from vitalkit.beats import detect
from vitalkit.beats.detect import ecg_rpeaks
from vitalkit.clinical import delineate as dl
from vitalkit.clinical.qt import qt_correct
from vitalkit.clinical.st import ecg_st
from vitalkit.data import ptbxl
from vitalkit.data.fingerprint import code_fingerprint, records_fingerprint
from vitalkit.data.physionet import ensure_records
from vitalkit.errors import DataError
from vitalkit.io import write_text

LEAD_FEATURES = ("st60", "st80", "q", "qr", "r", "t")
GLOBAL_FEATURES = ("qrs_ms", "qtc_ms", "hr_bpm")
RHYTHM_LEAD = "II"


def _median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else np.nan


def _lead_features(y: np.ndarray, waves: pd.DataFrame, st: pd.DataFrame) -> dict[str, float]:
    q, r, qr = [], [], []
    for on, j, iso in waves[["QRS_on", "J", "iso"]].to_numpy():
        if not (np.isfinite(on) and np.isfinite(j) and np.isfinite(iso)) or j <= on:
            continue
        qrs = y[int(on) : int(j) + 1] - iso
        if qrs.size == 0:  # a beat delineated at the very end of the recording
            continue
        top = int(np.argmax(qrs))

        q.append(min(qrs[: top + 1].min(), 0.0) if qrs[top] > 0 else qrs.min())
        r.append(max(qrs[top], 0.0))
        qr.append(abs(q[-1]) / max(np.ptp(qrs), 1e-6))
    return {
        "st60": _median(st["st60_mv"].to_numpy()),
        "st80": _median(st["st80_mv"].to_numpy()),
        "q": _median(np.asarray(q)),
        "qr": _median(np.asarray(qr)),
        "r": _median(np.asarray(r)),
        "t": _median(waves["T_amp"].to_numpy(dtype=float)),
    }


def ecg_mi_features(
    signals: np.ndarray, sampling_rate: float, leads: tuple[str, ...] = ptbxl.LEADS
) -> pd.Series:
    """The MI features of one 12-lead ECG (NaN where a measurement failed).

    Parameters
    ----------
    signals : np.ndarray
        ``(n_samples, n_leads)`` in mV.
    sampling_rate : float
        Samples per second (at least 100).
    leads : tuple of str
        Lead names, in column order; R peaks are found on lead II.

    Raises
    ------
    ValueError
        Wrong shape, too low a sampling rate, non-finite samples or fewer than 2 beats.

    Examples
    --------
    >>> import numpy as np, neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=100, random_state=0)
    >>> f = ecg_mi_features(np.tile(ecg[:, None], (1, 12)), 100)
    >>> len(f), bool(40 < f["hr_bpm"] < 100)
    (75, True)
    """
    x = np.asarray(signals, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(leads):
        raise ValueError(f"expected (n_samples, {len(leads)}) for leads {leads}, got shape {x.shape}")
    rpeaks = ecg_rpeaks(x[:, leads.index(RHYTHM_LEAD)], sampling_rate)
    if rpeaks.size < 2:
        raise ValueError(f"only {rpeaks.size} R peak(s) found on lead {RHYTHM_LEAD}")
    per_lead = [dl.ecg_delineate(x[:, k], sampling_rate, rpeaks) for k in range(x.shape[1])]
    combined = dl.combine_leads(per_lead)
    out: dict[str, float] = {}
    for name, waves, column in zip(leads, per_lead, x.T, strict=True):
        shared = waves.assign(QRS_on=combined["QRS_on"], J=combined["J"])  # one J point for all leads
        y = dl.signal_bandpass(column, sampling_rate, 0.5, 40.0)
        feats = _lead_features(y, shared, ecg_st(column, sampling_rate, waves=shared))
        out.update({f"{name}_{k}": v for k, v in feats.items()})
    rr = np.diff(rpeaks) / sampling_rate
    qrs = (combined["J"] - combined["QRS_on"]).to_numpy(dtype=float) / sampling_rate * 1000
    qt = (combined["T_end"] - combined["QRS_on"]).to_numpy(dtype=float) / sampling_rate * 1000
    out["qrs_ms"] = _median(qrs)
    out["qtc_ms"] = _median(np.asarray(qt_correct(qt[1:], rr, "bazett")))
    out["hr_bpm"] = 60.0 / float(np.median(rr))
    return pd.Series(out)


def _features_tag() -> str:
    """Cache tag: the code of the delineator and the MI features, and the R-peak detection's."""
    return code_fingerprint(dl, ecg_mi_features, _lead_features, *detect.DETECTION_CODE)


def ptbxl_features(
    max_records: int = 0,
    data_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: bool = False,
) -> pd.DataFrame:
    """Features of the PTB-XL records present, with ``patient_id``, ``strat_fold`` and ``MI``.

    Parameters
    ----------
    max_records : int
        At most this many records (0: all): every MI record first, then the other records
        by ``ecg_id``. A smoke run keeps MI records in most folds this way (the staged MI
        records have high ``ecg_id`` values), but its MI prevalence is higher than the full
        subset's: compare its AUROC with the full run, not its F1 or PPV.

    Cached as CSV under ``<cache>/ptbxl_mi/features-<code hash>-<n>-<data fingerprint>.csv``. A record whose
    features cannot be measured keeps NaN features and the reason in ``note``.
    """
    table = ptbxl.load_database(data_dir).sort_index()
    if 0 < max_records < len(table):
        mi = table.index[table["MI"].astype(bool)][:max_records]
        others = table.index[~table["MI"].astype(bool)][: max_records - len(mi)]
        table = table.loc[np.sort(np.r_[mi, others])]
    bases = ensure_records(ptbxl.SLUG, table["filename_lr"].tolist(), data_dir=data_dir)
    data_tag = records_fingerprint(bases)
    cache_file = config.cache_dir() / "ptbxl_mi" / f"features-{_features_tag()}-{len(table)}-{data_tag}.csv"
    if use_cache and cache_file.is_file():
        # round_trip: the exact floats written below (the default parser can be 1 ulp off)
        cached = pd.read_csv(cache_file, index_col="ecg_id", float_precision="round_trip")
        if list(cached.index) == list(table.index):
            cached["note"] = cached["note"].fillna("")
            return cached
    ids = table.index
    if progress:
        from tqdm.auto import tqdm

        ids = tqdm(ids, desc="PTB-XL features", leave=False)
    rows = {}
    for ecg_id in ids:
        record = ptbxl.read_record(table, int(ecg_id), data_dir)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                rows[ecg_id] = ecg_mi_features(
                    record.signal, record.sampling_rate, tuple(record.channel_names)
                )
        except ValueError as exc:
            rows[ecg_id] = pd.Series({"note": str(exc)})
    features = pd.DataFrame(rows).T
    features.index.name = "ecg_id"
    if "note" not in features:
        features["note"] = ""
    features["note"] = features["note"].fillna("")
    meta = table[["patient_id", "strat_fold", "MI"]]
    out = meta.join(features)
    if use_cache:
        write_text(cache_file, out.to_csv())
    return out


def feature_columns(features: pd.DataFrame) -> list[str]:
    """The model inputs (everything but identifiers, label and notes)."""
    return [c for c in features.columns if c not in ("patient_id", "strat_fold", "MI", "note")]


def _logreg(seed: int) -> ClassifierMixin:
    return make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(C=0.1, class_weight="balanced", max_iter=2000),
    )


def _boosting(seed: int) -> ClassifierMixin:
    return HistGradientBoostingClassifier(
        max_depth=3, learning_rate=0.05, max_iter=200, class_weight="balanced", random_state=seed
    )


MODELS: dict[str, Callable[[int], ClassifierMixin]] = {"logreg": _logreg, "boosting": _boosting}
"""Classifiers by name: ``seed -> unfitted sklearn estimator``."""


def cross_validate(features: pd.DataFrame, model: str = "logreg", seed: int = 0) -> pd.DataFrame:
    """Leave-one-``strat_fold``-out predictions: every record scored by a model not trained on it.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``strat_fold``, ``MI`` (bool) and ``prob`` per record.

    Raises
    ------
    ValueError
        Unknown model, or a patient in more than one fold.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; known: {sorted(MODELS)}")
    if (features.groupby("patient_id")["strat_fold"].nunique() > 1).any():
        raise ValueError("a patient appears in more than one strat_fold: folds are not patient-separated")
    x = features[feature_columns(features)].to_numpy(dtype=float)
    y = features["MI"].astype(bool).to_numpy()
    folds = features["strat_fold"].to_numpy()
    prob = np.full(len(features), np.nan)
    # one OpenMP thread: on a shared machine the boosted trees' thread pool spins 30x slower
    with threadpool_limits(limits=1, user_api="openmp"):
        for fold in np.unique(folds):
            test = folds == fold
            estimator = clone(MODELS[model](seed)).fit(x[~test], y[~test])
            prob[test] = estimator.predict_proba(x[test])[:, 1]
    return features[["patient_id", "strat_fold", "MI"]].assign(MI=y, prob=prob)


def _binary_metrics(y: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, float]:
    pred = prob >= threshold
    pos, neg = y.sum(), (~y).sum()
    tp, flagged = (pred & y).sum(), pred.sum()
    return {
        "auroc": roc_auc_score(y, prob) if 0 < pos < y.size else np.nan,
        "f1": 2 * tp / (pos + flagged) if pos + flagged else np.nan,
        "sensitivity": tp / pos if pos else np.nan,
        "specificity": (~pred & ~y).sum() / neg if neg else np.nan,
        "ppv": tp / flagged if flagged else np.nan,
    }


def mi_metrics(oof: pd.DataFrame, threshold: float = 0.5, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """AUROC, F1, sensitivity, specificity and PPV with 95 % bootstrap CIs over patients.

    The bootstrap resamples patients (all records of a drawn patient together); F1,
    sensitivity, specificity and PPV are taken at ``threshold`` on the out-of-fold
    probability, which the class-balanced models put near the MI prevalence's break-even.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> oof = pd.DataFrame({"patient_id": np.arange(40), "MI": np.arange(40) % 4 == 0,
    ...                     "prob": (np.arange(40) % 4 == 0) * 0.8 + 0.1})
    >>> mi_metrics(oof, n_boot=50).loc["auroc", ["value", "ci_low"]].tolist()
    [1.0, 1.0]
    """
    y = oof["MI"].to_numpy(dtype=bool)
    prob = oof["prob"].to_numpy(dtype=float)
    point = _binary_metrics(y, prob, threshold)
    patients, inverse = np.unique(oof["patient_id"].to_numpy(), return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(patients.size)]
    rng = np.random.default_rng(seed)
    reps: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(n_boot):
        idx = np.concatenate([members[i] for i in rng.integers(0, patients.size, patients.size)])
        for k, v in _binary_metrics(y[idx], prob[idx], threshold).items():
            reps[k].append(v)
    rows = {}
    for k, v in point.items():
        values = np.asarray(reps[k])
        values = values[np.isfinite(values)]
        lo, hi = np.quantile(values, [0.025, 0.975]) if values.size else (np.nan, np.nan)
        rows[k] = {"value": float(v), "ci_low": float(lo), "ci_high": float(hi)}
    table = pd.DataFrame(rows).T
    table.loc["n_mi", "value"] = float(y.sum())
    table.loc["n_other", "value"] = float((~y).sum())
    table.index.name = "metric"
    return table


def roc_points(oof: pd.DataFrame) -> pd.DataFrame:
    """False- and true-positive rates of the out-of-fold ROC curve."""
    fpr, tpr, _ = roc_curve(oof["MI"].astype(bool), oof["prob"])
    return pd.DataFrame({"fpr": fpr, "tpr": tpr})


def mi_evaluation(
    features: pd.DataFrame,
    models: tuple[str, ...] = ("logreg", "boosting"),
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Cross-validate each model; return a metrics table (models x metrics) and the OOF scores.

    Raises
    ------
    DataError
        When the features hold too few MI records to cross-validate (fewer than 2 per
        class in the training folds).
    """
    if features["MI"].sum() < 5 or (~features["MI"].astype(bool)).sum() < 5:
        raise DataError("ptb-xl", f"only {int(features['MI'].sum())} MI records: too few to cross-validate")
    tables, oofs = {}, {}
    for model in models:
        oofs[model] = cross_validate(features, model, seed)
        m = mi_metrics(oofs[model], n_boot=n_boot, seed=seed)
        tables[model] = {
            f"{k}{suffix}": m.loc[k, col]
            for k in ("auroc", "f1", "sensitivity", "specificity", "ppv")
            for suffix, col in (("", "value"), ("_ci_low", "ci_low"), ("_ci_high", "ci_high"))
        }
        tables[model]["n_mi"] = int(m.loc["n_mi", "value"])
        tables[model]["n_other"] = int(m.loc["n_other", "value"])
    return pd.DataFrame(tables).T, oofs


def fold_table(features: pd.DataFrame) -> pd.DataFrame:
    """Records, MI records and patients per ``strat_fold``, plus a ``total`` row.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"strat_fold": [1, 1, 2], "MI": [True, False, False], "patient_id": [7, 8, 9]})
    >>> fold_table(f).loc["total"].tolist()
    [3, 1, 3]
    """
    table = features.groupby("strat_fold").agg(
        records=("MI", "size"), mi=("MI", "sum"), patients=("patient_id", "nunique")
    )
    table.loc["total"] = [len(features), int(features["MI"].sum()), features["patient_id"].nunique()]
    return table.astype(int)
