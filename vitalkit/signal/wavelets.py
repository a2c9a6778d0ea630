"""Wavelets (PyWavelets): denoising, multi-resolution decomposition, continuous transform.

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.wavelets import signal_dwt_decompose
>>> x = np.random.default_rng(0).normal(size=3600)
>>> dec = signal_dwt_decompose(x, 360, level=4)
>>> dec.names
['A4', 'D4', 'D3', 'D2', 'D1']
>>> bool(np.allclose(dec.components.sum(axis=0), x))  # the components add up to the signal
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pywt

from vitalkit.signal.filters import check_rate, check_signal
from vitalkit.signal.spectra import TimeFrequency


def _check_wavelet(wavelet: str, family: str = "discrete") -> None:
    build = pywt.Wavelet if family == "discrete" else pywt.ContinuousWavelet
    try:
        build(wavelet)
    except (ValueError, TypeError):
        known = ", ".join(pywt.wavelist(kind=family)[:10])
        raise ValueError(f"unknown {family} wavelet {wavelet!r}; e.g. {known}") from None


def _max_level(n: int, wavelet: str) -> int:
    return pywt.dwt_max_level(n, pywt.Wavelet(wavelet).dec_len)


def signal_wavelet_denoise(
    signal: np.ndarray,
    sampling_rate: float,
    wavelet: str = "sym8",
    level: int | None = None,
    threshold: str = "universal",
    mode: str = "soft",
) -> np.ndarray:
    """Wavelet shrinkage denoising (Donoho & Johnstone 1994).

    The detail coefficients of a ``level``-deep DWT are thresholded and the signal
    reconstructed; the approximation is kept. The noise SD is estimated per level from the
    median absolute deviation (``MAD / 0.6745``), so coloured noise such as EMG is handled
    level by level.

    Parameters
    ----------
    signal : np.ndarray
        1-D signal.
    sampling_rate : float
        Samples per second (at least 50 Hz).
    wavelet : str
        Discrete wavelet (``sym8``, ``db4`` ...).
    level : int, optional
        Decomposition depth. Default: the levels whose detail bands lie above about 11 Hz
        (4 at 360 Hz), which leaves the P and T waves and most QRS energy in the
        approximation.
    threshold : str
        ``"universal"`` (``sigma * sqrt(2 ln n)``) or ``"minimax"`` (Donoho's minimax
        threshold, milder).
    mode : str
        ``"soft"`` or ``"hard"`` thresholding.

    Raises
    ------
    ValueError
        Unknown wavelet, threshold or mode, non-finite samples, fewer than 64 samples or
        a sampling rate of 50 Hz or less.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(3600) / 360
    >>> clean = np.sin(2 * np.pi * 1.2 * t)
    >>> noisy = clean + np.random.default_rng(0).normal(0, 0.2, t.size)
    >>> out = signal_wavelet_denoise(noisy, 360)
    >>> bool(np.std(out - clean) < 0.5 * np.std(noisy - clean))
    True
    """
    if threshold not in _THRESHOLDS:
        raise ValueError(f"unknown threshold {threshold!r}; known: {sorted(_THRESHOLDS)}")
    if mode not in ("soft", "hard"):
        raise ValueError(f"mode must be 'soft' or 'hard', got {mode!r}")
    _check_wavelet(wavelet)
    x = check_signal(signal, sampling_rate)
    check_rate(sampling_rate, 50.0, "wavelet denoising")
    if x.size < 64:
        raise ValueError(f"signal too short for wavelet denoising: {x.size} samples < 64")
    if level is None:
        level = max(1, int(np.floor(np.log2(sampling_rate / 22.5))))
    level = max(1, min(int(level), _max_level(x.size, wavelet)))
    coeffs = pywt.wavedec(x, wavelet, level=level, mode="symmetric")
    for i in range(1, len(coeffs)):
        d = coeffs[i]
        sigma = np.median(np.abs(d - np.median(d))) / 0.6745
        value = _THRESHOLDS[threshold](sigma, x.size)
        if value > 0:  # a zero threshold keeps the band (pywt's soft mode would give 0/0 on zeros)
            coeffs[i] = pywt.threshold(d, value, mode=mode)
    return pywt.waverec(coeffs, wavelet, mode="symmetric")[: x.size]


def _universal(sigma: float, n: int) -> float:
    return sigma * np.sqrt(2 * np.log(n))


def _minimax(sigma: float, n: int) -> float:
    return sigma * (0.3936 + 0.1829 * np.log2(n)) if n > 32 else 0.0


_THRESHOLDS = {"universal": _universal, "minimax": _minimax}


@dataclass
class WaveletDecomposition:
    """Additive multi-resolution decomposition of a signal.

    Attributes
    ----------
    components : np.ndarray
        ``(level + 1, n)``: the approximation, then details from coarse to fine; they sum
        to the signal.
    names : list of str
        ``['A<level>', 'D<level>', ..., 'D1']``.
    bands_hz : list of tuple
        Nominal frequency band of each component.
    sampling_rate : float
        Samples per second.
    """

    components: np.ndarray
    names: list[str]
    bands_hz: list[tuple[float, float]]
    sampling_rate: float

    def table(self) -> pd.DataFrame:
        """Band and share of the signal's energy per component (%, they need not add to 100)."""
        energy = (self.components**2).sum(axis=1)
        total = float((self.components.sum(axis=0) ** 2).sum()) or 1.0
        return pd.DataFrame(
            {
                "band low Hz": [round(b[0], 2) for b in self.bands_hz],
                "band high Hz": [round(b[1], 2) for b in self.bands_hz],
                "energy %": np.round(100 * energy / total, 2),
            },
            index=pd.Index(self.names, name="component"),
        )


