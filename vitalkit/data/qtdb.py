"""The QT Database: record list, manual wave boundaries (``.q1c``) and ST episodes.

The ``.q1c`` files hold the first cardiologist's marks on about 30 beats per record (from
minute 10 on): every wave peak (``p``, a beat symbol such as ``N`` for the QRS, ``t``,
``u``) may be preceded by ``(`` (its onset) and followed by ``)`` (its end). T-wave ends are
marked on 103 records (not sel35, sel37). Records of the European ST-T database (``sele*``)
carry its ST and T episode annotations in ``.atr`` (``s`` annotations with notes such as
``(ST1-``, ``AST1-100`` and ``ST1-)``: lead 1 = signal 0, extreme deviation in µV).

Examples
--------
>>> from vitalkit.data import qtdb
>>> len(qtdb.ALL_RECORDS), qtdb.SAMPLING_RATE
(105, 250.0)
>>> qtdb.resolve_records("EDB")[:2]
['sele0104', 'sele0106']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_annotations
from vitalkit.errors import DataError
from vitalkit.labels import QRS_SYMBOLS

SLUG = "qtdb"
SAMPLING_RATE = 250.0

ALL_RECORDS: tuple[str, ...] = tuple(
    """sel100 sel102 sel103 sel104 sel114 sel116 sel117 sel123 sel14046 sel14157 sel14172
    sel15814 sel16265 sel16272 sel16273 sel16420 sel16483 sel16539 sel16773 sel16786 sel16795
    sel17152 sel17453 sel213 sel221 sel223 sel230 sel231 sel232 sel233 sel30 sel301 sel302
    sel306 sel307 sel308 sel31 sel310 sel32 sel33 sel34 sel35 sel36 sel37 sel38 sel39 sel40
    sel41 sel42 sel43 sel44 sel45 sel46 sel47 sel48 sel49 sel50 sel51 sel52 sel803 sel808
    sel811 sel820 sel821 sel840 sel847 sel853 sel871 sel872 sel873 sel883 sel891 sele0104
    sele0106 sele0107 sele0110 sele0111 sele0112 sele0114 sele0116 sele0121 sele0122 sele0124
    sele0126 sele0129 sele0133 sele0136 sele0166 sele0170 sele0203 sele0210 sele0211 sele0303
    sele0405 sele0406 sele0409 sele0411 sele0509 sele0603 sele0604 sele0606 sele0607 sele0609
    sele0612 sele0704""".split()
)
"""All 105 records, in PhysioNet's ``RECORDS`` order."""

DEVELOPMENT: tuple[str, ...] = ALL_RECORDS[::3]
"""Every third record: the records the delineator's settings were chosen on. Errors over
the other 70 records are reported separately as held-out figures."""

NAMED_SETS: dict[str, tuple[str, ...]] = {
    "ALL": ALL_RECORDS,
    "DEV": DEVELOPMENT,
    "HELDOUT": tuple(r for r in ALL_RECORDS if r not in DEVELOPMENT),
    "EDB": tuple(r for r in ALL_RECORDS if r.startswith("sele")),
}

WAVE_COLUMNS = ("peak", "qrs_on", "qrs_off", "t_peak", "t_end", "p_on", "p_peak", "p_off")


def resolve_records(spec: str | Sequence[str]) -> list[str]:
    """Turn a set name (``ALL``, ``DEV``, ``HELDOUT``, ``EDB``) or a list into record names.

    Raises
    ------
    DataError
        Unknown set name or record.
    """
    if isinstance(spec, str):
        key = spec.upper()
        if key in NAMED_SETS:
            return list(NAMED_SETS[key])
        spec = [spec]
    names = [str(r) for r in spec]
    unknown = [r for r in names if r not in ALL_RECORDS]
    if unknown:
        raise DataError(SLUG, f"no such QT Database record(s): {unknown}; sets: {sorted(NAMED_SETS)}")
    return names


def record_path(record: str, data_dir: str | Path | None = None) -> Path:
    """Base path of a record (downloaded if missing), checked to exist."""
    (base,) = ensure_records(SLUG, resolve_records([record]), data_dir=data_dir)
    return base


def _boundaries(samples: np.ndarray, symbols: np.ndarray, i: int) -> tuple[float, float]:
    onset = float(samples[i - 1]) if i > 0 and symbols[i - 1] == "(" else np.nan
    end = float(samples[i + 1]) if i + 1 < symbols.size and symbols[i + 1] == ")" else np.nan
    return onset, end


