"""Readers of your own recordings: real signals through every format, and named bad inputs.

Every bad input must give a DataError (or ParamsError for an option) whose message names
the file and the problem, or a documented repair listed in ``record.repairs``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from vitalkit.data.readers import READERS, read_record, reader_options
from vitalkit.data.records import Record
from vitalkit.data.writers import write_record
from vitalkit.errors import CorruptRecordError, DataError, ParamsError, RecordNotFoundError


def _ecg_record(ecg_segment: tuple, seconds: float = 10.0) -> Record:
    signal, fs = ecg_segment[:2]
    return Record("ecg", signal[: int(seconds * fs)], fs, ["MLII"], ["mV"], patient_id="p100")


@pytest.mark.parametrize("extension", [".edf", ".csv", ".npz"])
def test_real_ecg_round_trips_through_every_writable_format(
    tmp_path: Path, ecg_segment: tuple, extension: str
) -> None:
    rec = _ecg_record(ecg_segment)
    write_record(tmp_path / f"ecg{extension}", rec)
    back = read_record(tmp_path / f"ecg{extension}")
    assert back.sampling_rate == 360.0
    assert back.channel_names == ["MLII"] and back.units == ["mV"]
    assert back.signal.shape == (3600, 1)
    # EDF stores 16 bits over the record's range (~2.7 mV here): resolution ~0.04 uV
    assert np.abs(back.signal[:, 0] - rec.signal[:, 0]).max() < 1e-3
    assert back.repairs == []
    if extension != ".csv":  # CSV carries no patient id
        assert back.patient_id == "p100"


def test_wfdb_record_by_header_data_or_base_path(mitdb_100: Path) -> None:
    for path in (mitdb_100, mitdb_100.with_suffix(".hea"), mitdb_100.with_suffix(".dat")):
        rec = read_record(path, channels=["MLII"], patient_id="100")
        assert rec.sampling_rate == 360.0 and rec.n_samples == 650_000 and rec.patient_id == "100"


def test_npy_layout_and_npz_metadata(tmp_path: Path, ecg_segment: tuple) -> None:
    signal, fs = ecg_segment
    twelve = np.stack([signal * (1 + i / 10) for i in range(12)])  # (12, n): channels first
    np.save(tmp_path / "leads.npy", twelve)
    rec = read_record(tmp_path / "leads.npy", sampling_rate=fs, units="mV")
    assert rec.signal.shape == (signal.size, 12)
    np.testing.assert_allclose(rec.signal[:, 3], signal * 1.3)
    np.savez(tmp_path / "r.npz", signal=signal, sampling_rate=fs, channel_names=["II"], labels=["afib"])
    rec = read_record(tmp_path / "r.npz")
    assert (rec.sampling_rate, rec.channel_names, rec.labels) == (360.0, ["II"], ["afib"])


def test_csv_layouts(tmp_path: Path, ecg_segment: tuple) -> None:
    signal, fs = ecg_segment
    x = signal[:1000]
    # one value column, no header: the rate must be given
    (tmp_path / "one.csv").write_text("\n".join(f"{v:.4f}" for v in x))
    assert read_record(tmp_path / "one.csv", sampling_rate=fs).n_samples == 1000
    # time in milliseconds rounded to whole ms (as a logger writes it), semicolons, header
    t_ms = np.round(np.arange(1000) / fs * 1000)
    (tmp_path / "ms.csv").write_text(
        "millis;ecg\n" + "\n".join(f"{t:.0f};{v:.4f}" for t, v in zip(t_ms, x, strict=True))
    )
    rec = read_record(tmp_path / "ms.csv")
    assert rec.sampling_rate == 360.0 and rec.channel_names == ["ecg"]
    # tab-separated, no header, time column guessed as the first column
    (tmp_path / "tab.tsv").write_text("\n".join(f"{i / 250:.4f}\t{v:.4f}\t{-v:.4f}" for i, v in enumerate(x)))
    rec = read_record(tmp_path / "tab.tsv")
    assert rec.sampling_rate == 250.0 and rec.signal.shape == (1000, 2)
    # comments and blank lines are skipped
    (tmp_path / "c.csv").write_text("# exported by X\n\n" + "\n".join(f"{v:.4f}" for v in x[:50]) + "\n\n")
    assert read_record(tmp_path / "c.csv", sampling_rate=100).n_samples == 50


def test_options_are_listed_per_format() -> None:
    assert set(READERS) == {".edf", ".bdf", ".hea", ".dat", ".csv", ".tsv", ".txt", ".npy", ".npz"}
    assert "time_col" in reader_options(".csv") and "channels" in reader_options(".edf")
    assert reader_options(".npz")[-4:] == ["patient_id", "labels", "max_nan_gap_s", "max_flat_s"]


# --- named bad inputs ------------------------------------------------------------------------------

Builder = Callable[[Path, tuple], tuple[Path, dict]]


def _wfdb_copy(tmp_path: Path, mitdb_100: Path) -> Path:
    for ext in (".hea", ".dat"):
        shutil.copyfile(mitdb_100.with_suffix(ext), tmp_path / f"100{ext}")
    return tmp_path / "100"


def _edf(tmp_path: Path, ecg: tuple, name: str = "a.edf") -> Path:
    write_record(tmp_path / name, _ecg_record(ecg))
    return tmp_path / name


def _csv(tmp_path: Path, text: str, name: str = "a.csv") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path / name


def _npz(tmp_path: Path, name: str = "a.npz", **arrays: object) -> Path:
    np.savez(tmp_path / name, **arrays)
    return tmp_path / name


def _values(ecg: tuple, n: int = 2000) -> np.ndarray:
    return ecg[0][:n].copy()


def _timed_csv(ecg: tuple, times: np.ndarray) -> str:
    return "time,ecg\n" + "\n".join(
        f"{t:.6f},{v:.4f}" for t, v in zip(times, _values(ecg, times.size), strict=True)
    )


def _edf_truncated(p: Path, ecg: tuple) -> tuple[Path, dict]:
    path = _edf(p, ecg)
    path.write_bytes(path.read_bytes()[:-3000])
    return path, {}


def _edf_longer(p: Path, ecg: tuple) -> tuple[Path, dict]:
    path = _edf(p, ecg)
    path.write_bytes(path.read_bytes() + b"\x00" * 100)
    return path, {}


def _edf_two_rates(p: Path, ecg: tuple) -> tuple[Path, dict]:
    import pyedflib

    path = p / "two.edf"
    x = ecg[0][:3600]
    headers = [
        {
            "label": "ECG",
            "dimension": "mV",
            "sample_frequency": 360,
            "physical_min": -5,
            "physical_max": 5,
            "digital_min": -32768,
            "digital_max": 32767,
        },
        {
            "label": "Resp",
            "dimension": "a.u.",
            "sample_frequency": 25,
            "physical_min": -5,
            "physical_max": 5,
            "digital_min": -32768,
            "digital_max": 32767,
        },
    ]
    writer = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    writer.setSignalHeaders(headers)
    writer.writeSamples([x, np.sin(np.arange(250) / 9.0)])
    writer.close()
    return path, {}


def _nan_run(seconds: float) -> Builder:
    def build(p: Path, ecg: tuple) -> tuple[Path, dict]:
        x = _values(ecg)
        x[500 : 500 + int(seconds * 360)] = np.nan
        return _npz(p, signal=x, fs=360.0), {}

    return build


def _flat_inside(p: Path, ecg: tuple) -> tuple[Path, dict]:
    x = ecg[0][: 3600 * 2].copy()
    x[1000 : 1000 + 3 * 360] = x[1000]  # 3 s of one value: lead off
    return _npz(p, signal=x, fs=360.0), {}


# case id -> (builder, exception, regex the message must match besides the file name)
BAD_INPUTS: dict[str, tuple[Builder, type[Exception], str]] = {
    "wfdb truncated .dat": (
        lambda p, e: (_trunc(_wfdb_copy(p, e[2])), {}),
        CorruptRecordError,
        r"100\.dat: truncated",
    ),
    "wfdb .dat longer than its header (header/data mismatch)": (
        lambda p, e: (_extend(_wfdb_copy(p, e[2])), {}),
        CorruptRecordError,
        r"header/data mismatch",
    ),
    "wfdb header that does not parse": (
        lambda p, e: (_garble_header(_wfdb_copy(p, e[2])), {}),
        CorruptRecordError,
        r"header cannot be parsed",
    ),
    "wfdb wrong sampling rate given": (
        lambda p, e: (_wfdb_copy(p, e[2]).with_suffix(".hea"), {"sampling_rate": 250}),
        DataError,
        r"wrong sampling rate: 250 Hz was given but the file says 360 Hz",
    ),
    "edf truncated": (_edf_truncated, CorruptRecordError, r"truncated: the header declares"),
    "edf longer than its header": (_edf_longer, CorruptRecordError, r"header/data mismatch"),
    "edf that is not EDF": (
        lambda p, e: (_bytes(p / "x.edf", b"0       " + bytes(range(256)) * 8), {}),
        CorruptRecordError,
        r"not a readable EDF/BDF file",
    ),
    "edf wrong sampling rate given": (
        lambda p, e: (_edf(p, e), {"sampling_rate": 500}),
        DataError,
        r"wrong sampling rate",
    ),
    "edf signals of different rates": (_edf_two_rates, DataError, r"different sampling rates .*channels="),
    "empty .edf": (lambda p, e: (_bytes(p / "e.edf", b""), {}), DataError, r"empty file"),
    "empty .csv": (lambda p, e: (_bytes(p / "e.csv", b""), {}), DataError, r"empty file"),
    "empty .npy": (lambda p, e: (_bytes(p / "e.npy", b""), {}), DataError, r"empty file"),
    "csv of blank and comment lines": (
        lambda p, e: (_csv(p, "\n# nothing\n\n"), {}),
        DataError,
        r"no data rows",
    ),
    "csv with only a header": (
        lambda p, e: (_csv(p, "time,ecg\n"), {}),
        DataError,
        r"no data rows \(only a header\)",
    ),
    "csv non-numeric row": (
        lambda p, e: (_csv(p, "ecg\n0.1\n0.2\n0.3\nlead off\n0.5\n"), {"sampling_rate": 250}),
        DataError,
        r"1 malformed row\(s\).*line 5: 'lead off' has 2 fields, expected 1",
    ),
    "csv row with the wrong field count": (
        lambda p, e: (_csv(p, "time,ecg\n0,1\n0.004,2\n0.008,3,4\n0.012,5\n"), {}),
        DataError,
        r"line 4: '0.008,3,4' has 3 fields, expected 2",
    ),
    "csv not UTF-8": (
        lambda p, e: (_bytes(p / "b.csv", b"1.0\n\xff\xfe2.0\n"), {"sampling_rate": 100}),
        DataError,
        r"not UTF-8 text \(byte 0xff at offset 4\)",
    ),
    "csv with NUL bytes": (
        lambda p, e: (_bytes(p / "n.csv", b"1\x00\n2\n"), {}),
        DataError,
        r"not a text file",
    ),
    "csv time column not increasing": (
        lambda p, e: (_csv(p, _timed_csv(e, np.r_[np.arange(100), 50, np.arange(101, 200)] / 360)), {}),
        DataError,
        r"time column not increasing at line 102",
    ),
    "csv irregular (jittery) time column": (
        lambda p, e: (
            _csv(p, _timed_csv(e, np.arange(500) / 360 + np.random.default_rng(0).uniform(0, 0.0025, 500))),
            {},
        ),
        DataError,
        r"irregular time column.*vitalkit convert serial",
    ),
    "csv time column disagreeing with the given rate": (
        lambda p, e: (_csv(p, _timed_csv(e, np.arange(500) / 360)), {"sampling_rate": 250}),
        DataError,
        r"wrong sampling rate: 250 Hz was given but the file says 360 Hz",
    ),
    "csv without time column or rate (missing sampling rate)": (
        lambda p, e: (_csv(p, "0.1\n0.2\n0.3\n"), {}),
        DataError,
        r"no sampling rate",
    ),
    "npy without sampling rate": (
        lambda p, e: (_save_npy(p, _values(e)), {}),
        DataError,
        r"no sampling rate.*sampling_rate=HZ",
    ),
    "npy sampling rate 0": (
        lambda p, e: (_save_npy(p, _values(e)), {"sampling_rate": 0}),
        DataError,
        r"invalid sampling rate 0",
    ),
    "npy negative sampling rate": (
        lambda p, e: (_save_npy(p, _values(e)), {"sampling_rate": -360}),
        DataError,
        r"invalid sampling rate -360",
    ),
    "npy sampling rate not a number": (
        lambda p, e: (_save_npy(p, _values(e)), {"sampling_rate": "360Hz"}),
        DataError,
        r"invalid sampling rate '360Hz'",
    ),
    "npy sampling rate NaN": (
        lambda p, e: (_save_npy(p, _values(e)), {"sampling_rate": float("nan")}),
        DataError,
        r"invalid sampling rate nan",
    ),
    "npz fs key disagreeing with the given rate": (
        lambda p, e: (_npz(p, signal=_values(e), fs=360.0), {"sampling_rate": 500}),
        DataError,
        r"wrong sampling rate: 500 Hz was given but the file says 360 Hz",
    ),
    "npz fs key invalid": (
        lambda p, e: (_npz(p, signal=_values(e), fs=-1.0), {}),
        DataError,
        r"key 'fs'.*invalid sampling rate -1",
    ),
    "npz holding pickled objects": (
        lambda p, e: (_npz(p, signal=np.array([{"a": 1}], dtype=object), fs=1.0), {}),
        DataError,
        r"Python objects \(pickles are never loaded\)",
    ),
    "npz without a signal array": (
        lambda p, e: (_npz(p, x=np.ones(9), y=np.ones(9), fs=1.0), {}),
        DataError,
        r"no 'signal' array",
    ),
    "npy of three dimensions": (
        lambda p, e: (_save_npy(p, np.ones((2, 3, 4))), {"sampling_rate": 1}),
        DataError,
        r"1-D or 2-D",
    ),
    "npy of strings": (
        lambda p, e: (_save_npy(p, np.array(["a", "b"])), {"sampling_rate": 1}),
        DataError,
        r"dtype <U1, not numbers",
    ),
    "not a NumPy file": (
        lambda p, e: (_bytes(p / "x.npy", b"garbage"), {"sampling_rate": 1}),
        DataError,
        r"not a NumPy file \(no .npy or .npz signature\)",
    ),
    "damaged NumPy archive": (
        lambda p, e: (_bytes(p / "x.npz", b"PK\x03\x04 garbage"), {}),
        DataError,
        r"not a readable NumPy file",
    ),
    "flat line": (
        lambda p, e: (_npz(p, signal=np.full(1000, 0.5), fs=250.0), {}),
        DataError,
        r"channel 'ch1' is a flat line \(every sample is 0.5\)",
    ),
    "constant zero": (
        lambda p, e: (_npz(p, signal=np.zeros(1000), fs=250.0), {}),
        DataError,
        r"channel 'ch1' is a constant zero",
    ),
    "flat stretch longer than max_flat_s": (
        _flat_inside,
        DataError,
        r"flat line of 3.00 s .* from 2.78 s: lead off",
    ),
    "NaN run longer than max_nan_gap_s": (
        _nan_run(0.5),
        DataError,
        r"180 missing samples in a row \(0.500 s\) from 1.389 s",
    ),
    "all samples NaN": (
        lambda p, e: (_npz(p, signal=np.full(100, np.nan), fs=250.0), {}),
        DataError,
        r"no valid samples",
    ),
    "a single sample": (
        lambda p, e: (_npz(p, signal=np.ones(1), fs=250.0), {}),
        DataError,
        r"too short: 1 sample",
    ),
    "unsupported extension": (
        lambda p, e: (_bytes(p / "x.mat", b"MATLAB"), {}),
        DataError,
        r"unsupported file type '.mat'",
    ),
    "missing file": (lambda p, e: (p / "nope.csv", {}), RecordNotFoundError, r"file not found"),
    "a folder instead of a file": (lambda p, e: (p, {}), DataError, r"a folder, not a recording"),
    "unknown read option": (
        lambda p, e: (_npz(p, signal=_values(e), fs=1.0), {"gain": 2}),
        ParamsError,
        r"unknown read option\(s\) \['gain'\] for .npz files",
    ),
    "read option of the wrong type": (
        lambda p, e: (_npz(p, signal=_values(e), fs=1.0), {"max_flat_s": "2"}),
        ParamsError,
        r"max_flat_s must be a number",
    ),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _save_npy(p: Path, array: np.ndarray) -> Path:
    np.save(p / "a.npy", array)
    return p / "a.npy"


def _trunc(base: Path) -> Path:
    dat = base.with_suffix(".dat")
    dat.write_bytes(dat.read_bytes()[:500_000])
    return base.with_suffix(".hea")


def _extend(base: Path) -> Path:
    dat = base.with_suffix(".dat")
    dat.write_bytes(dat.read_bytes() + b"\x00" * 3000)
    return base.with_suffix(".dat")


def _garble_header(base: Path) -> Path:
    base.with_suffix(".hea").write_text("100 two 360 650000\n")
    return base.with_suffix(".hea")


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_a_clear_error(
    case: str, tmp_path: Path, ecg_segment: tuple, mitdb_100: Path
) -> None:
    build, error, pattern = BAD_INPUTS[case]
    path, options = build(tmp_path, (*ecg_segment, mitdb_100))
    with pytest.raises(error) as info:
        read_record(path, **options)
    message = str(info.value)
    assert path.name in message or path.stem in message, message  # names the file
    assert "Traceback" not in message
    import re

    assert re.search(pattern, message), message


# --- documented repairs ------------------------------------------------------------------------------


def test_short_nan_runs_are_interpolated_and_reported(tmp_path: Path, ecg_segment: tuple) -> None:
    x = _values(ecg_segment)
    original = x.copy()
    x[100:110] = np.nan  # 28 ms
    x[900] = np.inf
    rec = read_record(_npz(tmp_path, signal=x, fs=360.0))
    assert rec.repairs == [
        "channel 'ch1': 11 missing samples (2 runs, longest 0.028 s) linearly interpolated"
    ]
    np.testing.assert_allclose(rec.signal[100:110, 0], np.linspace(original[99], original[110], 12)[1:-1])
    assert np.isfinite(rec.signal).all()
    # the limit is an option
    with pytest.raises(DataError, match=r"longer than max_nan_gap_s=0\.01 s"):
        read_record(tmp_path / "a.npz", max_nan_gap_s=0.01)


def test_csv_empty_cells_gaps_and_bad_rows_as_missing(tmp_path: Path, ecg_segment: tuple) -> None:
    x = _values(ecg_segment, 400)
    rows = [f"{i / 360:.6f},{v:.4f}" for i, v in enumerate(x)]
    rows[10] = f"{10 / 360:.6f},"  # empty cell
    rows[50] = f"{50 / 360:.6f},#ERR"  # non-numeric
    del rows[20:23]  # three samples missing from the time grid: sample 50 is now on line 49
    path = _csv(tmp_path, "time,ecg\n" + "\n".join(rows))
    with pytest.raises(
        DataError, match=r"line 49: '0.138889,#ERR' has a missing time or a non-numeric field"
    ):
        read_record(path)
    rec = read_record(path, bad_rows="missing")
    assert rec.n_samples == 400 and rec.sampling_rate == 360.0
    assert rec.repairs[:2] == [
        "1 malformed row(s) at line(s) 49 read as missing samples",
        "time column: 3 sample(s) missing from the time grid",
    ]
    assert rec.repairs[2].startswith("channel 'ecg': 5 missing samples (3 runs")


def test_flat_stretches_can_be_accepted(tmp_path: Path, ecg_segment: tuple) -> None:
    path, _ = _flat_inside(tmp_path, ecg_segment)
    rec = read_record(path, max_flat_s=None)  # e.g. the Creighton VF records
    assert rec.n_samples == 7200 and rec.repairs == []
