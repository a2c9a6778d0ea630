"""Shockable-rhythm detection (VF, VFL, fast VT against the rest) on cudb + vfdb + MIT-BIH.

Every record is cut into ``window_s`` windows (labelled as in :mod:`vitalkit.rhythm.dataset`,
noise excluded); each window gets :func:`~vitalkit.rhythm.window_features.shock_features`
and RR features of the beats detected in the record (neurokit2). A gradient-boosting model
is cross-validated over records (no patient in two folds) and the out-of-fold windows are
scored against the AHA performance goals for rhythm-recognition algorithms (Kerber et al.,
Circulation 1997): VF sensitivity > 90%, VT (fast) > 75%, normal sinus rhythm specificity
> 99% and other non-shockable rhythms > 95%.

Every window of a record is predicted (also the ones the training set excludes), so that the
**detection delay** of a shockable episode is the end of the first window overlapping it that
is called shockable, minus the episode onset (the decision a device makes at the window end).
Episodes shorter than half a window cannot be the majority of any window and are not counted.

Examples
--------
>>> AHA_GOALS["VF/VFL"], AHA_GOALS["non-shockable"]
(('Se', 90.0), ('Sp', 95.0))
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from vitalkit import config
from vitalkit.beats import detect
from vitalkit.beats.detect import ecg_rpeaks
from vitalkit.data.fingerprint import code_fingerprint
from vitalkit.io import write_text
from vitalkit.rhythm import dataset, sources, window_features
from vitalkit.rhythm.crossval import gbdt, out_of_fold_proba
from vitalkit.rhythm.dataset import TASKS, record_rhythm_windows
from vitalkit.rhythm.rhythms import SHOCKABLE
from vitalkit.rhythm.sources import read_rhythm_record, rhythm_record_fingerprint
from vitalkit.rhythm.window_features import RR_WINDOW_NAMES, SHOCK_NAMES, shock_features, window_rr_features
from vitalkit.splits import record_folds

SHOCK_FEATURES_VERSION = "1"
FEATURE_COLUMNS: tuple[str, ...] = (*SHOCK_NAMES, *RR_WINDOW_NAMES)

AHA_GOALS: dict[str, tuple[str, float]] = {
    "VF/VFL": ("Se", 90.0),
    "VT fast": ("Se", 75.0),
    "normal sinus": ("Sp", 99.0),
    "other non-shockable": ("Sp", 95.0),
    "non-shockable": ("Sp", 95.0),
}
"""AHA goal per rhythm group: the metric and its lower bound (%)."""

GROUPS: dict[str, Any] = {
    "VF/VFL": lambda r: r.isin(["VF", "VFL"]),
    "VT fast": lambda r: r == "VTfast",
    "normal sinus": lambda r: r == "N",
    "other non-shockable": lambda r: ~r.isin([*SHOCKABLE, "N"]),
    "non-shockable": lambda r: ~r.isin(list(SHOCKABLE)),
}

DEFAULT_STRIDES: dict[str, float] = {"mitdb": 4.0, "cudb": 1.0, "vfdb": 2.0}
"""Window steps per database: dense where shockable rhythm is (cudb, vfdb), sparser in MIT-BIH."""


def _cache_path(database: str, name: str, params: dict[str, Any]):
    key = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
    data = rhythm_record_fingerprint(database, name, annotations=True)  # windows carry the labels
    code = code_fingerprint(window_features, dataset, sources, *detect.DETECTION_CODE)  # new code: recompute
    folder = config.cache_dir() / "rhythm" / f"shock_v{SHOCK_FEATURES_VERSION}_{code}_{key}"
    return folder / f"{database}_{name}_{data}.csv"


def record_shock_features(
    database: str, name: str, window_s: float = 8.0, stride_s: float = 2.0, sampling_rate: float = 125.0
) -> pd.DataFrame:
    """Every window of one record: index (start, rhythm, coverage, noise, label) and features (cached)."""
    params = {"window_s": window_s, "stride_s": stride_s, "fs": sampling_rate}
    path = _cache_path(database, name, params)
    if path.is_file():
        # round_trip: the exact floats written below, so a warm cache gives the cold cache's models
        return pd.read_csv(path, dtype={"label": object}, float_precision="round_trip")
    rec = read_rhythm_record(database, name)
    windows, index = record_rhythm_windows(rec, window_s, stride_s, sampling_rate)
    try:
        peaks = ecg_rpeaks(rec.signal, rec.sampling_rate)
    except ValueError:
        peaks = np.empty(0, dtype=np.int64)
    native = np.round(index["start_s"].to_numpy() * rec.sampling_rate).astype(np.int64)
    rr = window_rr_features(peaks, native, round(window_s * rec.sampling_rate), rec.sampling_rate)
    feats = pd.DataFrame(shock_features(windows[:, 0], sampling_rate))
    table = pd.concat([index.reset_index(drop=True), feats, rr], axis=1)
    table["label"] = table["rhythm"].map(TASKS["shockable"].label)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, table.to_csv(index=False))
    return table


def shockable_table(
    sources: Mapping[str, Sequence[str]],
    window_s: float = 8.0,
    strides: Mapping[str, float] = DEFAULT_STRIDES,
    sampling_rate: float = 125.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Windows and features of every record of ``{database: [records]}``."""
    todo = [(db, r) for db, names in sources.items() for r in names]
    parts = [
        record_shock_features(db, r, window_s, float(strides[db]), sampling_rate)
        for db, r in tqdm(todo, desc="records", disable=not progress)
    ]
    return pd.concat(parts, ignore_index=True)


