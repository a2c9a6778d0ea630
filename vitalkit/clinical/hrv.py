"""Heart-rate variability from NN intervals cleaned of ectopic beats (neurokit2 metrics).

HRV describes the sinus node, so only intervals between two sinus-conducted beats (NN
intervals) may enter it. The cleaning rules are registered in :data:`RR_CLEANERS`:

``"annotation"``
    Reference beat labels: an interval is NN when both its beats are labelled ``N``, ``L``
    or ``R`` (:data:`NN_SYMBOLS`; bundle-branch-block beats are sinus-conducted). Intervals
    touching an ectopic (``A``, ``V`` ...) or unclassified beat are dropped, not
    interpolated.
``"malik"``
    For detected peaks without labels: the 20 % rule (Malik et al. 1989) against the last
    accepted interval (so the compensatory pause after an ectopic beat does not also throw
    out the next normal interval), plus a physiological range of 300-2000 ms.
``"kubios"``
    neurokit2's ``signal_fixpeaks(method="Kubios")`` (Lipponen & Tarvainen 2019): ectopic,
    missed and extra beats are corrected (peaks moved, added or removed), all intervals kept.
``"none"``
    Every interval in the physiological range.

Metrics: ``nk.hrv_time`` and ``nk.hrv_frequency`` on the NN intervals with their times
(successive differences only across adjacent NN intervals; the spectrum interpolates
over gaps; powers converted to ms²), and the usual nonlinear indices computed here with
neurokit2's own formulas
and windows (Poincaré SD1/SD2, sample entropy, DFA α1 over 4-11 beats and α2 over 12 to
N/10 beats) because ``nk.hrv_nonlinear`` computes some 60 indices and takes about 30 s per
half-hour record (``nonlinear="neurokit"`` runs it anyway).

Examples
--------
>>> import numpy as np
>>> peaks = np.cumsum(np.r_[0, np.tile([800, 820, 780, 810], 50)])   # ms at 1000 Hz
>>> rr = rr_clean(peaks, 1000.0, method="malik")
>>> hrv = hrv_compute(rr, domains=("time",))
>>> round(float(hrv["HRV_MeanNN"]), 1), round(float(hrv["HRV_SDNN"]), 1)
(802.5, 14.8)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import neurokit2 as nk
import numpy as np
import pandas as pd

from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_annotations, read_header
from vitalkit.labels import QRS_SYMBOLS

NN_SYMBOLS = frozenset({"N", "L", "R"})
"""Beat labels counted as sinus-conducted (normal and bundle branch block beats)."""

RR_RANGE_MS = (300.0, 2000.0)
"""Intervals outside this range are gaps or artefacts (noise, missed beats), never NN."""

MIN_NN = 20
"""Fewer NN intervals than this give NaN metrics (with a note saying why)."""

MIN_FREQUENCY_S = 120.0
"""The LF band (0.04-0.15 Hz) needs at least 2 minutes (Task Force 1996)."""

NON_SINUS_RHYTHMS = frozenset({"(AFIB", "(AFL", "(SVTA", "(VT", "(VFL", "(NOD", "(IVR", "(AB", "(P", "(BII"})
"""MIT-BIH rhythm labels under which beats are not driven by the sinus node (or, for
second-degree block, are dropped by it): time spent in them makes HRV meaningless."""

HEADLINE_COLUMNS = (
    "minutes",
    "nn_share",
    "non_sinus_share",
    "HRV_MeanNN",
    "HRV_SDNN",
    "HRV_RMSSD",
    "HRV_pNN50",
    "HRV_LF",
    "HRV_HF",
    "HRV_LFHF",
    "HRV_SD1",
    "HRV_SD2",
    "HRV_SampEn",
    "HRV_DFA_alpha1",
    "hrv_meaningful",
    "note",
)
"""Columns of the per-record table shown in reports."""

POWER_BANDS = ("ULF", "VLF", "LF", "HF", "VHF", "TP")
"""Spectral powers, reported in ms² (``HRV_LnHF`` is the log of HF in ms²)."""

RRCleaner = Callable[[np.ndarray, float, "np.ndarray | None"], pd.DataFrame]


def _table(peaks: np.ndarray, sampling_rate: float, nn: np.ndarray) -> pd.DataFrame:
    rr = np.diff(peaks) / sampling_rate * 1000.0
    in_range = (rr >= RR_RANGE_MS[0]) & (rr <= RR_RANGE_MS[1])
    return pd.DataFrame({"time_s": peaks[1:] / sampling_rate, "rr_ms": rr, "nn": nn & in_range})


def _by_annotation(peaks: np.ndarray, sampling_rate: float, symbols: np.ndarray | None) -> pd.DataFrame:
    if symbols is None:
        raise ValueError("method 'annotation' needs the beat symbols (symbols=...)")
    normal = np.isin(np.asarray(symbols, dtype=str), list(NN_SYMBOLS))
    return _table(peaks, sampling_rate, normal[1:] & normal[:-1])


def _malik(peaks: np.ndarray, sampling_rate: float, symbols: np.ndarray | None = None) -> pd.DataFrame:
    rr = np.diff(peaks) / sampling_rate * 1000.0
    keep = np.zeros(rr.size, dtype=bool)
    ok = (rr >= RR_RANGE_MS[0]) & (rr <= RR_RANGE_MS[1])
    reference = np.median(rr[ok]) if ok.any() else np.nan
    for i, value in enumerate(rr):
        if ok[i] and abs(value - reference) <= 0.2 * reference:
            keep[i] = True
            reference = value
    return _table(peaks, sampling_rate, keep)


def _kubios(peaks: np.ndarray, sampling_rate: float, symbols: np.ndarray | None = None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, fixed = nk.signal_fixpeaks(peaks, sampling_rate=sampling_rate, method="Kubios", iterative=True)
    fixed = np.unique(np.asarray(fixed, dtype=np.int64))
    return _table(fixed, sampling_rate, np.ones(fixed.size - 1, dtype=bool))


def _none(peaks: np.ndarray, sampling_rate: float, symbols: np.ndarray | None = None) -> pd.DataFrame:
    return _table(peaks, sampling_rate, np.ones(peaks.size - 1, dtype=bool))


RR_CLEANERS: dict[str, RRCleaner] = {
    "annotation": _by_annotation,
    "malik": _malik,
    "kubios": _kubios,
    "none": _none,
}
"""NN-interval cleaning rules, by name."""


def rr_clean(
    peaks: np.ndarray,
    sampling_rate: float,
    symbols: Sequence[str] | np.ndarray | None = None,
    method: str = "annotation",
) -> pd.DataFrame:
    """RR intervals with a flag saying which are NN intervals.

    Parameters
    ----------
    peaks : np.ndarray
        Sorted beat (R-peak) sample indices.
    sampling_rate : float
        Samples per second of ``peaks``.
    symbols : sequence of str, optional
        Beat label of each peak (needed by ``"annotation"``).
    method : str
        A key of :data:`RR_CLEANERS`.

    Returns
    -------
    pandas.DataFrame
        ``time_s`` (time of the interval's second beat), ``rr_ms`` and ``nn`` (bool).

    Raises
    ------
    ValueError
        Unknown method, fewer than 2 peaks, peaks not increasing, or missing symbols.

    Examples
    --------
    >>> import numpy as np
    >>> peaks = np.array([0, 360, 720, 900, 1440, 1800])
    >>> rr_clean(peaks, 360.0, list("NNNVNN"), "annotation")["nn"].tolist()
    [True, True, False, False, True]
    >>> rr_clean(peaks, 360.0, method="malik")["nn"].tolist()
    [True, True, False, False, True]
    """
    if method not in RR_CLEANERS:
        raise ValueError(f"unknown RR cleaning method {method!r}; known: {sorted(RR_CLEANERS)}")
    if not np.isfinite(sampling_rate) or sampling_rate <= 0:
        raise ValueError(f"invalid sampling rate {sampling_rate!r}")
    p = np.asarray(peaks, dtype=np.int64)
    if p.size < 2:
        raise ValueError(f"need at least 2 beats for RR intervals, got {p.size}")
    if np.any(np.diff(p) <= 0):
        raise ValueError("beat positions must be strictly increasing")
    if symbols is not None and len(symbols) != p.size:
        raise ValueError(f"{len(symbols)} symbols for {p.size} beats")
    return RR_CLEANERS[method](p, sampling_rate, None if symbols is None else np.asarray(symbols))


def _intervals(rr: pd.DataFrame) -> dict[str, np.ndarray]:
    """neurokit2's interval input: NN intervals (ms) and their times (s); gaps stay gaps."""
    nn = rr[rr["nn"]]
    return {"RRI": nn["rr_ms"].to_numpy(dtype=float), "RRI_Time": nn["time_s"].to_numpy(dtype=float)}


def _successive(rr: pd.DataFrame) -> np.ndarray:
    """For each NN interval but the last: is the next one adjacent (no dropped beat between)?"""
    idx = np.flatnonzero(rr["nn"].to_numpy())
    return np.diff(idx) == 1


def _nonlinear_fast(rr: pd.DataFrame) -> dict[str, float]:
    rri = _intervals(rr)["RRI"]
    adjacent = _successive(rr)
    x, y = rri[:-1][adjacent], rri[1:][adjacent]
    out: dict[str, float] = {}
    if x.size > 2:
        out["HRV_SD1"] = float(np.std((x - y) / np.sqrt(2), ddof=1))
        out["HRV_SD2"] = float(np.std((x + y) / np.sqrt(2), ddof=1))
        out["HRV_SD1SD2"] = out["HRV_SD1"] / out["HRV_SD2"] if out["HRV_SD2"] > 0 else np.nan
    tolerance = 0.2 * np.std(rri, ddof=1)
    out["HRV_SampEn"] = float(nk.entropy_sample(rri, delay=1, dimension=2, tolerance=tolerance)[0])
    if rri.size >= 12:
        out["HRV_DFA_alpha1"] = float(nk.fractal_dfa(rri, scale=np.arange(4, 12))[0])
    max_beats = int((rri.size + 1) / 10)
    if max_beats > 13:
        out["HRV_DFA_alpha2"] = float(
            nk.fractal_dfa(rri, scale=np.linspace(12, max_beats, max_beats - 11).astype(int))[0]
        )
    return out


def _time(rr: pd.DataFrame, nonlinear: str) -> dict[str, float]:
    return nk.hrv_time(_intervals(rr)).iloc[0].to_dict()


def _frequency(rr: pd.DataFrame, nonlinear: str) -> dict[str, float]:
    span = rr.loc[rr["nn"], "time_s"]
    if span.max() - span.min() < MIN_FREQUENCY_S:
        return {"note": f"frequency domain needs >= {MIN_FREQUENCY_S:.0f} s of NN intervals"}
    # normalize=False: neurokit2's default divides the PSD by its maximum, which leaves the
    # band powers without a unit; unnormalised, the PSD of the RR series in ms gives ms²
    values = nk.hrv_frequency(_intervals(rr), sampling_rate=1000, normalize=False).iloc[0].to_dict()
    values["HRV_LnHF"] = float(np.log(values["HRV_HF"])) if values["HRV_HF"] > 0 else np.nan
    return values


def _nonlinear(rr: pd.DataFrame, nonlinear: str) -> dict[str, float]:
    if nonlinear == "neurokit":
        return nk.hrv_nonlinear(_intervals(rr)).iloc[0].to_dict()
    return _nonlinear_fast(rr)


DOMAINS: dict[str, Callable[[pd.DataFrame, str], dict[str, float]]] = {
    "time": _time,
    "frequency": _frequency,
    "nonlinear": _nonlinear,
}


def hrv_compute(
    rr: pd.DataFrame,
    domains: Sequence[str] = ("time", "frequency", "nonlinear"),
    nonlinear: str = "fast",
) -> pd.Series:
    """HRV metrics (neurokit2 names, ``HRV_*``) of a cleaned RR table.

    Parameters
    ----------
    rr : pandas.DataFrame
        Output of :func:`rr_clean`.
    domains : sequence of str
        Any of ``"time"``, ``"frequency"``, ``"nonlinear"``.
    nonlinear : str
        ``"fast"`` (the indices listed in the module docstring) or ``"neurokit"`` (all of
        ``nk.hrv_nonlinear``, slow).

    Returns
    -------
    pandas.Series
        ``n_nn``, ``nn_share``, the metrics, and ``note``: empty, or why metrics are NaN
        (too few NN intervals, too short for the frequency domain).

    Examples
    --------
    >>> import pandas as pd
    >>> rr = pd.DataFrame({"time_s": [1.0, 2.0], "rr_ms": [1000.0, 1000.0], "nn": [True, True]})
    >>> hrv_compute(rr)["note"]
    'only 2 NN intervals (need 20)'
    """
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        raise ValueError(f"unknown HRV domain(s) {unknown}; known: {sorted(DOMAINS)}")
    n_nn = int(rr["nn"].sum())
    out: dict[str, float | str] = {"n_nn": n_nn, "nn_share": n_nn / len(rr) if len(rr) else np.nan}
    if n_nn < MIN_NN:
        out["note"] = f"only {n_nn} NN intervals (need {MIN_NN})"
        return pd.Series(out, dtype=object)
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # neurokit2 warns about short or gapped series
        for domain in domains:
            values = DOMAINS[domain](rr, nonlinear)
            if "note" in values:
                notes.append(str(values.pop("note")))
            out.update(values)
    out["note"] = "; ".join(notes)
    return pd.Series(out, dtype=object)


def _rhythm_shares(samples: np.ndarray, aux: np.ndarray, n_samples: int) -> float:
    """Share of the record's time spent under a :data:`NON_SINUS_RHYTHMS` label."""
    starts = [(int(s), a) for s, a in zip(samples, aux, strict=True) if str(a).startswith("(")]
    if not starts:
        return 0.0
    bounds = [s for s, _ in starts[1:]] + [n_samples]
    non_sinus = sum(
        end - start for (start, label), end in zip(starts, bounds, strict=True) if label in NON_SINUS_RHYTHMS
    )
    return non_sinus / n_samples


def record_hrv(
    record: str,
    clean: str = "annotation",
    data_dir: str | Path | None = None,
    nonlinear: str = "fast",
) -> pd.Series:
    """HRV of one MIT-BIH record from its reference beat annotations.

    ``hrv_meaningful`` is false (with the reason in ``note``) when fewer than 80 % of the
    intervals are NN or more than 10 % of the time is under a non-sinus rhythm label.
    """
    (base,) = ensure_records(mitdb.SLUG, [record], data_dir=data_dir)
    header = read_header(base)
    ann = read_annotations(base, "atr", header.sig_len)
    beats = np.isin(ann.symbol.astype(str), list(QRS_SYMBOLS))
    rr = rr_clean(ann.sample[beats], float(header.fs), ann.symbol[beats].astype(str), method=clean)
    hrv = hrv_compute(rr, nonlinear=nonlinear)
    non_sinus = _rhythm_shares(ann.sample, ann.aux_note, header.sig_len)
    problems = {
        f"only {hrv['nn_share']:.0%} of intervals are NN": hrv["nn_share"] < 0.8,
        f"{non_sinus:.0%} of the time in non-sinus rhythm": non_sinus > 0.1,
        "paced": record in mitdb.PACED,
    }
    reasons = [r for r, bad in problems.items() if bad]
    hrv["minutes"] = header.sig_len / header.fs / 60.0
    hrv["non_sinus_share"] = non_sinus
    hrv["hrv_meaningful"] = not reasons and hrv["n_nn"] >= MIN_NN
    hrv["note"] = "; ".join([str(hrv["note"])] * bool(hrv["note"]) + reasons)
    return hrv


def mitdb_hrv_table(
    records: str | Sequence[str] = "NONPACED",
    clean: str = "annotation",
    data_dir: str | Path | None = None,
    nonlinear: str = "fast",
) -> pd.DataFrame:
    """One row of HRV metrics per MIT-BIH record (see :func:`record_hrv`).

    Examples
    --------
    >>> table = mitdb_hrv_table(["100", "201"])                        # doctest: +SKIP
    >>> table.loc["201", "hrv_meaningful"]                              # doctest: +SKIP
    False
    """
    items = [records] if isinstance(records, str) else list(records)
    names = [
        r
        for item in items
        for r in mitdb.resolve_records(item if str(item).upper() in mitdb.NAMED_SETS else [item])
    ]
    rows = {r: record_hrv(r, clean, data_dir, nonlinear) for r in names}
    table = pd.DataFrame(rows).T
    table.index.name = "record"
    numeric = [c for c in table.columns if c not in ("note", "hrv_meaningful")]
    table[numeric] = table[numeric].apply(pd.to_numeric, errors="coerce")
    table["hrv_meaningful"] = table["hrv_meaningful"].astype(bool)
    return table
