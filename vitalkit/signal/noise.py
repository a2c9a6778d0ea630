"""Real ECG noise (MIT-BIH Noise Stress Test Database) and SNRs defined as ``nst`` does.

Noise types (``kind``):

``"bw"``, ``"ma"``, ``"em"``
    Real baseline wander, muscle artifact and electrode motion from the MIT-BIH Noise Stress
    Test Database, read by :func:`vitalkit.data.nstdb.nstdb_noise` (em recovered from the
    test record 118e00 where the ``em`` record is absent).
``"pl"``
    **Synthetic** powerline interference (not from NSTDB, which has none): 60 Hz with a
    slowly varying amplitude and phase and a 10 % third harmonic, seeded.

SNR follows the ``nst`` manual (WFDB Applications Guide, "Signal-to-noise ratios"):
``SNR = 10 log10(S / N)`` with the signal power ``S = A**2 / 8``, ``A`` the mean
peak-to-peak amplitude of (up to 300) normal QRS complexes measured from 50 ms before to
50 ms after the annotation, the largest and smallest 5 % discarded; and the noise power
``N = n**2``, ``n`` the mean over one-second chunks of the RMS difference between the noise
and the chunk's mean, largest and smallest 5 % discarded. Because the per-second mean is
removed, very slow drift counts less than its raw power, as nst intends.

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.noise import nst_noise_power
>>> rng = np.random.default_rng(0)
>>> round(nst_noise_power(rng.normal(0, 0.1, 3600), 360), 3)  # white noise, SD 0.1
0.01
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from vitalkit.signal.filters import check_signal

NOISE_KINDS: tuple[str, ...] = ("bw", "ma", "em", "pl")
"""Noise types: NSTDB baseline wander, muscle artifact, electrode motion; synthetic powerline."""


def synthetic_powerline(
    n_samples: int, sampling_rate: float, frequency: float = 60.0, seed: int = 0
) -> np.ndarray:
    """SYNTHETIC mains interference: unit-amplitude hum with drifting level and phase.

    The amplitude wanders by about 30 % and the phase by about one radian over tens of
    seconds (smoothed random walks, seeded); a third harmonic at 10 % is added if below
    Nyquist.

    Examples
    --------
    >>> hum = synthetic_powerline(3600, 360, seed=1)
    >>> hum.shape, bool(0.5 < hum.std() < 1.0)
    ((3600,), True)
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / sampling_rate
    k = max(1, round(5 * sampling_rate))
    smooth = np.ones(k) / k

    def walk(scale: float) -> np.ndarray:
        steps = rng.normal(0, scale / np.sqrt(sampling_rate), n_samples + k)
        return np.convolve(np.cumsum(steps), smooth, mode="valid")[:n_samples]

    amplitude = 1 + 0.3 * np.tanh(walk(0.3))
    phase = walk(0.4)
    hum = amplitude * np.sin(2 * np.pi * frequency * t + phase)
    if 3 * frequency < sampling_rate / 2:
        hum += 0.1 * amplitude * np.sin(2 * np.pi * 3 * frequency * t + 3 * phase)
    return hum


def nst_signal_power(
    signal: np.ndarray, sampling_rate: float, beats: np.ndarray, max_beats: int = 300
) -> float:
    """QRS-based signal power ``S = A**2 / 8`` (nst / sigamp, see the module docstring).

    Parameters
    ----------
    signal : np.ndarray
        1-D clean ECG.
    sampling_rate : float
        Samples per second.
    beats : np.ndarray
        Sample indices of normal QRS complexes (annotations); the first ``max_beats`` that
        lie 50 ms inside the signal are measured.

    Raises
    ------
    ValueError
        Fewer than 3 beats inside the signal, or a flat signal (power 0: SNR undefined).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(3600); x[[360, 1080, 1800, 2520]] = 2.0  # 2 mV spikes
    >>> nst_signal_power(x, 360, np.array([360, 1080, 1800, 2520]))
    0.5
    """
    x = check_signal(signal, sampling_rate)
    half = round(0.05 * sampling_rate)
    b = np.asarray(beats, dtype=np.int64)
    b = b[(b >= half) & (b < x.size - half)][:max_beats]
    if b.size < 3:
        raise ValueError(f"{b.size} QRS complexes inside the signal: at least 3 are needed for its power")
    windows = x[b[:, None] + np.arange(-half, half + 1)[None, :]]
    amplitude = stats.trim_mean(np.ptp(windows, axis=1), 0.05)
    if amplitude <= 0:
        raise ValueError("the signal is flat around its QRS complexes: its power is 0 and SNR is undefined")
    return float(amplitude**2 / 8)


def nst_noise_power(noise: np.ndarray, sampling_rate: float, max_seconds: int = 300) -> float:
    """Noise power ``N = n**2`` from one-second chunks (nst / sigamp, see the module docstring).

    Raises
    ------
    ValueError
        Non-finite samples or less than one second of noise.

    Examples
    --------
    >>> import numpy as np
    >>> nst_noise_power(np.full(720, 3.0), 360)   # a constant offset is no noise
    0.0
    """
    x = check_signal(noise, sampling_rate, min_duration_s=1.0)
    fs = round(sampling_rate)
    n_chunks = min(x.size // fs, max_seconds)
    chunks = x[: n_chunks * fs].reshape(n_chunks, fs)
    rms = np.sqrt(((chunks - chunks.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
    return float(stats.trim_mean(rms, 0.05) ** 2)


def noise_gain(signal_power: float, noise: np.ndarray, sampling_rate: float, snr_db: float) -> float:
    """Gain ``a`` such that ``10 log10(S / (N a**2)) = snr_db`` (nst's equation).

    Raises
    ------
    ValueError
        The noise has no power (a flat segment cannot be scaled to an SNR).

    Examples
    --------
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(size=3600)
    >>> a = noise_gain(1.0, noise, 360, 20.0)
    >>> round(float(10 * np.log10(1.0 / nst_noise_power(a * noise, 360))), 6)
    20.0
    """
    power = nst_noise_power(noise, sampling_rate)
    if power <= 0:
        raise ValueError("the noise segment is flat: it cannot be scaled to an SNR")
    return float(np.sqrt(signal_power / (power * 10 ** (snr_db / 10))))


def snr_db(clean: np.ndarray, processed: np.ndarray, sampling_rate: float, signal_power: float) -> float:
    """SNR of ``processed`` against ``clean`` in dB, nst's definition (noise = difference).

    Returns ``inf`` when the two are equal.

    Raises
    ------
    ValueError
        Different lengths or non-finite samples.

    Examples
    --------
    >>> import numpy as np
    >>> clean = np.zeros(3600)
    >>> noisy = clean + np.random.default_rng(0).normal(0, 0.1, 3600)
    >>> round(snr_db(clean, noisy, 360, signal_power=1.0))
    20
    """
    a = check_signal(clean, sampling_rate)
    b = check_signal(processed, sampling_rate)
    if a.size != b.size:
        raise ValueError(f"clean ({a.size}) and processed ({b.size}) signals differ in length")
    power = nst_noise_power(b - a, sampling_rate)
    return float("inf") if power == 0 else float(10 * np.log10(signal_power / power))
