"""The beat set: morphology windows, beat features and labels of the beats of one split.

Built by :func:`vitalkit.beats.dataset.build_beat_dataset` (records, R peaks and AAMI labels),
saved and read by :class:`~vitalkit.samples.SampleFolder`.

Examples
--------
>>> import numpy as np
>>> beats = BeatSet(np.zeros((2, 1, 8), np.float32), np.ones((2, 4), np.float32), np.array([0, 1]),
...                 np.array(["100", "100"]), np.array([360, 720]), np.array(["N", "A"]),
...                 ("N", "S"), 360.0, 0.25)
>>> beats.feature_names, beats.class_counts()
(['rr_pre', 'rr_post', 'rr_local', 'rr_record'], {'N': 1, 'S': 1})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vitalkit.data import mitdb
from vitalkit.errors import DataError
from vitalkit.samples.base import SampleSet

RR_FEATURES: tuple[str, ...] = ("rr_pre", "rr_post", "rr_local", "rr_record")
"""Names of the first four beat features, the RR features in seconds: previous, next, local
mean (the ``local_beats`` intervals up to and including this beat's) and the mean over the
whole record (computed by :func:`vitalkit.beats.segment.rr_features`)."""


@dataclass
class BeatSet(SampleSet):
    """Beats of one split: morphology windows, RR features and labels.

    Attributes
    ----------
    windows : np.ndarray
        ``(n, channels, window_length)`` float32, filtered ECG in mV around each R peak.
    rr : np.ndarray
        ``(n, k)`` float32 beat features (``meta['rr_features']`` names them): the 4 RR
        features in seconds (:data:`RR_FEATURES`) first, then, with ``features='transfer'``,
        the patient-normalised table of :mod:`vitalkit.beats.features`.
    labels : np.ndarray
        ``(n,)`` int64 index into ``classes``.
    record, symbol : np.ndarray
        Record name and original annotation symbol of each beat (str).
    sample : np.ndarray
        R-peak sample index in the (resampled) record.
    classes : tuple of str
        Class names.
    sampling_rate : float
        Sampling rate of the windows.
    before_s : float
        Seconds of window before the R peak.
    channels : tuple of str
        Name of each window channel: the lead, then context channels such as
        ``'MLII:template'`` (see :func:`vitalkit.beats.dataset.record_beats`).
    """

    ARRAYS: ClassVar[tuple[str, ...]] = ("windows", "rr", "labels", "record", "sample", "symbol")
    KIND: ClassVar[str] = "beats"
    NOUN: ClassVar[str] = "beat"

    windows: np.ndarray
    rr: np.ndarray
    labels: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    symbol: np.ndarray
    classes: tuple[str, ...]
    sampling_rate: float
    before_s: float
    channels: tuple[str, ...] = (mitdb.LEAD,)
    meta: dict[str, Any] = field(default_factory=dict)

    task = "multiclass"

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs in call order: windows, RR features."""
        return self.windows, self.rr

    @property
    def feature_names(self) -> list[str]:
        """Names of the columns of :attr:`rr`."""
        return list(self.meta.get("rr_features", RR_FEATURES))

    def _header(self) -> dict[str, Any]:
        # no "kind" key: files without one are beat sets (as written before window sets existed)
        return {
            "classes": list(self.classes),
            "sampling_rate": self.sampling_rate,
            "before_s": self.before_s,
            "channels": list(self.channels),
            "rr_features": self.feature_names,
        }

    @classmethod
    def _from_header(cls, meta: dict[str, Any]) -> dict[str, Any]:
        return {
            "classes": tuple(meta.pop("classes")),
            "sampling_rate": float(meta.pop("sampling_rate")),
            "before_s": float(meta.pop("before_s")),
            "channels": tuple(meta.pop("channels")),
        }

    @classmethod
    def _check(cls, path: Path, arrays: dict[str, np.ndarray]) -> None:
        if arrays["windows"].ndim != 3:
            raise DataError(path, f"windows must be (n, channels, length), not {arrays['windows'].shape}")
