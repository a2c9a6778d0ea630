"""Fixed-length windows of records with their labels: the dataset of record and rhythm tasks.

Beats have :class:`~vitalkit.beats.BeatSet`; everything classified per stretch of signal
(a labelled recording, a rhythm episode, a 10-s segment) uses :class:`WindowSet`:
``windows (n, channels, length)``, ``labels`` either one class index per window
(``task='multiclass'``) or a multi-hot row per window (``task='multilabel'``), and the record
and patient each window comes from (bootstrap and split units).

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Record
>>> rec = Record("r1", np.random.default_rng(0).normal(size=(2500, 1)), 250.0, ["II"], ["mV"],
...              patient_id="p1", labels=["afib"])
>>> w, starts = record_windows(rec, window_s=4.0, stride_s=2.0, bandpass=None)
>>> w.shape, starts.tolist()
((4, 1, 1000), [0, 500, 1000, 1500])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.io import save_npz
from vitalkit.signal.filters import ecg_bandpass, signal_resample

TASKS = ("multiclass", "multilabel")
_ARRAYS = ("windows", "labels", "record", "patient", "start")


@dataclass
class WindowSet:
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

    def __len__(self) -> int:
        return int(self.windows.shape[0])

    def inputs(self) -> tuple[np.ndarray]:
        """Model inputs in call order: the windows."""
        return (self.windows,)

    def class_counts(self) -> dict[str, int]:
        """Windows per class (multilabel: windows carrying each label)."""
        # multi-hot rows (multilabel) or class indices (multiclass): told by the labels' shape
        if self.labels.ndim == 2:
            counts = self.labels.sum(axis=0) if len(self) else np.zeros(len(self.classes))
        else:
            counts = np.bincount(self.labels, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}

    def _like(self, arrays: dict[str, np.ndarray]) -> WindowSet:
        return WindowSet(
            **arrays,
            classes=self.classes,
            task=self.task,
            sampling_rate=self.sampling_rate,
            channels=self.channels,
            meta=dict(self.meta),
        )

    def subset(self, mask: np.ndarray) -> WindowSet:
        """The windows where ``mask`` is true."""
        return self._like({name: getattr(self, name)[mask] for name in _ARRAYS})

    @classmethod
    def concatenate(cls, parts: Sequence[WindowSet], like: WindowSet) -> WindowSet:
        """Concatenate sets shaped like ``like`` (an empty list gives an empty set)."""
        if not parts:
            return like.subset(np.zeros(len(like), dtype=bool))
        return like._like({name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS})

    def save(self, path: str | Path) -> None:
        """Write to ``.npz`` atomically."""
        meta = {
            "kind": "windows",
            "classes": list(self.classes),
            "task": self.task,
            "sampling_rate": self.sampling_rate,
            "channels": list(self.channels),
            **self.meta,
        }
        save_npz(path, **{n: getattr(self, n) for n in _ARRAYS}, meta=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, path: str | Path) -> WindowSet:
        """Read a set written by :meth:`save`, naming the file on any problem."""
        path = Path(path)
        if not path.is_file():
            raise DataError(path, "window dataset file not found (did the preprocessing stage run?)")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [k for k in (*_ARRAYS, "meta") if k not in data]
                if missing:
                    raise DataError(path, f"not a window dataset: missing arrays {missing}")
                arrays = {n: data[n] for n in _ARRAYS}
                meta = json.loads(str(data["meta"]))
        except (OSError, ValueError) as exc:
            raise DataError(path, f"cannot be read as .npz ({exc})") from None
        meta.pop("kind", None)
        return cls(
            **arrays,
            classes=tuple(meta.pop("classes")),
            task=meta.pop("task"),
            sampling_rate=float(meta.pop("sampling_rate")),
            channels=tuple(meta.pop("channels")),
            meta=meta,
        )


def record_windows(
    record: Record,
    window_s: float,
    stride_s: float,
    target_rate: float | None = None,
    channels: Sequence[str] | None = None,
    bandpass: tuple[float, float] | None = (0.5, 40.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a record into windows ``(m, channels, length)`` and return them with their start samples.

    Each channel is band-passed (unless ``bandpass`` is None), then resampled to
    ``target_rate``. A record shorter than one window gives one window, zero-padded at the end
    (the padding is reported in the record's summary by the caller).

    Raises
    ------
    DataError
        Non-finite samples, a channel that does not exist, or a sampling rate too low for the
        band-pass.
    """
    names = list(channels) if channels else list(record.channel_names)
    fs = float(record.sampling_rate)
    rate = float(target_rate or fs)
    columns = []
    for name in names:
        x = record.channel(name)
        try:
            if bandpass is not None:
                x = ecg_bandpass(x, fs, *bandpass)
            elif not np.isfinite(x).all():
                raise ValueError(f"{int((~np.isfinite(x)).sum())} non-finite samples")
        except ValueError as exc:
            raise DataError(record.source or record.name, f"channel {name}: {exc}") from None
        columns.append(signal_resample(x, fs, rate) if rate != fs else np.asarray(x, dtype=np.float64))
    signal = np.stack(columns, axis=0).astype(np.float32)
    length = round(window_s * rate)
    stride = max(round(stride_s * rate), 1)
    if signal.shape[1] < length:
        signal = np.pad(signal, ((0, 0), (0, length - signal.shape[1])))
    starts = np.arange(0, signal.shape[1] - length + 1, stride, dtype=np.int64)
    index = starts[:, None] + np.arange(length)[None, :]
    return np.ascontiguousarray(signal[:, index].transpose(1, 0, 2)), starts


def window_scaler(windows: np.ndarray, window_scaling: str = "global") -> dict[str, Any]:
    """Per-channel scale of training windows (median-centred), in the scaler format models use."""
    from vitalkit.beats.scaler import window_center

    if window_scaling not in ("global", "per_beat"):
        raise DataError("window_scaling", f"must be 'global' or 'per_beat', not {window_scaling!r}")
    if len(windows) == 0:
        raise DataError("windows", "cannot fit a scaler on an empty training set")
    scale = (windows - window_center(windows)).std(axis=(0, 2)).astype(np.float64)
    scale[scale == 0] = 1.0
    return {"window_scaling": window_scaling, "window_scale": scale.tolist(), "rr_mean": [], "rr_scale": []}