def signal_dwt_decompose(
    signal: np.ndarray,
    sampling_rate: float,
    wavelet: str = "db4",
    level: int = 6,
) -> WaveletDecomposition:
    """Discrete-wavelet multi-resolution analysis (``pywt.mra``, DWT, additive).

    Detail ``Dj`` covers about ``fs / 2**(j+1)`` to ``fs / 2**j`` Hz; at 360 Hz, D3 to D5
    (5.6 to 45 Hz) hold the QRS complex, A6 (below 2.8 Hz) baseline wander and T waves.

    Raises
    ------
    ValueError
        Unknown wavelet, non-finite samples, or a signal too short for ``level`` levels.

    Examples
    --------
    >>> import numpy as np
    >>> dec = signal_dwt_decompose(np.ones(1024), 360, level=3)
    >>> dec.table()["band high Hz"].tolist()
    [22.5, 45.0, 90.0, 180.0]
    """
    _check_wavelet(wavelet)
    x = check_signal(signal, sampling_rate)
    level = int(level)
    top = _max_level(x.size, wavelet)
    if not 1 <= level <= top:
        raise ValueError(
            f"level {level} impossible for {x.size} samples with {wavelet!r} (1 to {top}); "
            "use a longer signal or fewer levels"
        )
    parts = pywt.mra(x, wavelet, level=level, transform="dwt", mode="symmetric")
    nyq = sampling_rate / 2
    names = [f"A{level}"] + [f"D{j}" for j in range(level, 0, -1)]
    bands = [(0.0, nyq / 2**level)] + [(nyq / 2**j, nyq / 2 ** (j - 1)) for j in range(level, 0, -1)]
    return WaveletDecomposition(np.asarray(parts)[:, : x.size], names, bands, float(sampling_rate))


def signal_cwt(
    signal: np.ndarray,
    sampling_rate: float,
    frequencies: np.ndarray | None = None,
    wavelet: str = "cmor1.5-1.0",
) -> TimeFrequency:
    """Continuous wavelet transform power (PyWavelets, FFT method) on a frequency grid.

    Parameters
    ----------
    signal : np.ndarray
        1-D signal.
    sampling_rate : float
        Samples per second.
    frequencies : np.ndarray, optional
        Analysis frequencies in Hz (default: 40 log-spaced from 1 Hz to 0.4 ``fs``, at most
        60 Hz).
    wavelet : str
        Continuous wavelet; complex Morlet ``cmor<bandwidth>-<centre>`` by default.

    Raises
    ------
    ValueError
        Unknown wavelet, non-finite samples, fewer than 2 samples, or frequencies outside
        (0, Nyquist).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1800) / 360
    >>> tf = signal_cwt(np.sin(2 * np.pi * 10 * t), 360, frequencies=np.array([5.0, 10.0, 20.0]))
    >>> float(tf.frequencies[tf.power.mean(axis=1).argmax()])
    10.0
    """
    _check_wavelet(wavelet, "continuous")
    x = check_signal(signal, sampling_rate)
    if x.size < 2:
        raise ValueError("signal too short for a wavelet transform: fewer than 2 samples")
    if frequencies is None:
        top = min(60.0, 0.4 * sampling_rate)
        if top <= 1.0:
            raise ValueError(
                f"sampling rate {sampling_rate:g} Hz is too low for the default 1 Hz to {top:g} Hz grid"
            )
        frequencies = np.geomspace(1.0, top, 40)
    freqs = np.asarray(frequencies, dtype=np.float64)
    if freqs.size == 0 or np.any(freqs <= 0) or np.any(freqs >= sampling_rate / 2):
        raise ValueError(f"frequencies must lie in (0, {sampling_rate / 2:g}) Hz")
    scales = pywt.frequency2scale(wavelet, freqs / sampling_rate)
    coef, _ = pywt.cwt(x, scales, wavelet, sampling_period=1 / sampling_rate, method="fft")
    times = np.arange(x.size) / sampling_rate
    return TimeFrequency(freqs, times, np.abs(coef) ** 2, "CWT " + wavelet)
