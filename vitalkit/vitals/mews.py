"""Modified Early Warning Score (Subbe et al., QJM 2001;94:521-526), per time point.

Chart (points 3 2 1 0 1 2 3), as published:

====================  =====  =====  ======  =======  =======  =======  =====
parameter             3      2      1       0        1        2        3
====================  =====  =====  ======  =======  =======  =======  =====
systolic BP mmHg      <=70   71-80  81-100  101-199           >=200
heart rate /min              <40    41-50   51-100   101-110  111-129  >=130
respiratory rate /min        <9             9-14     15-20    21-29    >=30
temperature °C               <35            35-38.4           >=38.5
AVPU                                        Alert    Voice    Pain     Unresponsive
====================  =====  =====  ======  =======  =======  =======  =====

Reading of the gaps in the printed chart: a heart rate of exactly 40 (between "<40" and
"41-50") scores 2, i.e. the band is read as ``<=40``; "<9" is ``<=8`` and "<35" is
``<=34.9`` after rounding to the chart's resolution. MEWS has no "new confusion" level: an
ACVPU of C scores like Voice (1). Subbe et al. found a score of 5 or more associated with
increased risk of death and ICU admission (:data:`ALERT_THRESHOLD`).

Missing parameters follow :data:`~vitalkit.vitals.bands.MISSING_POLICIES` (default:
score 0, counted in ``mews_missing``); on the Challenge 2019 data AVPU is never recorded and
is scored as Alert.

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"SBP": [120, 75], "HR": [80, 131], "RR": [12, 31], "Temp": [36.5, 38.5],
...                   "ACVPU": [0, 2]})
>>> mews_score(v)["mews"].tolist()
[0.0, 11.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vitalkit.vitals.bands import BandTable, aggregate_points

MEWS_TABLES: dict[str, BandTable] = {
    "SBP": BandTable("SBP", (70, 80, 100, 199), (3, 2, 1, 0, 2)),
    "HR": BandTable("HR", (40, 50, 100, 110, 129), (2, 1, 0, 1, 2, 3)),
    "RR": BandTable("RR", (8, 14, 20, 29), (2, 0, 1, 2, 3)),
    "Temp": BandTable("Temp", (34.9, 38.4), (2, 0, 2), resolution=0.1),
}
"""Banded parameters of MEWS."""

AVPU_POINTS: dict[int, int] = {0: 0, 1: 1, 2: 1, 3: 2, 4: 3}
"""ACVPU code (A, C, V, P, U) -> MEWS points (C scored like V)."""

PARAMETERS: tuple[str, ...] = ("SBP", "HR", "RR", "Temp", "ACVPU")
"""The five MEWS parameters, by canonical channel name."""

ALERT_THRESHOLD = 5
"""MEWS at or above which Subbe et al. report increased risk."""


def mews_score(vitals: pd.DataFrame, missing: str = "assume_normal") -> pd.DataFrame:
    """MEWS sub-scores and aggregate at every row.

    Parameters
    ----------
    vitals : pandas.DataFrame
        Canonical channels ``SBP, HR, RR, Temp, ACVPU`` (absent columns count as missing).
    missing : {'assume_normal', 'strict'}
        Missing-parameter policy.

    Returns
    -------
    pandas.DataFrame
        ``mews_<parameter>`` points, ``mews`` (aggregate) and ``mews_missing``.
    """
    n = len(vitals)

    def column(name: str) -> np.ndarray:
        return vitals[name].to_numpy(dtype=np.float64) if name in vitals else np.full(n, np.nan)

    points = {name: table.score(column(name)) for name, table in MEWS_TABLES.items()}
    acvpu = column("ACVPU")
    lookup = np.array([AVPU_POINTS[k] for k in sorted(AVPU_POINTS)], dtype=np.float64)
    valid = np.isin(acvpu, list(AVPU_POINTS))
    points["ACVPU"] = np.where(valid, lookup[np.where(valid, acvpu, 0).astype(int)], np.nan)
    matrix = np.column_stack([points[p] for p in PARAMETERS])
    out = pd.DataFrame({f"mews_{p}": points[p] for p in PARAMETERS}, index=vitals.index)
    out["mews"] = aggregate_points(matrix, missing)
    out["mews_missing"] = np.isnan(matrix).sum(axis=1)
    return out
