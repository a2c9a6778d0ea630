"""ST-segment deviation per beat, its trend, and ST episodes by a threshold rule.

Definitions (all in mV, on the 0.05-40 Hz signal: a 0.05 Hz high-pass, as the AHA
recommends for diagnostic ST measurement, leaves the ST segment undistorted):

J point
    The end of the QRS complex from :func:`vitalkit.clinical.delineate.ecg_delineate`
    (``"template"``): where the slope after the last large QRS slope falls below 3 % of it,
    measured on the median of 5 beats.
Isoelectric (PR) level
    The mean over the flattest 20 ms between 100 and 10 ms before QRS onset (the PR
    segment), per beat. Between beats the baseline is the shape-preserving cubic (PCHIP)
    interpolation through these PR levels, as in the classic spline baseline of Meyer &
    Keiser (1977), so slow baseline wander between the PR segment and the ST point is
    removed too.
ST deviation
    ``ST60`` / ``ST80``: signal at J + 60 / J + 80 ms minus the baseline there. ``st_mv``
    follows the European ST-T database convention: J + 80 ms, or J + 60 ms when the heart
    rate exceeds 120 bpm.
Episode (European ST-T database convention, Taddei et al. 1992)
    The trend (per-beat ``st_mv``, median over 10 s) deviates by at least 0.1 mV, in the
    same direction, for at least 30 s. The EDB measures deviation against the ST level at
    the start of the full two-hour record; ``reference="initial"`` imitates that with the
    first 30 s of the signal analysed (QTDB excerpts start mid-record, so their reference
    differs from the EDB annotators'), ``reference="isoelectric"`` uses the PR level, and
    ``reference="dominant"`` the lead's modal ST level over the whole signal
    (:func:`dominant_level`: where the trend spends most of its time, so a patient's
    resting ST offset is no episode and an episode under way at the start is one).
    With ``"dominant"`` the episode keeps going while the change stays within
    :data:`DOMINANT_SETTINGS` ``hysteresis_mv`` of the threshold, and runs of one direction
    separated by at most ``merge_gap_s`` are one episode.

Examples
--------
>>> import numpy as np
>>> from vitalkit.clinical.st import st_episodes
>>> st_mv = np.r_[np.zeros(40), np.full(45, -0.15), np.zeros(35)]
>>> trend = pd.DataFrame({"time_s": np.arange(120.0), "st_mv": st_mv})
>>> st_episodes(trend)[["start_s", "end_s", "direction", "extreme_mv"]].values.tolist()
[[40.0, 84.0, '-', -0.15]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import PchipInterpolator

from vitalkit.clinical.delineate import ecg_delineate, signal_bandpass
from vitalkit.signal.filters import check_signal

OFFSETS_MS = (60, 80)
ST_COLUMNS = ("time_s", "rr_s", "R", "J", "iso_mv", "st60_mv", "st80_mv", "st_mv")
REFERENCES = ("isoelectric", "initial", "dominant")
"""Reference levels of :func:`st_episodes` (see the module docstring)."""

DOMINANT_SETTINGS: dict[str, float] = {"bandwidth_mv": 0.04, "hysteresis_mv": 0.02, "merge_gap_s": 60.0}
"""Settings of ``reference="dominant"``, chosen on the tuning half of the European ST-T excerpts only.

