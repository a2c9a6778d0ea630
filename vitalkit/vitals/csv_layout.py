"""A plain CSV layout for vital signs from any source (ward charts, exports, hand entry).

One row per patient and time, comma-separated, with a header holding exactly these
columns (any order)::

    patient_id,time,HR,SpO2,SBP,RR,temperature,consciousness,supplemental_oxygen

* ``time``: hours (a number) or a date-time (``2024-03-01 08:00``); date-times become hours
  since the patient's first row. Times must increase within a patient.
* ``HR`` beats/min, ``SpO2`` %, ``SBP`` mmHg, ``RR`` breaths/min, ``temperature`` °C.
* ``consciousness``: ACVPU letter ``A``, ``C`` (new confusion), ``V``, ``P`` or ``U``.
* ``supplemental_oxygen``: ``1``/``0``, ``yes``/``no``, ``true``/``false``, ``oxygen``/``air``.
* an empty cell is a missing value (never read as zero).

Examples
--------
>>> import io
>>> text = ("patient_id,time,HR,SpO2,SBP,RR,temperature,consciousness,supplemental_oxygen\\n"
...         "a,0,88,97,120,16,37.1,A,air\\n"
...         "a,1,112,93,,22,,V,oxygen\\n")
>>> (s,) = read_vitals_csv(io.StringIO(text))
>>> s.values[["HR", "SBP", "ACVPU", "O2"]].to_numpy().tolist()
[[88.0, 120.0, 0.0, 0.0], [112.0, nan, 2.0, 1.0]]
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.vitals.series import ACVPU_CODES, UNITS, VitalSeries

CSV_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "time",
    "HR",
    "SpO2",
    "SBP",
    "RR",
    "temperature",
    "consciousness",
    "supplemental_oxygen",
)
"""The columns of the CSV layout."""

NUMERIC: dict[str, str] = {"HR": "HR", "SpO2": "SpO2", "SBP": "SBP", "RR": "RR", "temperature": "Temp"}
"""Numeric CSV column -> canonical channel."""

OXYGEN_WORDS: dict[str, float] = {
    "1": 1.0,
    "yes": 1.0,
    "true": 1.0,
    "oxygen": 1.0,
    "o2": 1.0,
    "0": 0.0,
    "no": 0.0,
    "false": 0.0,
    "air": 0.0,
}
"""Accepted spellings of ``supplemental_oxygen`` (case-insensitive)."""


def _source_name(source: str | Path | io.IOBase) -> str:
    return str(source) if isinstance(source, str | Path) else "<CSV stream>"


def _coded(name: str, column: pd.Series, codes: dict[str, float], where: str) -> np.ndarray:
    text = column.fillna("").astype(str).str.strip()
    text = text.str.upper() if name == "consciousness" else text.str.lower()
    known = text.isin(list(codes)) | (text == "")
    if not known.all():
        row = int(np.argmax(~known.to_numpy()))
        raise DataError(
            where,
            f"column {name!r}, line {row + 2}: {column.iloc[row]!r} is not one of {sorted(set(codes))}",
        )
    return text.map(lambda t: codes.get(t, np.nan)).to_numpy(dtype=np.float64)


def _times(table: pd.DataFrame, where: str) -> np.ndarray:
    raw = table["time"].astype(str).str.strip()
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=np.float64)
    stamps = pd.to_datetime(raw, errors="coerce")
    bad = stamps.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            where, f"column 'time', line {row + 2}: {raw.iloc[row]!r} is neither hours nor a date-time"
        )
    first = stamps.groupby(table["patient_id"]).transform("min")
    return ((stamps - first).dt.total_seconds() / 3600.0).to_numpy()


def read_vitals_csv(source: str | Path | io.IOBase) -> list[VitalSeries]:
    """Read the CSV layout (see module notes); one :class:`VitalSeries` per patient, in file order.

    Raises
    ------
    DataError
        Naming the file and the problem: file missing or empty, missing or unexpected
        columns, a non-numeric vital sign, an unknown consciousness or oxygen code, an
        unreadable time, a patient whose times do not increase.
    """
    where = _source_name(source)
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise DataError(where, "file not found")
    try:
        table = pd.read_csv(source, dtype=str, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(where, "empty file (expected a header line: " + ",".join(CSV_COLUMNS) + ")") from None
    except pd.errors.ParserError as exc:
        raise DataError(where, f"malformed row: {str(exc).strip()}") from None
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in CSV_COLUMNS if c not in table.columns]
    extra = [c for c in table.columns if c not in CSV_COLUMNS]
    if missing or extra:
        parts = [f"missing column(s) {missing}"] if missing else []
        parts += [f"unexpected column(s) {extra}"] if extra else []
        raise DataError(where, "; ".join(parts) + f"; the layout is {','.join(CSV_COLUMNS)}")
    if table.empty:
        raise DataError(where, "header only, no rows")
    if table["patient_id"].isna().any():
        row = int(np.argmax(table["patient_id"].isna().to_numpy()))
        raise DataError(where, f"line {row + 2}: empty patient_id")
    values = pd.DataFrame(index=table.index)
    for column, channel in NUMERIC.items():
        parsed = pd.to_numeric(table[column], errors="coerce")
        bad = parsed.isna() & table[column].notna() & (table[column].str.strip() != "")
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise DataError(
                where, f"column {column!r}, line {row + 2}: {table[column].iloc[row]!r} is not a number"
            )
        values[channel] = parsed.astype(np.float64)
    values["ACVPU"] = _coded("consciousness", table["consciousness"], ACVPU_CODES, where)
    values["O2"] = _coded("supplemental_oxygen", table["supplemental_oxygen"], OXYGEN_WORDS, where)
    time = _times(table, where)
    out = []
    for patient, rows in table.groupby("patient_id", sort=False).indices.items():
        t = time[rows]
        steps = np.diff(t)
        if np.any(steps <= 0):
            k = int(np.argmax(steps <= 0)) + 1
            raise DataError(
                where,
                f"patient {patient!r}: time not increasing at line {rows[k] + 2} "
                f"({t[k - 1]:g} h then {t[k]:g} h); sort rows by time",
            )
        frame = values.iloc[rows].set_axis(pd.Index(t, name="time_h"))
        out.append(VitalSeries(str(patient), frame, source=where, units=dict(UNITS)))
    return out


def write_vitals_csv(series: list[VitalSeries], path: str | Path) -> Path:
    """Write series in the CSV layout (time in hours; missing cells empty), atomically.

    Examples
    --------
    >>> import tempfile
    >>> s = VitalSeries("b", pd.DataFrame({"HR": [70.0], "ACVPU": [3.0]}, index=[2.0]))
    >>> path = write_vitals_csv([s], Path(tempfile.mkdtemp()) / "v.csv")
    >>> read_vitals_csv(path)[0].values["ACVPU"].tolist()
    [3.0]
    """
    from vitalkit.io import write_text

    letters = {v: k for k, v in ACVPU_CODES.items()}
    rows = []
    for s in series:
        v = s.values
        frame = pd.DataFrame({"patient_id": s.patient_id, "time": s.time_h})
        for column, channel in NUMERIC.items():
            frame[column] = v[channel].to_numpy() if channel in v else np.nan
        acvpu = v["ACVPU"] if "ACVPU" in v else pd.Series(np.nan, index=v.index)
        o2 = v["O2"] if "O2" in v else pd.Series(np.nan, index=v.index)
        frame["consciousness"] = [letters.get(int(c), "") if np.isfinite(c) else "" for c in acvpu]
        frame["supplemental_oxygen"] = [str(int(o)) if np.isfinite(o) else "" for o in o2]
        rows.append(frame)
    write_text(path, pd.concat(rows, ignore_index=True)[list(CSV_COLUMNS)].to_csv(index=False))
    return Path(path)
