"""Samples: the beat and window sets models are trained on, their scaling and their folder.

One layer between the records (:mod:`vitalkit.data`) and what builds samples from them
(:mod:`vitalkit.beats`, :mod:`vitalkit.datasets`): :class:`SampleSet` and its two kinds,
:class:`BeatSet` and :class:`WindowSet`; the scalers fitted on the training split
(:class:`BeatScaler`, :func:`window_scaler`); and :class:`SampleFolder`, the only code that
knows the preprocessing stage's file names.

Examples
--------
>>> from vitalkit.samples import SampleSet
>>> sorted(SampleSet.KINDS)
['beats', 'windows']
"""

from __future__ import annotations

from vitalkit.samples.base import SampleSet
from vitalkit.samples.beatset import RR_FEATURES, BeatSet
from vitalkit.samples.folder import SampleFolder, load_sampling_rate, load_scaler, load_split
from vitalkit.samples.scaling import BeatScaler, window_center, window_scaler
from vitalkit.samples.windowset import WindowSet

__all__ = [
    "RR_FEATURES",
    "BeatScaler",
    "BeatSet",
    "SampleFolder",
    "SampleSet",
    "WindowSet",
    "load_sampling_rate",
    "load_scaler",
    "load_split",
    "window_center",
    "window_scaler",
]