def read_wave_marks(base: str | Path, extension: str = "q1c", chan: int | None = None) -> pd.DataFrame:
    """Manual wave marks of a record as one row per annotated beat.

    A ``t`` (or ``p``) mark belongs to the last beat before it (the P wave to the next one).

    Parameters
    ----------
    base : str or Path
        Record path without extension.
    extension : str
        ``q1c`` (cardiologist 1), ``q2c`` (cardiologist 2, 11 records) or ``pu``
        (ecgpuwave's automatic marks, both leads in one file: pick one with ``chan``).
    chan : int, optional
        Keep only the marks of this signal (WFDB ``chan`` field); all marks when None.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WAVE_COLUMNS` (sample positions, NaN where unmarked) and ``symbol``.

    Examples
    --------
    >>> marks = read_wave_marks("data/raw/qtdb/sel100")   # doctest: +SKIP
    >>> len(marks), int(marks["t_end"].notna().sum())      # doctest: +SKIP
    (30, 30)
    """
    ann = read_annotations(base, extension)
    samples, symbols = ann.sample, ann.symbol.astype(str)
    if chan is not None:
        keep = ann.chan == chan if ann.chan is not None else np.ones(samples.size, dtype=bool)
        samples, symbols = samples[keep], symbols[keep]
    rows: list[dict] = []
    pending_p: dict[str, float] = {}
    for i, sym in enumerate(symbols):
        if sym in QRS_SYMBOLS:
            onset, end = _boundaries(samples, symbols, i)
            row = dict.fromkeys(WAVE_COLUMNS, np.nan)
            row.update(peak=float(samples[i]), qrs_on=onset, qrs_off=end, symbol=sym, **pending_p)
            rows.append(row)
            pending_p = {}
        elif sym == "t" and rows:
            _, end = _boundaries(samples, symbols, i)
            rows[-1].update(t_peak=float(samples[i]), t_end=end)
        elif sym == "p":
            onset, end = _boundaries(samples, symbols, i)
            pending_p = {"p_on": onset, "p_peak": float(samples[i]), "p_off": end}
    table = pd.DataFrame(rows, columns=[*WAVE_COLUMNS, "symbol"])
    if table.empty:
        where = "" if chan is None else f" for signal {chan}"
        raise DataError(base, f"no annotated beats{where} in the .{extension} file")
    return table


_EPISODE = re.compile(r"^\((ST|T)(\d)([+-]+)$")
_EXTREME = re.compile(r"^A(ST|T)(\d)([+-])(\d+)$")
_END = re.compile(r"^(ST|T)(\d)([+-]+)\)$")


def read_st_episodes(base: str | Path) -> pd.DataFrame:
    """ST (and T) episodes annotated in a European ST-T record's ``.atr`` file.

    Returns
    -------
    pandas.DataFrame
        One row per episode: ``kind`` (``ST`` or ``T``), ``channel`` (0-based signal),
        ``direction`` (``+``/``-``), ``start``, ``end`` (samples; NaN when the episode is
        open at a border of the excerpt) and ``extreme_mv`` (NaN when not in the excerpt).

    Examples
    --------
    >>> episodes = read_st_episodes("data/raw/qtdb/sele0106")           # doctest: +SKIP
    >>> episodes[["kind", "channel", "direction"]].values.tolist()      # doctest: +SKIP
    [['ST', 1, '-'], ['T', 1, '-']]
    """
    ann = read_annotations(base, "atr")
    open_at: dict[tuple[str, int], dict] = {}
    rows: list[dict] = []
    for sample, note in zip(ann.sample, ann.aux_note, strict=True):
        note = str(note).strip()
        if m := _EPISODE.match(note):
            key = (m[1], int(m[2]) - 1)
            open_at[key] = {
                "kind": m[1],
                "channel": key[1],
                "direction": m[3][0],
                "start": float(sample),
                "end": np.nan,
                "extreme_mv": np.nan,
            }
            rows.append(open_at[key])
        elif m := _EXTREME.match(note):
            key = (m[1], int(m[2]) - 1)
            if key not in open_at:  # episode started before the excerpt
                open_at[key] = {
                    "kind": m[1],
                    "channel": key[1],
                    "direction": m[3],
                    "start": np.nan,
                    "end": np.nan,
                }
                rows.append(open_at[key])
            open_at[key]["extreme_mv"] = float(f"{m[3]}{m[4]}") / 1000.0
        elif m := _END.match(note):
            key = (m[1], int(m[2]) - 1)
            if key not in open_at:
                open_at[key] = {"kind": m[1], "channel": key[1], "direction": m[3][0], "start": np.nan}
                open_at[key]["extreme_mv"] = np.nan
                rows.append(open_at[key])
            open_at.pop(key)["end"] = float(sample)
    columns = ["kind", "channel", "direction", "start", "end", "extreme_mv"]
    return pd.DataFrame(rows, columns=columns)
