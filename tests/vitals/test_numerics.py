"""WFDB numerics reader on the two real MIMIC-II records: zeros are missing, SBP from NBP/ABP."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.vitals.numerics import EXAMPLE_RECORD, read_wfdb_numerics


def test_s00001_zeros_are_missing_not_measurements(data_dir: Path) -> None:
    s = read_wfdb_numerics(data_dir / EXAMPLE_RECORD)
    assert len(s) == 1936 and np.allclose(np.diff(s.time_h), 1 / 60)
    zeros = s.static["zeros_as_missing"]
    assert zeros["ABPSys"] == 1929 and zeros["HR"] == 46 and zeros["SpO2"] == 363
    assert not (s.values[["HR", "SpO2", "RR", "ABPSys", "PULSE"]] == 0).any().any()
    assert s.values["ABPSys"].notna().sum() == 7  # the rest of the arterial line channel was zero
    # SBP: 152 cuff readings plus the 7 arterial values, arterial preferred where both exist
    assert s.values["SBP"].notna().sum() == 159
    assert float(s.values["HR"].median()) == pytest.approx(55.65)  # README: 55.6 bpm
    assert round(float(s.values["SBP"].median()), 1) == 132.0
    assert s.values[["Temp", "ACVPU", "O2"]].isna().all().all()


def test_s25047_and_hourly_resampling(data_dir: Path) -> None:
    s = read_wfdb_numerics(data_dir / "vitals/mimic2wdb/s25047/s25047-2704-05-04-10-44n")
    assert len(s) == 72 and "ABPSys" not in s.channels
    hourly = s.resample(1.0)
    assert hourly.time_h.tolist() == [0.0, 1.0]
    first_hour = s.values.where(s.observed)[s.time_h < 1]["HR"].median()
    assert hourly.values["HR"].iloc[0] == pytest.approx(first_hour)


def test_missing_record(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_wfdb_numerics(tmp_path / "nothing")


def test_waveform_record_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    for ext in ("hea", "dat"):
        shutil.copyfile(data_dir / "mitdb" / f"100.{ext}", tmp_path / f"100.{ext}")
    with pytest.raises(DataError, match="360 Hz is a waveform, not a numerics"):
        read_wfdb_numerics(tmp_path / "100")