:data:`vitalkit.clinical.st_validation.EDB_TUNING` (17 records, 17 annotated ST episodes):
the grid kernel bandwidth 0.01 / 0.02 / 0.04 mV, hysteresis 0 / 0.02 / 0.04 mV, merge gap
0 / 30 / 60 s and trend window 10 / 20 s, ranked by the smaller of Se and +P, then +P,
then the mean over the neighbouring grid points. The trend window stayed at 10 s
(:func:`st_trend`'s default). The held-out half
(:data:`~vitalkit.clinical.st_validation.EDB_HELDOUT`) played no part.
"""


def _pr_levels(x: np.ndarray, iso_at: np.ndarray, half: int) -> np.ndarray:
    levels = np.full(iso_at.size, np.nan)
    for i, centre in enumerate(iso_at):
        if np.isfinite(centre):
            c = round(centre)
            lo, hi = max(c - half, 0), min(c + half + 1, x.size)
            if hi > lo:
                levels[i] = x[lo:hi].mean()
    return levels


def _baseline(iso_at: np.ndarray, levels: np.ndarray, at: np.ndarray) -> np.ndarray:
    ok = np.isfinite(iso_at) & np.isfinite(levels)
    knots, values = iso_at[ok], levels[ok]
    knots, first = np.unique(knots, return_index=True)
    values = values[first]
    if knots.size == 0:
        return np.full(at.shape, np.nan)
    if knots.size == 1:
        return np.full(at.shape, values[0])
    return PchipInterpolator(knots, values, extrapolate=True)(at)


def ecg_st(
    signal: np.ndarray,
    sampling_rate: float,
    rpeaks: np.ndarray | None = None,
    waves: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ST deviation of every beat at J + 60 and J + 80 ms against the PR baseline.

    Parameters
    ----------
    signal : np.ndarray
        1-D raw ECG in mV.
    sampling_rate : float
        Samples per second (at least 100).
    rpeaks : np.ndarray, optional
        R peaks (detected if omitted and ``waves`` is not given).
    waves : pandas.DataFrame, optional
        A delineation of the same signal (:func:`ecg_delineate`), to reuse.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ST_COLUMNS`: beat time (s), the RR interval ending at it, R and J
        (samples), PR level and the deviations (mV). No rows for fewer than 2 beats.

    Raises
    ------
    ValueError
        As :func:`ecg_delineate` (sampling rate too low, non-finite samples, too short).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=15, sampling_rate=250, random_state=0)
    >>> st = ecg_st(ecg, 250)
    >>> list(st.columns) == list(ST_COLUMNS), len(st) >= 10
    (True, True)
    """
    x = check_signal(signal, sampling_rate, min_duration_s=2.0)
    if waves is None:
        waves = ecg_delineate(x, sampling_rate, rpeaks)
    table = pd.DataFrame(columns=list(ST_COLUMNS), dtype=float)
    if len(waves) < 2:
        return table
    fs = sampling_rate
    y = signal_bandpass(x, fs, 0.05, 40.0)
    r = waves["R"].to_numpy(dtype=float)
    j = waves["J"].to_numpy(dtype=float)
    iso_at = waves["iso_at"].to_numpy(dtype=float)
    levels = _pr_levels(y, iso_at, max(round(0.01 * fs), 1))
    rr = np.concatenate([[np.nan], np.diff(r)]) / fs
    out = {"time_s": r / fs, "rr_s": rr, "R": r, "J": j, "iso_mv": levels}
    for offset in OFFSETS_MS:
        at = j + offset / 1000.0 * fs
        inside = np.isfinite(at) & (at < x.size - 1)
        value = np.full(r.size, np.nan)
        value[inside] = np.interp(at[inside], np.arange(x.size), y)
        out[f"st{offset}_mv"] = value - _baseline(iso_at, levels, at)
    fast = np.nan_to_num(rr, nan=1.0) < 0.5  # heart rate above 120 bpm
    out["st_mv"] = np.where(fast, out["st60_mv"], out["st80_mv"])
    return pd.DataFrame(out)[list(ST_COLUMNS)]


def st_trend(st: pd.DataFrame, window_s: float = 10.0, column: str = "st_mv") -> pd.DataFrame:
    """Median of the per-beat ST deviation over a centred ``window_s`` window.

    Examples
    --------
    >>> st = pd.DataFrame({"time_s": [0.0, 1.0, 2.0, 3.0], "st_mv": [0.0, 1.0, 0.0, 0.0]})
    >>> st_trend(st, window_s=3.0)["st_mv"].tolist()
    [0.5, 0.0, 0.0, 0.0]
    """
    series = pd.Series(st[column].to_numpy(dtype=float), index=pd.to_timedelta(st["time_s"], unit="s"))
    smooth = series.rolling(pd.Timedelta(seconds=window_s), center=True, min_periods=1).median()
    return pd.DataFrame({"time_s": st["time_s"].to_numpy(dtype=float), "st_mv": smooth.to_numpy()})


def dominant_level(values: np.ndarray, bandwidth_mv: float = DOMINANT_SETTINGS["bandwidth_mv"]) -> float:
    """The modal value of ``values``: the peak of their Gaussian kernel density.

    Parameters
    ----------
    values : np.ndarray
        ST levels (mV), e.g. one lead's trend; NaN values are ignored.
    bandwidth_mv : float
        Standard deviation of the Gaussian kernel (mV). The density is evaluated on a grid
        of ``bandwidth_mv / 10`` steps; of equal peaks the lowest level is taken.

    Returns
    -------
    float
        The level (mV) where the values are densest; NaN when none is finite.

    Examples
    --------
    >>> level = dominant_level(np.r_[np.full(60, 0.2), np.full(30, -0.1), np.full(10, 0.5)])
    >>> round(level, 3)
    0.2
    >>> bool(np.isnan(dominant_level(np.array([np.nan]))))
    True
    """
    if not bandwidth_mv > 0:
        raise ValueError(f"bandwidth_mv must be positive, got {bandwidth_mv}")
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan")
    step = bandwidth_mv / 10.0
    lo = v.min() - 3 * bandwidth_mv
    grid = lo + step * np.arange(int(np.ceil((v.max() + 3 * bandwidth_mv - lo) / step)) + 1)
    density = np.zeros(grid.size)
    for chunk in np.array_split(np.sort(v), max(1, v.size // 2000)):
        density += np.exp(-0.5 * ((grid[:, None] - chunk[None, :]) / bandwidth_mv) ** 2).sum(axis=1)
    return float(grid[np.argmax(density)])


def reference_level(
    trend: pd.DataFrame,
    reference: str = "initial",
    initial_s: float = 30.0,
    bandwidth_mv: float = DOMINANT_SETTINGS["bandwidth_mv"],
) -> float:
    """The ST level of one lead's trend that :func:`st_episodes` measures the change from.

    Parameters
    ----------
    trend : pandas.DataFrame
        ``time_s`` and ``st_mv`` of one lead (:func:`st_trend`).
    reference : str
        One of :data:`REFERENCES`: ``"isoelectric"`` (0, the PR level), ``"initial"`` (the
        median of the first ``initial_s`` seconds) or ``"dominant"`` (:func:`dominant_level`
        of the whole trend with ``bandwidth_mv``).
    initial_s : float
        Length of the initial stretch (s) for ``"initial"``.
    bandwidth_mv : float
        Kernel bandwidth (mV) for ``"dominant"``.

    Returns
    -------
    float
        The reference level (mV); NaN for an empty or all-NaN trend (except ``"isoelectric"``).

    Raises
    ------
    ValueError
        For an unknown ``reference``.

    Examples
    --------
    >>> trend = pd.DataFrame({"time_s": np.arange(100.0), "st_mv": np.r_[np.full(20, 0.3), np.zeros(80)]})
    >>> [round(reference_level(trend, r), 3) for r in ("isoelectric", "initial", "dominant")]
    [0.0, 0.3, 0.0]
    """
    if reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; use one of {', '.join(map(repr, REFERENCES))}")
    if reference == "isoelectric":
        return 0.0
    t = trend["time_s"].to_numpy(dtype=float)
    level = trend["st_mv"].to_numpy(dtype=float)
    if not np.isfinite(level).any():
        return float("nan")
    if reference == "initial":
        first = level[t <= t[0] + initial_s]
        return float(np.nanmedian(first)) if np.isfinite(first).any() else float("nan")
    return dominant_level(level, bandwidth_mv)


def _hysteresis(state: np.ndarray, dev: np.ndarray, threshold_mv: float, hysteresis_mv: float) -> np.ndarray:
    """Extend every run over the threshold while the change stays within ``hysteresis_mv`` of it."""
    out = state.copy()
    for sign in (1, -1):
        weak = np.nan_to_num(sign * dev, nan=-np.inf) >= threshold_mv - hysteresis_mv
        edges = np.flatnonzero(np.diff(np.r_[0, weak.astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if (state[a:b] == sign).any():
                out[a:b] = sign  # thresholds above 0: runs of both signs never overlap
    return out


def st_episodes(
    trend: pd.DataFrame,
    threshold_mv: float = 0.1,
    min_duration_s: float = 30.0,
    reference: str = "isoelectric",
    initial_s: float = 30.0,
    hysteresis_mv: float | None = None,
    merge_gap_s: float | None = None,
    bandwidth_mv: float = DOMINANT_SETTINGS["bandwidth_mv"],
) -> pd.DataFrame:
    """ST episodes: the trend beyond ``threshold_mv`` (one direction) for ``min_duration_s``.

    Parameters
    ----------
    trend : pandas.DataFrame
        ``time_s`` and ``st_mv`` (:func:`st_trend`).
    threshold_mv, min_duration_s : float
        The rule (EDB: 0.1 mV for 30 s).
    reference : str
        ``"isoelectric"`` (deviation from the PR level), ``"initial"`` (change from the
        median of the first ``initial_s`` seconds) or ``"dominant"`` (change from the
        lead's modal level, :func:`reference_level`).
    initial_s : float
        Length of the initial stretch (s) for ``"initial"``.
    hysteresis_mv : float, optional
        Once over ``threshold_mv``, the episode lasts while the change stays at or over
        ``threshold_mv - hysteresis_mv`` in the same direction. Default: 0, or
        :data:`DOMINANT_SETTINGS` for ``"dominant"``.
    merge_gap_s : float, optional
        Runs of one direction separated by at most this many seconds are one episode
        (merged before the duration test). Default: 0, or :data:`DOMINANT_SETTINGS` for
        ``"dominant"``.
    bandwidth_mv : float
        Kernel bandwidth of ``"dominant"`` (:func:`dominant_level`).

    Returns
    -------
    pandas.DataFrame
        ``start_s``, ``end_s``, ``duration_s``, ``direction`` (``+``/``-``), ``extreme_mv``
        (the largest change in the episode's direction, from the reference level).

    Examples
    --------
    >>> level = np.r_[np.full(300, 0.2), np.full(40, 0.33), np.full(10, 0.29), np.full(50, 0.33)]
    >>> trend = pd.DataFrame({"time_s": np.arange(400.0), "st_mv": level})
    >>> st_episodes(trend, reference="dominant")[["start_s", "end_s", "direction"]].values.tolist()
    [[300.0, 399.0, '+']]
    >>> len(st_episodes(trend, reference="dominant", hysteresis_mv=0.0, merge_gap_s=0.0))  # 40 s, 50 s
    2
    """
    if reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; use one of {', '.join(map(repr, REFERENCES))}")
    tuned = reference == "dominant"
    if hysteresis_mv is not None and not 0 <= hysteresis_mv < threshold_mv:
        raise ValueError(f"hysteresis_mv must be in [0, threshold_mv), got {hysteresis_mv}")
    if hysteresis_mv is None:
        hysteresis_mv = DOMINANT_SETTINGS["hysteresis_mv"] if tuned else 0.0
    if merge_gap_s is None:
        merge_gap_s = DOMINANT_SETTINGS["merge_gap_s"] if tuned else 0.0
    t = trend["time_s"].to_numpy(dtype=float)
    dev = trend["st_mv"].to_numpy(dtype=float)
    if reference != "isoelectric" and t.size:
        dev = dev - reference_level(trend, reference, initial_s, bandwidth_mv)
    state = np.where(dev >= threshold_mv, 1, np.where(dev <= -threshold_mv, -1, 0))
    if hysteresis_mv > 0:
        state = _hysteresis(state, dev, threshold_mv, hysteresis_mv)
    runs = []
    edges = np.flatnonzero(np.diff(state)) + 1
    for start, stop in zip(np.r_[0, edges], np.r_[edges, state.size], strict=True):
        if state[start] == 0 or stop <= start:
            continue
        close = bool(runs) and t[start] - t[runs[-1][1] - 1] <= merge_gap_s
        if merge_gap_s > 0 and close and runs[-1][2] == state[start]:
            runs[-1][1] = stop
        else:
            runs.append([start, stop, state[start]])
    rows = []
    for start, stop, sign in runs:
        duration = t[stop - 1] - t[start]
        if duration >= min_duration_s:
            seg = dev[start:stop]
            rows.append(
                {
                    "start_s": t[start],
                    "end_s": t[stop - 1],
                    "duration_s": duration,
                    "direction": "+" if sign > 0 else "-",
                    "extreme_mv": float(seg[np.nanargmax(sign * seg)]),
                }
            )
    return pd.DataFrame(rows, columns=["start_s", "end_s", "duration_s", "direction", "extreme_mv"])
