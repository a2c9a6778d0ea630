"""Output-identical, faster versions of library routines that loop over every sample in Python.

Profiling the ``consensus`` detector on 10-s segments (the serving case) showed its members
spending most of their time in per-sample Python loops of the libraries themselves:

- wfdb's XQRS (``wfdb.processing.xqrs_detect``) calls ``wfdb.processing.peaks.find_local_peaks``
  twice, which evaluates ``max(sig[i - radius : i + radius])`` sample by sample: over 90 % of
  XQRS's time, about a third of the whole consensus;
- neurokit2's ``elgendi2010`` walks the block mask sample by sample;
- neurokit2's ``khamis2016`` (UNSW) intersects every RR interval with an empty artifact mask and
  fills gaps sample by sample; ``hamilton2002`` tests every sample for a local maximum and calls
  ``np.mean`` on every one; ``rodrigues2021`` steps a state machine sample by sample.

:func:`find_local_peaks` computes the same greedy scan from one sliding maximum
(``scipy.ndimage.maximum_filter1d``) and visits only the samples that equal it;
:func:`elgendi_peaks` visits only the mask's edges; :func:`khamis_peaks`, :func:`hamilton_peaks`
and :func:`rodrigues_peaks` run the same arithmetic on masks, on the local maxima alone and on
blocks. All return exactly what the library code returns
(``tests/beats/test_exact_speedups.py`` compares them on random signals with plateaus, flat
stretches and several sampling rates, and on real records; XQRS with and without the swap).
:func:`install_xqrs_speedup` points ``wfdb.processing.qrs`` at :func:`find_local_peaks` (the name
XQRS looks up when it runs); nothing else in wfdb changes. They are written here rather than
upstream because the pinned releases (wfdb 4.3.1, neurokit2 0.2.13) are what VitalKit runs.

Examples
--------
>>> import numpy as np
>>> from wfdb.processing import peaks
>>> x = np.sin(np.linspace(0, 20, 500)) + np.linspace(0, 1, 500)
>>> find_local_peaks(x, 25).tolist() == peaks.find_local_peaks(x, 25).tolist()
True
"""

from __future__ import annotations

import bisect
import functools
from collections import deque

import numpy as np
from scipy import ndimage
from scipy import signal as sp_signal


def find_local_peaks(sig: np.ndarray, radius: int) -> np.ndarray:
    """``wfdb.processing.peaks.find_local_peaks``, without the per-sample Python loop.

    A sample is a peak when it equals the largest value of ``sig[max(0, i - radius) : i + radius]``;
    the scan is greedy from the start and skips ``radius`` samples after each peak, as wfdb's.

    Parameters
    ----------
    sig : np.ndarray
        1-D finite signal.
    radius : int
        Search radius in samples (positive).

    Returns
    -------
    np.ndarray
        Peak indices (an empty float array when the signal is constant or has none, as wfdb's).

    Examples
    --------
    >>> find_local_peaks(np.array([0.0, 2, 1, 1, 3, 0, 0, 1]), 2).tolist()
    [1, 4, 7]
    """
    sig = np.asarray(sig)
    if sig.size == 0 or np.min(sig) == np.max(sig):
        return np.empty(0)
    radius = int(radius)
    # the window [i - radius, i + radius), clipped to the signal (maximum_filter1d of an even
    # size 2r with origin 0 covers i - r ... i + r - 1; outside the signal counts as -inf)
    window_max = ndimage.maximum_filter1d(sig, size=2 * radius, mode="constant", cval=-np.inf)
    candidates = np.flatnonzero(sig == window_max)
    peaks: list[int] = []
    position = 0
    while position < candidates.size:
        peak = int(candidates[position])
        peaks.append(peak)
        position = int(np.searchsorted(candidates, peak + radius, side="left"))
    return np.array(peaks)


