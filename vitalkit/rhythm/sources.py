"""The four rhythm databases read into one record type: a lead, its timeline and its patient.

Readers are registered by database in :data:`READERS`; each returns a :class:`RhythmRecord`
with one ECG channel in mV at the database's own rate and the record's
:class:`~vitalkit.rhythm.episodes.Timeline`.

- ``mitdb``: lead MLII (V5 in 102 and 104, which lack it), rhythm annotations; records 201 and
  202 are one patient.
- ``cudb``: its one lead; VF episodes from ``[``/``]``, noise from ``~``. Samples at the
  ADC's lowest code (read as invalid by WFDB) are the negative rail of a saturated amplifier
  in this database: they are set to the record's lowest valid value and counted in ``repairs``.
- ``vfdb``: first lead; rhythm annotations ``(N``, ``(VFL``, ``(NOISE``.
- ``cinc2017``: the AliveCor lead; the record's label (``REFERENCE.csv``) as its one rhythm.

Record names carry their database (``'cudb/cu01'``) so that names never collide.

Examples
--------
>>> rec = read_rhythm_record("cudb", "cu01")        # doctest: +SKIP
>>> rec.timeline.episodes({"VF"}).shape[0]          # doctest: +SKIP
1
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.data import mitdb
from vitalkit.data.fingerprint import SIGNAL_EXTENSIONS, record_fingerprint
from vitalkit.data.physionet import database_dir, ensure_records
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.rhythm.episodes import Timeline, record_timeline
from vitalkit.rhythm.rhythms import CINC_CLASSES, CINC_RHYTHMS

MITDB_PATIENTS: dict[str, str] = {"202": "201"}
"""MIT-BIH records of a patient who has another record (201 and 202: one man)."""

CINC_SLUG = "challenge-2017"


@dataclass
class RhythmRecord:
    """One lead of one record with its rhythm timeline.

    Attributes
    ----------
    name : str
        ``'<database>/<record>'``.
    database : str
        Database key of :data:`READERS`.
    patient : str
        Patient id (``'mitdb/201'`` for 201 and 202).
    signal : np.ndarray
        1-D ECG in mV at ``sampling_rate``.
    sampling_rate : float
        Samples per second.
    timeline : Timeline
        Rhythm intervals and noisy stretches.
    lead : str
        Channel name.
    repairs : int
        Samples repaired (saturated samples read as invalid).
    """

    name: str
    database: str
    patient: str
    signal: np.ndarray
    sampling_rate: float
    timeline: Timeline
    lead: str = "ECG"
    repairs: int = 0

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.signal.size / self.sampling_rate


def _fill_invalid(x: np.ndarray) -> tuple[np.ndarray, int]:
    bad = ~np.isfinite(x)
    if not bad.any():
        return x, 0
    if bad.all():
        raise ValueError("no valid sample")
    x = x.copy()
    x[bad] = np.nanmin(x)
    return x, int(bad.sum())


def _wfdb_record(
    database: str,
    name: str,
    lead: str | int,
    fast_vt_bpm: float,
    patient: str,
    first_lead_fallback: bool = False,
) -> RhythmRecord:
    (base,) = ensure_records(database, [name])
    record = read_wfdb(base, annotator="atr")
    if isinstance(lead, str) and lead not in record.channel_names:
        if not first_lead_fallback:
            raise DataError(base, f"no lead {lead}; the record has {record.channel_names}")
        lead = 0  # MIT-BIH 102 and 104 have no MLII: their first lead (V5) is used
    channel = record.channel_names.index(lead) if isinstance(lead, str) else int(lead)
    try:
        signal, repaired = _fill_invalid(record.signal[:, channel])
    except ValueError as exc:
        raise DataError(base, str(exc)) from None
    timeline = record_timeline(
        record.annotations,
        signal.size,
        record.sampling_rate,
        channel=channel,
        fast_vt_bpm=fast_vt_bpm,
        signal=signal,
    )
    return RhythmRecord(
        name=f"{database}/{name}",
        database=database,
        patient=f"{database}/{patient}",
        signal=signal,
        sampling_rate=record.sampling_rate,
        timeline=timeline,
        lead=record.channel_names[channel],
        repairs=repaired,
    )


def _mitdb(name: str, fast_vt_bpm: float) -> RhythmRecord:
    return _wfdb_record(
        "mitdb", name, mitdb.LEAD, fast_vt_bpm, MITDB_PATIENTS.get(name, name), first_lead_fallback=True
    )


def _cudb(name: str, fast_vt_bpm: float) -> RhythmRecord:
    return _wfdb_record("cudb", name, 0, fast_vt_bpm, name)


def _vfdb(name: str, fast_vt_bpm: float) -> RhythmRecord:
    return _wfdb_record("vfdb", name, 0, fast_vt_bpm, name)


def cinc_labels(data_dir: str | Path | None = None) -> pd.Series:
    """CinC 2017 record labels (``REFERENCE.csv``), indexed by record name."""
    return _read_cinc_labels(str(database_dir(CINC_SLUG, data_dir) / "REFERENCE.csv")).copy()


@functools.lru_cache(maxsize=4)
def _read_cinc_labels(file: str) -> pd.Series:
    path = Path(file)
    if not path.is_file():
        raise DataError(path, "CinC 2017 label file not found (the challenge-2017 folder is cinc2017/)")
    table = pd.read_csv(path, header=None, names=["record", "label"], dtype=str)
    unknown = sorted(set(table["label"]) - set(CINC_CLASSES))
    if unknown:
        raise DataError(path, f"unknown label(s) {unknown}; expected {list(CINC_CLASSES)}")
    return table.set_index("record")["label"].sort_index()


def _cinc(name: str, fast_vt_bpm: float) -> RhythmRecord:
    labels = cinc_labels()
    if name not in labels.index:
        raise DataError(name, "not a CinC 2017 record listed in REFERENCE.csv")
    (base,) = ensure_records(CINC_SLUG, [name])
    record = read_wfdb(base)
    signal = record.signal[:, 0]
    timeline = record_timeline(
        None, signal.size, record.sampling_rate, record_rhythm=CINC_RHYTHMS[labels[name]]
    )
    return RhythmRecord(
        f"cinc2017/{name}", "cinc2017", f"cinc2017/{name}", signal, record.sampling_rate, timeline
    )


READERS: dict[str, Callable[[str, float], RhythmRecord]] = {
    "mitdb": _mitdb,
    "cudb": _cudb,
    "vfdb": _vfdb,
    "cinc2017": _cinc,
}
"""Record readers by database."""


def _folder_records(slug: str) -> list[str]:
    folder = database_dir(slug)
    listing = folder / "RECORDS"
    if listing.is_file():
        return listing.read_text().split()
    names = sorted(p.stem for p in folder.glob("*.hea"))
    if not names:
        raise DataError(folder, "no records found (set VITALKIT_DATA_DIR to a folder holding it)")
    return names


ALL_RECORDS: dict[str, Callable[[], list[str]]] = {
    "mitdb": lambda: list(mitdb.ALL_RECORDS),
    "cudb": lambda: _folder_records("cudb"),
    "vfdb": lambda: _folder_records("vfdb"),
    "cinc2017": lambda: cinc_labels().index.tolist(),
}
"""Every record of a database available here (``all``)."""

NAMED_SETS: dict[str, Callable[[Any], list[str]]] = {"mitdb": mitdb.resolve_records}
"""Databases whose records may also be named by set (``DS1``) or given as ranges."""


def resolve_sources(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{database: 'all' | set name | [records]}`` to ``{database: [records]}``, checked.

    Examples
    --------
    >>> resolve_sources({"mitdb": ["207", "203"]})
    {'mitdb': ['207', '203']}
    >>> resolve_sources({"afdb": "all"})
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: sources: unknown database 'afdb'; use ['cinc2017', 'cudb', 'mitdb', 'vfdb']
    """
    out: dict[str, list[str]] = {}
    for database, records in spec.items():
        if database not in READERS:
            raise DataError("sources", f"unknown database {database!r}; use {sorted(READERS)}")
        resolve = NAMED_SETS.get(database)
        if resolve is not None and not (isinstance(records, str) and records.lower() == "all"):
            out[database] = resolve(records)
            continue
        available = ALL_RECORDS[database]()
        if isinstance(records, str):
            if records.lower() != "all":
                raise DataError("sources", f"{database}: use 'all' or a list of records, not {records!r}")
            out[database] = available
            continue
        names = [str(r) for r in records]
        missing = sorted(set(names) - set(available))
        if missing:
            raise DataError(database, f"no such record(s) {missing}")
        out[database] = names
    return out


