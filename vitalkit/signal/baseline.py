"""Baseline-wander estimation and removal.

Methods (``method=`` of :func:`ecg_baseline` and :func:`ecg_baseline_remove`):

``"highpass"``
    Zero-phase Butterworth high-pass at ``cutoff`` Hz (0.5 Hz by default, the AHA
    recommendation for monitoring; diagnostic ECGs use 0.05 Hz to keep the ST segment).
``"median"``
    Two-stage median filter, 200 ms then 600 ms: the first removes QRS complexes and
    P waves, the second T waves, leaving the baseline (de Chazal et al. 2004). Preserves
    the ST level better than a high-pass with the same effect on drift.
``"wavelet"``
    The DWT approximation (PyWavelets, ``sym8``) at the deepest level whose nominal band
    ``0 .. fs / 2**(level+1)`` still reaches ``cutoff`` (level 8, 0 to 0.7 Hz, at 360 Hz
    and 0.5 Hz), reconstructed alone.

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.baseline import ecg_baseline_remove
>>> t = np.arange(7200) / 360
>>> drift = np.sin(2 * np.pi * 0.2 * t)
>>> [bool(np.abs(ecg_baseline_remove(drift, 360, m)[720:-720]).max() < 0.1)
...  for m in ("highpass", "median", "wavelet")]
[True, True, True]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pywt
from scipy import ndimage
from scipy import signal as sps

from vitalkit.signal.filters import check_rate, check_signal

BaselineFn = Callable[[np.ndarray, float, float], np.ndarray]


def _highpass_baseline(x: np.ndarray, sampling_rate: float, cutoff: float) -> np.ndarray:
    sos = sps.butter(2, cutoff, btype="lowpass", fs=sampling_rate, output="sos")
    return sps.sosfiltfilt(sos, x)


def _odd(n: float) -> int:
    n = max(3, round(n))
    return n if n % 2 else n + 1


def _median_baseline(x: np.ndarray, sampling_rate: float, cutoff: float) -> np.ndarray:
    first = ndimage.median_filter(x, size=_odd(0.2 * sampling_rate), mode="nearest")
    return ndimage.median_filter(first, size=_odd(0.6 * sampling_rate), mode="nearest")


def _wavelet_baseline(x: np.ndarray, sampling_rate: float, cutoff: float) -> np.ndarray:
    # approximation band of level L: 0 .. fs / 2**(L+1); the deepest one still reaching cutoff
    level = max(1, int(np.floor(np.log2(sampling_rate / (2 * cutoff)))))
    level = min(level, pywt.dwt_max_level(x.size, "sym8"))
    coeffs = pywt.wavedec(x, "sym8", level=level, mode="symmetric")
    coeffs = [coeffs[0]] + [np.zeros_like(c) for c in coeffs[1:]]
    return pywt.waverec(coeffs, "sym8", mode="symmetric")[: x.size]


BASELINE_METHODS: dict[str, BaselineFn] = {
    "highpass": _highpass_baseline,
    "median": _median_baseline,
    "wavelet": _wavelet_baseline,
}
"""Baseline estimators by name: ``(signal, sampling_rate, cutoff) -> baseline``."""


def ecg_baseline(
    signal: np.ndarray, sampling_rate: float, method: str = "median", cutoff: float = 0.5
) -> np.ndarray:
    """Estimate the baseline (wander) of an ECG.

    Parameters
    ----------
    signal : np.ndarray
        1-D ECG.
    sampling_rate : float
        Samples per second (at least 20 Hz).
    method : str
        A key of :data:`BASELINE_METHODS`.
    cutoff : float
        Upper frequency of the baseline in Hz (``highpass`` and ``wavelet``; the median
        filter's window lengths are fixed in time).

    Raises
    ------
    ValueError
        Unknown method, non-finite samples, a signal shorter than 2 s, or a sampling
        rate of 20 Hz or less.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.full(3600, 2.5)
    >>> float(np.round(ecg_baseline(x, 360, "median").mean(), 6))
    2.5
    """
    if method not in BASELINE_METHODS:
        raise ValueError(f"unknown baseline method {method!r}; known: {sorted(BASELINE_METHODS)}")
    if not cutoff > 0:
        raise ValueError(f"cutoff must be positive, got {cutoff!r}")
    x = check_signal(signal, sampling_rate, min_duration_s=2.0)
    check_rate(sampling_rate, max(20.0, 4 * cutoff), "baseline estimation")
    return BASELINE_METHODS[method](x, sampling_rate, cutoff)


def ecg_baseline_remove(
    signal: np.ndarray, sampling_rate: float, method: str = "median", cutoff: float = 0.5
) -> np.ndarray:
    """Return the ECG minus its baseline estimate (see :func:`ecg_baseline`).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(7200) / 360
    >>> y = ecg_baseline_remove(3 + t / 20, 360, "highpass")  # offset and a slow ramp
    >>> bool(np.abs(y[720:-720]).max() < 0.05)
    True
    """
    x = check_signal(signal, sampling_rate)
    return x - ecg_baseline(x, sampling_rate, method=method, cutoff=cutoff)
