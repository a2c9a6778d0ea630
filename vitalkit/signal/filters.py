"""Input checks, zero-phase band-pass and notch filters, resampling (neurokit2 and SciPy).

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.filters import signal_resample
>>> signal_resample(np.ones(360), 360, 250).shape
(250,)
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
from scipy import signal as sps


def check_signal(signal: np.ndarray, sampling_rate: float, min_duration_s: float = 0.0) -> np.ndarray:
    """Validate a 1-D signal and its sampling rate; return it as float64.

    Raises
    ------
    ValueError
        Not 1-D, non-finite values, a non-positive sampling rate or too short; the message
        says which, so callers can re-raise it naming their file.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D signal, got shape {x.shape}")
    if not np.isfinite(sampling_rate) or sampling_rate <= 0:
        raise ValueError(f"invalid sampling rate {sampling_rate!r}")
    bad = ~np.isfinite(x)
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(f"{int(bad.sum())} non-finite samples (first at {first / sampling_rate:.2f} s)")
    if x.size == 0:
        raise ValueError("empty signal (0 samples)")
    if x.size < max(min_duration_s * sampling_rate, 1):
        raise ValueError(f"signal too short: {x.size / sampling_rate:.2f} s < {min_duration_s} s")
    return x


def check_rate(sampling_rate: float, min_rate: float, purpose: str) -> None:
    """Raise a ValueError saying why ``sampling_rate`` is too low for ``purpose``.

    Examples
    --------
    >>> check_rate(100, 121, "a 60 Hz notch")
    Traceback (most recent call last):
    ...
    ValueError: sampling rate 100 Hz is too low for a 60 Hz notch (needs more than 121 Hz)
    """
    if not sampling_rate > min_rate:
        raise ValueError(
            f"sampling rate {sampling_rate:g} Hz is too low for {purpose} (needs more than {min_rate:g} Hz)"
        )


def ecg_bandpass(
    signal: np.ndarray,
    sampling_rate: float,
    lowcut: float = 0.5,
    highcut: float = 40.0,
    order: int = 3,
) -> np.ndarray:
    """Zero-phase Butterworth band-pass (neurokit2 ``signal_filter``).

    Removes baseline wander below ``lowcut`` and muscle noise / powerline above ``highcut``.

    Parameters
    ----------
    signal : np.ndarray
        1-D ECG.
    sampling_rate : float
        Samples per second.
    lowcut, highcut : float
        Pass band edges in Hz; ``highcut`` is clipped below Nyquist.
    order : int
        Butterworth order (applied forward and backward).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(3600) / 360
    >>> drift = 2 * np.sin(2 * np.pi * 0.1 * t)
    >>> bool(np.abs(ecg_bandpass(drift, 360)).max() < 0.2)
    True
    """
    x = check_signal(signal, sampling_rate, min_duration_s=0.1)
    check_rate(sampling_rate, lowcut / 0.45, f"a {lowcut:g}-{highcut:g} Hz band-pass")
    highcut = min(highcut, 0.45 * sampling_rate)
    # what nk.signal_filter(method="butterworth") computes for a finite signal and lowcut < highcut,
    # with the filter designed once per setting (designing it was a quarter of a 10-s segment's
    # feature time in the served API)
    sos = _butterworth_bandpass(order, float(lowcut), float(highcut), float(sampling_rate))
    return sps.sosfiltfilt(sos.copy(), x)  # a copy: scipy's sosfilt takes writable arrays only


@functools.lru_cache(maxsize=128)
def _butterworth_bandpass(order: int, lowcut: float, highcut: float, sampling_rate: float) -> np.ndarray:
    """Second-order sections of a Butterworth band-pass (shared between calls: never modify)."""
    return sps.butter(order, [lowcut, highcut], btype="bandpass", output="sos", fs=sampling_rate)


def signal_notch(
    signal: np.ndarray,
    sampling_rate: float,
    frequency: float = 60.0,
    quality: float = 30.0,
    harmonics: int = 1,
) -> np.ndarray:
    """Remove powerline interference with zero-phase IIR notches (SciPy ``iirnotch``).

    Parameters
    ----------
    signal : np.ndarray
        1-D signal.
    sampling_rate : float
        Samples per second; must exceed twice the highest notched frequency.
    frequency : float
        Mains frequency in Hz (50 in Europe, 60 in the Americas; MIT-BIH: 60).
    quality : float
        Quality factor ``frequency / bandwidth`` (30 at 60 Hz: a 2 Hz wide notch).
    harmonics : int
        Notch ``frequency`` and its first ``harmonics - 1`` multiples below Nyquist.

    Raises
    ------
    ValueError
        Non-finite samples, a signal shorter than 1 s, or a sampling rate at or below
        twice ``frequency``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(3600) / 360
    >>> hum = np.sin(2 * np.pi * 60 * t)
    >>> bool(np.abs(signal_notch(hum, 360)[360:-360]).max() < 0.01)
    True
    """
    x = check_signal(signal, sampling_rate, min_duration_s=1.0)
    check_rate(sampling_rate, 2 * frequency, f"a {frequency:g} Hz notch")
    for k in range(1, max(1, harmonics) + 1):
        f0 = k * frequency
        if f0 >= 0.5 * sampling_rate:
            break
        b, a = sps.iirnotch(f0, quality, fs=sampling_rate)
        x = sps.filtfilt(b, a, x)
    return x


def signal_resample(signal: np.ndarray, sampling_rate: float, target_rate: float) -> np.ndarray:
    """Resample by a rational factor with an anti-aliasing polyphase filter.

    Examples
    --------
    >>> import numpy as np
    >>> signal_resample(np.zeros(300), 300, 360).shape
    (360,)
    """
    x = np.asarray(signal, dtype=np.float64)
    if sampling_rate == target_rate:
        return x.copy()
    ratio = Fraction(target_rate / sampling_rate).limit_denominator(1000)
    return sps.resample_poly(x, ratio.numerator, ratio.denominator, axis=0)
