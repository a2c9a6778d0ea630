"""Records of the QT Database and the Noise Stress Test Database, prepared for the QRS benchmark.

The MIT-BIH benchmark (:mod:`vitalkit.beats.benchmark`) scores detectors on the records their
settings were chosen on. Two other databases test them out of sample:

**QT Database** (:func:`qtdb_qrs_records`): the 105 15-minute records at 250 Hz (MIT-BIH
Arrhythmia, ST Change, Supraventricular, Normal Sinus Rhythm and Long-Term excerpts, sudden
death and the European ST-T Database) with reference beats in their ``.atr`` files (records
without one are left out and named). Lead: channel 0. The excerpts of MIT-BIH Arrhythmia
records (``sel100`` ... ``sel233``) are in-sample for detectors tuned on that database; the
``group`` column says which.

**Noise Stress Test Database** (:func:`nstdb_qrs_records`): MIT-BIH records 118 and 119 with
electrode-motion noise added by ``nst`` in two-minute periods from 5:00 on (5:00-7:00,
9:00-11:00, ...), scored as in the standard's protocol: the first five minutes (no noise)
are not scored. Records present in the data folder (118e24, 118e12, 118e00 here) are read
as published. The others are **rebuilt as nst builds them**: the noise is the published
0 dB record minus its clean record, ``em(t) = 118e00 - 118`` (less its constant value over
the first five minutes); ``118eXX = 118 + 10^(-XX/20) em`` (the 0 dB gain scaled), and
``119eXX = 119 + 10^(-XX/20) sqrt(S119 / S118) em`` with ``S`` nst's signal power, from the
QRS amplitudes of the annotated beats (:func:`vitalkit.signal.noise.nst_signal_power`).
Rebuilding the published 118e12 and 118e24 this way reproduces them within 0.015 mV (three
ADC steps of 0.005 mV) but for their last sample, up to a constant baseline
(tests/beats/test_qrs_databases.py).

Examples
--------
>>> recs = qtdb_qrs_records(["sel100"])        # doctest: +SKIP
>>> recs[0].sampling_rate, recs[0].lead          # doctest: +SKIP
(250.0, 'MLII')
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit import config
from vitalkit.beats.benchmark import (
    TOLERANCE_S,
    QrsRecord,
    benchmark_qrs,
    flutter_episodes,
    group_table,
    overall_table,
    reference_beats,
    save_benchmark,
)
from vitalkit.beats.detect import DEFAULT_DETECTOR
from vitalkit.data import mitdb, qtdb
from vitalkit.data.nstdb import NSTDB_RATE, em_noise
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.io import write_text
from vitalkit.signal.noise import nst_signal_power

LEARNING_S = 300.0
"""Seconds at the start of a noise stress record that are not scored (no noise there)."""

NST_CLEAN: tuple[str, ...] = ("118", "119")
"""The MIT-BIH records nst's standard test records are made from."""

NST_SNRS_DB: tuple[float, ...] = (24.0, 18.0, 12.0, 6.0, 0.0, -6.0)
"""The signal-to-noise ratios of the published test records."""


def _mitdb_excerpt(record: str) -> bool:
    return record.removeprefix("sel") in mitdb.ALL_RECORDS


def qtdb_qrs_records(
    records: Sequence[str] | str = "ALL", data_dir: str | Path | None = None
) -> tuple[list[QrsRecord], list[str]]:
    """QT Database records with reference beats, and the names of those without an ``.atr``.

    Each :class:`~vitalkit.beats.benchmark.QrsRecord` scores channel 0 against every QRS
    annotation of the record's ``.atr`` file; its ``group`` is ``'MIT-BIH excerpt'`` or
    ``'other databases'``.
    """
    kept, skipped = [], []
    for name in qtdb.resolve_records(records):
        (base,) = ensure_records(qtdb.SLUG, [name], data_dir=data_dir)
        if not base.with_suffix(".atr").is_file():
            skipped.append(name)
            continue
        rec = read_wfdb(base, annotator="atr")
        if rec.annotations is None:  # pragma: no cover - read_wfdb raises first
            raise DataError(base, "no annotations")
        signal = rec.signal[:, 0]
        kept.append(
            QrsRecord(
                name=name,
                signal=signal,
                sampling_rate=rec.sampling_rate,
                lead=str(rec.channel_names[0]),
                reference=reference_beats(rec.annotations),
                excluded=flutter_episodes(rec.annotations, signal.size),
                group="MIT-BIH excerpt" if _mitdb_excerpt(name) else "other databases",
            )
        )
    return kept, skipped