def elgendi_peaks(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
    """neurokit2's ``ecg_findpeaks(method="elgendi2010")``, visiting only the block edges.

    Blocks of interest are where the 120-ms moving average of ``|signal|`` exceeds the 600-ms
    one; a block longer than 80 ms gives its largest sample, unless it lies within 300 ms of
    the previous detection (Elgendi 2010, as neurokit2 0.2.13 implements it).

    Parameters
    ----------
    signal : np.ndarray
        The signal cleaned with ``nk.ecg_clean(method="elgendi2010")``.
    sampling_rate : float
        Sampling rate in Hz (neurokit2 receives it rounded).

    Returns
    -------
    np.ndarray
        R-peak indices (int).

    Raises
    ------
    ValueError
        Where neurokit2's loop fails (a block ending before any block began).

    Examples
    --------
    >>> x = np.zeros(2000); x[[300, 700, 1100, 1500]] = 1.0
    >>> x = np.convolve(x, np.hanning(31), mode="same")
    >>> elgendi_peaks(x, 250).tolist()
    [300, 700, 1100, 1500]
    """
    fs = round(sampling_rate)
    rectified = np.abs(np.asarray(signal))
    blocks = _moving_average(rectified, int(0.12 * fs)) > _moving_average(rectified, int(0.6 * fs))
    qrs_duration = int(0.08 * fs)
    rr_distance = int(0.3 * fs)
    change = np.flatnonzero(blocks[1:] != blocks[:-1])  # i where blocks[i] != blocks[i + 1]
    peaks: list[int] = []
    start: int | None = None
    for i in change.tolist():
        if not blocks[i]:  # rise: prev < cur
            start = i
            continue
        if start is None:
            raise ValueError("elgendi2010: a block ends before any began (neurokit2 fails here too)")
        end = i - 1
        if end - start > qrs_duration:
            detection = int(np.argmax(signal[start : end + 1])) + start
            if not peaks or detection - peaks[-1] > rr_distance:
                peaks.append(detection)
    return np.array(peaks, dtype="int")


def _moving_average(signal: np.ndarray, window: int) -> np.ndarray:
    """neurokit2's causal moving average (``_ecg_findpeaks_MWA``), the same operations."""
    window = int(window)
    mwa = ndimage.uniform_filter1d(signal, window, origin=(window - 1) // 2)
    head = min(window - 1, len(signal))
    mwa[:head] = np.cumsum(signal[:head]) / np.linspace(1, head, head)
    return mwa


def install_xqrs_speedup() -> None:
    """Make wfdb's XQRS use :func:`find_local_peaks` (idempotent; identical detections).

    Examples
    --------
    >>> install_xqrs_speedup()
    >>> from wfdb.processing import qrs
    >>> qrs.find_local_peaks is find_local_peaks
    True
    """
    from wfdb.processing import qrs

    qrs.find_local_peaks = find_local_peaks


def khamis_peaks(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
    """neurokit2's ``ecg_findpeaks(method="khamis2016")`` (UNSW, Khamis 2016), same peaks, less Python.

    neurokit2 0.2.13 runs the algorithm without an artifact mask, yet pays for one: each RR
    interval is intersected with the (empty) mask by ``np.intersect1d``, the gap filling walks
    every sample in a Python loop, the short-interval ranges are built as Python lists, and the
    two Butterworth filters are designed on every call. This version computes the same three
    passes with the mask known to be empty: RR intervals by ``np.diff``, gaps and short
    intervals as boolean masks, the filters designed once per sampling rate, the sliding
    maximum and minimum (``percentile_filter`` at 100 and 0) by ``maximum_filter1d`` and
    ``minimum_filter1d``. Every floating-point step that decides a peak is the library's, in
    the same order (``tests/beats/test_exact_speedups.py`` compares both on random signals and
    real records).

    Parameters
    ----------
    signal : np.ndarray
        The signal cleaned with ``nk.ecg_clean(method="neurokit")`` (what VitalKit's
        ``khamis2016`` member passes).
    sampling_rate : float
        Sampling rate in Hz (neurokit2 receives it rounded).

    Returns
    -------
    np.ndarray
        R-peak indices (int).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_clean(nk.ecg_simulate(duration=10, sampling_rate=250, random_state=2), 250)
    >>> theirs = nk.ecg_findpeaks(ecg, 250, method="khamis2016")["ECG_R_Peaks"]
    >>> khamis_peaks(ecg, 250).tolist() == np.asarray(theirs).tolist()
    True
    """
    fs = round(sampling_rate)
    if fs < 50:
        raise ValueError("khamis2016 requires a sampling rate of at least 50 Hz")
    x = np.array(signal)
    lowpass_b, lowpass_a, highpass_sos = _khamis_filters(fs)
    x = sp_signal.detrend(x).ravel()
    meddata = x - ndimage.percentile_filter(x, percentile=50, size=round(0.5 * fs), mode="nearest")
    hpdata = sp_signal.sosfiltfilt(highpass_sos, meddata)
    if len(hpdata) <= 3 * max(len(lowpass_b) - 1, len(lowpass_a) - 1):
        lphpdata = np.zeros_like(hpdata)
    else:
        lphpdata = sp_signal.filtfilt(lowpass_b, lowpass_a, hpdata)

    diffdata = sp_signal.lfilter(np.array([1, 0, -1]) / (2 * (1 / fs)), [1], lphpdata)
    size = round(fs * 0.1)  # neurokit2's sortfilt1 windows are n samples, odd or even
    envelope = _running_max(lphpdata, size) - _running_min(lphpdata, size)
    envelope[envelope < 0] = 0
    feature = np.abs(diffdata * envelope)

    diffpower1 = np.abs(sp_signal.filtfilt(_hamming_lowpass(fs, 6), [1], feature)) ** 0.5
    spectrum = _khamis_spectrum(diffpower1, fs, 2**14)
    f = np.arange(0, 2**13) * fs / 2**14
    band = np.where((f >= 0.1) & (f < 4))[0]
    hr_freq = f[band[np.argmax(spectrum[band])]]
    hr_min, hr_max = 1.5, 4.0
    fc = np.median(2 * np.array([hr_min, hr_freq, hr_max]))
    diffpower2 = np.abs(sp_signal.filtfilt(_hamming_lowpass(fs, fc), [1], feature)) ** 0.5

    w_sort = round(np.median(2 * np.array([fs, fs / hr_freq, fs / hr_max])))
    upper = _running_min(_running_max(diffpower2, w_sort), w_sort)
    lower = _running_max(_running_min(diffpower2, w_sort), w_sort)
    main_threshold = 0.2 * np.median(upper - lower)

    qrs = np.unique(_khamis_turning_peaks(diffpower2, main_threshold))
    if len(qrs) == 0:
        return qrs.astype(int)
    m_rr = _khamis_mean_rr(qrs, fs)

    # second pass (threshold halved): beats in gaps longer than 1.5 mean RR
    qrs2 = _khamis_turning_peaks(diffpower2, main_threshold / 2)
    covered = np.zeros(len(diffpower2) + 4)
    covered[0] = covered[-1] = 1
    covered[qrs + 2] = 1
    step = np.diff(covered)
    for start, rise in zip(np.flatnonzero(step == -1) + 1, np.flatnonzero(step == 1) + 1, strict=True):
        if (rise - 1) - start < 1.5 * m_rr:
            covered[start : rise - 1] = 1
    qrs2 = np.unique(qrs2[covered[1:-1][qrs2] != 1])  # (the library's mask sits one sample off)
    qrs = np.union1d(qrs, qrs2)
    m_rr = _khamis_mean_rr(qrs, fs)

    # third pass (threshold doubled) replaces the beats of intervals shorter than half the mean RR
    qrs3 = _khamis_turning_peaks(diffpower2, main_threshold / 0.5)
    short = np.zeros(len(diffpower2) + 1, dtype=bool)
    for i in np.flatnonzero(np.diff(qrs) < 0.5 * m_rr) + 1:
        short[qrs[i - 1] : qrs[i]] = True
    return np.union1d(qrs[~short[qrs]], np.unique(qrs3[short[qrs3]])).astype(int)


def _running_max(x: np.ndarray, size: int) -> np.ndarray:
    return ndimage.maximum_filter1d(x, size=size, mode="nearest")


def _running_min(x: np.ndarray, size: int) -> np.ndarray:
    return ndimage.minimum_filter1d(x, size=size, mode="nearest")


@functools.lru_cache(maxsize=16)
def _khamis_filters(fs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 20-Hz low-pass (b, a) and 0.7-Hz high-pass (sos) Butterworth filters of order 7."""
    b, a = sp_signal.butter(7, 20 / (fs / 2), btype="low")
    sos = sp_signal.butter(7, 0.7 / (fs / 2), btype="high", output="sos")
    return b, a, sos  # cached: callers must not write into them (scipy's sosfilt wants writable arrays)


def _hamming_lowpass(fs: int, fc: float) -> np.ndarray:
    """UNSW's approximate ``fc``-Hz low-pass: a unit-area Hamming window."""
    b = sp_signal.windows.hamming(round(((fs / 2) * 0.0037) / fc * fs), sym=True)
    return b / np.sum(np.abs(b))


def _khamis_spectrum(x: np.ndarray, fs: int, n_fft: int) -> np.ndarray:
    """Mean normalised magnitude spectrum of 2-s windows (neurokit2's ``smashedFFT``, no mask)."""
    n_windows = int(np.ceil(len(x) / (2 * fs)))
    y = np.zeros(2 * fs * n_windows)
    y[: len(x)] = x
    y = y.reshape((n_windows, 2 * fs))
    y = y - np.mean(y, axis=1, keepdims=True)
    total = np.zeros(n_fft)
    for magnitude in np.abs(np.fft.fft(y, n_fft, axis=1)):
        area = np.sum(magnitude)
        total = total + (magnitude / area if area > 0 else np.zeros(n_fft))
    return (np.zeros(n_fft) + len(x) * (total / n_windows)) / np.sum([len(x)])


def _khamis_mean_rr(qrs: np.ndarray, fs: int) -> float:
    """Mean of the RR intervals under 5 s (NaN when there is none), as ``calculate_rr_interval``."""
    rr = np.diff(qrs)
    rr = rr[rr < 5 * fs]
    return float(np.mean(rr)) if len(rr) > 0 else np.nan


def _khamis_turning_peaks(x: np.ndarray, threshold: float) -> np.ndarray:
    """Peaks confirmed by neurokit2's ``turning_points`` (Redmond / de Chazal): a peak stands when
    the signal falls more than ``threshold`` below it before rising above it."""
    x = np.append(x, [x[-1] + np.finfo(float).eps, x[-1]])
    tps = np.concatenate(([0], -np.sign(np.diff(np.sign(np.diff(x)))), [0]))
    tpidx = np.flatnonzero(tps != 0)
    values = x[tpidx].tolist()
    kinds = tps[tpidx].tolist()
    positions = tpidx.tolist()
    confirmed: list[int] = []
    inpeak = 0
    possible = 0
    ref = float(x[0])
    for position, value, kind in zip(positions, values, kinds, strict=True):
        if inpeak == 0 and abs(value - ref) > threshold:
            inpeak, possible, ref = kind, position, value
        if inpeak == 1 and (ref - value) > threshold:
            confirmed.append(possible * int(tps[possible]))
            inpeak, possible, ref = -1, position, value
        elif inpeak == 1 and value > ref:
            possible, ref = position, value
        if inpeak == -1 and (value - ref) > threshold:
            confirmed.append(possible * int(tps[possible]))
            inpeak, possible, ref = 1, position, value
        elif inpeak == -1 and value < x[possible]:
            possible, ref = position, value
    found = np.array(confirmed, dtype=int)
    return found[found > 0]


def hamilton_peaks(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
    """neurokit2's ``ecg_findpeaks(method="hamilton2002")``, visiting only the local maxima.

    neurokit2 0.2.13 (after py-ecg-detectors) tests every sample of the 80-ms moving average of
    ``|diff(signal)|`` for a local maximum in a Python loop; this version finds the maxima with
    one vectorised comparison and runs the same adaptive-threshold logic over them alone, with
    the library's quirks kept (its search-back indexes the list of maxima by sample position,
    and a beat found by search-back skips that step's threshold update).

    Parameters
    ----------
    signal : np.ndarray
        The signal cleaned with ``nk.ecg_clean(method="hamilton2002")``.
    sampling_rate : float
        Sampling rate in Hz (neurokit2 receives it rounded).

    Returns
    -------
    np.ndarray
        R-peak indices (int).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_clean(nk.ecg_simulate(duration=10, sampling_rate=250, random_state=3), 250,
    ...                    method="hamilton2002")
    >>> theirs = nk.ecg_findpeaks(ecg, 250, method="hamilton2002")["ECG_R_Peaks"]
    >>> hamilton_peaks(ecg, 250).tolist() == np.asarray(theirs).tolist()
    True
    """
    fs = round(sampling_rate)
    diff = np.abs(np.diff(np.array(signal)))
    width = int(0.08 * fs)
    ma = sp_signal.lfilter(np.ones(width) / width, [1], diff)
    ma[0 : width * 2] = 0
    inner = ma[1:-1]
    maxima = (np.flatnonzero((ma[:-2] < inner) & (ma[2:] < inner)) + 1).tolist()
    heights = ma[maxima].tolist() if maxima else []
    noise_peaks: deque[float] = deque(maxlen=8)
    signal_peaks: deque[float] = deque(maxlen=8)
    rr: deque[int] = deque(maxlen=8)
    noise_ave = signal_ave = 0.0
    rr_ave = 0.0
    threshold = 0.0
    qrs = [0]
    found: list[int] = []
    peaks: list[int] = []
    for peak, height in zip(maxima, heights, strict=True):
        peaks.append(peak)
        if height > threshold and (peak - qrs[-1]) > 0.3 * fs:
            qrs.append(peak)
            found.append(peak)
            signal_peaks.append(height)
            signal_ave = _numpy_mean8(signal_peaks)
            if rr_ave != 0.0 and qrs[-1] - qrs[-2] > 1.5 * rr_ave:
                added = False
                for missed in peaks[found[-2] + 1 : found[-1]]:  # (sample positions as list indices)
                    if missed - peaks[found[-2]] > int(0.36 * fs) and ma[missed] > 0.5 * threshold:
                        bisect.insort(qrs, missed)
                        added = True
                        break
                if added:
                    continue
            if len(qrs) > 2:
                rr.append(qrs[-1] - qrs[-2])
                rr_ave = int(sum(rr) / len(rr))  # whole samples: exact, as numpy's mean
        else:
            noise_peaks.append(height)
            noise_ave = _numpy_mean8(noise_peaks)
        threshold = noise_ave + 0.45 * (signal_ave - noise_ave)
    return np.array(qrs[1:], dtype="int")


def _numpy_mean8(values: deque[float]) -> float:
    """``np.mean`` of at most 8 floats, bit for bit, without building an array (neurokit2 calls it
    for every local maximum): numpy adds fewer than 8 values in order and 8 values pairwise."""
    v = list(values)
    if len(v) == 8:
        total = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))
    else:
        total = 0.0
        for value in v:
            total += value
    return total / len(v)


def rodrigues_peaks(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
    """neurokit2's ``ecg_findpeaks(method="rodrigues2021")``, its state machine run by blocks.

    neurokit2 0.2.13 builds the double difference in Python lists and steps its three-state
    machine (search for the maximum over 260 ms, wait, decay the threshold until the signal
    reaches it) one sample at a time. This version takes each search window's first maximum with
    ``argmax`` and the decaying threshold as a running product (``np.cumprod`` multiplies in
    the same order as the library's loop), so every comparison sees the same float values.

    Parameters
    ----------
    signal : np.ndarray
        The signal cleaned with ``nk.ecg_clean(method="neurokit")``.
    sampling_rate : float
        Sampling rate in Hz (neurokit2 receives it rounded).

    Returns
    -------
    np.ndarray
        R-peak indices (int).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_clean(nk.ecg_simulate(duration=10, sampling_rate=250, random_state=4), 250)
    >>> theirs = nk.ecg_findpeaks(ecg, 250, method="rodrigues2021")["ECG_R_Peaks"]
    >>> rodrigues_peaks(ecg, 250).tolist() == np.asarray(theirs).tolist()
    True
    """
    fs = round(sampling_rate)
    x = np.array(signal)
    width = int(np.clip(np.round(3 * fs / 128), 2, None))
    lag = width - 1
    decay = np.exp(-((0.7 * fs) / 128 + 2.7) / fs)
    ddiff = np.diff(x[lag:] - x[: x.size - lag])
    processed = sp_signal.lfilter(np.array(np.ones(width)), [1], np.square(ddiff))
    n = len(processed)
    peaks: list[int] = []
    i, total, position = 1, 0.0, 0
    while i < n:
        stop = np.round(i + 0.26 * fs)  # state 1: the first largest value over 260 ms
        end = min(int(stop), n)
        amplitude = 0.0
        if end > i:
            k = int(np.argmax(processed[i:end]))
            if processed[i + k] > 0:
                amplitude, position = processed[i + k], i + k + 1
            i = end
        total = (19 / 20) * total + (1 / 20) * amplitude
        peaks.append(position)
        wait = i + np.round(0.2 * 2 - (stop - position))  # state 2
        if i <= wait:
            i = int(np.floor(wait)) + 1
        i = _decay_until_reached(processed, i, total, decay)  # state 3
    return np.array(peaks, dtype="int")


def _decay_until_reached(values: np.ndarray, i: int, threshold: float, decay: float) -> int:
    """First index from ``i`` where ``values`` reaches the threshold, the threshold multiplied by
    ``decay`` at every sample passed (``len(values)`` if never)."""
    block = 256
    while i < values.size:
        chunk = values[i : i + block]
        factors = np.full(chunk.size, decay)
        factors[0] = threshold
        thresholds = np.cumprod(factors)
        reached = np.flatnonzero(~(chunk < thresholds))
        if reached.size:
            return i + int(reached[0])
        threshold = thresholds[-1] * decay
        i += chunk.size
    return i
