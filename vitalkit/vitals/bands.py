"""Banded score tables (the charts of NEWS2, MEWS and similar early warning scores).

Published charts list bands in the chart's resolution: whole numbers for rates, pressures
and saturations (``9-11``, ``12-20``), tenths for temperature (``35.1-36.0``). Monitors
and the Challenge data hold fractional values (``HR 93.5``) that fall between two printed
bands, so a value is first rounded half up to the chart's resolution and then looked up;
rounding is done on integers (tenths times ten) so that no floating-point error moves a
value across a boundary.

Examples
--------
>>> import numpy as np
>>> rr = BandTable("RR", upper=(8, 11, 20, 24), points=(3, 1, 0, 2, 3))
>>> rr.score(np.array([8, 9, 11.4, 11.5, 20, 21, 25, np.nan])).tolist()
[3.0, 1.0, 1.0, 0.0, 0.0, 2.0, 3.0, nan]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BandTable:
    """Points by band of one parameter.

    Attributes
    ----------
    name : str
        Parameter name.
    upper : tuple of float
        Inclusive upper limit of every band but the last, increasing, in the chart's units.
    points : tuple of int
        Points of each band (``len(upper) + 1``).
    resolution : float
        Step of the printed chart (1 or 0.1); values are rounded half up to it first.
    """

    name: str
    upper: tuple[float, ...]
    points: tuple[int, ...]
    resolution: float = 1.0

    def __post_init__(self) -> None:
        if len(self.points) != len(self.upper) + 1:
            raise ValueError(f"{self.name}: {len(self.points)} points for {len(self.upper) + 1} bands")
        if any(b <= a for a, b in zip(self.upper, self.upper[1:], strict=False)):
            raise ValueError(f"{self.name}: band limits must increase")

    def steps(self, values: np.ndarray) -> np.ndarray:
        """Values rounded half up to the resolution, as integer multiples of it (float, NaN kept)."""
        v = np.asarray(values, dtype=np.float64)
        return np.floor(np.round(v / self.resolution, 6) + 0.5)

    def score(self, values: np.ndarray) -> np.ndarray:
        """Points for each value (NaN where the value is missing)."""
        steps = self.steps(values)
        limits = np.round(np.asarray(self.upper) / self.resolution)
        idx = np.searchsorted(limits, np.nan_to_num(steps, nan=0.0), side="left")
        return np.where(np.isnan(steps), np.nan, np.asarray(self.points, dtype=np.float64)[idx])

    def rows(self) -> list[tuple[str, int]]:
        """The table as printed: ``[('<=8', 3), ('9-11', 1), ...]`` (for reports and tests).

        Examples
        --------
        >>> BandTable("T", (35.0, 36.0), (3, 1, 0), 0.1).rows()
        [('<=35.0', 3), ('35.1-36.0', 1), ('>=36.1', 0)]
        """
        digits = 0 if self.resolution >= 1 else 1
        fmt = f"{{:.{digits}f}}"
        lows = [None, *[u + self.resolution for u in self.upper]]
        highs = [*self.upper, None]
        out = []
        for lo, hi, p in zip(lows, highs, self.points, strict=True):
            if lo is None:
                text = "<=" + fmt.format(hi)
            elif hi is None:
                text = ">=" + fmt.format(lo)
            else:
                text = fmt.format(lo) + "-" + fmt.format(hi)
            out.append((text, p))
        return out


def _assume_normal(points: np.ndarray) -> np.ndarray:
    return np.nansum(points, axis=1)


def _strict(points: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(points).any(axis=1), np.nan, np.nansum(points, axis=1))


MISSING_POLICIES = {"assume_normal": _assume_normal, "strict": _strict}
"""How an aggregate score treats a parameter with no value (after the limited forward fill):

``'assume_normal'``
    the parameter scores 0, as if normal (the convention of most retrospective early
    warning studies and what a chart with an empty box implies); the count of missing
    parameters is reported beside the score, so the assumption stays visible.
``'strict'``
    the aggregate is missing (NaN) unless every parameter has a value.
"""


def aggregate_points(points: np.ndarray, missing: str = "assume_normal") -> np.ndarray:
    """Sum sub-scores ``(n, n_parameters)`` into an aggregate under a missing-value policy.

    Examples
    --------
    >>> p = np.array([[1.0, np.nan], [2.0, 3.0]])
    >>> aggregate_points(p).tolist(), aggregate_points(p, "strict").tolist()
    ([1.0, 5.0], [nan, 5.0])
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {sorted(MISSING_POLICIES)}, not {missing!r}")
    return MISSING_POLICIES[missing](np.asarray(points, dtype=np.float64))
