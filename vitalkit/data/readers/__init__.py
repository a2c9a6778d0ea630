"""Readers of your own recordings: EDF/EDF+/BDF, WFDB, CSV/text, NumPy; one :class:`Record` type out.

:func:`read_record` picks the reader from the file extension (:data:`READERS`), passes it
the format's options, then applies the checks every format shares
(:func:`~vitalkit.data.readers.checks.check_record`: missing samples interpolated when
short and reported in ``record.repairs``, flat lines and constant zero rejected). Every
problem a file can have is a :class:`~vitalkit.errors.DataError` naming the file; an
option the reader does not know is a :class:`~vitalkit.errors.ParamsError`.

=========================  ============================================  ==========================
extension                  reader                                        sampling rate
=========================  ============================================  ==========================
``.edf`` ``.bdf``          :func:`~.edf.read_edf` (pyedflib)             header
``.hea`` ``.dat`` (none)   :func:`~.wfdb_record.read_wfdb_file`          header
``.csv`` ``.tsv`` ``.txt`` :func:`~.csv_text.read_csv_record`            time column or given
``.npy``                   :func:`~.numpy_arrays.read_npy`               given
``.npz``                   :func:`~.numpy_arrays.read_npz`               ``fs`` key or given
=========================  ============================================  ==========================

Options every reader takes: ``sampling_rate`` (the rate you expect: required where the
file has none, checked where it has one), and, applied by :func:`read_record`:
``patient_id``, ``labels``, ``max_nan_gap_s`` (default 0.1 s) and ``max_flat_s`` (2 s).

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> ecg = np.sin(np.arange(2000) / 12.0)
>>> np.save(folder / "a.npy", ecg)
>>> rec = read_record(folder / "a.npy", sampling_rate=250, patient_id="p7", labels=["normal"])
>>> rec.duration_s, rec.patient_id, rec.labels
(8.0, 'p7', ['normal'])
>>> read_record(folder / "a.npy")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vitalkit.errors.DataError: .../a.npy: no sampling rate: the file does not carry one; give sampling_rate=HZ
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from vitalkit.data.readers.checks import check_record
from vitalkit.data.readers.csv_text import read_csv_record
from vitalkit.data.readers.edf import read_edf
from vitalkit.data.readers.numpy_arrays import read_npy, read_npz
from vitalkit.data.readers.wfdb_record import read_wfdb_file
from vitalkit.data.records import Record
from vitalkit.errors import DataError, ParamsError, RecordNotFoundError

Reader = Callable[..., Record]

READERS: dict[str, Reader] = {
    ".edf": read_edf,
    ".bdf": read_edf,
    ".hea": read_wfdb_file,
    ".dat": read_wfdb_file,
    ".csv": read_csv_record,
    ".tsv": read_csv_record,
    ".txt": read_csv_record,
    ".npy": read_npy,
    ".npz": read_npz,
}
"""Reader of each file extension (lower case, with the dot)."""

COMMON_OPTIONS: tuple[str, ...] = ("patient_id", "labels", "max_nan_gap_s", "max_flat_s")
"""Options :func:`read_record` applies itself, whatever the format."""


def reader_options(extension: str) -> list[str]:
    """Options the reader of ``extension`` accepts (format options, then the common ones).

    Examples
    --------
    >>> reader_options(".npy")
    ['sampling_rate', 'channel_names', 'units', 'patient_id', 'labels', 'max_nan_gap_s', 'max_flat_s']
    """
    params = list(inspect.signature(READERS[extension]).parameters)[1:]
    return [*params, *COMMON_OPTIONS]


def _resolve(path: Path) -> tuple[Path, str]:
    extension = path.suffix.lower()
    if not path.exists():
        if path.with_name(path.name + ".hea").is_file():  # WFDB record given without extension
            return path, ".hea"
        raise RecordNotFoundError(path, "file not found")
    if path.is_dir():
        raise DataError(path, "a folder, not a recording (use read_labelled_folder for a dataset folder)")
    if extension not in READERS:
        raise DataError(
            path, f"unsupported file type {extension or '(no extension)'!r}; readable: {sorted(READERS)}"
        )
    if path.stat().st_size == 0:
        raise DataError(path, "empty file")
    return path, extension


def read_record(
    path: str | Path,
    *,
    patient_id: str = "",
    labels: list[str] | None = None,
    max_nan_gap_s: float = 0.1,
    max_flat_s: float | None = 2.0,
    **options: object,
) -> Record:
    """Read any supported recording into a checked :class:`Record`.

    Parameters
    ----------
    path : str or Path
        The file (a WFDB record may be given without extension).
    patient_id : str
        Patient identifier (default: from the file, else its name).
    labels : list of str, optional
        Record-level labels to attach.
    max_nan_gap_s, max_flat_s : float
        See :func:`~vitalkit.data.readers.checks.check_record`.
    **options
        Format options (:func:`reader_options`), e.g. ``sampling_rate=250``.

    Raises
    ------
    RecordNotFoundError
        The file does not exist.
    DataError
        Unsupported extension or any problem with the file's content.
    ParamsError
        An option the format's reader does not take.
    """
    path, extension = _resolve(Path(path))
    allowed = reader_options(extension)
    unknown = sorted(set(options) - set(allowed))
    problems = (
        [f"unknown read option(s) {unknown} for {extension} files; known: {allowed}"] if unknown else []
    )
    for name, value in (("max_nan_gap_s", max_nan_gap_s), ("max_flat_s", max_flat_s)):
        if value is None and name == "max_flat_s":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            problems.append(f"{name} must be a number >= 0, got {value!r}")
    if problems:
        raise ParamsError(path, problems)
    try:
        record = READERS[extension](path, **options)
    except (TypeError, ValueError) as exc:  # a reader option of the wrong type reaching NumPy / pandas
        if not options:
            raise
        raise ParamsError(path, [f"invalid read option value(s) {options}: {exc}"]) from None
    record = check_record(record, max_nan_gap_s=max_nan_gap_s, max_flat_s=max_flat_s)
    if patient_id:
        record.patient_id = str(patient_id)
    if labels is not None:
        record.labels = [str(label) for label in labels]
    return record


__all__ = ["COMMON_OPTIONS", "READERS", "check_record", "read_record", "reader_options"]
