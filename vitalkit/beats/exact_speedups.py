"""Output-identical, faster versions of two library routines that loop over every sample in Python.

Profiling the ``consensus`` detector on 10-s segments (the serving case) showed two members
spending most of their time in per-sample Python loops of the libraries themselves:

- wfdb's XQRS (``wfdb.processing.xqrs_detect``) calls ``wfdb.processing.peaks.find_local_peaks``
  twice, which evaluates ``max(sig[i - radius : i + radius])`` sample by sample: over 90 % of
  XQRS's time, about a third of the whole consensus;
- neurokit2's ``elgendi2010`` (``_ecg_findpeaks_elgendi``) walks the block mask sample by sample.

:func:`find_local_peaks` computes the same greedy scan from one sliding maximum
(``scipy.ndimage.maximum_filter1d``) and visits only the samples that equal it;
:func:`elgendi_peaks` visits only the mask's edges. Both return exactly what the library code
returns (``tests/beats/test_exact_speedups.py`` compares them on random signals with plateaus and
on real records, and XQRS with and without the swap on MIT-BIH records).
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

import numpy as np
from scipy import ndimage


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