def kept(table: pd.DataFrame, min_coverage: float = 0.5, max_noise: float = 0.5) -> np.ndarray:
    """Windows of the task: labelled, mostly one rhythm, mostly clean."""
    return (
        table["label"].notna() & (table["coverage"] >= min_coverage) & (table["noise"] <= max_noise)
    ).to_numpy()


@dataclass
class ShockableCV:
    """Out-of-fold shockable probabilities of every window, the AHA table and the delay table."""

    windows: pd.DataFrame
    table: pd.DataFrame
    delays: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)


def record_strata(table: pd.DataFrame, mask: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Stratum (has shockable windows or not, with the database) and patient of every record."""
    part = table[mask]
    has = part.groupby("record")["label"].apply(lambda s: (s == "shockable").any())
    db = part.groupby("record")["database"].first()
    strata = db + ":" + has.map({True: "shock", False: "none"})
    patients = table.groupby("record")["patient"].first().loc[strata.index]
    return strata, patients


def aha_table(windows: pd.DataFrame, called: np.ndarray) -> pd.DataFrame:
    """Se or Sp (%) per AHA rhythm group of the kept windows, with the goal and whether it is met."""
    rows = []
    for group, (metric, goal) in AHA_GOALS.items():
        sel = GROUPS[group](windows["rhythm"]).to_numpy()
        n = int(sel.sum())
        if metric == "Se":
            value = 100 * called[sel].mean() if n else np.nan
        else:
            value = 100 * (1 - called[sel].mean()) if n else np.nan
        rows.append(
            {
                "group": group,
                "windows": n,
                "records": int(windows.loc[sel, "record"].nunique()),
                "metric": metric,
                "value_%": round(float(value), 1),
                "AHA_goal_%": f"> {goal:.0f}",
                "met": bool(value > goal) if n else False,
            }
        )
    return pd.DataFrame(rows).set_index("group")


def detection_delays(windows: pd.DataFrame, called: np.ndarray, window_s: float) -> pd.DataFrame:
    """Per shockable episode (runs of shockable rhythm): onset, duration, detected, delay (s)."""
    rows = []
    for record, part in windows.groupby("record", sort=False):
        database, name = record.split("/", 1)
        rec = read_rhythm_record(database, name)
        flags = called[part.index.to_numpy()]
        start = part["start_s"].to_numpy()
        for _, ep in rec.timeline.episodes(SHOCKABLE).iterrows():
            onset, end = ep["start"] / rec.sampling_rate, ep["end"] / rec.sampling_rate
            if end - onset < window_s / 2:
                continue
            overlap = (start < end) & (start + window_s > onset)
            hits = np.flatnonzero(overlap & flags)
            delay = float(max(start[hits[0]] + window_s - onset, 0.0)) if hits.size else np.nan
            rows.append(
                {
                    "record": record,
                    "rhythm": ep["rhythm"],
                    "onset_s": round(onset, 1),
                    "duration_s": round(end - onset, 1),
                    "detected": bool(hits.size),
                    "delay_s": delay,
                }
            )
    return pd.DataFrame(rows)


def delay_summary(delays: pd.DataFrame) -> pd.DataFrame:
    """Episodes, detected share and delay median / 90th percentile per database."""
    d = delays.assign(database=delays["record"].str.split("/").str[0])
    rows = []
    for name, part in [*d.groupby("database"), ("all", d)]:
        rows.append(
            {
                "database": name,
                "episodes": len(part),
                "detected_%": round(100 * part["detected"].mean(), 1) if len(part) else np.nan,
                "delay_median_s": round(float(part["delay_s"].median()), 1),
                "delay_p90_s": round(float(part["delay_s"].quantile(0.9)), 1),
                "delay_max_s": round(float(part["delay_s"].max()), 1),
            }
        )
    return pd.DataFrame(rows).set_index("database")


def threshold_at_specificity(p: np.ndarray, shockable: np.ndarray, specificity: float = 0.95) -> float:
    """Lowest threshold whose specificity on the non-shockable windows is at least ``specificity``."""
    neg = np.sort(p[~shockable])
    return float(neg[min(int(np.ceil(specificity * neg.size)), neg.size - 1)]) if neg.size else 0.5


def shockable_cross_validation(
    table: pd.DataFrame,
    k: int = 5,
    seed: int = 0,
    window_s: float = 8.0,
    threshold: float = 0.5,
    hparams: dict[str, Any] | None = None,
) -> ShockableCV:
    """Record-level k-fold CV: out-of-fold probability for every window, AHA table, delays."""
    mask = kept(table)
    strata, patients = record_strata(table, mask)
    fold = record_folds(strata, k=k, seed=seed, patients=patients)
    table = table[table["record"].isin(fold.index)].reset_index(drop=True)
    mask = kept(table)
    fold_of = table["record"].map(fold).to_numpy()
    x = table[list(FEATURE_COLUMNS)].to_numpy(dtype=np.float64)
    y = (table["label"] == "shockable").to_numpy().astype(int)
    proba = np.zeros(len(table))
    for f in range(k):
        train, test = mask & (fold_of != f), fold_of == f
        model = gbdt(hparams, seed).fit(x[train], y[train])
        proba[test] = model.predict_proba(x[test])[:, 1]
    table = table.assign(fold=fold_of, p_shock=proba)
    called = proba >= threshold
    windows = table[mask].reset_index(drop=True)
    aha = aha_table(windows, called[mask])
    delays = detection_delays(table, called, window_s)
    shock = (windows["label"] == "shockable").to_numpy()
    t95 = threshold_at_specificity(windows["p_shock"].to_numpy(), shock)
    metrics = {
        "windows": int(mask.sum()),
        "records": int(fold.size),
        "shockable_Se": round(float(called[mask][shock].mean()), 4),
        "shockable_Sp": round(float(1 - called[mask][~shock].mean()), 4),
        "threshold": threshold,
        "threshold_sp95_oof": round(t95, 4),
        "Se_at_sp95_oof": round(float((windows["p_shock"].to_numpy()[shock] > t95).mean()), 4),
        "episodes_detected": f"{int(delays['detected'].sum())}/{len(delays)}" if len(delays) else "0/0",
        "delay_median_s": round(float(delays["delay_s"].median()), 1) if len(delays) else float("nan"),
    }
    return ShockableCV(table, aha, delays, metrics)


__all__ = [
    "AHA_GOALS",
    "DEFAULT_STRIDES",
    "FEATURE_COLUMNS",
    "ShockableCV",
    "aha_table",
    "delay_summary",
    "detection_delays",
    "kept",
    "out_of_fold_proba",
    "record_shock_features",
    "shockable_cross_validation",
    "shockable_table",
]
