"""Products of the clinical stage: tables as CSV and the headline metrics.

Examples
--------
>>> import tempfile, pandas as pd
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in save_tables(folder, hrv=pd.DataFrame({"a": [1]}))]
['hrv.csv']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vitalkit.io import write_text
from vitalkit.viz import add_headline


def save_tables(product_dir: str | Path, **tables: pd.DataFrame) -> list[Path]:
    """Write each table to ``<product_dir>/tables/<name>.csv`` (atomically); return the paths."""
    paths = []
    for name, table in tables.items():
        path = Path(product_dir) / "tables" / f"{name}.csv"
        write_text(path, table.to_csv())
        paths.append(path)
    return paths


def clinical_headline(
    product_dir: str | Path,
    hrv: pd.DataFrame,
    qt_overall: pd.Series,
    st_agreement: pd.DataFrame,
    mi_metrics: pd.DataFrame,
) -> dict[str, float]:
    """Headline metrics of the stage (added to ``headline.json``) and returned.

    Parameters
    ----------
    hrv : pandas.DataFrame
        :func:`vitalkit.clinical.hrv.mitdb_hrv_table`.
    qt_overall : pandas.Series
        The ``overall`` row of :func:`vitalkit.clinical.qt_validation.qt_error_table`.
    st_agreement : pandas.DataFrame
        :func:`vitalkit.clinical.st_validation.edb_st_table` (its ``total`` row is used).
    mi_metrics : pandas.DataFrame
        First row: the headline MI model of :func:`vitalkit.clinical.mi.mi_evaluation`.
    """
    usable = hrv[hrv["hrv_meaningful"]]
    best = mi_metrics.iloc[0]
    total = st_agreement.loc["total"]
    metrics = {
        "hrv_records_meaningful": len(usable),
        "hrv_median_sdnn_ms": round(float(usable["HRV_SDNN"].median()), 1) if len(usable) else None,
        "qt_beats": int(qt_overall["t_end_n"]),
        "qrs_on_error_sd_ms": round(float(qt_overall["qrs_on_sd_ms"]), 1),
        "t_end_error_mean_ms": round(float(qt_overall["t_end_mean_ms"]), 1),
        "t_end_error_sd_ms": round(float(qt_overall["t_end_sd_ms"]), 1),
        "qt_error_sd_ms": round(float(qt_overall["qt_sd_ms"]), 1),
        "st_reference_episodes": int(total["reference"]),
        "st_reference_episodes_found": int(total["found"]),
        "st_episodes_ours": int(total["ours"]),
        "st_episodes_confirmed": int(total["confirmed"]),
        "mi_auroc": round(float(best["auroc"]), 3),
        "mi_auroc_ci95": [round(float(best["auroc_ci_low"]), 3), round(float(best["auroc_ci_high"]), 3)],
        "mi_f1": round(float(best["f1"]), 3),
        "mi_f1_ci95": [round(float(best["f1_ci_low"]), 3), round(float(best["f1_ci_high"]), 3)],
        "mi_sensitivity": round(float(best["sensitivity"]), 3),
        "mi_specificity": round(float(best["specificity"]), 3),
        "mi_records": int(best["n_mi"] + best["n_other"]),
        "mi_positive_records": int(best["n_mi"]),
    }
    add_headline(product_dir, metrics=metrics)
    return metrics