def _name(clean: str, snr_db: float) -> str:
    return f"{clean}e{int(snr_db):02d}" if snr_db >= 0 else f"{clean}e_{int(-snr_db):02d}"


def _nst_record(
    clean: str, snr_db: float, noise: np.ndarray, power_118: float, data_dir: str | Path | None
) -> tuple[np.ndarray, float, str, np.ndarray, bool]:
    """Signal, rate, lead, reference beats of ``<clean>e<snr>`` and whether it was rebuilt.

    ``noise`` is :func:`vitalkit.data.nstdb.em_noise`; ``power_118`` is nst's signal power of
    record 118 (the record the noise was scaled to at 0 dB).
    """
    root = Path(data_dir) if data_dir else config.data_dir()
    published = root / "nstdb" / _name(clean, snr_db)
    (clean_base,) = ensure_records(mitdb.SLUG, [clean], data_dir=data_dir)
    rebuilt = not published.with_suffix(".hea").is_file()
    rec = read_wfdb(clean_base if rebuilt else published, annotator="atr")
    if rec.annotations is None:  # pragma: no cover - read_wfdb raises first
        raise DataError(published, "no annotations")
    if rec.sampling_rate != NSTDB_RATE:
        raise DataError(
            published, f"sampling rate {rec.sampling_rate:g} Hz, nst records are {NSTDB_RATE:g} Hz"
        )
    reference = reference_beats(rec.annotations)
    signal = rec.signal[:, 0]
    if rebuilt:
        n = min(signal.size, noise.size)
        # nst's gain is proportional to the clean record's QRS amplitude (nst's signal power);
        # the noise is 118e00's, at 0 dB for 118: only the ratio of the two signal powers is estimated
        gain = 10.0 ** (-snr_db / 20.0) * np.sqrt(_signal_power(signal, rec) / power_118)
        signal = signal[:n] + gain * noise[:n]
        reference = reference[reference < n]
    return signal, rec.sampling_rate, str(rec.channel_names[0]), reference, rebuilt


def _signal_power(signal: np.ndarray, rec: Any) -> float:
    # every QRS annotation: record 118 has right bundle branch block beats, no 'N'
    return nst_signal_power(signal, NSTDB_RATE, reference_beats(rec.annotations))


def nstdb_qrs_records(
    snrs_db: Sequence[float] = (24.0, 12.0, 6.0, 0.0),
    clean: Sequence[str] = NST_CLEAN,
    data_dir: str | Path | None = None,
) -> list[QrsRecord]:
    """Noise stress test records ``<clean>e<snr>``, scored from 5:00 on (see the module docstring).

    Their ``group`` is the SNR (``'12 dB'``); ``note`` says ``'rebuilt as nst does'`` for a record
    not in the data folder.

    Raises
    ------
    DataError
        An SNR outside nst's published set, a clean record other than 118 or 119, or a
        record or the 118e00 noise source missing.
    """
    bad = [s for s in snrs_db if float(s) not in NST_SNRS_DB]
    if bad:
        raise DataError("snrs_db", f"{bad} not among nst's test SNRs {list(NST_SNRS_DB)}")
    unknown = [c for c in clean if c not in NST_CLEAN]
    if unknown:
        raise DataError("clean", f"{unknown}: the noise stress test records are made from {list(NST_CLEAN)}")
    noise = em_noise(data_dir)
    (base_118,) = ensure_records(mitdb.SLUG, ["118"], data_dir=data_dir)
    rec_118 = read_wfdb(base_118, annotator="atr")
    power_118 = _signal_power(rec_118.signal[:, 0], rec_118)
    out = []
    for c in clean:
        for snr in snrs_db:
            signal, fs, lead, reference, rebuilt = _nst_record(c, float(snr), noise, power_118, data_dir)
            name = _name(c, float(snr))
            start = round(LEARNING_S * fs)
            out.append(
                QrsRecord(
                    name=name,
                    signal=signal,
                    sampling_rate=fs,
                    lead=lead,
                    reference=reference[reference >= start],
                    excluded=np.array([[0, start - 1]], dtype=np.int64),
                    group=f"{snr:g} dB",
                    note="rebuilt as nst does" if rebuilt else "published",
                )
            )
    return out


