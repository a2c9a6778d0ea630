"""Beat models on other patients, another database and another sampling rate: the QT Database.

The inter-patient benchmark (DS1 -> DS2) stays inside MIT-BIH Arrhythmia: one database, one
recorder, 360 Hz. The QT Database holds 15-minute excerpts of six other databases at 250 Hz,
and 67 of its records that are not MIT-BIH Arrhythmia excerpts carry the original beat labels
in their ``.atr`` files: the MIT-BIH Supraventricular Arrhythmia Database (13 records, 579 S
beats; recorded at 128 Hz and resampled), the European ST-T Database (33 records), the MIT-BIH
ST Change, Long-Term and Normal Sinus Rhythm databases. None of their patients is in MIT-BIH
Arrhythmia, so every model trained there, the shipped ``beats-all`` included, is scored out of
sample.

:func:`external_benchmark` applies each model through ``vitalkit predict`` (the same code
path as a user's recordings: resampling to the model's rate, the model's lead by name or
channel 0, beats from the reference annotations or from the QRS detector), pools the
per-record confusion matrices and gives 95 % bootstrap intervals over records.

Examples
--------
>>> groups = [database_of(r) for r in ("sel803", "sele0104", "sel16265")]
>>> groups
['Supraventricular Arrhythmia', 'European ST-T', 'Normal Sinus Rhythm']
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data import mitdb, qtdb
from vitalkit.data.physionet import ensure_records
from vitalkit.errors import DataError
from vitalkit.evaluate.bootstrap import bootstrap_confusions, metric_arrays
from vitalkit.inference.run import predict_files
from vitalkit.inference.score import pooled_beat_score, summary_confusions
from vitalkit.io import atomic_path

DATABASES: tuple[tuple[str, str], ...] = (
    (r"sel8\d\d$", "Supraventricular Arrhythmia"),
    (r"sele\d+$", "European ST-T"),
    (r"sel3\d\d$", "ST Change"),
    (r"sel1[45]\d{3}$", "Long-Term"),
    (r"sel1[6-9]\d{3}$", "Normal Sinus Rhythm"),
    (r"sel\d\d$", "Sudden Death"),
)
"""QT Database record name patterns and the database each record was excerpted from."""

HEADLINE = ("accuracy", "macro_f1", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1", "F_F1")


def database_of(record: str) -> str:
    """The database a QT Database record was excerpted from (``'MIT-BIH Arrhythmia'`` or another)."""
    if record.removeprefix("sel") in mitdb.ALL_RECORDS:
        return "MIT-BIH Arrhythmia"
    for pattern, name in DATABASES:
        if re.match(pattern, record):
            return name
    return "other"


def external_records(data_dir: str | Path | None = None) -> list[Path]:
    """Base paths of the QT Database records with beat labels that are not MIT-BIH Arrhythmia excerpts."""
    names = [r for r in qtdb.resolve_records("ALL") if database_of(r) != "MIT-BIH Arrhythmia"]
    bases = ensure_records(qtdb.SLUG, names, data_dir=data_dir)
    kept = [b for b in bases if b.with_suffix(".atr").is_file()]
    if not kept:
        raise DataError(qtdb.SLUG, "no QT Database record with an .atr file (reference beats) found")
    return kept


def score_rows(
    cms: np.ndarray, classes: Sequence[str], n_boot: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Pooled headline metrics of per-record confusion matrices, with 95 % CIs over records.

    Examples
    --------
    >>> cms = np.array([[[9, 1], [0, 2]], [[5, 0], [1, 1]]])
    >>> row = score_rows(cms, ["N", "S"], n_boot=50)
    >>> round(row["accuracy"], 3), row["accuracy_low"] <= row["accuracy"] <= row["accuracy_high"]
    (0.895, True)
    """
    table = bootstrap_confusions(cms, classes, n_boot=n_boot, seed=seed)
    row: dict[str, float] = {}
    for name in HEADLINE:
        if name in table.index:
            row[name], row[f"{name}_low"], row[f"{name}_high"] = table.loc[
                name, ["value", "ci_low", "ci_high"]
            ]
    return row


