"""EDF, EDF+ and BDF files (Holters, polysomnography, open hardware), read with pyedflib.

Why pyedflib and not wfdb's EDF support: pyedflib wraps EDFlib, which implements EDF+
(the annotation signal, discontinuous records) and BDF and rejects malformed headers with
a message; wfdb 4.3's ``read_edf`` fails with a NumPy broadcasting error on a valid EDF+
file written by pyedflib (it does not skip the annotation signal), and on a truncated file
with a reshape error. Neither library rejects a file *longer* than its header declares, so
:func:`check_edf_size` compares the size with the header first (as
:func:`vitalkit.data.wfdb_io.check_record_files` does for WFDB).

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> from vitalkit.data.records import Record
>>> from vitalkit.data.writers import write_record
>>> path = pathlib.Path(tempfile.mkdtemp()) / "holter.edf"
>>> ecg = np.sin(np.arange(2500) / 10.0)
>>> write_record(path, Record("holter", ecg, 250.0, ["ECG"], ["mV"], patient_id="p01"))
>>> rec = read_edf(path)
>>> rec.sampling_rate, rec.channel_names, rec.units, rec.patient_id
(250.0, ['ECG'], ['mV'], 'p01')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vitalkit.data.readers.checks import check_sampling_rate
from vitalkit.data.records import Annotations, Record
from vitalkit.errors import CorruptRecordError, DataError

_SIGNAL_FIELDS = (16, 80, 8, 8, 8, 8, 8, 80)  # label ... prefilter: bytes per signal before "nr of samples"


def check_edf_size(path: Path) -> None:
    """Compare an EDF/BDF file's size with the size its header declares.

    Raises
    ------
    CorruptRecordError
        Truncated or longer than declared. A header that cannot be parsed here is left to
        pyedflib to report.
    """
    with open(path, "rb") as handle:
        head = handle.read(256)
        try:
            n_records = int(head[236:244].decode("ascii"))
            n_signals = int(head[252:256].decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return
        if n_records < 0 or not 0 < n_signals < 10_000:
            return
        handle.seek(256 + n_signals * sum(_SIGNAL_FIELDS))
        field = handle.read(8 * n_signals)
    try:
        samples = [int(field[8 * i : 8 * i + 8].decode("ascii")) for i in range(n_signals)]
    except (UnicodeDecodeError, ValueError):
        return
    bytes_per_sample = 3 if head[:1] == b"\xff" else 2  # BDF: 24-bit samples
    expected = 256 * (n_signals + 1) + n_records * sum(samples) * bytes_per_sample
    found = path.stat().st_size
    if found < expected:
        raise CorruptRecordError(
            path,
            f"truncated: the header declares {n_records} data records, i.e. {expected} bytes, "
            f"the file has {found}",
        )
    if found > expected:
        raise CorruptRecordError(
            path, f"header/data mismatch: the header declares {expected} bytes, the file has {found}"
        )


def read_edf(
    path: str | Path, sampling_rate: float | None = None, channels: list[str] | None = None
) -> Record:
    """Read an EDF, EDF+ or BDF file into a :class:`Record` (physical units).

    Parameters
    ----------
    path : str or Path
        The ``.edf`` / ``.bdf`` file.
    sampling_rate : float, optional
        The rate you expect; a different rate in the file is a :class:`DataError`.
    channels : list of str, optional
        Signal labels to keep (all by default). The kept signals must share one sampling
        rate (EDF allows one per signal).

    Returns
    -------
    Record
        ``patient_id`` is the EDF+ patient code when the file has one; EDF+ annotations
        become :attr:`Record.annotations` (the description as the symbol).
    """
    import pyedflib

    path = Path(path)
    check_edf_size(path)
    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as exc:
        problem = str(exc).split(": ", 1)[-1] if str(path) in str(exc) else str(exc)
        raise CorruptRecordError(path, f"not a readable EDF/BDF file ({problem})") from None
    try:
        labels = [label.strip() for label in reader.getSignalLabels()]
        if not labels:
            raise DataError(path, "no signals (only annotations)")
        chosen = list(range(len(labels)))
        if channels is not None:
            missing = [c for c in channels if c not in labels]
            if missing:
                raise DataError(path, f"no channel(s) {missing}; the file has {labels}")
            chosen = [labels.index(c) for c in channels]
        rates = {labels[i]: float(reader.getSampleFrequency(i)) for i in chosen}
        if len(set(rates.values())) > 1:
            raise DataError(
                path,
                f"signals have different sampling rates {rates}; "
                "choose signals of one rate with channels=[...]",
            )
        fs = check_sampling_rate(sampling_rate, path, found=next(iter(rates.values())))
        signal = np.column_stack([reader.readSignal(i) for i in chosen]).astype(np.float64)
        onsets, _, descriptions = reader.readAnnotations()
        annotations = None
        if len(onsets):
            annotations = Annotations(
                sample=np.round(np.asarray(onsets) * fs).astype(np.int64),
                symbol=np.asarray([str(d) for d in descriptions], dtype=object),
                aux_note=np.asarray([""] * len(onsets), dtype=object),
            )
        patient = (reader.getPatientCode() or "").strip()
        units = [reader.getPhysicalDimension(i).strip() for i in chosen]
    finally:
        reader.close()
    return Record(
        name=path.stem,
        signal=signal,
        sampling_rate=fs,
        channel_names=[labels[i] for i in chosen],
        units=units,
        patient_id="" if patient in ("", "X") else patient,
        annotations=annotations,
        source=path,
    )
