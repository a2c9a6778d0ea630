"""Signal processing: filters, baseline removal, powerline cancelling, wavelets, spectra.

Functions follow neurokit2's shape, ``<signal>_<verb>(signal, sampling_rate, method=...)``,
and raise a ValueError saying what is wrong with their input (non-finite samples, too short,
sampling rate too low for the operation) instead of failing inside SciPy or PyWavelets.

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal import ecg_bandpass
>>> x = np.sin(2 * np.pi * 10 * np.arange(3600) / 360)
>>> y = ecg_bandpass(x, 360)
>>> y.shape
(3600,)
"""

from __future__ import annotations

from vitalkit.lazy import lazy_submodules
from vitalkit.signal import baseline, filters, powerline, spectra, wavelets
from vitalkit.signal.baseline import BASELINE_METHODS, ecg_baseline, ecg_baseline_remove
from vitalkit.signal.filters import check_rate, check_signal, ecg_bandpass, signal_notch, signal_resample
from vitalkit.signal.powerline import powerline_cancel
from vitalkit.signal.spectra import TimeFrequency, signal_stft, signal_welch
from vitalkit.signal.wavelets import (
    WaveletDecomposition,
    signal_cwt,
    signal_dwt_decompose,
    signal_wavelet_denoise,
)

_LAZY = ("figures", "noise")


# the heavier sub-modules (figures, noise and SNRs) are imported on first use
__getattr__ = lazy_submodules(__name__, _LAZY)


__all__ = [
    "BASELINE_METHODS",
    "TimeFrequency",
    "WaveletDecomposition",
    "baseline",
    "check_rate",
    "check_signal",
    "ecg_bandpass",
    "ecg_baseline",
    "ecg_baseline_remove",
    "figures",
    "filters",
    "noise",
    "powerline",
    "powerline_cancel",
    "signal_cwt",
    "signal_dwt_decompose",
    "signal_notch",
    "signal_resample",
    "signal_stft",
    "signal_wavelet_denoise",
    "signal_welch",
    "spectra",
    "wavelets",
]
