"""QT interval and its heart-rate corrections (QTc).

QTc formulas are registered by name in :data:`QTC_FORMULAS`; each maps QT (ms) and the
preceding RR interval (s) to QTc (ms):

* Bazett (1920): ``QT / sqrt(RR)``;
* Fridericia (1920): ``QT / RR ** (1/3)``;
* Framingham (Sagie et al. 1992): ``QT + 154 ms * (1 - RR)``.

Examples
--------
>>> qt_correct(400.0, 0.64, method="bazett")
500.0
>>> round(qt_correct(400.0, 0.64, method="fridericia"), 1)
464.2
>>> round(qt_correct(400.0, 0.64, method="framingham"), 1)
455.4
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

QTcFormula = Callable[[np.ndarray, np.ndarray], np.ndarray]

QTC_FORMULAS: dict[str, QTcFormula] = {
    "bazett": lambda qt, rr: qt / np.sqrt(rr),
    "fridericia": lambda qt, rr: qt / np.cbrt(rr),
    "framingham": lambda qt, rr: qt + 154.0 * (1.0 - rr),
}
"""QTc formulas by name: ``(qt_ms, rr_s) -> qtc_ms``."""

RR_RANGE_S = (0.3, 2.5)
"""RR intervals outside this range (200-24 bpm) give NaN: no formula holds there."""


def qt_correct(
    qt_ms: float | np.ndarray, rr_s: float | np.ndarray, method: str = "bazett"
) -> float | np.ndarray:
    """Heart-rate corrected QT (ms) by one of :data:`QTC_FORMULAS`.

    Parameters
    ----------
    qt_ms : float or np.ndarray
        QT interval(s) in milliseconds.
    rr_s : float or np.ndarray
        The RR interval(s) ending at the measured beat, in seconds.
    method : str
        ``"bazett"``, ``"fridericia"`` or ``"framingham"``.

    Returns
    -------
    float or np.ndarray
        QTc in ms; NaN where QT or RR is NaN or RR is outside :data:`RR_RANGE_S`.

    Raises
    ------
    ValueError
        Unknown method.

    Examples
    --------
    >>> qt_correct(380.0, 1.0, "fridericia")   # at 60 bpm QTc = QT
    380.0
    >>> float(qt_correct(380.0, 0.1))
    nan
    """
    if method not in QTC_FORMULAS:
        raise ValueError(f"unknown QTc formula {method!r}; known: {sorted(QTC_FORMULAS)}")
    qt = np.asarray(qt_ms, dtype=np.float64)
    rr = np.asarray(rr_s, dtype=np.float64)
    ok = (rr >= RR_RANGE_S[0]) & (rr <= RR_RANGE_S[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        qtc = np.where(ok, QTC_FORMULAS[method](qt, np.where(ok, rr, 1.0)), np.nan)
    return float(qtc) if qtc.ndim == 0 else qtc


def qt_intervals(waves: pd.DataFrame, sampling_rate: float) -> pd.DataFrame:
    """QT, RR, QTc and PR of every delineated beat.

    Parameters
    ----------
    waves : pandas.DataFrame
        Output of :func:`vitalkit.clinical.delineate.ecg_delineate` (columns ``R``,
        ``QRS_on``, ``T_end``; ``P_on`` for the PR interval).
    sampling_rate : float
        Samples per second of the delineated signal.

    Returns
    -------
    pandas.DataFrame
        ``time_s`` (R peak), ``rr_s`` (interval ending at this beat; NaN for the first),
        ``qt_ms``, one ``qtc_<formula>_ms`` column per formula and, where ``waves`` has a
        ``P_on`` column, ``pr_ms`` (P onset to QRS onset; NaN for beats without a P wave).

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.DataFrame({"R": [0.0, 250.0, 500.0], "QRS_on": [-10.0, 240.0, 490.0], "T_end": [90, 340, 590]})
    >>> qt_intervals(w, 250.0)[["rr_s", "qt_ms", "qtc_bazett_ms"]].iloc[1].tolist()
    [1.0, 400.0, 400.0]
    >>> w["P_on"] = [-50.0, float("nan"), 450.0]
    >>> qt_intervals(w, 250.0)["pr_ms"].tolist()
    [160.0, nan, 160.0]
    """
    r = waves["R"].to_numpy(dtype=float)
    table = pd.DataFrame({"time_s": r / sampling_rate})
    table["rr_s"] = np.concatenate([[np.nan], np.diff(r)]) / sampling_rate
    table["qt_ms"] = (
        (waves["T_end"].to_numpy(dtype=float) - waves["QRS_on"].to_numpy(dtype=float)) / sampling_rate * 1000
    )
    for name in QTC_FORMULAS:
        table[f"qtc_{name}_ms"] = qt_correct(table["qt_ms"].to_numpy(), table["rr_s"].to_numpy(), name)
    if "P_on" in waves:
        qrs_on = waves["QRS_on"].to_numpy(dtype=float)
        table["pr_ms"] = (qrs_on - waves["P_on"].to_numpy(dtype=float)) / sampling_rate * 1000
    return table


def qtc_summary(intervals: pd.DataFrame) -> pd.Series:
    """Median QT, RR, heart rate and QTc of a record (robust to single bad beats).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"rr_s": [1.0, 1.0], "qt_ms": [400.0, 420.0], "qtc_bazett_ms": [400.0, 420.0]})
    >>> float(qtc_summary(t)["qt_ms"])
    410.0
    """
    summary = intervals.drop(columns=["time_s"], errors="ignore").median()
    summary["hr_bpm"] = 60.0 / summary["rr_s"]
    summary["n_beats"] = int(intervals["qt_ms"].notna().sum())
    return summary
