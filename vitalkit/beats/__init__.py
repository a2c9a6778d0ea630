"""Beats: R-peak detection, beat windows, RR features and building beat sets from records.

Examples
--------
>>> import numpy as np
>>> from vitalkit.beats import rr_features
>>> rr_features(np.array([0, 360, 720, 1080]), 360.0)[:, 0].tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from vitalkit.beats import benchmark, consensus
from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.beats.detect import DEFAULT_DETECTOR, DETECTORS, ecg_rpeaks, match_peaks
from vitalkit.beats.figures import class_counts_figure, mean_beats_figure
from vitalkit.beats.segment import beat_windows, rr_features
from vitalkit.lazy import lazy_submodules

# the noise stress test (NSTDB noise, denoisers, detection under noise) is imported on first use
__getattr__ = lazy_submodules(__name__, ("noise_stress",))

__all__ = [
    "DEFAULT_DETECTOR",
    "DETECTORS",
    "beat_windows",
    "benchmark",
    "build_beat_dataset",
    "class_counts_figure",
    "consensus",
    "ecg_rpeaks",
    "match_peaks",
    "mean_beats_figure",
    "noise_stress",
    "rr_features",
]
