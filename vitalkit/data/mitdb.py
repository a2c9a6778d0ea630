"""The MIT-BIH Arrhythmia Database: record lists and the de Chazal inter-patient split.

Examples
--------
>>> from vitalkit.data import mitdb
>>> len(mitdb.DS1), len(mitdb.DS2), len(mitdb.PACED)
(22, 22, 4)
>>> mitdb.resolve_records("DS2")[:2]
['100', '103']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from vitalkit.data.physionet import ensure_records, record_files
from vitalkit.data.wfdb_io import read_annotations
from vitalkit.errors import DataError
from vitalkit.labels import AAMI_CLASSES, AAMI_MAP, QRS_SYMBOLS

SLUG = "mitdb"
SAMPLING_RATE = 360.0
LEAD = "MLII"

SAME_PATIENT: dict[str, str] = {"202": "201"}
"""Records that come from the same subject as another record (the database directory: 201 and
202 are one patient), mapped to the record that names the patient."""


def patient_of(record: str) -> str:
    """The patient a record belongs to (its own name, or :data:`SAME_PATIENT`'s).

    Examples
    --------
    >>> patient_of("202"), patient_of("100")
    ('201', '100')
    """
    return SAME_PATIENT.get(str(record), str(record))


ALL_RECORDS: tuple[str, ...] = tuple(
    str(r)
    for r in (
        100,
        101,
        102,
        103,
        104,
        105,
        106,
        107,
        108,
        109,
        111,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        119,
        121,
        122,
        123,
        124,
        200,
        201,
        202,
        203,
        205,
        207,
        208,
        209,
        210,
        212,
        213,
        214,
        215,
        217,
        219,
        220,
        221,
        222,
        223,
        228,
        230,
        231,
        232,
        233,
        234,
    )
)
"""All 48 records."""

PACED: tuple[str, ...] = ("102", "104", "107", "217")
"""Paced records, excluded from the AAMI inter-patient protocol."""

DS1: tuple[str, ...] = tuple(
    str(r)
    for r in (
        101,
        106,
        108,
        109,
        112,
        114,
        115,
        116,
        118,
        119,
        122,
        124,
        201,
        203,
        205,
        207,
        208,
        209,
        215,
        220,
        223,
        230,
    )
)
"""de Chazal et al. (2004) training set."""

DS2: tuple[str, ...] = tuple(
    str(r)
    for r in (
        100,
        103,
        105,
        111,
        113,
        117,
        121,
        123,
        200,
        202,
        210,
        212,
        213,
        214,
        219,
        221,
        222,
        228,
        231,
        232,
        233,
        234,
    )
)
"""de Chazal et al. (2004) test set."""

NAMED_SETS: dict[str, tuple[str, ...]] = {
    "DS1": DS1,
    "DS2": DS2,
    "ALL": ALL_RECORDS,
    "NONPACED": tuple(r for r in ALL_RECORDS if r not in PACED),
}


def resolve_records(spec: str | Sequence[str | int]) -> list[str]:
    """Turn a set name (``'DS1'``, ``'DS2'``, ``'ALL'``, ``'NONPACED'``) or a list into names.

    Raises
    ------
    DataError
        For an unknown set name or a record that is not in the database.
    """
    if isinstance(spec, str):
        key = spec.upper()
        if key not in NAMED_SETS:
            raise DataError(SLUG, f"unknown record set {spec!r}; use {sorted(NAMED_SETS)} or a list")
        return list(NAMED_SETS[key])
    names = [str(r) for r in spec]
    unknown = [r for r in names if r not in ALL_RECORDS]
    if unknown:
        raise DataError(SLUG, f"no such MIT-BIH record(s): {unknown}")
    if len(set(names)) != len(names):
        raise DataError(SLUG, f"record list has duplicates: {names}")
    return names


def annotation_counts(records: Sequence[str], data_dir: str | Path | None = None) -> pd.DataFrame:
    """Count every annotation symbol per record (reads the ``.atr`` files only).

    Returns
    -------
    pandas.DataFrame
        Records as rows, symbols as columns (beat symbols first, by frequency).

    Examples
    --------
    >>> annotation_counts(["100"]).loc["100", "A"]   # doctest: +SKIP
    33
    """
    paths = ensure_records(SLUG, records, data_dir=data_dir)
    rows = {}
    for name, base in zip(records, paths, strict=True):
        ann = read_annotations(base, "atr")
        rows[name] = pd.Series(ann.symbol.astype(str)).value_counts()
    table = pd.DataFrame(rows).T.fillna(0).astype(int)
    beats = [s for s in table.sum().sort_values(ascending=False).index if s in QRS_SYMBOLS]
    other = [s for s in table.columns if s not in beats]
    table = table[beats + other]
    table.index.name = "record"
    return table


def aami_counts(symbol_table: pd.DataFrame, classes: Sequence[str] = AAMI_CLASSES) -> pd.DataFrame:
    """Collapse a per-record symbol table (:func:`annotation_counts`) to AAMI classes.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"N": [10], "e": [2], "A": [3], "+": [1]}, index=["x"])
    >>> aami_counts(t).loc["x"].tolist()
    [12, 3, 0, 0, 0]
    """
    out = pd.DataFrame(0, index=symbol_table.index, columns=list(classes), dtype=int)
    for symbol in symbol_table.columns:
        cls = AAMI_MAP.get(symbol)
        if cls in out.columns:
            out[cls] += symbol_table[symbol].astype(int)
    return out


def record_paths(records: Sequence[str]) -> list[Path]:
    """Header, signal and reference-annotation files of MIT-BIH ``records`` (fetched if absent).

    Examples
    --------
    >>> [p.name for p in record_paths(["100"])]  # doctest: +SKIP
    ['100.hea', '100.dat', '100.atr']
    """
    files: list[Path] = []
    for base in ensure_records(SLUG, list(records)):
        files += record_files(base, ("atr",))
    return files
