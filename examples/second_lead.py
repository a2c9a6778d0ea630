"""How much the default beat model's second lead weighs: DS2 scored three ways.

Every DS2 record is classified at its annotated beats by the shipped default model
(``predict_beats(..., beats="annotations")``) as recorded (MLII and V1, or its other lead), with
the second lead inverted, and as a one-lead recording (MLII repeated as the second lead); the 22
records' confusion matrices are pooled.

Run from the repository root::

    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/second_lead.py
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vitalkit.data.mitdb import DS2
from vitalkit.data.physionet import ensure_records
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.export.package import load_package
from vitalkit.inference.beats import predict_beats
from vitalkit.inference.score import pooled_beat_score, score_beats
from vitalkit.pretrained import resolve_model


def variants(record: Record) -> dict[str, Record]:
    """The record as recorded, with its second lead inverted, and as a one-lead recording."""
    first = record.channel_names.index(record.closest_lead("MLII"))
    other = 1 - first
    signal, name, unit = record.signal, record.channel_names[first], record.units[first]
    return {
        "as recorded": record,
        "second lead inverted": dataclasses.replace(
            record,
            signal=np.stack([signal[:, first], -signal[:, other]], axis=1),
            channel_names=[name, "inverted"],
            units=[unit, unit],
        ),
        "one lead (MLII repeated)": dataclasses.replace(
            record, signal=signal[:, [first]], channel_names=[name], units=[unit]
        ),
    }


def main() -> None:
    package = load_package(resolve_model("beats"))
    names = [str(r) for r in DS2]
    summaries: dict[str, list[dict]] = {}
    for base in ensure_records("mitdb", names):
        for label, record in variants(read_wfdb(base, annotator="atr")).items():
            result = predict_beats(package, record, beats="annotations")
            summaries.setdefault(label, []).append(score_beats(result.beats, record, package.classes)[1])
    for label, found in summaries.items():
        table, pooled, _ = pooled_beat_score(found, names, package.classes)
        f1 = " ".join(f"{c} F1 {100 * table.loc[c, 'F1']:.1f}" for c in package.classes)
        scores = f"accuracy {100 * pooled['accuracy']:.2f} %  macro-F1 {100 * pooled['macro_f1']:.1f}"
        print(f"{label:26s} {scores}  {f1}")


if __name__ == "__main__":
    main()
