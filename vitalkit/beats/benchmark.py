"""QRS detection benchmark on the MIT-BIH Arrhythmia Database.

What is measured, exactly:

- **Lead**: MLII, which is channel 0 in 45 records and channel 1 in record 114; records 102
  and 104 have no MLII and use their channel 0 (V5). One lead only.
- **Reference**: every ``.atr`` annotation whose symbol is a QRS complex
  (:data:`vitalkit.labels.QRS_SYMBOLS`: 109,494 beats over the 48 records; flutter waves
  ``!`` and non-conducted P waves ``x`` are not beats).
- **Whole record**: all 30 min of every record are scored, from the first sample to the
  last (no 5-minute learning period, no edge margin). The one exception, as in the WFDB
  ``bxb`` comparator: detections inside the ventricular flutter episodes the reference marks
  with ``[`` ... ``]`` (record 207 only, about 2.5 min) are not scored; the reference has no
  beats there.
- **Matching**: :func:`vitalkit.beats.detect.match_peaks`, one-to-one, closest pairs first,
  within 150 ms. Se = TP/(TP+FN), +P = TP/(TP+FP), F1 = 2TP/(2TP+FN+FP); overall figures
  are gross sums over records. Jitter = ``|detected - reference|`` of matched pairs in ms,
  median and 95th percentile (per record, and pooled over all beats overall).

Detections are cached per (record, lead, detector, detector code version) under
``<cache_dir>/qrs/`` with the detection wall time, so re-running the benchmark after a change
to one detector recomputes only that one.

Examples
--------
>>> from vitalkit.beats.benchmark import benchmark_qrs, overall_table
>>> result = benchmark_qrs(["100"], ["neurokit"])    # doctest: +SKIP
>>> overall_table(result).loc["neurokit", "F1 %"]     # doctest: +SKIP
99.96
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit import config
from vitalkit.beats.detect import (
    DETECTORS,
    consensus_from_members,
    ecg_rpeaks,
    fill_from_other_leads,
    match_peaks,
)
from vitalkit.data import mitdb
from vitalkit.data.fingerprint import array_fingerprint
from vitalkit.data.physionet import ensure_records
from vitalkit.data.records import Annotations
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.io import save_npz, write_text
from vitalkit.labels import QRS_SYMBOLS

TOLERANCE_S = 0.150
"""Matching window of the EC57 standard."""

FALLBACK_LEAD_NOTE = "channel 0 (no MLII)"


@dataclass
class QrsRecord:
    """One record prepared for the benchmark.

    Attributes
    ----------
    name : str
        Record name.
    signal : np.ndarray
        The lead scored (1-D, mV).
    sampling_rate : float
        Samples per second.
    lead : str
        Lead name (``'MLII'`` or the channel used instead).
    reference : np.ndarray
        Reference QRS sample indices.
    excluded : np.ndarray
        ``(k, 2)`` sample intervals not scored (reference ventricular flutter episodes; the
        learning period of a noise stress record).
    group : str
        What the record's rows are pooled by in :func:`group_table` (a database part, an SNR).
    note : str
        Anything a reader of the per-record table should know (e.g. a rebuilt record).
    other_leads : dict
        ``{lead name: 1-D signal}`` of the record's other leads, whose beats fill gaps in the
        scored lead's (:func:`vitalkit.beats.detect.fill_from_other_leads`); empty: one lead.
    """

    name: str
    signal: np.ndarray
    sampling_rate: float
    lead: str
    reference: np.ndarray
    excluded: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    group: str = ""
    note: str = ""
    other_leads: dict[str, np.ndarray] = field(default_factory=dict)


def reference_beats(annotations: Annotations) -> np.ndarray:
    """Sample indices of the QRS annotations (``QRS_SYMBOLS``), sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from vitalkit.data.records import Annotations
    >>> a = Annotations(np.array([5, 9, 20]), np.array(["N", "+", "V"], dtype=object),
    ...                 np.array(["", "(N", ""], dtype=object))
    >>> reference_beats(a).tolist()
    [5, 20]
    """
    keep = np.isin(annotations.symbol.astype(str), sorted(QRS_SYMBOLS))
    return np.sort(annotations.sample[keep])


def flutter_episodes(annotations: Annotations, n_samples: int) -> np.ndarray:
    """Ventricular flutter/fibrillation episodes (``[`` to ``]``) as ``(k, 2)`` intervals.

    An episode still open at the end of the record runs to ``n_samples``.

    Examples
    --------
    >>> import numpy as np
    >>> from vitalkit.data.records import Annotations
    >>> a = Annotations(np.array([10, 50, 90]), np.array(["[", "]", "["], dtype=object),
    ...                 np.array(["", "", ""], dtype=object))
    >>> flutter_episodes(a, 100).tolist()
    [[10, 50], [90, 100]]
    """
    episodes, start = [], None
    for sample, symbol in zip(annotations.sample, annotations.symbol.astype(str), strict=True):
        if symbol == "[" and start is None:
            start = int(sample)
        elif symbol == "]" and start is not None:
            episodes.append((start, int(sample)))
            start = None
    if start is not None:
        episodes.append((start, int(n_samples)))
    return np.asarray(episodes, dtype=np.int64).reshape(-1, 2)


def load_qrs_record(
    record: str,
    data_dir: str | Path | None = None,
    max_seconds: float | None = None,
    both_leads: bool = False,
) -> QrsRecord:
    """Read an MIT-BIH record's scored lead, reference beats and excluded episodes.

    ``max_seconds`` keeps only the beginning of the record (smoke-sized runs); ``both_leads``
    also reads the other lead, whose beats fill gaps in the scored lead's.
    """
    (base,) = ensure_records(mitdb.SLUG, [record], data_dir=data_dir)
    rec = read_wfdb(base, annotator="atr")
    names = list(rec.channel_names)
    channel = names.index(mitdb.LEAD) if mitdb.LEAD in names else 0
    if rec.annotations is None:  # pragma: no cover - read_wfdb raises first
        raise DataError(base, "no annotations")
    signal = rec.signal[:, channel]
    if max_seconds is not None:
        if not max_seconds >= 10:
            raise DataError(
                record, f"max_seconds={max_seconds} is too short to score detection (10 s or more)"
            )
        signal = signal[: round(max_seconds * rec.sampling_rate)]
    reference = reference_beats(rec.annotations)
    excluded = flutter_episodes(rec.annotations, signal.size)
    others = {
        name: rec.signal[: signal.size, c] for c, name in enumerate(names) if both_leads and c != channel
    }
    return QrsRecord(
        name=record,
        signal=signal,
        sampling_rate=rec.sampling_rate,
        lead=names[channel],
        reference=reference[reference < signal.size],
        excluded=excluded[excluded[:, 0] < signal.size],
        other_leads=others,
    )


def detector_version(name: str) -> str:
    """A short hash of a detector's code and the libraries it runs on (the cache key).

    It covers the source of the detector function (and of its ``vk_find`` step after cleaning),
    the strings they close over, the source of the
    modules named in its ``vk_depends`` attribute (helpers it calls), the versions of the
    detectors named in its ``vk_members`` attribute (for ensembles) and the versions of
    neurokit2, wfdb, NumPy and SciPy.

    Examples
    --------
    >>> len(detector_version("neurokit"))
    12
    """
    import neurokit2
    import scipy
    import wfdb

    fn = DETECTORS[name]
    parts = [name, neurokit2.__version__, wfdb.__version__, np.__version__, scipy.__version__]
    for part in (fn, getattr(fn, "vk_find", None)):  # vk_find: the step after cleaning (detect._on_cleaned)
        if part is not None:
            parts.append(inspect.getsource(part))
            closure = part.__closure__ or ()
            parts += [repr(c.cell_contents) for c in closure if isinstance(c.cell_contents, str)]
    for module in getattr(fn, "vk_depends", ()):
        parts.append(inspect.getsource(module))
    parts += [detector_version(member) for member in getattr(fn, "vk_members", ())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _cache_path(rec: QrsRecord, detector: str) -> Path:
    folder = config.cache_dir() / "qrs" / f"{detector}-{detector_version(detector)}"
    return folder / f"{rec.name}-{rec.lead}-{array_fingerprint(rec.signal)}.npz"


def detect_cached(rec: QrsRecord, detector: str, cache: bool = True) -> tuple[np.ndarray, float]:
    """Detections of ``detector`` on ``rec`` and the detection wall time in s (cached).

    Raises
    ------
    ValueError
        Whatever the detector raises (the benchmark records it as that detector's failure).
    """
    path = _cache_path(rec, detector)
    if cache and path.is_file():
        with np.load(path) as data:
            return data["peaks"], float(data["seconds"])
    members = getattr(DETECTORS[detector], "vk_members", ())
    start = time.perf_counter()
    if cache and members:  # an ensemble: its members' detections come from the cache too
        member_seconds, inside = [], []

        def member(name: str) -> np.ndarray:
            t0 = time.perf_counter()
            peaks, seconds = detect_cached(rec, name)
            member_seconds.append(seconds)
            inside.append(time.perf_counter() - t0)
            return peaks

        peaks = consensus_from_members(rec.signal, rec.sampling_rate, member)
        # the members' own detection times plus the combination (cache reads left out)
        seconds = sum(member_seconds) + time.perf_counter() - start - sum(inside)
    else:
        peaks = ecg_rpeaks(rec.signal, rec.sampling_rate, method=detector)
        seconds = time.perf_counter() - start
    if cache:
        save_npz(path, peaks=peaks, seconds=np.float64(seconds))
    return peaks, seconds


def _fill_from_other_leads(
    rec: QrsRecord, detector: str, peaks: np.ndarray, seconds: float, cache: bool
) -> tuple[np.ndarray, float]:
    """``detector``'s beats on ``rec``'s lead, gaps filled from its other leads; total seconds."""
    others = []
    for lead, signal in rec.other_leads.items():
        other = QrsRecord(rec.name, signal, rec.sampling_rate, lead, rec.reference, rec.excluded)
        found, took = detect_cached(other, detector, cache=cache)
        others.append(found)
        seconds += took
    return fill_from_other_leads(peaks, others, rec.sampling_rate), seconds


def score_detections(
    reference: np.ndarray,
    detected: np.ndarray,
    sampling_rate: float,
    excluded: np.ndarray | None = None,
    tolerance_s: float = TOLERANCE_S,
) -> tuple[dict[str, float], np.ndarray]:
    """Score detections against reference beats.

    Returns
    -------
    row : dict
        ``tp``, ``fn``, ``fp``, ``se``, ``ppv``, ``f1`` (fractions) and
        ``jitter_median_ms``, ``jitter_p95_ms`` (NaN without matches).
    jitter_ms : np.ndarray
        ``|detected - reference|`` in ms of every matched pair.

    Examples
    --------
    >>> import numpy as np
    >>> row, jit = score_detections(np.array([100, 460, 820]), np.array([101, 470, 2000]), 360.0)
    >>> row["tp"], row["fn"], row["fp"], round(row["f1"], 3)
    (2, 1, 1, 0.667)
    """
    det = np.asarray(detected, dtype=np.int64)
    for start, end in np.asarray(excluded if excluded is not None else [], dtype=np.int64).reshape(-1, 2):
        det = det[(det < start) | (det > end)]
    m = match_peaks(reference, det, tolerance=round(tolerance_s * sampling_rate))
    tp, fn, fp = m.true_positives, m.false_negatives, m.false_positives
    jitter = np.abs(m.offset) * 1000.0 / sampling_rate
    row = {
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "se": tp / (tp + fn) if tp + fn else float("nan"),
        "ppv": tp / (tp + fp) if tp + fp else float("nan"),
        "f1": 2 * tp / (2 * tp + fn + fp) if tp + fn + fp else float("nan"),
        "jitter_median_ms": float(np.median(jitter)) if jitter.size else float("nan"),
        "jitter_p95_ms": float(np.percentile(jitter, 95)) if jitter.size else float("nan"),
    }
    return row, jitter


@dataclass
class QrsBenchmark:
    """Result of :func:`benchmark_qrs`.

    Attributes
    ----------
    per_record : pandas.DataFrame
        One row per (detector, record): counts, Se/+P/F1, jitter, seconds, lead, error.
    jitter_ms : dict
        ``{detector: |offset| in ms of every matched beat, all records pooled}``.
    """

    per_record: pd.DataFrame
    jitter_ms: dict[str, np.ndarray]


def benchmark_qrs(
    records: Sequence[str | QrsRecord],
    detectors: Sequence[str],
    data_dir: str | Path | None = None,
    cache: bool = True,
    progress: bool = False,
    max_seconds: float | None = None,
    both_leads: bool = False,
) -> QrsBenchmark:
    """Run detectors over MIT-BIH records and score them (see the module docstring).

    A detector that raises on a record is scored as having found nothing there and its
    error is kept in the ``error`` column, so one broken method does not stop the table.

    Parameters
    ----------
    records : sequence of str or QrsRecord
        MIT-BIH record names, or records already prepared (other databases:
        :mod:`vitalkit.beats.qrs_databases`).
    detectors : sequence of str
        Keys of :data:`vitalkit.beats.detect.DETECTORS`.
    data_dir : str or Path, optional
        Data directory (default ``VITALKIT_DATA_DIR``).
    cache : bool
        Read and write cached detections.
    progress : bool
        Show a tqdm progress bar.
    max_seconds : float, optional
        Score only the first ``max_seconds`` of each record (smoke runs); default: whole.
    both_leads : bool
        MIT-BIH records named by ``records``: run each detector on both leads and fill gaps
        in the scored lead's beats with the other's (the ``lead`` column reads ``MLII+V1``).
    """
    unknown = [d for d in detectors if d not in DETECTORS]
    if unknown:
        raise DataError("detectors", f"unknown detector(s) {unknown}; known: {sorted(DETECTORS)}")
    rows, jitters = [], {d: [] for d in detectors}
    iterator = list(records)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="QRS benchmark", unit="record")
    for item in iterator:
        rec = (
            item if isinstance(item, QrsRecord) else load_qrs_record(item, data_dir, max_seconds, both_leads)
        )
        name = rec.name
        for det in detectors:
            error = ""
            try:
                peaks, seconds = detect_cached(rec, det, cache=cache)
                if rec.other_leads:
                    peaks, seconds = _fill_from_other_leads(rec, det, peaks, seconds, cache)
            except Exception as exc:  # a library failing inside a detector is a result here
                peaks, seconds, error = np.empty(0, np.int64), float("nan"), f"{type(exc).__name__}: {exc}"
            row, jitter = score_detections(rec.reference, peaks, rec.sampling_rate, rec.excluded)
            jitters[det].append(jitter)
            rows.append(
                {
                    "detector": det,
                    "record": name,
                    "lead": "+".join([rec.lead, *rec.other_leads]),
                    **row,
                    "seconds": seconds,
                    "error": error,
                    **({"group": rec.group} if rec.group else {}),
                    **({"note": rec.note} if rec.note else {}),
                }
            )
    per_record = pd.DataFrame(rows)
    return QrsBenchmark(per_record, {d: np.concatenate(j) if j else np.empty(0) for d, j in jitters.items()})


def overall_table(result: QrsBenchmark, timing: bool = True) -> pd.DataFrame:
    """Per detector: gross Se, +P, F1 (%), pooled jitter (ms), wall time (s), failures.

    Sorted by F1, best first; ``timing=False`` leaves out the (run-dependent) wall time.
    """
    rows = []
    for det, sub in result.per_record.groupby("detector", sort=False):
        tp, fn, fp = (int(sub[k].sum()) for k in ("tp", "fn", "fp"))
        jitter = result.jitter_ms[det]
        failed = sub[sub["error"] != ""]
        rows.append(
            {
                "detector": det,
                "records": len(sub),
                "beats": tp + fn,
                "TP": tp,
                "FN": fn,
                "FP": fp,
                "Se %": 100 * tp / (tp + fn) if tp + fn else np.nan,
                "+P %": 100 * tp / (tp + fp) if tp + fp else np.nan,
                "F1 %": 100 * 2 * tp / (2 * tp + fn + fp) if tp + fn + fp else np.nan,
                "jitter median ms": float(np.median(jitter)) if jitter.size else np.nan,
                "jitter p95 ms": float(np.percentile(jitter, 95)) if jitter.size else np.nan,
                "seconds": float(sub["seconds"].sum()),
                "failed records": len(failed),
                "first error": failed["error"].iloc[0][:120] if len(failed) else "",
            }
        )
    table = pd.DataFrame(rows).set_index("detector").sort_values("F1 %", ascending=False)
    if not timing:
        table = table.drop(columns=["seconds"])
    return table.round(
        {"Se %": 2, "+P %": 2, "F1 %": 2, "jitter median ms": 2, "jitter p95 ms": 2, "seconds": 1}
    )


def record_table(result: QrsBenchmark, detector: str, timing: bool = True) -> pd.DataFrame:
    """One detector's per-record rows (Se, +P, F1 in %, jitter in ms), worst F1 first."""
    sub = result.per_record[result.per_record["detector"] == detector].set_index("record")
    cols = ["lead", "tp", "fn", "fp", "se", "ppv", "f1", "jitter_median_ms", "jitter_p95_ms"]
    table = sub[cols + (["seconds"] if timing else [])]
    table = table.rename(
        columns={"tp": "TP", "fn": "FN", "fp": "FP", "se": "Se %", "ppv": "+P %", "f1": "F1 %"}
    )
    for col in ("Se %", "+P %", "F1 %"):
        table[col] = 100 * table[col]
    table = table.rename(columns={"jitter_median_ms": "jitter median ms", "jitter_p95_ms": "jitter p95 ms"})
    return table.sort_values("F1 %").round(2)


def worst_records(result: QrsBenchmark, detector: str, n: int = 5, timing: bool = True) -> pd.DataFrame:
    """The ``n`` records where ``detector`` has the lowest F1."""
    return record_table(result, detector, timing).head(n)


def gross_row(part: pd.DataFrame) -> dict[str, float]:
    """Gross beats, FN, FP, Se, +P and F1 (%) of per-record ``tp`` / ``fn`` / ``fp`` rows.

    Examples
    --------
    >>> import pandas as pd
    >>> gross_row(pd.DataFrame({"tp": [99, 100], "fn": [1, 0], "fp": [0, 1]}))["F1 %"]
    99.5
    """
    tp, fn, fp = (int(part[k].sum()) for k in ("tp", "fn", "fp"))
    return {
        "beats": tp + fn,
        "FN": fn,
        "FP": fp,
        "Se %": 100 * tp / max(tp + fn, 1),
        "+P %": 100 * tp / max(tp + fp, 1),
        "F1 %": 100 * 2 * tp / max(2 * tp + fn + fp, 1),
    }


def split_table(result: QrsBenchmark, detector: str) -> pd.DataFrame:
    """One detector's gross Se, +P, F1 (%) on the de Chazal DS1 and DS2 halves and the paced records."""
    sub = result.per_record[result.per_record["detector"] == detector]
    groups = {"DS1": mitdb.DS1, "DS2": mitdb.DS2, "paced": mitdb.PACED, "all": tuple(sub["record"])}
    rows = []
    for name, recs in groups.items():
        part = sub[sub["record"].isin(recs)]
        if len(part):
            rows.append({"records": name, "n": len(part), **gross_row(part)})
    return pd.DataFrame(rows).set_index("records").round(3)


def group_table(result: QrsBenchmark) -> pd.DataFrame:
    """Gross beats, FN, FP, Se, +P, F1 (%) per record group (rows) and detector, in run order.

    Examples
    --------
    >>> per = pd.DataFrame({"detector": ["a", "a"], "record": ["r1", "r2"], "group": ["x", "y"],
    ...                     "tp": [9, 10], "fn": [1, 0], "fp": [0, 0]})
    >>> group_table(QrsBenchmark(per, {}))["Se %"].tolist()
    [90.0, 100.0]
    """
    per = result.per_record
    if "group" not in per:
        raise DataError("records", "no record carries a group (MIT-BIH runs are split by split_table)")
    rows = []
    for (group, det), part in per.groupby(["group", "detector"], sort=False):
        rows.append({"group": group, "detector": det, "records": len(part), **gross_row(part)})
    return pd.DataFrame(rows).set_index(["group", "detector"]).round(3)


def f1_table(result: QrsBenchmark) -> pd.DataFrame:
    """F1 (%) per record (rows) and detector (columns), with the gross overall F1 as last row."""
    table = result.per_record.pivot(index="record", columns="detector", values="f1") * 100
    table = table[list(dict.fromkeys(result.per_record["detector"]))]
    overall = overall_table(result, timing=False)["F1 %"]
    table.loc["overall"] = [overall[d] for d in table.columns]
    return table.round(2)


def headline_metrics(result: QrsBenchmark, detector: str | None = None) -> dict[str, float]:
    """Headline numbers of one detector (default: the best F1): Se, +P, F1 (%), jitter (ms)."""
    table = overall_table(result, timing=False)
    det = detector if detector in table.index else table.index[0]
    row = table.loc[det]
    return {
        f"qrs_{det}_se_pct": float(row["Se %"]),
        f"qrs_{det}_ppv_pct": float(row["+P %"]),
        f"qrs_{det}_f1_pct": float(row["F1 %"]),
        f"qrs_{det}_jitter_median_ms": float(row["jitter median ms"]),
    }


def save_benchmark(result: QrsBenchmark, folder: str | Path) -> dict[str, Path]:
    """Write ``qrs_per_record.csv`` and ``qrs_overall.csv`` atomically; return their paths."""
    folder = Path(folder)
    paths = {"per_record": folder / "qrs_per_record.csv", "overall": folder / "qrs_overall.csv"}
    write_text(paths["per_record"], result.per_record.to_csv(index=False, float_format="%.6g"))
    write_text(paths["overall"], overall_table(result).to_csv())
    return paths


def describe_protocol() -> str:
    """The evaluation protocol in a few lines (printed above every benchmark table)."""
    return (
        "MIT-BIH Arrhythmia Database, lead MLII (channel 0; channel 1 in record 114; records 102 and "
        "104 have no MLII and use channel 0, V5). Reference: every .atr QRS annotation "
        f"({len(QRS_SYMBOLS)} beat symbols, not flutter waves '!' or 'x'). Whole records scored, first to "
        "last sample; detections inside the reference's ventricular flutter episodes ('[' to ']', "
        f"record 207) are not scored, as in WFDB bxb. Tolerance {TOLERANCE_S * 1000:.0f} ms, one-to-one "
        "matching closest first. Overall = gross sums; jitter = |detected - reference| of matched beats."
    )


def run_benchmark_report(
    detectors: Sequence[str] | None = None,
    records: Sequence[str] | str | None = None,
    out_dir: str | Path | None = None,
    cache: bool = True,
    both_leads: bool = False,
) -> str:
    """Run the benchmark, write the CSVs and return the printed report (``vitalkit benchmark qrs``).

    ``both_leads``: every detector also runs on the other lead, whose beats fill the scored
    lead's gaps (default CSV folder ``reports/benchmark-qrs-2leads``).
    """
    from vitalkit.beats.detect import DEFAULT_DETECTOR, UNUSABLE_DETECTORS

    spec: str | Sequence[str] = records or "ALL"
    if not isinstance(spec, str) and len(spec) == 1 and spec[0].upper() in mitdb.NAMED_SETS:
        spec = spec[0]
    names = mitdb.resolve_records(spec)
    dets = list(detectors) if detectors else list(DETECTORS)
    start = time.perf_counter()
    result = benchmark_qrs(names, dets, cache=cache, progress=True, both_leads=both_leads)
    wall = time.perf_counter() - start
    default = "benchmark-qrs-2leads" if both_leads else "benchmark-qrs"
    out = Path(out_dir) if out_dir else config.reports_dir() / default
    paths = save_benchmark(result, out)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60):
        lines = [describe_protocol(), ""]
        if both_leads:
            lines += ["Both leads: the other lead's beats fill gaps in MLII's (fill_from_other_leads).", ""]
        lines += [f"{len(names)} records, {len(dets)} detectors", ""]
        lines += [overall_table(result).drop(columns=["first error"]).to_string(), ""]
        failed = overall_table(result).query("`failed records` > 0")
        for det, row in failed.iterrows():
            lines.append(f"{det} failed on {row['failed records']} record(s): {row['first error']}")
        if DEFAULT_DETECTOR in dets:
            lines += ["", f"Five worst records of the default detector ({DEFAULT_DETECTOR}):"]
            lines += [worst_records(result, DEFAULT_DETECTOR).to_string()]
            lines += ["", f"{DEFAULT_DETECTOR} on the de Chazal halves and the paced records:"]
            lines += [split_table(result, DEFAULT_DETECTOR).to_string()]
        skipped = {d: why for d, why in UNUSABLE_DETECTORS.items() if d not in DETECTORS}
        if skipped and not detectors:
            lines += ["", "Not registered (do not work here):"]
            lines += [f"  {d}: {why}" for d, why in skipped.items()]
    lines += ["", f"CSV: {paths['overall']} and {paths['per_record']}"]
    lines.append(f"wall time {wall:.0f} s (detection times above are from when each result was computed)")
    return "\n".join(lines)
