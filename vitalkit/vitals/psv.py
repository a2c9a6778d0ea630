"""Reader of the PhysioNet/CinC Challenge 2019 ``.psv`` files (one ICU stay per file).

Each file is pipe-separated, one row per hour, 41 columns (vital signs, laboratory values,
demographics, ``ICULOS`` = hours since ICU admission, ``SepsisLabel``), ``NaN`` where
nothing was measured (Reyna et al., Crit Care Med 2020). The reader checks the header, that
every cell is numeric or ``NaN``, that ``ICULOS`` increases and that ``SepsisLabel`` is
0 or 1, and raises :class:`~vitalkit.errors.DataError` naming the file, line and column
otherwise.

What the Challenge data lacks for early warning scores: there is no consciousness (ACVPU)
column at all, and no "on supplemental oxygen" column. ``ACVPU`` is therefore all missing;
``O2`` is derived from ``FiO2`` where it was charted (FiO2 above 0.21 means supplemental
oxygen, 0.21 means air; anything else, and every hour without FiO2, stays missing). How the
scores treat those missing values is stated in :mod:`vitalkit.vitals.news2`.

Examples
--------
>>> s = read_psv("sepsis2019/p100001.psv")   # doctest: +SKIP
>>> s.channels[:6], s.static["Age"]          # doctest: +SKIP
(['HR', 'SpO2', 'Temp', 'SBP', 'MAP', 'DBP'], 73.0)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.vitals.series import UNITS, VitalSeries

CHALLENGE_COLUMNS: tuple[str, ...] = tuple(
    "HR|O2Sat|Temp|SBP|MAP|DBP|Resp|EtCO2|BaseExcess|HCO3|FiO2|pH|PaCO2|SaO2|AST|BUN|Alkalinephos|"
    "Calcium|Chloride|Creatinine|Bilirubin_direct|Glucose|Lactate|Magnesium|Phosphate|Potassium|"
    "Bilirubin_total|TroponinI|Hct|Hgb|PTT|WBC|Fibrinogen|Platelets|Age|Gender|Unit1|Unit2|"
    "HospAdmTime|ICULOS|SepsisLabel".split("|")
)
"""The 41 columns of a Challenge 2019 file, in file order."""

RENAME: dict[str, str] = {"O2Sat": "SpO2", "Resp": "RR"}
"""Challenge names of the canonical channels that differ (HR, Temp, SBP keep theirs)."""

VITAL_COLUMNS: tuple[str, ...] = ("HR", "SpO2", "Temp", "SBP", "MAP", "DBP", "RR", "EtCO2")
"""Bedside vital signs of the Challenge (canonical names), charted about hourly."""

LAB_COLUMNS: tuple[str, ...] = CHALLENGE_COLUMNS[8:34]
"""Laboratory values (and FiO2), charted a few times a day."""

STATIC_COLUMNS: tuple[str, ...] = ("Age", "Gender", "Unit1", "Unit2", "HospAdmTime")
"""Per-stay values (taken from the first row)."""

MISSING_TOKEN = {"keep_default_na": False, "na_values": ["NaN"]}
"""Only the Challenge's ``NaN`` means missing: an empty cell, ``NA`` or ``n/a`` is an error
(pandas would otherwise read them as missing without a word)."""


def _bad_cell(path: Path, table: pd.DataFrame, column: str) -> DataError:
    raw = table[column]
    parsed = pd.to_numeric(raw, errors="coerce")
    bad = parsed.isna() & raw.notna()
    row = int(np.argmax(bad.to_numpy()))
    return DataError(
        path,
        f"non-numeric value {raw.iloc[row]!r} in column {column!r} at line {row + 2} "
        f"({int(bad.sum())} such cell(s) in that column)",
    )


def read_psv_table(path: str | Path, label_required: bool = True) -> pd.DataFrame:
    """Read and check one Challenge file; return its numeric table (Challenge column names).

    With ``label_required=False`` a file without the ``SepsisLabel`` column (a stay to be
    scored by a model, with no reference) is read, its label column NaN.

    Raises
    ------
    DataError
        File missing or empty, header not the Challenge's 41 columns, a row with the wrong
        number of fields, a non-numeric cell, ``ICULOS`` missing or not increasing, or a
        ``SepsisLabel`` other than 0/1; the message names the file and where.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "empty file (expected a header line and one row per hour)")
    try:
        table = pd.read_csv(path, sep="|", **MISSING_TOKEN)
    except pd.errors.EmptyDataError:
        raise DataError(path, "empty file (expected a header line and one row per hour)") from None
    except pd.errors.ParserError as exc:
        raise DataError(path, f"malformed row: {str(exc).strip()}") from None
    fields = [line.count("|") + 1 for line in path.read_text().splitlines() if line.strip()]
    short = [i for i, n in enumerate(fields) if n != fields[0]]
    if short:
        raise DataError(path, f"line {short[0] + 1} has {fields[short[0]]} fields, the header {fields[0]}")
    if not label_required and "SepsisLabel" not in table.columns:
        table["SepsisLabel"] = np.nan
    missing = [c for c in CHALLENGE_COLUMNS if c not in table.columns]
    extra = [c for c in table.columns if c not in CHALLENGE_COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unexpected column(s) {extra}")
        raise DataError(
            path, "not a Challenge 2019 file: " + "; ".join(parts) + " (expected '|'-separated 41 columns)"
        )
    if table.empty:
        raise DataError(path, "header only, no hourly rows")
    for column in table.columns:
        if table[column].dtype == object:
            raise _bad_cell(path, table, column)
    table = table[list(CHALLENGE_COLUMNS)].astype(np.float64)
    icu = table["ICULOS"].to_numpy()
    if np.isnan(icu).any():
        raise DataError(path, f"ICULOS missing at line {int(np.argmax(np.isnan(icu))) + 2}")
    steps = np.diff(icu)
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0)) + 1
        raise DataError(
            path,
            f"ICULOS not increasing at line {i + 2} ({icu[i - 1]:g} then {icu[i]:g}): time must be monotonic",
        )
    label = table["SepsisLabel"].to_numpy()
    bad = ~np.isin(label, (0.0, 1.0))
    if not label_required and np.isnan(label).all():
        bad[:] = False
    if bad.any():
        raise DataError(
            path,
            f"SepsisLabel must be 0 or 1, got {float(label[bad][0]):g} at line {int(np.argmax(bad)) + 2}",
        )
    return table


