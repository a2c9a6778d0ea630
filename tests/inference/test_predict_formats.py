"""`vitalkit predict` on every reader format, and the refusals of issue 12: a rate below the
model's needs, two recordings that would write one output folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.cli import main
from vitalkit.data.physionet import ensure_records
from vitalkit.data.readers import read_record
from vitalkit.data.records import Record
from vitalkit.data.serial import serial_convert, simulate_serial_log
from vitalkit.data.writers import write_csv, write_edf, write_npz
from vitalkit.errors import DataError
from vitalkit.export.package import load_package
from vitalkit.inference.beats import predict_beats, sampling_rate_range
from vitalkit.inference.run import predict_files
from vitalkit.pretrained import resolve_model

MINUTE = 60 * 360
"""The first 60 s of a MIT-BIH record (360 Hz)."""

P_TOLERANCE = 0.05
"""Largest probability change allowed between a format and the WFDB original. No resampling is
involved (every file is written at 360 Hz); the formats differ from WFDB by at most 0.08 µV
(EDF: 16 bits over the slice's range), 0 (CSV: 1 nV, NPZ: float64) and 0.7 µV (serial: MIT-BIH's
own 11-bit, 200 adu/mV counts re-gridded from jittered millisecond stamps). Measured on these
slices: the same beat samples and classes everywhere, |Δp| at most 0.0025 (EDF, 208) and 0.025
(serial, 232): a feature crossing a split of a few of the forest's 100 trees."""


@pytest.fixture(scope="module")
def package():
    return load_package(resolve_model(None))


def _minute(data_dir: Path, name: str, channels: list[str] | None = None) -> Record:
    """The first minute of a MIT-BIH record as read from WFDB, without annotations."""
    (base,) = ensure_records("mitdb", [name], data_dir=data_dir)
    record = read_record(base, channels=channels) if channels else read_record(base)
    return replace(record, signal=record.signal[:MINUTE].copy(), annotations=None)


@pytest.mark.parametrize("name", ["208", "232"])  # N, V and F beats; N, S and V beats
def test_edf_csv_and_serial_npz_give_the_beats_of_the_wfdb_original(package, data_dir, tmp_path, name):
    both = _minute(data_dir, name)
    mlii = _minute(data_dir, name, channels=["MLII"])
    write_edf(tmp_path / f"{name}-edf.edf", both)
    write_csv(tmp_path / f"{name}-csv.csv", both)
    # a microcontroller log of the MLII lead (serial is one channel), with MIT-BIH's own ADC
    # (11 bits, 200 counts per mV), jittered millisecond stamps and junk lines, then converted
    log = tmp_path / f"{name}-serial.txt"
    adc = {"gain": 200.0, "zero": 1024.0, "adc_bits": 11}
    simulate_serial_log(mlii.signal[:, 0], 360.0, log, seed=0, **adc)
    converted = serial_convert(log, tmp_path, channel_name="MLII", **adc)
    (npz,) = converted.files[:1]
    assert npz.name == f"{name}-serial.npz" and converted.meta["output_rate_hz"] == 360.0
    files = [tmp_path / f"{name}-edf.edf", tmp_path / f"{name}-csv.csv", npz]
    out = tmp_path / "out"
    assert main(["predict", *map(str, files), "--out", str(out)]) == 0
    reference = {"edf": predict_beats(package, both), "csv": None, "serial": predict_beats(package, mlii)}
    reference["csv"] = reference["edf"]
    assert len(set(reference["edf"].beats["class"])) == 3  # the slice has three classes
    for kind, path in zip(reference, files, strict=True):
        expected = reference[kind].beats
        got = pd.read_csv(out / path.stem / "beats.csv", dtype={"class": str})
        assert len(got) == len(expected), kind
        assert (got["sample"].to_numpy() == expected["sample"].to_numpy()).all(), kind
        assert got["class"].tolist() == expected["class"].tolist(), kind
        columns = [f"p_{c}" for c in package.classes]
        assert np.abs(got[columns].to_numpy() - expected[columns].to_numpy()).max() <= P_TOLERANCE, kind


def test_a_rate_below_the_models_range_is_refused(package, data_dir, tmp_path):
    """The first minute of MIT-BIH 100 decimated to 30 Hz: resampled to 360 Hz it passed the
    detector's own rate check and was classified (56 beats, 15 called S, against 73 N at 360 Hz),
    so the model's range is checked first."""
    minute = _minute(data_dir, "100")
    low = replace(minute, signal=minute.signal[::12].copy(), sampling_rate=30.0)
    path = tmp_path / "100-30hz.npz"
    write_npz(path, low)
    lo, hi = sampling_rate_range(package)
    assert (lo, hi) == (100.0, 2880.0)
    message = rf"100-30hz\.npz: sampling rate 30 Hz outside the model's range {lo:g}-{hi:g} Hz"
    with pytest.raises(DataError, match=message):
        predict_files([path], tmp_path / "o")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    with pytest.raises(DataError, match="sampling rate 3000 Hz outside"):
        predict_beats(package, replace(minute, sampling_rate=3000.0))
    # the served API refuses with the same definition of the range
    from vitalkit.serve import predict as serve_predict

    assert serve_predict.sampling_rate_range is sampling_rate_range


def test_recordings_that_would_share_an_output_folder_are_refused_before_any_work(data_dir, tmp_path, capsys):
    minute = _minute(data_dir, "100")
    write_edf(tmp_path / "a.edf", minute)
    write_csv(tmp_path / "a.csv", minute)
    out = tmp_path / "out"
    rc = main(["predict", str(tmp_path / "a.edf"), str(tmp_path / "a.csv"), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "a.csv: would write" in err and "the folder of" in err and "a.edf" in err
    assert not out.exists()  # refused before the first recording was predicted
    # refused before reading: these records do not even exist
    with pytest.raises(DataError, match=r"y/100: would write .*/100/, the folder of x/100 given before"):
        predict_files(["x/100", "y/100"], out)
    with pytest.raises(DataError, match="given twice"):
        predict_files(["x/100", "x/100"], out)
    assert not out.exists()
