"""One vital-sign time-series type for every source (Challenge ``.psv``, WFDB numerics, CSV).

A :class:`VitalSeries` is one patient's measurements on a time axis in hours. The early
warning scores read the canonical channels below; any other channel (MAP, labs ...) is kept
under its own name. Missing cells are NaN and the mask of measured cells travels with the
series, so that a forward-filled value is never mistaken for a measurement.

Canonical channels and units:

========  ==========================================================
``HR``    heart (pulse) rate, beats/min
``SpO2``  peripheral oxygen saturation, %
``SBP``   systolic blood pressure, mmHg
``RR``    respiration rate, breaths/min
``Temp``  temperature, °C
``ACVPU`` consciousness code: 0 Alert, 1 new Confusion, 2 Voice, 3 Pain, 4 Unresponsive
``O2``    1 on supplemental oxygen, 0 on air
========  ==========================================================

Examples
--------
>>> import numpy as np, pandas as pd
>>> s = VitalSeries("p1", pd.DataFrame({"HR": [80.0, np.nan, np.nan]}, index=[0.0, 1.0, 2.0]))
>>> s.fill(1.0).values["HR"].tolist(), s.observed["HR"].tolist()
([80.0, 80.0, nan], [True, False, False])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.vitals.missing import forward_fill_limited, hours_since_observed

VITAL_CHANNELS: tuple[str, ...] = ("HR", "SpO2", "SBP", "RR", "Temp", "ACVPU", "O2")
"""Channels the early warning scores read."""

UNITS: dict[str, str] = {
    "HR": "beats/min",
    "SpO2": "%",
    "SBP": "mmHg",
    "RR": "breaths/min",
    "Temp": "degC",
    "ACVPU": "0 A, 1 C, 2 V, 3 P, 4 U",
    "O2": "1 oxygen, 0 air",
}

ACVPU_CODES: dict[str, int] = {"A": 0, "C": 1, "V": 2, "P": 3, "U": 4}
"""Consciousness levels (NEWS2 ACVPU; C = new confusion) and their numeric codes."""


@dataclass
class VitalSeries:
    """One patient's vital signs on a time axis in hours.

    Attributes
    ----------
    patient_id : str
        Patient (stay) identifier.
    values : pandas.DataFrame
        One column per channel, index = time in hours (strictly increasing, finite),
        NaN where nothing is known.
    source : str
        File or record it was read from (named in errors).
    units : dict
        Unit of each channel.
    static : dict
        Per-stay values (age, sex, ...).
    label : np.ndarray, optional
        Outcome label per row (the Challenge's ``SepsisLabel``).
    observed : pandas.DataFrame, optional
        True where a value was measured; defaults to ``values.notna()`` at creation, and is
        kept unchanged by :meth:`fill`.
    """

    patient_id: str
    values: pd.DataFrame
    source: str = ""
    units: dict[str, str] = field(default_factory=dict)
    static: dict[str, Any] = field(default_factory=dict)
    label: np.ndarray | None = None
    observed: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        time = np.asarray(self.values.index, dtype=np.float64)
        if not np.all(np.isfinite(time)):
            raise ValueError(f"patient {self.patient_id}: non-finite times")
        if time.size > 1 and np.any(np.diff(time) <= 0):
            i = int(np.argmax(np.diff(time) <= 0)) + 1
            raise ValueError(
                f"patient {self.patient_id}: time not strictly increasing at row {i} "
                f"({time[i - 1]:g} h then {time[i]:g} h)"
            )
        self.values = self.values.astype(np.float64)
        self.values.index = pd.Index(time, name="time_h")
        if self.observed is None:
            self.observed = self.values.notna()
        if self.label is not None and len(self.label) != len(self.values):
            raise ValueError(
                f"patient {self.patient_id}: {len(self.label)} labels for {len(self.values)} rows"
            )

    def __len__(self) -> int:
        return len(self.values)

    @property
    def time_h(self) -> np.ndarray:
        """Row times in hours."""
        return self.values.index.to_numpy()

    @property
    def channels(self) -> list[str]:
        """Channel names."""
        return list(self.values.columns)

    def fill(self, max_hours: float | dict[str, float]) -> VitalSeries:
        """Limited forward fill (see :func:`~vitalkit.vitals.missing.forward_fill_limited`).

        Parameters
        ----------
        max_hours : float or dict
            Limit for every channel, or ``{channel: hours}`` (channels not named: 0, i.e.
            not filled).
        """
        limits = (
            [float(max_hours.get(c, 0.0)) for c in self.channels]
            if isinstance(max_hours, dict)
            else float(max_hours)
        )
        filled = forward_fill_limited(self.values.to_numpy(), self.time_h, limits)
        return replace(self, values=pd.DataFrame(filled, index=self.values.index, columns=self.channels))

    def hours_since_observed(self) -> pd.DataFrame:
        """Hours since each channel was last measured (NaN before its first measurement)."""
        assert self.observed is not None
        raw = self.values.where(self.observed)
        return pd.DataFrame(
            hours_since_observed(raw.to_numpy(), self.time_h), index=self.values.index, columns=self.channels
        )

    def resample(self, hours: float = 1.0, how: str = "median") -> VitalSeries:
        """Aggregate measured values into bins of ``hours`` (e.g. minute numerics to hourly).

        Bins start at time 0; a bin without a measurement stays NaN. The label (if any) of
        a bin is its maximum.

        Examples
        --------
        >>> s = VitalSeries("p", pd.DataFrame({"HR": [60.0, 70, 90]}, index=[0.0, 0.5, 1.2]))
        >>> s.resample(1.0).values["HR"].tolist()
        [65.0, 90.0]
        """
        assert self.observed is not None
        raw = self.values.where(self.observed)
        bins = np.floor(self.time_h / hours) * hours
        grouped = raw.groupby(bins)
        values = getattr(grouped, how)()
        label = None
        if self.label is not None:
            label = pd.Series(self.label).groupby(bins).max().to_numpy()
        return VitalSeries(self.patient_id, values, self.source, dict(self.units), dict(self.static), label)

    def to_frame(self) -> pd.DataFrame:
        """Long table: ``patient``, ``time_h``, the channels, and ``label`` when present."""
        frame = self.values.reset_index()
        frame.insert(0, "patient", self.patient_id)
        if self.label is not None:
            frame["label"] = self.label
        return frame


def series_to_frame(series: list[VitalSeries]) -> pd.DataFrame:
    """Concatenate several series into one long table (see :meth:`VitalSeries.to_frame`)."""
    return pd.concat([s.to_frame() for s in series], ignore_index=True)
