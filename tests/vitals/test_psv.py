"""Challenge 2019 .psv reader: real files, the canonical channels and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.errors import DataError
from vitalkit.vitals.psv import CHALLENGE_COLUMNS, read_psv, read_psv_table, supplemental_oxygen_from_fio2

HEADER = "|".join(CHALLENGE_COLUMNS)


def _row(**values: float) -> str:
    cells = {c: "NaN" for c in CHALLENGE_COLUMNS}
    cells.update({"Age": "60", "Gender": "1", "HospAdmTime": "-1.5", "SepsisLabel": "0"})
    cells.update({k: str(v) for k, v in values.items()})
    return "|".join(cells[c] for c in CHALLENGE_COLUMNS)


def _write(tmp_path: Path, lines: list[str], name: str = "p999999.psv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_real_file_reads_into_canonical_channels(sepsis_dir: Path) -> None:
    path = sepsis_dir / "p100001.psv"
    series = read_psv(path)
    raw = pd.read_csv(path, sep="|")
    assert series.patient_id == "p100001" and len(series) == len(raw) == 24
    assert series.time_h.tolist() == raw["ICULOS"].astype(float).tolist()
    np.testing.assert_array_equal(series.values["SpO2"].to_numpy(), raw["O2Sat"].to_numpy())
    np.testing.assert_array_equal(series.values["RR"].to_numpy(), raw["Resp"].to_numpy())
    assert series.values["ACVPU"].isna().all()  # consciousness is not recorded in the Challenge
    assert series.static == {"Age": 73.0, "Gender": 1.0, "Unit1": 1.0, "Unit2": 0.0, "HospAdmTime": -214.64}
    assert series.label.sum() == 0 and series.observed["HR"].iloc[0] == False  # noqa: E712


def test_septic_file_label(sepsis_dir: Path) -> None:
    ids = (sepsis_dir / "SUBSET.txt").read_text().split()
    septic = next(
        read_psv(sepsis_dir / f"{i}.psv") for i in ids if read_psv(sepsis_dir / f"{i}.psv").label.any()
    )
    first = int(np.argmax(septic.label))
    assert septic.label[first:].all() and not septic.label[:first].any()


def test_supplemental_oxygen_from_fio2() -> None:
    o2 = supplemental_oxygen_from_fio2(
        np.array([0.21, 0.22, 0.5, 1.0, 21.0, 40.0, 100.0, 0.1, -50.0, 2.0, np.nan])
    )
    assert o2[:7].tolist() == [0, 1, 1, 1, 0, 1, 1]
    assert np.isnan(o2[7:]).all()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "empty file"),
        ([HEADER], "header only"),
        (
            [HEADER.replace("|SBP|", "|SysBP|"), _row(ICULOS=1)],
            r"missing column\(s\) \['SBP'\]; unexpected column\(s\) \['SysBP'\]",
        ),
        ([HEADER + "|Extra", _row(ICULOS=1) + "|3"], r"unexpected column\(s\) \['Extra'\]"),
        (
            [HEADER, _row(ICULOS=1), _row(ICULOS=2, HR="fast")],
            r"non-numeric value 'fast' in column 'HR' at line 3",
        ),
        ([HEADER, _row(ICULOS=1, Temp="37,2")], r"'37,2' in column 'Temp' at line 2"),
        ([HEADER, _row(ICULOS=1, Lactate="")], r"non-numeric value '' in column 'Lactate' at line 2"),
        ([HEADER, _row(ICULOS=1, pH="NA")], r"non-numeric value 'NA' in column 'pH'"),
        ([HEADER, _row(ICULOS=2), _row(ICULOS=2)], r"ICULOS not increasing at line 3 \(2 then 2\)"),
        ([HEADER, _row(ICULOS=3), _row(ICULOS=1)], r"ICULOS not increasing at line 3"),
        ([HEADER, _row(ICULOS="NaN")], r"ICULOS missing at line 2"),
        ([HEADER, _row(ICULOS=1, SepsisLabel=2)], r"SepsisLabel must be 0 or 1, got 2 at line 2"),
        ([HEADER, _row(ICULOS=1), "1|2|3"], r"line 3 has 3 fields, the header 41"),
    ],
    ids=[
        "empty",
        "header-only",
        "renamed-column",
        "extra-column",
        "text-cell",
        "decimal-comma",
        "empty-cell",
        "NA-token",
        "repeated-hour",
        "time-backwards",
        "no-time",
        "bad-label",
        "short-row",
    ],
)
def test_bad_input_names_file_and_problem(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "p999999.psv"
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
    with pytest.raises(DataError, match=message) as err:
        read_psv_table(path)
    assert str(path) in str(err.value)


def test_missing_file() -> None:
    with pytest.raises(DataError, match="file not found"):
        read_psv("/nonexistent/p1.psv")


def test_tolerates_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "p1.psv"
    path.write_bytes(("\r\n".join([HEADER, _row(ICULOS=1, HR=80), _row(ICULOS=2, HR=90)]) + "\r\n").encode())
    assert read_psv(path).values["HR"].tolist() == [80.0, 90.0]