def read_rhythm_record(database: str, name: str, fast_vt_bpm: float = 180.0) -> RhythmRecord:
    """Read one record of ``database`` (see :data:`READERS`)."""
    if database not in READERS:
        raise DataError(name, f"unknown database {database!r}; use {sorted(READERS)}")
    return READERS[database](str(name), fast_vt_bpm)


def iter_records(sources: Mapping[str, Sequence[str]], fast_vt_bpm: float = 180.0) -> Iterator[RhythmRecord]:
    """Read the records of ``{database: [records]}`` one at a time (memory stays one record)."""
    for database, names in sources.items():
        for name in names:
            yield read_rhythm_record(database, name, fast_vt_bpm)


SLUGS: dict[str, str] = {"mitdb": "mitdb", "cudb": "cudb", "vfdb": "vfdb", "cinc2017": CINC_SLUG}
"""PhysioNet slug of every database of :data:`READERS`."""


def rhythm_record_fingerprint(database: str, name: str, annotations: bool = False) -> str:
    """Content fingerprint of a record's signal files (and its ``.atr`` rhythm annotations), the
    data-part of the key of every rhythm feature cache (:mod:`vitalkit.data.fingerprint`)."""
    if database not in SLUGS:
        raise DataError(name, f"unknown database {database!r}; use {sorted(SLUGS)}")
    (base,) = ensure_records(SLUGS[database], [str(name)])
    return record_fingerprint(base, (*SIGNAL_EXTENSIONS, *(("atr",) if annotations else ())))


