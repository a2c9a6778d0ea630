"""Property-based bad input (hypothesis): whatever bytes a reader gets, it returns a checked
Record or raises a VitalKit error (DataError / ParamsError), never a library's exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import wfdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vitalkit.data.readers import read_record
from vitalkit.data.records import Record
from vitalkit.data.writers import write_record
from vitalkit.errors import VitalKitError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(path: Path, **options: object) -> str:
    """Read ``path``; a Record must be finite and checked, anything else a VitalKitError."""
    try:
        record = read_record(path, **options)
    except VitalKitError as exc:
        assert str(path.name) in str(exc) or str(path.stem) in str(exc), str(exc)
        return "error"
    assert isinstance(record, Record)
    assert np.isfinite(record.signal).all() and record.signal.shape[0] >= 2
    assert np.isfinite(record.sampling_rate) and record.sampling_rate > 0
    return "record"


def _valid_bytes(extension: str) -> bytes:
    rng = np.random.default_rng(0)
    rec = Record("v", np.cumsum(rng.normal(size=500)) * 0.01, 250.0, ["ECG"], ["mV"], patient_id="p")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"v{extension}"
        if extension == ".npy":
            np.save(path, rec.signal)
        else:
            write_record(path, rec)
        return path.read_bytes()


VALID = {ext: _valid_bytes(ext) for ext in (".edf", ".csv", ".npz", ".npy")}


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data[: max(0, len(data) - cut)])
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    return bytes(out)


mutations = st.tuples(
    st.integers(0, 3000), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12)
)


@SETTINGS
@given(
    extension=st.sampled_from([".edf", ".bdf", ".csv", ".txt", ".npy", ".npz"]), data=st.binary(max_size=3000)
)
def test_random_bytes(extension: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{extension}"
        path.write_bytes(data)
        _outcome(path, sampling_rate=250) if extension in (".npy", ".csv", ".txt") else _outcome(path)


@SETTINGS
@given(extension=st.sampled_from(sorted(VALID)), mutation=mutations)
def test_damaged_valid_files(extension: str, mutation: tuple) -> None:
    """Truncated files and flipped bytes in real EDF / CSV / NumPy files."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{extension}"
        path.write_bytes(_mutate(VALID[extension], *mutation))
        _outcome(path, sampling_rate=250) if extension == ".npy" else _outcome(path)


csv_text = st.text(alphabet=st.sampled_from(list("0123456789.,;-+e\t \n#nanNAtime(ms)x")), max_size=400)


@SETTINGS
@given(
    text=csv_text,
    rate=st.sampled_from([None, 250, 0, -1.0, float("nan"), "fast"]),
    bad_rows=st.sampled_from(["error", "missing"]),
)
def test_random_csv_content(text: str, rate: object, bad_rows: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_text(text)
        options = {"bad_rows": bad_rows} if rate is None else {"bad_rows": bad_rows, "sampling_rate": rate}
        _outcome(path, **options)


@SETTINGS
@given(
    signal=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=40)),
    fs=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.just("360")),
    extra=st.dictionaries(
        st.sampled_from(["channel_names", "units", "labels", "patient_id", "other"]),
        st.lists(st.text(max_size=5), max_size=3),
        max_size=3,
    ),
)
def test_random_numpy_archives(signal: np.ndarray, fs: object, extra: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.npz"
        arrays_ = {"signal": signal, **{k: np.asarray(v, dtype=str) for k, v in extra.items()}}
        if fs is not None:
            arrays_["fs"] = np.asarray(fs)
        np.savez(path, **arrays_)
        _outcome(path)
        np.save(Path(folder) / "x.npy", signal)
        _outcome(Path(folder) / "x.npy", sampling_rate=fs if fs is not None else 100.0)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=2000), header=st.one_of(st.none(), st.text(max_size=200)))
def test_wfdb_random_data_and_headers(data: bytes, header: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rng = np.random.default_rng(1)
        wfdb.wrsamp(
            "r",
            fs=250,
            units=["mV"],
            sig_name=["ECG"],
            p_signal=rng.normal(size=(400, 1)),
            fmt=["16"],
            write_dir=folder,
        )
        (Path(folder) / "r.dat").write_bytes(data)
        if header is not None:
            (Path(folder) / "r.hea").write_text(header)
        _outcome(Path(folder) / "r.hea")
