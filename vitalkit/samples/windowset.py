"""The window set: fixed-length windows of records with their labels (record and rhythm tasks).

Beats have :class:`~vitalkit.samples.BeatSet`; everything classified per stretch of signal
(a labelled recording, a rhythm episode, a 10-s segment) uses :class:`WindowSet`:
``windows (n, channels, length)``, ``labels`` either one class index per window
(``task='multiclass'``) or a multi-hot row per window (``task='multilabel'``), and the record
and patient each window comes from (bootstrap and split units). Windows are cut by
:func:`vitalkit.data.windowing.record_windows`.

Examples
--------
>>> import numpy as np
>>> ws = WindowSet(np.zeros((2, 1, 8), np.float32), np.array([[1, 0], [1, 1]], np.float32),
...                np.array(["a", "b"]), np.array(["p", "q"]), np.zeros(2, np.int64),
...                ("afib", "other"), "multilabel", 250.0, ("II",))
>>> ws.class_counts()
{'afib': 2, 'other': 1}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from vitalkit.errors import DataError
from vitalkit.samples.base import SampleSet

TASKS = ("multiclass", "multilabel")


@dataclass
class WindowSet(SampleSet):
    """Windows of one split.

    Attributes
    ----------
    windows : np.ndarray
        ``(n, channels, length)`` float32 in physical units.
    labels : np.ndarray
        ``(n,)`` int64 class index (multiclass) or ``(n, K)`` float32 multi-hot (multilabel).
    record, patient : np.ndarray
        Source record and patient of each window (str).
    start : np.ndarray
        First sample of each window in the (resampled) record.
    classes : tuple of str
        Class (label) names.
    task : {'multiclass', 'multilabel'}
        How ``labels`` are coded.
    sampling_rate : float
        Samples per second.
    channels : tuple of str
        Channel names.
    """

    ARRAYS: ClassVar[tuple[str, ...]] = ("windows", "labels", "record", "patient", "start")
    KIND: ClassVar[str] = "windows"
    NOUN: ClassVar[str] = "window"

    windows: np.ndarray
    labels: np.ndarray
    record: np.ndarray
    patient: np.ndarray
    start: np.ndarray
    classes: tuple[str, ...]
    task: str
    sampling_rate: float
    channels: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError("windows", f"task must be one of {TASKS}, not {self.task!r}")

    def inputs(self) -> tuple[np.ndarray]:
        """Model inputs in call order: the windows."""
        return (self.windows,)

    def _header(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "classes": list(self.classes),
            "task": self.task,
            "sampling_rate": self.sampling_rate,
            "channels": list(self.channels),
        }

    @classmethod
    def _from_header(cls, meta: dict[str, Any]) -> dict[str, Any]:
        return {
            "classes": tuple(meta.pop("classes")),
            "task": meta.pop("task"),
            "sampling_rate": float(meta.pop("sampling_rate")),
            "channels": tuple(meta.pop("channels")),
        }