PEERS: tuple[str, ...] = ("xqrs", "manikandan2012")
"""Detectors run beside the default one: wfdb's XQRS and the best single neurokit2 detector of
the 48-record MIT-BIH benchmark (manikandan2012, F1 99.75 %)."""

DATABASES: tuple[str, ...] = ("qtdb", "nstdb")


def describe_database_protocol(database: str) -> str:
    """The scoring protocol of :func:`run_database_report` for one database, in a few lines."""
    if database == "qtdb":
        return (
            "QT Database, channel 0 of every record with an .atr file; reference: every QRS annotation "
            f"of the .atr; whole 15-min records at 250 Hz; tolerance {TOLERANCE_S * 1000:.0f} ms, one-to-one "
            "matching. 'MIT-BIH excerpt' records come from the records the consensus was tuned on "
            "(in-sample); 'other databases' are held out."
        )
    return (
        "MIT-BIH Noise Stress Test: records 118 and 119 (channel 0, MLII) with nst's electrode-motion "
        "noise in 2-min periods from 5:00 on; the first 5 min (no noise) are not scored; reference: the "
        f"clean record's beats; tolerance {TOLERANCE_S * 1000:.0f} ms. Records not in the data folder are "
        "rebuilt as nst does (module vitalkit.beats.qrs_databases)."
    )


def run_database_report(
    database: str,
    detectors: Sequence[str] | None = None,
    records: Sequence[str] | None = None,
    snrs_db: Sequence[float] = (24.0, 12.0, 6.0, 0.0),
    out_dir: str | Path | None = None,
    cache: bool = True,
) -> str:
    """QRS detection out of sample on the QT or the Noise Stress Test Database: tables as text.

    Writes ``qrs_per_record.csv``, ``qrs_overall.csv`` and ``qrs_groups.csv`` to ``out_dir``
    (default ``reports/benchmark-qrs-<database>``) and returns the printed report: the
    protocol, gross Se / +P / F1 per group (QTDB part or SNR) and detector, the overall table.

    Raises
    ------
    DataError
        Unknown database or detector, or records missing.
    """
    if database not in DATABASES:
        raise DataError("database", f"unknown database {database!r}; use mitdb, {' or '.join(DATABASES)}")
    dets = list(detectors) if detectors else [DEFAULT_DETECTOR, *PEERS]
    start = time.perf_counter()
    notes = []
    if database == "qtdb":
        recs, skipped = qtdb_qrs_records(records or "ALL")
        if skipped:
            notes.append(f"{len(skipped)} records have no .atr and are not scored: {' '.join(skipped)}")
    else:
        if records:
            raise DataError("records", "the noise stress test takes --snrs, not --records")
        recs = nstdb_qrs_records(snrs_db)
        rebuilt = [r.name for r in recs if r.note != "published"]
        notes.append(f"rebuilt as nst does (not in the data folder): {' '.join(rebuilt) or 'none'}")
    result = benchmark_qrs(recs, dets, cache=cache, progress=True)
    wall = time.perf_counter() - start
    out = Path(out_dir) if out_dir else config.reports_dir() / f"benchmark-qrs-{database}"
    paths = save_benchmark(result, out)
    groups = group_table(result)
    write_text(out / "qrs_groups.csv", groups.to_csv())
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        lines = [describe_database_protocol(database), *notes, ""]
        lines += [f"{len(recs)} records, {len(dets)} detectors", "", groups.to_string(), ""]
        lines += [overall_table(result).drop(columns=["first error"]).to_string(), ""]
    lines += [f"CSV: {out / 'qrs_groups.csv'}, {paths['overall']} and {paths['per_record']}"]
    lines.append(f"wall time {wall:.0f} s (detection times above are from when each result was computed)")
    return "\n".join(lines)