def supplemental_oxygen_from_fio2(fio2: np.ndarray) -> np.ndarray:
    """``O2`` channel from charted FiO2: 1 above room air, 0 at room air, NaN otherwise.

    FiO2 is accepted as a fraction (0.21-1) or a percentage (21-100); other values
    (the Challenge data hold a few such as -50 or 2.0) are treated as not charted.

    Examples
    --------
    >>> supplemental_oxygen_from_fio2(np.array([0.21, 0.4, 35.0, -50.0, np.nan])).tolist()
    [0.0, 1.0, 1.0, nan, nan]
    """
    fio2 = np.asarray(fio2, dtype=np.float64)
    fraction = np.where((fio2 > 1.0) & (fio2 <= 100.0), fio2 / 100.0, fio2)
    valid = (fraction >= 0.21) & (fraction <= 1.0)
    return np.where(valid, (fraction > 0.21 + 1e-9).astype(np.float64), np.nan)


def canonical_channels(table: pd.DataFrame) -> pd.DataFrame:
    """The 34 time-varying Challenge columns under canonical names, plus ``ACVPU`` and ``O2``.

    ``ACVPU`` is all missing (not recorded in the Challenge); ``O2`` comes from FiO2
    (:func:`supplemental_oxygen_from_fio2`).
    """
    values = table[list(CHALLENGE_COLUMNS[:34])].rename(columns=RENAME)
    return values.assign(ACVPU=np.nan, O2=supplemental_oxygen_from_fio2(table["FiO2"].to_numpy()))


def psv_to_series(table: pd.DataFrame, patient_id: str, source: str = "") -> VitalSeries:
    """Turn a checked Challenge table into a :class:`VitalSeries` (time = ``ICULOS`` hours)."""
    values = canonical_channels(table)
    values.index = pd.Index(table["ICULOS"].to_numpy(dtype=np.float64), name="time_h")
    static = {c: float(table[c].iloc[0]) for c in STATIC_COLUMNS}
    units = {**UNITS, "MAP": "mmHg", "DBP": "mmHg", "EtCO2": "mmHg", "FiO2": "fraction"}
    return VitalSeries(
        patient_id=patient_id,
        values=values,
        source=source,
        units=units,
        static=static,
        label=table["SepsisLabel"].to_numpy(dtype=np.int8),
    )


def read_psv(path: str | Path) -> VitalSeries:
    """Read one Challenge 2019 ``.psv`` file into a :class:`VitalSeries` (see module notes)."""
    path = Path(path)
    return psv_to_series(read_psv_table(path), path.stem, str(path))
