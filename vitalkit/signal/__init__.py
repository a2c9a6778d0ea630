"""Signal processing: filtering, resampling and baseline removal.

Functions follow neurokit2's shape, ``<signal>_<verb>(signal, sampling_rate, method=...)``.

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

from vitalkit.signal.filters import check_signal, ecg_bandpass, signal_resample

__all__ = ["check_signal", "ecg_bandpass", "signal_resample"]
