"""Recovering a uniform sampling grid from timestamps (CSV time columns, serial logs).

Devices stamp samples with a clock that is quantized (``millis()`` has 1 ms steps, so a
360 Hz stream reads 3, 3, 2, 3 ... ms apart), jitters, drifts a little against its nominal
rate and skips samples. :func:`fit_sample_grid` assigns every sample to its slot
``k = round((t - t0) / step)`` on a uniform grid fitted by least squares to the timestamps
(on doubling stretches, so that the step is exact enough for the whole record), so
quantization and jitter of up to half a sample period put each sample in its true slot,
and missing samples show up as skipped slots.

Examples
--------
>>> import numpy as np
>>> t = np.round(np.arange(3600) / 360 * 1000) / 1000   # 360 Hz stamped in whole ms
>>> t = np.delete(t, [1000, 1001])                      # two samples lost
>>> grid = fit_sample_grid(t)
>>> round(grid.rate, 3), grid.missing, round(grid.max_residual / grid.step, 2)
(360.0, 2, 0.16)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SampleGrid:
    """Slots of timestamped samples on a uniform grid.

    Attributes
    ----------
    slots : np.ndarray
        Slot index of each sample (int64, starting at 0, non-decreasing).
    step : float
        Grid step (seconds per sample), least-squares fit of the timestamps on the slots.
    start : float
        Time of slot 0.
    residuals : np.ndarray
        ``t - (start + slots * step)`` per sample.
    """

    slots: np.ndarray
    step: float
    start: float
    residuals: np.ndarray

    @property
    def rate(self) -> float:
        """Sampling rate of the grid (1 / step)."""
        return 1.0 / self.step

    @property
    def missing(self) -> int:
        """Number of empty slots between the first and last sample."""
        occupied = 1 + np.count_nonzero(np.diff(self.slots))  # slots never decrease
        return int(self.slots[-1] + 1 - occupied)

    @property
    def collisions(self) -> np.ndarray:
        """Indices of samples that fall into the same slot as the sample before them."""
        return np.flatnonzero(np.diff(self.slots) == 0) + 1

    @property
    def max_residual(self) -> float:
        """Largest distance of a timestamp from its slot, in seconds."""
        return float(np.abs(self.residuals).max())


def fit_sample_grid(times: np.ndarray) -> SampleGrid:
    """Fit a uniform grid to increasing timestamps (seconds).

    Parameters
    ----------
    times : np.ndarray
        Strictly increasing timestamps in seconds, at least 2.

    Raises
    ------
    ValueError
        Fewer than 2 timestamps, or timestamps that do not increase.
    """
    t = np.asarray(times, dtype=np.float64)
    if t.size < 2:
        raise ValueError("at least 2 timestamps are needed")
    dt = np.diff(t)
    if not np.all(np.isfinite(t)) or np.any(dt <= 0):
        raise ValueError("timestamps must be finite and strictly increasing")
    # First guess: the median over 256-interval windows (robust to gaps; jitter and clock
    # quantization move one window's estimate by less than a period / 256, whereas a mean of
    # "regular" single intervals is biased: a late sample makes one long interval, left out
    # as a gap, and one short one, kept). A small error in the step adds up along the record,
    # so fit the grid on a stretch short enough for the error to stay below a fraction of a
    # period, then on one twice as long with the better step, and so on.
    w = min(256, t.size - 1)
    step = float(np.median((t[w:] - t[:-w]) / w))
    head = t[t - t[0] <= 64 * step]
    start = float(
        t[0] + np.mean((head - t[0]) - np.round((head - t[0]) / step) * step)
    )  # not t[0]'s own jitter
    span = 64 * step
    while True:
        inside = t - t[0] <= span
        slots = np.round((t[inside] - start) / step)
        if slots[-1] > slots[0]:
            step, start = np.polyfit(slots, t[inside], 1)
        if inside.all():
            break
        span *= 2
    slots = np.round((t - start) / step).astype(np.int64)
    start += slots[0] * step
    slots -= slots[0]
    residuals = t - (start + slots * step)
    return SampleGrid(slots=slots, step=float(step), start=float(start), residuals=residuals)


def clean_rate(rate: float, tolerance: float = 1e-3) -> float:
    """Round a measured rate to whole hertz when within ``tolerance`` (relative) of it.

    Examples
    --------
    >>> clean_rate(359.9996), clean_rate(249.5)
    (360.0, 249.5)
    """
    nearest = float(round(rate))
    return nearest if nearest > 0 and abs(rate - nearest) <= tolerance * rate else float(rate)
