"""WFDB records (``.hea`` + ``.dat``), through the verified reader :func:`~vitalkit.data.wfdb_io.read_wfdb`.

The header is checked against the data files (size, checksums) before wfdb decodes
anything, so a truncated ``.dat`` or a header/data mismatch names the file.

Examples
--------
>>> rec = read_wfdb_file("data/raw/mitdb/100.hea", channels=["MLII"])  # doctest: +SKIP
>>> rec.sampling_rate, rec.channel_names                              # doctest: +SKIP
(360.0, ['MLII'])
"""

from __future__ import annotations

from pathlib import Path

from vitalkit.data.readers.checks import check_sampling_rate
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb


def read_wfdb_file(
    path: str | Path,
    sampling_rate: float | None = None,
    channels: list[str] | None = None,
    annotator: str | None = None,
    check_checksum: bool = True,
) -> Record:
    """Read a WFDB record given its ``.hea`` or ``.dat`` file (or its path without extension).

    Parameters
    ----------
    path : str or Path
        ``.../100.hea``, ``.../100.dat`` or ``.../100``.
    sampling_rate : float, optional
        The rate you expect; a different rate in the header is a :class:`DataError`.
    channels, annotator, check_checksum
        As in :func:`vitalkit.data.wfdb_io.read_wfdb`.
    """
    record = read_wfdb(path, channels=channels, annotator=annotator, check_checksum=check_checksum)
    check_sampling_rate(sampling_rate, record.source or path, found=record.sampling_rate)
    return record
