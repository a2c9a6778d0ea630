"""Writing a :class:`Record` as EDF+, CSV or ``.npz``, in the layouts the readers read back.

Used to build example and synthetic dataset folders and test fixtures; every file is
written atomically (:func:`vitalkit.io.atomic_path`).

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> from vitalkit.data.readers import read_record
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> rec = Record("r1", np.sin(np.arange(1000) / 9.0), 250.0, ["ECG"], ["mV"], patient_id="p1")
>>> for ext in WRITERS:
...     write_record(folder / f"r1{ext}", rec)
...     back = read_record(folder / f"r1{ext}")
...     print(ext, back.sampling_rate, back.n_samples, float(np.abs(back.signal - rec.signal).max()) < 1e-3)
.edf 250.0 1000 True
.csv 250.0 1000 True
.npz 250.0 1000 True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vitalkit.data.records import Record
from vitalkit.io import atomic_path, save_npz

_RECORD_DURATIONS = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.04, 0.02, 0.01)


def _edf_record_duration(n_samples: int, sampling_rate: float) -> float:
    for duration in _RECORD_DURATIONS:
        per_record = sampling_rate * duration
        if abs(per_record - round(per_record)) < 1e-9 and n_samples % round(per_record) == 0:
            return duration
    raise ValueError(
        f"{n_samples} samples at {sampling_rate:g} Hz do not fill whole EDF data records "
        f"(of {_RECORD_DURATIONS} s); trim the signal to whole seconds"
    )


def write_edf(path: str | Path, record: Record) -> None:
    """Write an EDF+ file (16-bit; each channel's physical range is its own min/max).

    The record's length must fill whole data records (whole seconds always do): EDF pads
    the last record otherwise, which would change the length read back.
    """
    import pyedflib

    duration = _edf_record_duration(record.n_samples, record.sampling_rate)
    headers = []
    for c, name in enumerate(record.channel_names):
        x = record.signal[:, c]
        low, high = np.floor(x.min() * 1000) / 1000, np.ceil(x.max() * 1000) / 1000
        if high <= low:
            low, high = low - 1, high + 1
        headers.append(
            {
                "label": name[:16],
                "dimension": (record.units[c] if c < len(record.units) else "")[:8],
                "sample_frequency": record.sampling_rate,
                "physical_min": float(low),
                "physical_max": float(high),
                "digital_min": -32768,
                "digital_max": 32767,
            }
        )
    with atomic_path(path) as tmp:
        writer = pyedflib.EdfWriter(str(tmp), len(headers), file_type=pyedflib.FILETYPE_EDFPLUS)
        try:
            if duration != 1.0:
                with (
                    warnings.catch_warnings()
                ):  # "might alter sample frequencies": it does not, rate * duration is whole
                    warnings.simplefilter("ignore", UserWarning)
                    writer.setDatarecordDuration(duration)
            writer.setSignalHeaders(headers)
            writer.setPatientCode(record.patient_id.replace(" ", "_"))
            writer.writeSamples([np.ascontiguousarray(record.signal[:, c]) for c in range(len(headers))])
        finally:
            writer.close()


def write_csv(path: str | Path, record: Record) -> None:
    """Write ``time (s),<channel> (<unit>),...`` rows, times with microsecond precision."""
    header = ",".join(
        [
            "time (s)",
            *(f"{n} ({u})" if u else n for n, u in zip(record.channel_names, record.units, strict=False)),
        ]
    )
    times = np.arange(record.n_samples) / record.sampling_rate
    with atomic_path(path) as tmp:
        np.savetxt(
            tmp,
            np.column_stack([times, record.signal]),
            delimiter=",",
            header=header,
            comments="",
            fmt="%.6f",
        )


def write_npz(path: str | Path, record: Record) -> None:
    """Write the ``.npz`` layout of :mod:`vitalkit.data.readers.numpy_arrays`."""
    save_npz(
        path,
        signal=np.asarray(record.signal, dtype=np.float64),
        fs=np.float64(record.sampling_rate),
        channel_names=np.asarray(record.channel_names, dtype=str),
        units=np.asarray(record.units, dtype=str),
        patient_id=np.asarray(record.patient_id, dtype=str),
        labels=np.asarray(record.labels, dtype=str),
    )


WRITERS: dict[str, Callable[[str | Path, Record], None]] = {
    ".edf": write_edf,
    ".csv": write_csv,
    ".npz": write_npz,
}
"""Writer of each file extension."""


def write_record(path: str | Path, record: Record) -> None:
    """Write ``record`` in the format of ``path``'s extension (:data:`WRITERS`).

    Raises
    ------
    ValueError
        An extension with no writer.
    """
    extension = Path(path).suffix.lower()
    if extension not in WRITERS:
        raise ValueError(f"no writer for {extension!r}; writable: {sorted(WRITERS)}")
    WRITERS[extension](path, record)
