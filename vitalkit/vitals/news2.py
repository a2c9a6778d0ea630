"""National Early Warning Score 2 (Royal College of Physicians, 2017), per time point.

Chart (points 3 2 1 0 1 2 3):

=====================  ======  =====  =========  ==========  ==========  ==========  =====
parameter              3       2      1          0           1           2           3
=====================  ======  =====  =========  ==========  ==========  ==========  =====
respiration rate /min  <=8            9-11       12-20                   21-24       >=25
SpO2 scale 1 %         <=91    92-93  94-95      >=96
SpO2 scale 2 %         <=83    84-85  86-87      88-92,      93-94 O2    95-96 O2    >=97 O2
                                                 >=93 air
air or oxygen                  O2                air
systolic BP mmHg       <=90    91-100 101-110    111-219                             >=220
pulse /min             <=40           41-50      51-90       91-110      111-130     >=131
consciousness                                    Alert                               CVPU
temperature °C         <=35.0         35.1-36.0  36.1-38.0   38.1-39.0   >=39.1
=====================  ======  =====  =========  ==========  ==========  ==========  =====

Clinical response (RCP 2017, chart 2): aggregate 0-4 **low**; a score of 3 in any single
parameter (with an aggregate below 5) **low-medium** (urgent ward-based response); 5-6
**medium** (key threshold for urgent response); 7 or more **high** (emergency response).

Scale 2 is for patients with hypercapnic respiratory failure and a prescribed target of
88-92 %, a clinical decision recorded per patient; scale 1 is the default.

Missing parameters (after the limited forward fill) follow
:data:`~vitalkit.vitals.bands.MISSING_POLICIES`: by default a missing parameter scores 0
and ``news2_missing`` counts the parameters that had no value. On the Challenge 2019 data
consciousness is never recorded (every hour is scored as Alert, i.e. ``news2_missing`` is
at least 1) and air/oxygen is known only where FiO2 was charted (elsewhere: air). Both
assumptions can only lower the score, never raise it.

Values between printed bands are rounded half up to the chart's resolution
(:class:`~vitalkit.vitals.bands.BandTable`).

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"RR": [18, 26], "SpO2": [97, 90], "O2": [0, 1], "SBP": [125, 88],
...                   "HR": [72, 135], "ACVPU": [0, 3], "Temp": [36.8, 39.5]})
>>> s = news2_score(v)
>>> s["news2"].tolist(), s["news2_band"].tolist()
([0.0, 19.0], ['low', 'high'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vitalkit.vitals.bands import BandTable, aggregate_points

NEWS2_TABLES: dict[str, BandTable] = {
    "RR": BandTable("RR", (8, 11, 20, 24), (3, 1, 0, 2, 3)),
    "SBP": BandTable("SBP", (90, 100, 110, 219), (3, 2, 1, 0, 3)),
    "HR": BandTable("HR", (40, 50, 90, 110, 130), (3, 1, 0, 1, 2, 3)),
    "Temp": BandTable("Temp", (35.0, 36.0, 38.0, 39.0), (3, 1, 0, 1, 2), resolution=0.1),
}
"""Banded parameters of NEWS2 (SpO2, air/oxygen and consciousness are scored separately)."""

SPO2_SCALE_1 = BandTable("SpO2 scale 1", (91, 93, 95), (3, 2, 1, 0))
SPO2_SCALE_2_AIR = BandTable("SpO2 scale 2, air", (83, 85, 87), (3, 2, 1, 0))
SPO2_SCALE_2_OXYGEN = BandTable("SpO2 scale 2, oxygen", (83, 85, 87, 92, 94, 96), (3, 2, 1, 0, 1, 2, 3))

OXYGEN_POINTS = 2
"""Points for supplemental oxygen (air: 0)."""

CONSCIOUSNESS_POINTS = 3
"""Points for any of new confusion, Voice, Pain, Unresponsive (Alert: 0)."""

PARAMETERS: tuple[str, ...] = ("RR", "SpO2", "O2", "SBP", "HR", "ACVPU", "Temp")
"""The seven NEWS2 parameters, by canonical channel name."""

BANDS: tuple[str, ...] = ("low", "low-medium", "medium", "high")
"""Clinical-response bands, in increasing urgency."""


def _column(vitals: pd.DataFrame, name: str) -> np.ndarray:
    return vitals[name].to_numpy(dtype=np.float64) if name in vitals else np.full(len(vitals), np.nan)


def spo2_points(spo2: np.ndarray, oxygen: np.ndarray, scale: int | np.ndarray = 1) -> np.ndarray:
    """SpO2 points on scale 1 or 2 (per row); on scale 2 a missing air/oxygen counts as air.

    Examples
    --------
    >>> spo2_points(np.array([93, 93, 93]), np.array([0, 1, 0]), np.array([2, 2, 1])).tolist()
    [0.0, 1.0, 2.0]
    """
    spo2 = np.asarray(spo2, dtype=np.float64)
    scale = np.broadcast_to(np.asarray(scale), spo2.shape)
    if not np.isin(scale, (1, 2)).all():
        raise ValueError(f"SpO2 scale must be 1 or 2, got {sorted(set(np.unique(scale).tolist()))}")
    on_oxygen = np.nan_to_num(np.asarray(oxygen, dtype=np.float64), nan=0.0) > 0
    scale2 = np.where(on_oxygen, SPO2_SCALE_2_OXYGEN.score(spo2), SPO2_SCALE_2_AIR.score(spo2))
    return np.where(scale == 2, scale2, SPO2_SCALE_1.score(spo2))


def news2_response(aggregate: np.ndarray, red: np.ndarray) -> np.ndarray:
    """Clinical-response band from the aggregate and the single-parameter-3 flag.

    Examples
    --------
    >>> news2_response(np.array([0, 4, 3, 5, 6, 7, np.nan]), np.array([0, 0, 1, 1, 0, 0, 0])).tolist()
    ['low', 'low', 'low-medium', 'medium', 'medium', 'high', None]
    """
    aggregate = np.asarray(aggregate, dtype=np.float64)
    level = np.select(
        [aggregate >= 7, aggregate >= 5, np.asarray(red, dtype=bool)],
        [3, 2, 1],
        default=0,
    )
    labels = np.asarray(BANDS, dtype=object)[level]
    return np.where(np.isnan(aggregate), None, labels)


def news2_score(
    vitals: pd.DataFrame,
    spo2_scale: int | np.ndarray = 1,
    missing: str = "assume_normal",
) -> pd.DataFrame:
    """NEWS2 sub-scores, aggregate and response band at every row.

    Parameters
    ----------
    vitals : pandas.DataFrame
        Canonical channels ``RR, SpO2, O2, SBP, HR, ACVPU, Temp`` (absent columns count as
        missing), usually after the limited forward fill.
    spo2_scale : int or array
        1 or 2, for all rows or per row.
    missing : {'assume_normal', 'strict'}
        Missing-parameter policy (module notes).

    Returns
    -------
    pandas.DataFrame
        ``news2_<parameter>`` points (NaN where missing), ``news2`` (aggregate),
        ``news2_red`` (a parameter scored 3), ``news2_band`` (``'low'`` ... ``'high'``)
        and ``news2_missing`` (parameters without a value), same index as ``vitals``.
    """
    points = {name: table.score(_column(vitals, name)) for name, table in NEWS2_TABLES.items()}
    oxygen = _column(vitals, "O2")
    points["SpO2"] = spo2_points(_column(vitals, "SpO2"), oxygen, spo2_scale)
    points["O2"] = np.where(np.isnan(oxygen), np.nan, np.where(oxygen > 0, OXYGEN_POINTS, 0.0))
    acvpu = _column(vitals, "ACVPU")
    points["ACVPU"] = np.where(np.isnan(acvpu), np.nan, np.where(acvpu > 0, CONSCIOUSNESS_POINTS, 0.0))
    matrix = np.column_stack([points[p] for p in PARAMETERS])
    aggregate = aggregate_points(matrix, missing)
    red = np.nan_to_num(matrix, nan=0.0).max(axis=1) >= 3
    out = pd.DataFrame({f"news2_{p}": points[p] for p in PARAMETERS}, index=vitals.index)
    out["news2"] = aggregate
    out["news2_red"] = red
    out["news2_band"] = news2_response(aggregate, red)
    out["news2_missing"] = np.isnan(matrix).sum(axis=1)
    return out