def split_name(record: str) -> tuple[str, str]:
    """``'cudb/cu01'`` to ``('cudb', 'cu01')``."""
    database, _, name = str(record).partition("/")
    if not name or database not in READERS:
        raise DataError(record, "expected '<database>/<record>' with a known database")
    return database, name


def cinc_subset(per_class: int | None = None, seed: int = 0) -> list[str]:
    """CinC 2017 records: ``per_class`` of each class (seeded draw), or all of them (None).

    Examples
    --------
    >>> len(cinc_subset(5))   # doctest: +SKIP
    20
    """
    labels = cinc_labels()
    if per_class is None:
        return labels.index.tolist()
    rng = np.random.default_rng(seed)
    chosen = []
    for label in CINC_CLASSES:
        names = labels.index[labels == label].to_numpy()
        if per_class > names.size:
            raise DataError("cinc2017", f"{per_class} records of class {label} asked for, {names.size} here")
        chosen += rng.choice(names, size=per_class, replace=False).tolist()
    return sorted(chosen)


def sources_summary(records: Sequence[RhythmRecord]) -> pd.DataFrame:
    """Minutes of each rhythm per database (the rhythm dataset before windowing)."""
    rows = []
    for rec in records:
        t = rec.timeline.rhythm
        for name, dur in (
            ((t["end"] - t["start"]) / rec.sampling_rate / 60).groupby(t["rhythm"]).sum().items()
        ):
            rows.append({"database": rec.database, "rhythm": name, "minutes": dur, "record": rec.name})
    table = pd.DataFrame(rows)
    minutes = table.pivot_table(
        index="rhythm", columns="database", values="minutes", aggfunc="sum", fill_value=0
    )
    return minutes.round(1)
