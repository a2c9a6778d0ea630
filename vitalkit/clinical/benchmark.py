"""Full-size clinical benchmarks behind ``vitalkit benchmark qt`` and ``vitalkit benchmark hrv``.

Each prints tables and returns them; expensive steps are cached (see
:mod:`vitalkit.clinical.qt_validation`).

Examples
--------
``vitalkit benchmark qt``
    All 105 QTDB records, the template delineator and neurokit2's, every protocol.
``vitalkit benchmark qt --methods template --records DEV``
    One method on the development records.
``vitalkit benchmark hrv --records DS1,DS2``
    The HRV table of the 44 non-paced MIT-BIH records.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from vitalkit.clinical import qt_validation as qv

QT_METHODS = ("template", "neurokit-prominence", "neurokit-dwt", "neurokit-cwt", "ecgpuwave")
"""Delineators compared by default (``neurokit-peak`` places no QRS onset); ``ecgpuwave``
is the peer whose marks QTDB ships (``.pu``), scored by the same code."""


def _print(title: str, table: pd.DataFrame) -> None:
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 200):
        print(f"\n{title}\n{table.to_string()}")


def qt_benchmark(
    records: str | Sequence[str] = "ALL",
    methods: Sequence[str] = QT_METHODS,
    worst: int = 10,
    progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Print the QTDB error tables: summary per method and protocol, per-record table.

    Returns
    -------
    dict
        ``summary`` (all records), ``summary_heldout`` (records the delineator was not
        tuned on), ``per_record`` (template delineator, ``auto`` protocol) and ``errors``
        (every beat); with a method of :data:`~vitalkit.clinical.qt_validation.P_METHODS`
        also ``p_errors``, ``p_summary`` and (when held-out records were run)
        ``p_summary_heldout``.
    """
    start = time.perf_counter()
    errors = qv.qtdb_errors(records, list(methods), progress=progress)
    summary = qv.qt_error_summary(errors)
    heldout = qv.qt_error_summary(errors, heldout_only=True)
    _print(
        "QT Database: detected - annotated (ms), mean ± SD over all annotated beats",
        qv.format_mean_sd(summary),
    )
    _print("Held-out records only (not used to choose the delineator's settings)", qv.format_mean_sd(heldout))
    per_record = qv.qt_error_table(errors[errors["method"] == methods[0]], "auto")
    ranked = per_record.drop(index="overall").sort_values("t_end_sd_ms", ascending=False)
    _print(
        f"{methods[0]} / auto: the {worst} records with the largest T-end error SD",
        qv.format_mean_sd(ranked.head(worst)),
    )
    _print(f"{methods[0]} / auto: overall", qv.format_mean_sd(per_record.loc[["overall"]]))
    sd = per_record.loc["overall", "t_end_sd_ms"]
    verdict = "within" if sd <= 30.6 else "outside"
    print(f"\nT-end error SD {sd:.1f} ms: {verdict} the CSE tolerance of 30.6 ms (2 SD).")
    out = {"summary": summary, "summary_heldout": heldout, "per_record": per_record, "errors": errors}
    p_methods = [m for m in methods if m in qv.P_METHODS]
    if p_methods:
        names = qv.qtdb.resolve_records(records)
        p_errors = pd.concat([qv.record_p_errors(r, m) for m in p_methods for r in names], ignore_index=True)
        out["p_errors"] = p_errors
        out["p_summary"] = qv.p_wave_summary(p_errors)
        _print(
            "P wave vs .q1c (ms; CSE 2 SD: onset 10.2, offset 12.7); presence Se / +P (%) over matched beats",
            out["p_summary"].round(1),
        )
        heldout_p = p_errors[~p_errors["record"].isin(qv.qtdb.DEVELOPMENT)]
        if len(heldout_p):
            out["p_summary_heldout"] = qv.p_wave_summary(heldout_p)
            _print("P wave, held-out records only", out["p_summary_heldout"].round(1))
    print(f"({time.perf_counter() - start:.0f} s)")
    return out


def hrv_benchmark(records: str | Sequence[str] = "NONPACED", clean: str = "annotation") -> pd.DataFrame:
    """Print the MIT-BIH HRV table (see :func:`vitalkit.clinical.hrv.mitdb_hrv_table`)."""
    from vitalkit.clinical.hrv import HEADLINE_COLUMNS, mitdb_hrv_table

    start = time.perf_counter()
    table = mitdb_hrv_table(records, clean=clean)
    _print(f"MIT-BIH HRV per record (NN intervals: {clean})", table[list(HEADLINE_COLUMNS)].round(3))
    usable = table[table["hrv_meaningful"]]
    _print(
        f"Median over the {len(usable)} records where HRV is meaningful",
        usable[list(HEADLINE_COLUMNS)]
        .drop(columns=["hrv_meaningful", "note"])
        .median()
        .round(3)
        .to_frame("median"),
    )
    print(f"({time.perf_counter() - start:.0f} s)")
    return table
