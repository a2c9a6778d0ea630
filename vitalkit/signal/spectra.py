"""Spectra (Welch) and short-time Fourier time-frequency maps (SciPy).

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.spectra import signal_welch
>>> t = np.arange(36000) / 360
>>> psd = signal_welch(np.sin(2 * np.pi * 60 * t), 360)
>>> float(psd["frequency_hz"][psd["power"].idxmax()])
60.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal as sps

from vitalkit.signal.filters import check_signal


@dataclass
class TimeFrequency:
    """A time-frequency map.

    Attributes
    ----------
    frequencies : np.ndarray
        Hz, one per row of ``power``.
    times : np.ndarray
        Seconds, one per column of ``power``.
    power : np.ndarray
        ``(n_frequencies, n_times)`` power (squared magnitude).
    method : str
        How it was computed (for titles).
    """

    frequencies: np.ndarray
    times: np.ndarray
    power: np.ndarray
    method: str


def _segment(x: np.ndarray, sampling_rate: float, window_s: float) -> int:
    if not window_s > 0:
        raise ValueError(f"window_s must be positive, got {window_s!r}")
    nperseg = round(window_s * sampling_rate)
    if nperseg < 8:
        raise ValueError(
            f"a {window_s:g} s window at {sampling_rate:g} Hz has {nperseg} samples; "
            "at least 8 are needed (use a longer window or a higher sampling rate)"
        )
    return min(nperseg, x.size)


def signal_welch(
    signal: np.ndarray,
    sampling_rate: float,
    window_s: float = 4.0,
    overlap: float = 0.5,
    detrend: str = "constant",
) -> pd.DataFrame:
    """Power spectral density by Welch's method (Hann windows).

    Parameters
    ----------
    signal : np.ndarray
        1-D signal.
    sampling_rate : float
        Samples per second.
    window_s : float
        Segment length in s (4 s: 0.25 Hz resolution); shortened to the signal.
    overlap : float
        Fraction of overlap between segments, in [0, 1).
    detrend : str
        ``"constant"`` or ``"linear"``, per segment.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency_hz`` and ``power`` (signal units squared per Hz).

    Raises
    ------
    ValueError
        Non-finite samples, a signal or window shorter than 8 samples, or an overlap outside
        [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> psd = signal_welch(np.zeros(720), 360)  # a flat line has no power
    >>> float(psd["power"].max())
    0.0
    """
    x = check_signal(signal, sampling_rate)
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap!r}")
    if x.size < 8:
        raise ValueError(f"signal too short for a spectrum: {x.size} samples < 8")
    nperseg = _segment(x, sampling_rate, window_s)
    freqs, power = sps.welch(
        x, fs=sampling_rate, window="hann", nperseg=nperseg, noverlap=int(overlap * nperseg), detrend=detrend
    )
    return pd.DataFrame({"frequency_hz": freqs, "power": power})


def signal_stft(
    signal: np.ndarray,
    sampling_rate: float,
    window_s: float = 1.0,
    overlap: float = 0.9,
    max_frequency: float | None = None,
) -> TimeFrequency:
    """Short-time Fourier transform power (spectrogram, Hann windows).

    Parameters
    ----------
    signal : np.ndarray
        1-D signal.
    sampling_rate : float
        Samples per second.
    window_s : float
        Window length in s (1 s: 1 Hz resolution, 1 s time smearing).
    overlap : float
        Fraction of overlap between windows, in [0, 1).
    max_frequency : float, optional
        Keep rows up to this frequency (smaller figures).

    Raises
    ------
    ValueError
        Non-finite samples, a window of fewer than 8 samples, or an overlap outside [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(3600) / 360
    >>> tf = signal_stft(np.sin(2 * np.pi * 25 * t), 360)
    >>> float(tf.frequencies[tf.power.mean(axis=1).argmax()])
    25.0
    """
    x = check_signal(signal, sampling_rate)
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap!r}")
    nperseg = _segment(x, sampling_rate, window_s)  # at most the whole signal
    freqs, times, power = sps.spectrogram(
        x, fs=sampling_rate, window="hann", nperseg=nperseg, noverlap=int(overlap * nperseg), mode="psd"
    )
    if max_frequency is not None:
        keep = freqs <= max_frequency
        freqs, power = freqs[keep], power[keep]
    return TimeFrequency(freqs, times, power, f"STFT {window_s:g} s Hann")


def band_power_table(
    signals: dict[str, np.ndarray],
    sampling_rate: float,
    bands: tuple[tuple[float, float], ...] = (
        (0.0, 0.5),
        (0.5, 5.0),
        (5.0, 15.0),
        (15.0, 40.0),
        (40.0, 70.0),
    ),
    window_s: float = 4.0,
) -> pd.DataFrame:
    """Power per frequency band (Welch, mV²) of each signal: where a filter removes power.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(36000) / 360
    >>> table = band_power_table({"hum": np.sin(2 * np.pi * 60 * t)}, 360)
    >>> table.idxmax(axis=1).tolist()
    ['40-70 Hz']
    """
    rows = {}
    for name, x in signals.items():
        psd = signal_welch(x, sampling_rate, window_s=window_s)
        f, p = psd["frequency_hz"].to_numpy(), psd["power"].to_numpy()
        df = f[1] - f[0] if f.size > 1 else 1.0
        rows[name] = {f"{lo:g}-{hi:g} Hz": float(p[(f >= lo) & (f < hi)].sum() * df) for lo, hi in bands}
    return pd.DataFrame(rows).T.round(5)
