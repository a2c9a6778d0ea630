"""An example "bring your own data" folder: EDF, CSV and serial-log recordings with labels.json.

:func:`make_example_folder` writes what a researcher might bring, from real PhysioNet data
and synthetic ECG, so the whole path (readers, labels, splits, pipeline) can be shown:

- ``edf/``: PhysioNet/CinC Challenge 2017 recordings (AliveCor, 300 Hz) written as EDF+,
  labelled from its ``REFERENCE.csv``: N → normal, A → afib + arrhythmia, O (other
  rhythm) → arrhythmia + other; one patient per recording.
- ``csv/``: 20 s MIT-BIH Arrhythmia segments (MLII, 360 Hz, ``time (s),MLII (mV)``),
  labelled from the reference annotations: a segment wholly in ``(AFIB`` → afib +
  arrhythmia (+ pvc with ventricular beats); wholly ``(N`` with 2 or more V beats → pvc +
  arrhythmia; ``(N`` with only N beats → normal at 60–100 bpm, tachycardia / bradycardia
  outside. Several segments per record, patient = record (201 and 202 are one patient).
- ``serial/``: synthetic ECG (:mod:`vitalkit.data.synthetic`: st_elevation, tachycardia,
  bradycardia, pvc + arrhythmia) written as 10-bit ADC serial dumps with junk lines, jitter and a gap
  (``serial_logs/*.log``), converted with :func:`~vitalkit.data.serial.serial_convert`
  (each in its own folder with its meta.json and preview.png).

Examples
--------
>>> dataset = make_example_folder("/tmp/byod-example", seed=0)   # doctest: +SKIP
>>> dataset.table().groupby("labels").size()                      # doctest: +SKIP
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data.labelled import LabelledDataset, read_labelled_folder
from vitalkit.data.physionet import database_dir, ensure_records
from vitalkit.data.records import Record
from vitalkit.data.serial import serial_convert, simulate_serial_log
from vitalkit.data.synthetic import ecg_synthetic
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.data.writers import write_record
from vitalkit.io import write_json

CINC_LABELS = {"N": ["normal"], "A": ["afib", "arrhythmia"], "O": ["arrhythmia", "other"]}
MITDB_RECORDS = (
    "100",
    "101",
    "103",
    "112",
    "106",
    "119",
    "200",
    "208",
    "233",
    "201",
    "202",
    "203",
    "210",
    "219",
)
MITDB_PATIENT = {"202": "201"}  # records 201 and 202 come from the same subject
SERIAL_CLASSES = ("st_elevation", "tachycardia", "bradycardia", "pvc")
SEGMENT_S = 20.0


def _rhythm_at(samples: np.ndarray, rhythms: np.ndarray, start: int, stop: int) -> str | None:
    """The rhythm label over [start, stop) if it does not change inside, else None."""
    before = np.flatnonzero(samples <= start)
    inside = np.flatnonzero((samples > start) & (samples < stop))
    current = rhythms[before[-1]] if before.size else None
    if any(rhythms[i] != current for i in inside):
        return None
    return current


def mitdb_segment_labels(record: Record, segment_s: float = SEGMENT_S) -> list[tuple[int, list[str]]]:
    """Label the consecutive ``segment_s`` segments of an MIT-BIH record from its annotations.

    Returns
    -------
    list of (start sample, labels)
        Only segments that get a label (see the module notes).
    """
    ann = record.annotations
    if ann is None:
        return []
    is_rhythm = (ann.symbol == "+") & np.char.startswith(ann.aux_note.astype(str), "(")
    rhythm_samples, rhythms = ann.sample[is_rhythm], ann.aux_note[is_rhythm]
    beats = np.isin(ann.symbol, list("NLRBAaJSVrFejnE/fQ"))
    length = int(segment_s * record.sampling_rate)
    out = []
    for start in range(0, record.n_samples - length + 1, length):
        rhythm = _rhythm_at(rhythm_samples, rhythms, start, start + length)
        in_segment = beats & (ann.sample >= start) & (ann.sample < start + length)
        symbols = ann.symbol[in_segment]
        if rhythm is None or symbols.size < 5:
            continue
        n_v = int(np.sum(symbols == "V"))
        if rhythm == "(AFIB":
            out.append((start, ["afib", "arrhythmia"] + (["pvc"] if n_v else [])))
        elif rhythm == "(N" and n_v >= 2:
            out.append((start, ["pvc", "arrhythmia"]))
        elif rhythm == "(N" and np.all(symbols == "N"):
            rr = np.diff(ann.sample[in_segment]) / record.sampling_rate
            rate = 60.0 / float(np.mean(rr))
            out.append(
                (start, ["tachycardia"] if rate > 100 else ["bradycardia"] if rate < 60 else ["normal"])
            )
    return out


def _edf_part(folder: Path, rng: np.random.Generator, n_per_class: int, data_dir: Path | None) -> list[dict]:
    reference = pd.read_csv(
        database_dir("challenge-2017", data_dir) / "REFERENCE.csv", header=None, names=["record", "label"]
    )
    entries = []
    for code, labels in CINC_LABELS.items():
        names = sorted(reference.loc[reference.label == code, "record"])
        chosen = sorted(rng.choice(names, size=min(n_per_class, len(names)), replace=False).tolist())
        for base in ensure_records("challenge-2017", chosen, data_dir=data_dir):
            rec = read_wfdb(base)
            seconds = int(min(rec.duration_s, 30))
            signal = rec.signal[: int(seconds * rec.sampling_rate)]
            out = Record(rec.name, signal, rec.sampling_rate, ["ECG"], ["mV"], patient_id=f"cinc-{rec.name}")
            write_record(folder / "edf" / f"cinc_{rec.name}.edf", out)
            entries.append(
                {
                    "file": f"edf/cinc_{rec.name}.edf",
                    "labels": labels,
                    "patient_id": f"cinc-{rec.name}",
                    "meta": {"source": f"challenge-2017/{rec.name}", "reference": code},
                }
            )
    return entries


def _csv_part(folder: Path, rng: np.random.Generator, n_per_class: int, data_dir: Path | None) -> list[dict]:
    candidates: dict[str, list[tuple[Record, int, list[str]]]] = {}
    for base in ensure_records("mitdb", MITDB_RECORDS, data_dir=data_dir):
        rec = read_wfdb(base, channels=["MLII"], annotator="atr")
        by_label: dict[str, list[tuple[int, list[str]]]] = {}
        for start, labels in mitdb_segment_labels(rec):
            by_label.setdefault(labels[0], []).append((start, labels))
        for key, items in by_label.items():  # at most 2 segments per record and label
            picks = rng.choice(len(items), size=min(2, len(items)), replace=False)
            candidates.setdefault(key, []).extend((rec, items[i][0], items[i][1]) for i in sorted(picks))
    entries = []
    for key in sorted(candidates):
        items = candidates[key]
        for i in sorted(rng.choice(len(items), size=min(n_per_class, len(items)), replace=False)):
            rec, start, labels = items[i]
            length = int(SEGMENT_S * rec.sampling_rate)
            name = f"mitdb_{rec.name}_{int(start / rec.sampling_rate):04d}s"
            patient = f"mitdb-{MITDB_PATIENT.get(rec.name, rec.name)}"
            segment = Record(
                name,
                rec.signal[start : start + length],
                rec.sampling_rate,
                ["MLII"],
                ["mV"],
                patient_id=patient,
            )
            write_record(folder / "csv" / f"{name}.csv", segment)
            entries.append(
                {
                    "file": f"csv/{name}.csv",
                    "labels": labels,
                    "patient_id": patient,
                    "meta": {"source": f"mitdb/{rec.name}", "start_s": start / rec.sampling_rate},
                }
            )
    return entries


def _serial_part(folder: Path, seed: int, n_per_class: int) -> list[dict]:
    entries = []
    for c, kind in enumerate(SERIAL_CLASSES):
        for i in range(n_per_class):
            ecg = ecg_synthetic(
                kind,
                duration_s=SEGMENT_S,
                sampling_rate=250,
                seed=int(np.random.default_rng([seed, c, i]).integers(2**31)),
            )
            name = f"syn_{kind}_{i:02d}"
            log = folder / "serial_logs" / f"{name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            simulate_serial_log(ecg.signal, 250, log, seed=seed + 100 * c + i, gaps=[(SEGMENT_S / 2, 0.05)])
            result = serial_convert(
                log, folder / "serial" / name, gain=200.0, zero=512.0, adc_bits=10, patient_id=name
            )
            (segment,) = result.meta["segments"]
            labels = [kind, "arrhythmia"] if kind == "pvc" else [kind]  # as the MIT-BIH pvc segments
            entries.append(
                {
                    "file": f"serial/{name}/{segment['file']}",
                    "labels": labels,
                    "patient_id": f"syn-{name}",
                    "meta": {
                        "source": "vitalkit.data.synthetic via a simulated serial log",
                        "requested": ecg.requested,
                        "dropped_lines": sum(result.meta["dropped_lines"].values()),
                        "interpolated_samples": result.meta["interpolated_samples"],
                    },
                }
            )
    return entries


def make_example_folder(
    folder: str | Path, seed: int = 0, n_per_class: int = 4, data_dir: str | Path | None = None
) -> LabelledDataset:
    """Write the example dataset folder (module notes) and read it back.

    Parameters
    ----------
    folder : str or Path
        Created (emptied first if it exists).
    seed : int
        Seed of every choice (records, segments, synthetic signals, serial junk).
    n_per_class : int
        Recordings per label group and source (at most).
    data_dir : str or Path, optional
        PhysioNet data directory (default :func:`vitalkit.config.data_dir`); MIT-BIH and
        CinC 2017 records are downloaded if missing.

    Returns
    -------
    LabelledDataset
        The folder read with :func:`~vitalkit.data.labelled.read_labelled_folder`.
    """
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    entries = _edf_part(folder, rng, n_per_class, data_dir)
    entries += _csv_part(folder, rng, n_per_class, data_dir)
    entries += _serial_part(folder, seed, n_per_class)
    write_json(
        folder / "labels.json",
        {
            "description": f"VitalKit example folder (seed {seed}): CinC 2017 as EDF, MIT-BIH "
            "segments as CSV, synthetic ECG through simulated serial logs",
            "records": entries,
        },
    )
    return read_labelled_folder(folder)
