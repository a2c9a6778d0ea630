"""The plain CSV layout: round trip and every kind of bad input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.errors import DataError
from vitalkit.vitals.csv_layout import CSV_COLUMNS, read_vitals_csv, write_vitals_csv
from vitalkit.vitals.series import VitalSeries

HEADER = ",".join(CSV_COLUMNS)


def _read(text: str) -> list[VitalSeries]:
    return read_vitals_csv(io.StringIO(text))


def test_reads_codes_missing_cells_and_patients_in_order() -> None:
    text = HEADER + "\nb,0,80,96,120,14,36.9,A,no\nb,2,,92,,,38.2,c,Oxygen\na,0.5,130,88,85,28,39.5,U,1\n"
    b, a = _read(text)
    assert (b.patient_id, a.patient_id) == ("b", "a")
    assert b.time_h.tolist() == [0.0, 2.0]
    assert np.isnan(b.values["HR"].iloc[1]) and not b.observed["HR"].iloc[1]  # empty = missing, not 0
    assert b.values["ACVPU"].tolist() == [0.0, 1.0] and b.values["O2"].tolist() == [0.0, 1.0]
    assert a.values[["HR", "Temp", "ACVPU", "O2"]].iloc[0].tolist() == [130.0, 39.5, 4.0, 1.0]


def test_datetimes_become_hours_since_first_row() -> None:
    text = HEADER + "\nx,2024-03-01 08:00,80,,,,,,\nx,2024-03-01 09:30,82,,,,,,\n"
    assert _read(text)[0].time_h.tolist() == [0.0, 1.5]


def test_round_trip(tmp_path: Path) -> None:
    values = pd.DataFrame(
        {
            "HR": [70.0, np.nan],
            "SpO2": [97, 93],
            "SBP": [np.nan, 101],
            "RR": [12, 22],
            "Temp": [36.4, np.nan],
            "ACVPU": [0, 3],
            "O2": [np.nan, 1],
        },
        index=[0.0, 4.0],
    )
    path = write_vitals_csv([VitalSeries("p 1", values)], tmp_path / "v.csv")
    (back,) = read_vitals_csv(path)
    pd.testing.assert_frame_equal(back.values[values.columns], values.astype(float), check_names=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        (HEADER + "\n", "header only"),
        ("patient_id,time,HR\np,0,80\n", r"missing column\(s\) \['SpO2'"),
        (HEADER + ",GCS\np,0,80,,,,,,,15\n", r"unexpected column\(s\) \['GCS'\]"),
        (HEADER + "\np,0,eighty,,,,,,\n", r"column 'HR', line 2: 'eighty' is not a number"),
        (HEADER + "\np,0,80,,,,,X,\n", r"column 'consciousness', line 2: 'X' is not one of"),
        (HEADER + "\np,0,80,,,,,,maybe\n", r"column 'supplemental_oxygen', line 2: 'maybe'"),
        (
            HEADER + "\np,1,80,,,,,,\np,0,81,,,,,,\n",
            r"patient 'p': time not increasing at line 3 \(1 h then 0 h\)",
        ),
        (HEADER + "\np,1,80,,,,,,\np,1,81,,,,,,\n", r"time not increasing at line 3"),
        (HEADER + "\np,yesterday,80,,,,,,\n", r"'yesterday' is neither hours nor a date-time"),
        (HEADER + "\n,0,80,,,,,,\n", r"line 2: empty patient_id"),
    ],
    ids=[
        "empty",
        "header-only",
        "missing-columns",
        "extra-column",
        "text-hr",
        "bad-acvpu",
        "bad-oxygen",
        "time-backwards",
        "repeated-time",
        "bad-time",
        "no-patient",
    ],
)
def test_bad_input_names_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "vitals.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as err:
        read_vitals_csv(path)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_vitals_csv(tmp_path / "none.csv")
