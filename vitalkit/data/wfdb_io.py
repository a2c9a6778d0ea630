"""Reading WFDB records (wfdb-python) with integrity checks in front of it.

wfdb reads what it is given: a truncated ``.dat`` ends in a NumPy broadcasting error deep
inside the library and a corrupted one loads silently. :func:`verify_wfdb_record` checks the
header against the data files first (expected byte count from format, channels and length)
and the header's checksums against the samples, so that every problem names the file.

Examples
--------
>>> from vitalkit.data.wfdb_io import read_wfdb          # doctest: +SKIP
>>> rec = read_wfdb("data/raw/mitdb/100")                # doctest: +SKIP
>>> rec.sampling_rate, rec.channel_names                 # doctest: +SKIP
(360.0, ['MLII', 'V5'])
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import wfdb

from vitalkit.data.records import Annotations, Record
from vitalkit.errors import CorruptRecordError, DataError, RecordNotFoundError

# Bits per sample of the uncompressed WFDB formats (format 0 = null signal, no file).
_BITS_PER_SAMPLE = {
    "8": 8,
    "16": 16,
    "24": 24,
    "32": 32,
    "61": 16,
    "80": 8,
    "160": 16,
    "212": 12,
    "310": 32 / 3,
    "311": 32 / 3,
}


def _base(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in {".hea", ".dat"} else path


def read_header(path: str | Path) -> wfdb.Record:
    """Read and return a WFDB header, raising a :class:`DataError` naming the file."""
    base = _base(path)
    hea = base.with_name(base.name + ".hea")
    if not hea.is_file():
        raise RecordNotFoundError(hea, "header file not found")
    try:
        return wfdb.rdheader(str(base))
    except Exception as exc:  # wfdb raises bare ValueError/IndexError on bad headers
        raise CorruptRecordError(hea, f"header cannot be parsed ({exc})") from None


def _expected_sizes(header: wfdb.Record) -> dict[str, int]:
    """Expected byte count of each data file, from the header."""
    bits: dict[str, float] = defaultdict(float)
    offsets: dict[str, int] = {}
    for i, file_name in enumerate(header.file_name or []):
        fmt = str(header.fmt[i])
        if fmt not in _BITS_PER_SAMPLE:
            continue  # compressed or exotic formats: size not predictable
        spf = (header.samps_per_frame or [1] * header.n_sig)[i] or 1
        bits[file_name] += _BITS_PER_SAMPLE[fmt] * spf
        offsets[file_name] = int((header.byte_offset or [None] * header.n_sig)[i] or 0)
    return {
        name: offsets[name] + math.ceil(bits_per_frame * header.sig_len / 8)
        for name, bits_per_frame in bits.items()
    }


def check_record_files(path: str | Path) -> wfdb.Record:
    """Check that a record's header parses and its data files have the declared size.

    This reads no samples, so it is cheap enough to run on every record of a parameter set
    before a pipeline starts.

    Parameters
    ----------
    path : str or Path
        Record path without extension (``.../mitdb/100``).

    Returns
    -------
    wfdb.Record
        The parsed header.

    Raises
    ------
    RecordNotFoundError
        The header or a data file named in it is missing.
    CorruptRecordError
        The header cannot be parsed, or a data file is shorter or longer than it declares.
    """
    base = _base(path)
    header = read_header(base)
    if header.sig_len in (None, 0) or header.n_sig == 0:
        raise CorruptRecordError(base.with_name(base.name + ".hea"), "header declares no samples")
    for file_name, expected in _expected_sizes(header).items():
        dat = base.parent / file_name
        if not dat.is_file():
            raise RecordNotFoundError(dat, "data file named in the header not found")
        found = dat.stat().st_size
        if found < expected:
            raise CorruptRecordError(
                dat,
                f"truncated: the header declares {header.sig_len} samples x {header.n_sig} "
                f"channels (format {header.fmt[0]}), i.e. {expected} bytes, the file has {found}",
            )
        if found > expected + 2:  # format 212/310 pad the last frame to whole bytes
            raise CorruptRecordError(
                dat,
                f"header/data mismatch: the header declares {expected} bytes "
                f"({header.sig_len} samples), the file has {found}",
            )
    return header


def verify_wfdb_record(path: str | Path, check_checksum: bool = True) -> wfdb.Record:
    """Check a WFDB record's files against its header and return the digital record.

    Parameters
    ----------
    path : str or Path
        Record path without extension (``.../mitdb/100``).
    check_checksum : bool
        Compare the header's per-signal checksums with the samples. Headers with a
        checksum of 0 are taken to carry none (as in the CinC 2017 files).

    Returns
    -------
    wfdb.Record
        The record read with ``physical=False``.

    Raises
    ------
    RecordNotFoundError
        A header or data file is missing.
    CorruptRecordError
        A data file is shorter or longer than its header says, cannot be decoded, or its
        samples do not match the header checksum.
    """
    base = _base(path)
    check_record_files(base)
    try:
        record = wfdb.rdrecord(str(base), physical=False)
    except Exception as exc:
        raise CorruptRecordError(base, f"data cannot be decoded ({exc})") from None
    if check_checksum and record.checksum:
        d = record.d_signal.astype(np.int64)
        computed = d.sum(axis=0) % 65536  # 16-bit sum; headers write it signed or unsigned
        for i, (want, got) in enumerate(zip(record.checksum, computed, strict=False)):
            if want not in (None, 0) and int(want) % 65536 != int(got):
                raise CorruptRecordError(
                    base.parent / record.file_name[i],
                    f"checksum mismatch in channel {record.sig_name[i]!r}: header {want}, "
                    f"data {int(got)} (the file is corrupt or does not belong to this header)",
                )
    return record


def read_wfdb(
    path: str | Path,
    channels: list[str] | None = None,
    annotator: str | None = None,
    check_checksum: bool = True,
) -> Record:
    """Read a WFDB record into a :class:`Record`, verified first.

    Parameters
    ----------
    path : str or Path
        Record path without extension.
    channels : list of str, optional
        Channel names to keep (all by default).
    annotator : str, optional
        Annotation file extension to read along (``'atr'``).
    check_checksum : bool
        See :func:`verify_wfdb_record`.

    Returns
    -------
    Record
        Physical signal in float64; invalid samples are NaN.

    Examples
    --------
    >>> rec = read_wfdb("data/raw/mitdb/114", channels=["MLII"], annotator="atr")  # doctest: +SKIP
    >>> rec.channel_names                                                           # doctest: +SKIP
    ['MLII']
    """
    base = _base(path)
    digital = verify_wfdb_record(base, check_checksum=check_checksum)
    signal = digital.dac(expanded=False, return_res=64)
    names = list(digital.sig_name)
    units = list(digital.units or ["" for _ in names])
    if channels is not None:
        missing = [c for c in channels if c not in names]
        if missing:
            raise DataError(base, f"no channel(s) {missing}; the record has {names}")
        idx = [names.index(c) for c in channels]
        signal, names, units = signal[:, idx], [names[i] for i in idx], [units[i] for i in idx]
    annotations = read_annotations(base, annotator, digital.sig_len) if annotator else None
    return Record(
        name=base.name,
        signal=np.asarray(signal, dtype=np.float64),
        sampling_rate=float(digital.fs),
        channel_names=names,
        units=units,
        annotations=annotations,
        source=base,
    )


def read_annotations(path: str | Path, extension: str = "atr", sig_len: int | None = None) -> Annotations:
    """Read a WFDB annotation file, with clear errors for missing or corrupt files.

    Parameters
    ----------
    path : str or Path
        Record path without extension.
    extension : str
        Annotator (file extension), e.g. ``'atr'``.
    sig_len : int, optional
        Record length; annotations beyond it mark the file as corrupt.
    """
    base = _base(path)
    ann_file = base.with_name(f"{base.name}.{extension}")
    if not ann_file.is_file():
        raise RecordNotFoundError(ann_file, "annotation file not found")
    try:
        ann = wfdb.rdann(str(base), extension)
    except Exception as exc:
        raise CorruptRecordError(ann_file, f"annotations cannot be decoded ({exc})") from None
    sample = np.asarray(ann.sample, dtype=np.int64)
    if sample.size and (np.any(np.diff(sample) < 0) or sample[0] < 0):
        raise CorruptRecordError(ann_file, "annotation times are not increasing")
    if sig_len is not None and sample.size and sample[-1] > sig_len:
        raise CorruptRecordError(
            ann_file, f"annotation at sample {sample[-1]} beyond the record's {sig_len} samples"
        )
    aux = [(a or "").replace("\x00", "").strip() for a in (ann.aux_note or [""] * sample.size)]
    return Annotations(
        sample=sample,
        symbol=np.asarray(ann.symbol, dtype=object),
        aux_note=np.asarray(aux, dtype=object),
        subtype=np.asarray(ann.subtype if ann.subtype is not None else np.zeros(sample.size), dtype=np.int64),
        chan=np.asarray(ann.chan if ann.chan is not None else np.zeros(sample.size), dtype=np.int64),
    )
