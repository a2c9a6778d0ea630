"""NEWS2 and MEWS over a whole cohort, with trend alerts and the missing-parameter report.

Scores are computed on the forward-filled values (a vital sign charted within the fill
limit counts as current); what was still missing is counted per time point and reported
per patient by :func:`missing_parameter_report`.

Examples
--------
>>> cohort = load_cohort(200)                                         # doctest: +SKIP
>>> scores = early_warning_scores(cohort.filled, cohort.frame)        # doctest: +SKIP
>>> missing_parameter_report(scores, cohort.frame).head()             # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vitalkit.vitals import mews, news2
from vitalkit.vitals.trends import rising_trend


def early_warning_scores(
    filled: pd.DataFrame,
    frame: pd.DataFrame,
    spo2_scale: int = 1,
    missing: str = "assume_normal",
    trend_window_h: float = 6.0,
    trend_rise: float = 2.0,
) -> pd.DataFrame:
    """NEWS2 and MEWS (all columns of :func:`~vitalkit.vitals.news2.news2_score` and
    :func:`~vitalkit.vitals.mews.mews_score`) plus ``<score>_rise`` / ``<score>_trend_alert``.

    Parameters
    ----------
    filled : pandas.DataFrame
        Canonical channels after the limited forward fill.
    frame : pandas.DataFrame
        ``patient`` and ``time_h`` of each row (same index).
    spo2_scale : int
        NEWS2 SpO2 scale for every patient (the Challenge data do not say who has a
        prescribed 88-92 % target, so scale 1).
    missing : {'assume_normal', 'strict'}
        Missing-parameter policy of both scores.
    trend_window_h, trend_rise : float
        Rising-trend alert settings (:func:`~vitalkit.vitals.trends.rising_trend`).
    """
    out = pd.concat(
        [news2.news2_score(filled, spo2_scale, missing), mews.mews_score(filled, missing)], axis=1
    )
    for score in ("news2", "mews"):
        trend = rising_trend(
            out[score].to_numpy(),
            frame["time_h"].to_numpy(),
            frame["patient"].to_numpy(),
            trend_window_h,
            trend_rise,
        )
        out[f"{score}_rise"] = trend["rise"].to_numpy()
        out[f"{score}_trend_alert"] = trend["trend_alert"].to_numpy()
    return out


def missing_parameter_report(scores: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """How often each score parameter had no value, and how it was treated.

    Returns
    -------
    pandas.DataFrame
        One row per ``score / parameter``: ``hours_missing_%`` (share of patient-hours),
        ``median_patient_missing_%`` (the per-patient share, median over patients),
        ``patients_never_measured_%`` and ``treated_as`` (the value assumed).
    """
    treated = {
        "ACVPU": "Alert (0 points): not recorded in the Challenge data",
        "O2": "air (0 points) unless FiO2 was charted",
    }
    rows = {}
    patient = frame["patient"].to_numpy()
    for score, params in (("news2", news2.PARAMETERS), ("mews", mews.PARAMETERS)):
        for p in params:
            miss = scores[f"{score}_{p}"].isna()
            per_patient = miss.groupby(patient).mean()
            rows[f"{score} / {p}"] = {
                "hours_missing_%": round(100 * float(miss.mean()), 1),
                "median_patient_missing_%": round(100 * float(per_patient.median()), 1),
                "patients_never_measured_%": round(100 * float((per_patient == 1).mean()), 1),
                "treated_as": treated.get(p, "normal (0 points)"),
            }
    return pd.DataFrame(rows).T.rename_axis("parameter")


def patient_missing_table(scores: pd.DataFrame, frame: pd.DataFrame, score: str = "news2") -> pd.DataFrame:
    """Per patient: % of hours each parameter of ``score`` was missing (the per-patient report)."""
    params = news2.PARAMETERS if score == "news2" else mews.PARAMETERS
    missing = pd.DataFrame({p: scores[f"{score}_{p}"].isna().to_numpy() for p in params})
    table = missing.groupby(frame["patient"].to_numpy()).mean().mul(100).round(1)
    table["hours"] = np.bincount(pd.factorize(frame["patient"], sort=True)[0])
    return table.rename_axis("patient")
