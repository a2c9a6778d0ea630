"""AF detection on CinC 2017: record features, stratified k-fold CV, challenge score, MIT-BIH AF check.

The classical baseline classifies each CinC record (N, A, O, ~) from its rhythm features
(:func:`~vitalkit.rhythm.features.ecg_rhythm_features`: neurokit2 HRV/RR irregularity,
morphology, signal quality) with gradient boosting; folds are stratified over records.

The cross-dataset check trains on every CinC record given and slides ``window_s`` windows
over MIT-BIH records with AF episodes (``(AFIB``, ``(AFL``): a window is called AF when class
A is its most probable class; consecutive AF windows form one alarm. An AF episode is
detected when an alarm overlaps it; an alarm overlapping no AF episode is a false alarm
(counted per hour of non-AF signal).

Examples
--------
>>> cv = cinc_cross_validation(per_class=10, k=2, hparams={"max_iter": 30})   # doctest: +SKIP
>>> cv.table.loc["challenge score", "F1"] > 0.5                               # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.rhythm.crossval import gbdt, out_of_fold_proba
from vitalkit.rhythm.features import FEATURE_NAMES, cached_features, ecg_rhythm_features
from vitalkit.rhythm.metrics import SCORED, challenge_score_ci, challenge_scores
from vitalkit.rhythm.rhythms import AF_RHYTHMS, CINC_CLASSES
from vitalkit.rhythm.sources import cinc_labels, cinc_subset, read_rhythm_record, rhythm_record_fingerprint
from vitalkit.splits import record_folds

MITDB_AF_RECORDS: tuple[str, ...] = ("201", "202", "203", "210", "219", "221", "222")
"""MIT-BIH records with atrial fibrillation or flutter episodes."""


def _record_features(name: str) -> dict[str, float]:
    rec = read_rhythm_record("cinc2017", name)
    try:
        return ecg_rhythm_features(rec.signal, rec.sampling_rate)
    except ValueError as exc:
        raise DataError(name, str(exc)) from None


def cinc_features(records: Sequence[str], progress: bool = True) -> pd.DataFrame:
    """Rhythm features of whole CinC 2017 records (cached under ``cache_dir()/rhythm``)."""
    return cached_features(
        list(records),
        _record_features,
        "cinc2017",
        progress=progress,
        fingerprint=lambda name: rhythm_record_fingerprint("cinc2017", name),
    )


@dataclass
class CrossValidation:
    """Out-of-fold results: per-record predictions and the per-class table.

    ``predictions`` columns: ``label``, ``predicted``, ``fold`` and one probability per class.
    ``table`` rows: the classes and ``challenge score``; columns ``n``, ``Se``, ``+P``, ``F1``.
    """

    predictions: pd.DataFrame
    table: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)


def score_table(
    labels: pd.Series,
    predicted: pd.Series,
    classes: Sequence[str] = CINC_CLASSES,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-class n, Se, +P, F1 and the challenge score with its record-bootstrap 95% CI."""
    index = {c: i for i, c in enumerate(classes)}
    y, p = labels.map(index).to_numpy(), predicted.map(index).to_numpy()
    scores = challenge_scores(y, p, classes)
    rows = []
    for c in classes:
        ref, pred = labels == c, predicted == c
        tp = int((ref & pred).sum())
        rows.append(
            {
                "class": c,
                "n": int(ref.sum()),
                "Se": tp / max(int(ref.sum()), 1),
                "+P": tp / max(int(pred.sum()), 1),
                "F1": scores[f"F1_{c}"],
            }
        )
    lo, hi = challenge_score_ci(y, p, np.arange(len(y)), classes, n_boot=n_boot, seed=seed)
    rows.append(
        {"class": "challenge score", "n": int(labels.isin(SCORED).sum()), "F1": scores["challenge_score"]}
    )
    table = pd.DataFrame(rows).set_index("class").round(3)
    metrics = {
        **{k: round(v, 4) for k, v in scores.items()},
        "challenge_score_ci95": [round(lo, 4), round(hi, 4)],
    }
    return table, metrics


def cinc_cross_validation(
    per_class: int | None = None,
    k: int = 5,
    seed: int = 0,
    hparams: dict[str, Any] | None = None,
    progress: bool = True,
) -> CrossValidation:
    """Stratified k-fold CV of the classical baseline over CinC 2017 records (all, or ``per_class``)."""
    records = cinc_subset(per_class, seed=seed)
    labels = cinc_labels().loc[records]
    features = cinc_features(records, progress=progress)
    fold = record_folds(labels, k=k, seed=seed)
    classes = list(CINC_CLASSES)
    y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy()
    proba = out_of_fold_proba(
        features.to_numpy(), y, fold.to_numpy(), len(classes), lambda: gbdt(hparams, seed)
    )
    predictions = pd.DataFrame(proba, index=records, columns=classes)
    predictions.insert(0, "fold", fold)
    predictions.insert(0, "predicted", [classes[i] for i in proba.argmax(axis=1)])
    predictions.insert(0, "label", labels)
    table, metrics = score_table(predictions["label"], predictions["predicted"], seed=seed)
    metrics.update({"records": len(records), "folds": k})
    return CrossValidation(predictions, table, metrics)


def fit_cinc(records: Sequence[str], hparams: dict[str, Any] | None = None, seed: int = 0) -> Any:
    """The classical baseline trained on ``records`` (predicts indices into ``CINC_CLASSES``)."""
    labels = cinc_labels().loc[list(records)]
    y = labels.map({c: i for i, c in enumerate(CINC_CLASSES)}).to_numpy()
    return gbdt(hparams, seed).fit(cinc_features(records, progress=False).to_numpy(), y)


