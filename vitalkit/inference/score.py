"""Score beat predictions against a recording's reference annotations (AAMI classes).

Predicted beats are matched to reference beats within a tolerance (150 ms, as beat-by-beat
comparison tools do); matched pairs fill the confusion matrix, with the same metric code as
the evaluate stage (:mod:`vitalkit.evaluate.metrics`). Reference beats nobody predicted and
predictions matching no reference beat are counted beside it.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from vitalkit.data.records import Annotations, Record
>>> ann = Annotations(np.array([100, 400, 700]), np.array(["N", "V", "N"], dtype=object),
...                   np.array(["", "", ""], dtype=object))
>>> rec = Record("r", np.zeros((1000, 1)), 100.0, ["II"], ["mV"], annotations=ann)
>>> beats = pd.DataFrame({"sample": [101, 398, 900], "class": ["N", "V", "N"]})
>>> table, summary = score_beats(beats, rec, ["N", "S", "V", "F"])
>>> summary["accuracy"], summary["missed"], summary["extra"]
(1.0, 1, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.detect import match_peaks
from vitalkit.data.records import Record
from vitalkit.evaluate.metrics import class_metrics, confusion, per_class_arrays, summary_metrics
from vitalkit.inference.beats import reference_beats
from vitalkit.labels import encode_labels


def score_beats(
    beats: pd.DataFrame, record: Record, classes: Sequence[str], tolerance_s: float = 0.15
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """AAMI table (Se, +P, F1, FPR per class) and summary of predicted beats against the reference.

    Parameters
    ----------
    beats : pandas.DataFrame
        ``sample`` (in the recording's samples) and ``class`` per predicted beat.
    record : Record
        The recording, with reference beat annotations.
    classes : sequence of str
        The model's classes; reference beats of other classes (Q, unclassifiable) are left out.
    tolerance_s : float
        Largest distance between a predicted and a reference beat that still matches.

    Returns
    -------
    table : pandas.DataFrame
        One row per class: Se, +P, F1, FPR, Sp, support.
    summary : dict
        ``accuracy``, ``macro_f1``, ``matched``, ``missed`` (reference beats of the classes
        without a prediction), ``extra`` (predictions without a reference beat).
    """
    ref_samples, ref_symbols = reference_beats(record)
    match = match_peaks(ref_samples, beats["sample"].to_numpy(), round(tolerance_s * record.sampling_rate))
    truth = encode_labels(ref_symbols[match.ref_index], classes)
    index = {c: i for i, c in enumerate(classes)}
    predicted = np.array([index[c] for c in beats["class"].to_numpy()[match.det_index]], dtype=np.int64)
    scored = truth >= 0
    cm = confusion(truth[scored], predicted[scored], len(classes))
    in_classes = encode_labels(ref_symbols, classes) >= 0
    unmatched = np.ones(ref_samples.size, dtype=bool)
    unmatched[match.ref_index] = False
    summary = {
        **summary_metrics(cm),
        "matched": int(scored.sum()),
        "missed": int((unmatched & in_classes).sum()),
        "extra": int(match.false_positives),
        "tolerance_s": tolerance_s,
        "confusion": cm.tolist(),
    }
    return class_metrics(cm, classes), summary


def summary_confusions(summaries: Sequence[dict[str, Any]], n_classes: int) -> np.ndarray:
    """The ``confusion`` of each :func:`score_beats` summary, stacked ``(n_recordings, K, K)``."""
    return np.array(
        [np.asarray(s["confusion"], dtype=np.int64).reshape(n_classes, n_classes) for s in summaries]
    ).reshape(-1, n_classes, n_classes)


def pooled_beat_score(
    summaries: Sequence[dict[str, Any]], names: Sequence[str], classes: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Beat scores of several recordings pooled: their confusion matrices summed.

    Parameters
    ----------
    summaries : sequence of dict
        :func:`score_beats` summaries (each with its ``confusion``).
    names : sequence of str
        The recordings' names, in the same order.
    classes : sequence of str
        The model's classes.

    Returns
    -------
    table : pandas.DataFrame
        The pooled AAMI table (Se, +P, F1, FPR, Sp, support per class).
    summary : dict
        Pooled ``accuracy``, ``macro_f1``, ``matched``, ``missed``, ``extra``, ``recordings``
        and ``confusion``.
    per_record : pandas.DataFrame
        One row per recording: beats, accuracy and per class its reference beats, Se and +P
        (so that one recording holding most of a class cannot hide the others).

    Examples
    --------
    >>> a = {"confusion": [[9, 1], [0, 2]], "missed": 1, "extra": 0}
    >>> b = {"confusion": [[5, 0], [1, 1]], "missed": 0, "extra": 2}
    >>> table, s, per = pooled_beat_score([a, b], ["r1", "r2"], ["N", "S"])
    >>> s["matched"], s["extra"], float(table.loc["S", "Se"])
    (19, 2, 0.75)
    >>> per["S_Se"].round(2).tolist()
    [1.0, 0.5]
    """
    if not summaries:
        raise ValueError("pooled_beat_score: no scored recordings")
    cms = summary_confusions(summaries, len(classes))
    total = cms.sum(axis=0)
    summary = {
        **summary_metrics(total),
        "matched": int(total.sum()),
        "missed": int(sum(s["missed"] for s in summaries)),
        "extra": int(sum(s["extra"] for s in summaries)),
        "recordings": len(summaries),
        "confusion": total.tolist(),
    }
    rows = []
    for name, cm in zip(names, cms, strict=True):
        row: dict[str, Any] = {"recording": name, "beats": int(cm.sum())}
        row.update(summary_metrics(cm) if cm.sum() else {"accuracy": np.nan, "macro_f1": np.nan})
        per = per_class_arrays(cm)
        for i, c in enumerate(classes):
            row[c] = int(cm[i].sum())
            row[f"{c}_Se"], row[f"{c}_+P"] = float(per["Se"][i]), float(per["+P"][i])
        rows.append(row)
    return class_metrics(total, classes), summary, pd.DataFrame(rows)
