"""Normalization of windows and beat features, fitted on the training split only.

The fitted values travel with the model (they become buffers of its input layer and end
up inside the ONNX graph), so deployed models take windows in mV and RR in seconds.

Examples
--------
>>> import numpy as np
>>> from vitalkit.samples.scaling import BeatScaler
>>> rng = np.random.default_rng(0)
>>> w, rr = rng.normal(0, 2, (100, 1, 50)), rng.uniform(0.6, 1.2, (100, 4))
>>> s = BeatScaler().fit(w, rr)
>>> w2, rr2 = s.transform(w, rr)
>>> round(float(w2.std()), 3), abs(round(float(rr2.mean()), 6))
(1.0, 0.0)

"""

from __future__ import annotations

from typing import Any

import numpy as np

from vitalkit.errors import DataError


def window_center(windows: np.ndarray) -> np.ndarray:
    """Lower median along the last axis, keeping it (the value the model's input layer subtracts).

    Examples
    --------
    >>> window_center(np.array([[[1.0, 5.0, 3.0, 2.0]]])).tolist()
    [[[2.0]]]
    """
    middle = (windows.shape[-1] - 1) // 2
    return np.partition(windows, middle, axis=-1)[..., middle : middle + 1]


def _channel_scale(windows: np.ndarray) -> np.ndarray:
    """Standard deviation per channel of median-centred windows (1 where a channel is flat)."""
    scale = (windows - window_center(windows)).std(axis=(0, 2)).astype(np.float64)
    scale[scale == 0] = 1.0
    return scale


class BeatScaler:
    """Scale windows and standardize RR features (scikit-learn conventions).

    Parameters
    ----------
    window_scaling : {'global', 'per_beat'}
        ``'global'``: subtract each window's median, divide by one scale per channel fitted on
        the training windows (keeps amplitude differences between beats). ``'per_beat'``:
        subtract the median and divide by each window's own standard deviation.
    """

    def __init__(self, window_scaling: str = "global") -> None:
        self.window_scaling = window_scaling

    def fit(self, windows: np.ndarray, rr: np.ndarray) -> BeatScaler:
        """Fit on training windows ``(n, C, L)`` and RR features ``(n, k)``; return self."""
        if self.window_scaling not in ("global", "per_beat"):
            raise ValueError(f"window_scaling must be 'global' or 'per_beat', not {self.window_scaling!r}")
        if len(windows) == 0:
            raise ValueError("cannot fit a scaler on an empty training set")
        if windows.ndim != 3:
            raise ValueError(f"windows must be (n, channels, length), got shape {windows.shape}")
        self.window_scale_ = _channel_scale(windows)
        self.rr_mean_ = rr.mean(axis=0).astype(np.float64)
        self.rr_scale_ = rr.std(axis=0).astype(np.float64)
        self.rr_scale_[self.rr_scale_ == 0] = 1.0
        return self

    def transform(self, windows: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return scaled windows and standardized RR features (float32)."""
        centred = windows - window_center(windows)
        if self.window_scaling == "per_beat":
            scale = centred.std(axis=-1, keepdims=True)
            scale[scale == 0] = 1.0
        else:
            scale = self.window_scale_[None, :, None]
        rr_scaled = (rr - self.rr_mean_) / self.rr_scale_
        return (centred / scale).astype(np.float32), rr_scaled.astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """Fitted state as JSON-ready values."""
        return {
            "window_scaling": self.window_scaling,
            "window_scale": self.window_scale_.tolist(),
            "rr_mean": self.rr_mean_.tolist(),
            "rr_scale": self.rr_scale_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> BeatScaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output."""
        scaler = cls(state["window_scaling"])
        scaler.window_scale_ = np.atleast_1d(np.asarray(state["window_scale"], dtype=np.float64))
        scaler.rr_mean_ = np.asarray(state["rr_mean"], dtype=np.float64)
        scaler.rr_scale_ = np.asarray(state["rr_scale"], dtype=np.float64)
        return scaler


def window_scaler(windows: np.ndarray, window_scaling: str = "global") -> dict[str, Any]:
    """Per-channel scale of training windows (median-centred), in the scaler format models use.

    The window part of :class:`BeatScaler` for sets without beat features (window sets).

    Examples
    --------
    >>> state = window_scaler(np.ones((4, 2, 10)))
    >>> state["window_scale"], state["rr_mean"]
    ([1.0, 1.0], [])
    """
    if window_scaling not in ("global", "per_beat"):
        raise DataError("window_scaling", f"must be 'global' or 'per_beat', not {window_scaling!r}")
    if len(windows) == 0:
        raise DataError("windows", "cannot fit a scaler on an empty training set")
    scale = _channel_scale(windows)
    return {"window_scaling": window_scaling, "window_scale": scale.tolist(), "rr_mean": [], "rr_scale": []}