def _window_features(key: str) -> dict[str, float]:
    record, start, length = key.rsplit(":", 2)
    database, _, name = record.partition("/")
    rec = read_rhythm_record(database, name)
    a, n = int(start), int(length)
    try:
        return ecg_rhythm_features(rec.signal[a : a + n], rec.sampling_rate)
    except ValueError as exc:
        raise DataError(record, f"window at sample {a}: {exc}") from None


def record_af_windows(record: str, window_s: float = 30.0, stride_s: float = 15.0) -> pd.DataFrame:
    """Windows of a MIT-BIH record: start/end (s), AF share from the reference, and features (cached)."""
    rec = read_rhythm_record("mitdb", record)
    fs = rec.sampling_rate
    n, step = round(window_s * fs), round(stride_s * fs)
    starts = np.arange(0, rec.signal.size - n + 1, step)
    labels = rec.timeline.window_labels(starts, n)
    codes = rec.timeline.codes(list(dict.fromkeys(rec.timeline.rhythm["rhythm"])))
    vocab = list(dict.fromkeys(rec.timeline.rhythm["rhythm"]))
    is_af = np.isin(np.asarray(vocab)[codes], list(AF_RHYTHMS)) if len(vocab) else np.zeros(codes.size, bool)
    af_share = np.array([is_af[s : s + n].mean() for s in starts])
    keys = [f"mitdb/{record}:{s}:{n}" for s in starts]
    data = rhythm_record_fingerprint("mitdb", record)
    features = cached_features(
        keys, _window_features, "mitdb_af_windows", progress=False, fingerprint=lambda _key: data
    )
    info = pd.DataFrame(
        {"record": record, "start_s": starts / fs, "end_s": (starts + n) / fs, "af_share": af_share},
        index=keys,
    )
    info["rhythm"] = labels["rhythm"].to_numpy()
    return pd.concat([info, features], axis=1)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``[(first, last + 1)]`` of every run of True."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def episode_check(
    windows: pd.DataFrame, called_af: np.ndarray, episodes: dict[str, pd.DataFrame], non_af_hours: float
) -> dict[str, Any]:
    """Episode sensitivity and false alarms per hour from per-window AF calls.

    Examples
    --------
    >>> w = pd.DataFrame({"record": "r", "start_s": [0.0, 10, 20, 30], "end_s": [10.0, 20, 30, 40]})
    >>> ep = {"r": pd.DataFrame({"start_s": [12.0], "end_s": [25.0]})}
    >>> episode_check(w, np.array([1, 1, 0, 1], bool), ep, 1.0)["episode_sensitivity"]
    1.0
    """
    detected, total, false_alarms = 0, 0, 0
    for record, part in windows.groupby("record", sort=False):
        eps = episodes.get(record, pd.DataFrame(columns=["start_s", "end_s"]))
        flags = called_af[part.index.to_numpy()]
        alarms = [(part["start_s"].iloc[a], part["end_s"].iloc[b - 1]) for a, b in _runs(flags)]
        total += len(eps)
        for s, e in zip(eps["start_s"], eps["end_s"], strict=True):
            detected += any(a < e and b > s for a, b in alarms)
        for a, b in alarms:
            false_alarms += not any(
                a < e and b > s for s, e in zip(eps["start_s"], eps["end_s"], strict=True)
            )
    return {
        "af_episodes": total,
        "episodes_detected": detected,
        "episode_sensitivity": detected / total if total else float("nan"),
        "false_alarms": false_alarms,
        "non_af_hours": round(float(non_af_hours), 2),
        "false_alarms_per_hour": round(float(false_alarms / max(non_af_hours, 1e-9)), 2),
    }


def mitdb_af_check(
    model: Any,
    records: Sequence[str] = MITDB_AF_RECORDS,
    window_s: float = 30.0,
    stride_s: float = 15.0,
    min_episode_s: float = 30.0,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Apply a CinC-trained classifier to MIT-BIH AF records: episode Se, false alarms/h, window Se/Sp.

    Episodes shorter than ``min_episode_s`` are not counted (a 30-s window cannot be mostly AF).
    """
    windows = pd.concat([record_af_windows(r, window_s, stride_s) for r in records]).reset_index(drop=True)
    proba = model.predict_proba(windows[list(FEATURE_NAMES)].to_numpy())
    a = list(CINC_CLASSES).index("A")
    called = proba.argmax(axis=1) == a
    windows["p_af"] = proba[:, a]
    windows["called_af"] = called
    episodes, non_af_s = {}, 0.0
    for r in records:
        rec = read_rhythm_record("mitdb", r)
        ep = rec.timeline.episodes(AF_RHYTHMS)
        ep = ep[ep["duration_s"] >= min_episode_s]
        episodes[r] = pd.DataFrame(
            {"start_s": ep["start"] / rec.sampling_rate, "end_s": ep["end"] / rec.sampling_rate}
        )
        non_af_s += rec.duration_s - ep["duration_s"].sum()
    out = episode_check(windows, called, episodes, non_af_s / 3600)
    af_windows = windows["af_share"] >= 0.5
    out["window_Se"] = round(float(called[af_windows].mean()), 4)
    out["window_Sp"] = round(float(1 - called[~af_windows].mean()), 4)
    out["windows"] = len(windows)
    return out, windows[["record", "start_s", "end_s", "rhythm", "af_share", "p_af", "called_af"]]