def external_benchmark(
    models: Sequence[str] = ("beats", "beats-all"),
    beat_sources: Sequence[str] = ("annotations", "detector"),
    out_dir: str | Path = "reports/beats_external",
    data_dir: str | Path | None = None,
    records: Sequence[str] | None = None,
    n_boot: int = 1000,
    align: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score beat models on the QT Database's non-MIT-BIH records; write tables and a report.

    Parameters
    ----------
    models : sequence of str
        Shipped model names or exported ``.onnx`` files.
    beat_sources : sequence of {'annotations', 'detector'}
        Where beats come from (``vitalkit predict --beats``).
    out_dir : path
        Products: ``<model>-<beats>/`` (the predict folders), ``table.csv``, ``by_database.csv``,
        ``report.html``.
    data_dir : path, optional
        Data folder (default: the configured one).
    records : sequence of str, optional
        QT Database record names (default: all 67 external records).
    n_boot : int
        Bootstrap replicates over records.
    align : bool
        Move detected beats onto each record's median QRS (``vitalkit predict --no-align``
        turns it off).

    Returns
    -------
    table : pandas.DataFrame
        One row per model and beat source: pooled metrics with ``_low`` / ``_high`` CIs.
    by_database : pandas.DataFrame
        The same metrics (no CIs) per source database.
    """
    bases = external_records(data_dir)
    if records is not None:
        wanted = set(records)
        bases = [b for b in bases if b.name in wanted]
        missing = wanted - {b.name for b in bases}
        if missing:
            raise DataError(
                qtdb.SLUG, f"not external QT Database records with beat labels: {sorted(missing)}"
            )
    out = Path(out_dir)
    rows, by_db = [], []
    for model in models:
        for source in beat_sources:
            row, cms, names, classes = predict_and_score(bases, out, model, source, align, n_boot)
            rows.append(row)
            groups = np.array([database_of(name) for name in names])
            for db in dict.fromkeys(groups):
                sub = cms[groups == db]
                point = metric_arrays(sub.sum(axis=0), classes)
                by_db.append(
                    {
                        "model": model,
                        "beats": row["beats"],
                        "database": db,
                        "records": int(sub.shape[0]),
                        "beats_scored": int(sub.sum()),
                        **{c: int(sub[:, i].sum()) for i, c in enumerate(classes)},
                        **{k: float(point[k]) for k in HEADLINE if k in point},
                    }
                )
    table, by_database = pd.DataFrame(rows), pd.DataFrame(by_db)
    with atomic_path(out / "table.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "by_database.csv") as tmp:
        by_database.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(report_html(table, by_database))
    return table, by_database


def predict_and_score(
    bases: Sequence[Path],
    out: Path,
    model: str,
    source: str,
    align: bool = True,
    n_boot: int = 1000,
) -> tuple[dict, np.ndarray, list[str], list[str]]:
    """Apply one model to annotated records through ``vitalkit predict`` and score it pooled.

    Writes ``<out>/<label>/`` (one predict folder per record and ``per_record_score.csv``),
    where the label is the model's name and the beat source (``beats-detector``).

    Returns
    -------
    row : dict
        ``model``, ``beats``, ``records``, ``matched`` / ``missed`` / ``extra`` beats, S and V
        beat counts, :func:`score_rows` metrics with CIs over records, ``wall_s``.
    cms : np.ndarray
        Per-record confusion matrices (records x classes x classes).
    names : list of str
        The records' output folder names, in the order of ``cms``.
    classes : list of str
        The model's classes.
    """
    label = f"{Path(model).stem if str(model).endswith('.onnx') else model}-{source}"
    kind = source
    if source == "detector" and not align:
        label, kind = label + "-unaligned", "detector (unaligned)"
    start = time.perf_counter()
    results = predict_files(bases, out / label, model=model, beats=source, score=True, align=align)
    wall = time.perf_counter() - start
    classes = list(results[0].table.index)  # type: ignore[union-attr]
    summaries = [r.summary for r in results]
    names = [r.folder.name for r in results]
    _, pooled, per_record = pooled_beat_score(summaries, names, classes)  # type: ignore[arg-type]
    with atomic_path(out / label / "per_record_score.csv") as tmp:
        per_record.to_csv(tmp, index=False, float_format="%.6g")
    cms = summary_confusions(summaries, len(classes))  # type: ignore[arg-type]
    row = {
        "model": model,
        "beats": kind,
        "records": len(results),
        "matched": pooled["matched"],
        "missed": pooled["missed"],
        "extra": pooled["extra"],
        "S_beats": int(cms[:, classes.index("S")].sum()) if "S" in classes else 0,
        "V_beats": int(cms[:, classes.index("V")].sum()) if "V" in classes else 0,
        **score_rows(cms, classes, n_boot=n_boot),
        "wall_s": round(wall, 1),
    }
    return row, cms, names, classes


def _ci(row: pd.Series, name: str) -> str:
    v = row.get(name, np.nan)
    if not np.isfinite(v):
        return "n/a"
    return f"{100 * v:.1f} [{100 * row[f'{name}_low']:.1f}, {100 * row[f'{name}_high']:.1f}]"


def headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """The printed table: one row per model and beat source, metrics in % with 95 % CIs over records."""
    return pd.DataFrame(
        {
            "model": table["model"],
            "beats": table["beats"],
            "records": table["records"],
            "beats scored": table["matched"],
            "accuracy": [_ci(r, "accuracy") for _, r in table.iterrows()],
            "S Se": [_ci(r, "S_Se") for _, r in table.iterrows()],
            "S +P": [_ci(r, "S_+P") for _, r in table.iterrows()],
            "S F1": [_ci(r, "S_F1") for _, r in table.iterrows()],
            "V Se": [_ci(r, "V_Se") for _, r in table.iterrows()],
            "V +P": [_ci(r, "V_+P") for _, r in table.iterrows()],
            "V F1": [_ci(r, "V_F1") for _, r in table.iterrows()],
            "missed / extra": [f"{m} / {e}" for m, e in zip(table["missed"], table["extra"], strict=True)],
        }
    )


def report_html(table: pd.DataFrame, by_database: pd.DataFrame) -> str:
    """An offline page with the headline table (CIs over records) and the per-database table."""
    per_db = by_database.copy()
    for k in HEADLINE:
        if k in per_db:
            per_db[k] = (100 * per_db[k]).round(1)
    intro = (
        "Records of the QT Database that are not MIT-BIH Arrhythmia excerpts, with their original "
        "beat labels (.atr), mapped to the AAMI classes. Models applied through <code>vitalkit "
        "predict</code>; confusion matrices pooled over records; 95 % CIs from 1,000 bootstrap "
        "replicates over records. Metrics in %."
    )
    return benchmark_page(
        "Beat models on the QT Database",
        "Beat models on other databases: QT Database, 250 Hz",
        intro,
        [
            headline_table(table).to_html(index=False, border=0),
            "<h2>By source database</h2>",
            per_db.to_html(index=False, border=0, na_rep=""),
        ],
    )


def benchmark_page(title: str, heading: str, intro: str, parts: Sequence[str]) -> str:
    """An offline HTML page of a beat-model benchmark: heading, an introduction, tables.

    Examples
    --------
    >>> page = benchmark_page("T", "Heading", "What was measured.", ["<table></table>"])
    >>> page.startswith("<!doctype html>") and "<h1>Heading</h1>" in page and "<table>" in page
    True
    """
    style = (
        "<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style>"
    )
    return "\n".join(
        [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>{title}</title>{style}</head><body>",
            f"<h1>{heading}</h1>",
            f"<p>{intro}</p>",
            *parts,
            "<p><small>Research use only; not a medical device.</small></p></body></html>",
        ]
    )


def benchmark_text(table: pd.DataFrame) -> str:
    """The headline table as text, for the terminal."""
    return headline_table(table).to_string(index=False)
