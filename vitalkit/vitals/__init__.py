"""Vital signs: one time-series type, readers, NEWS2 / MEWS, anomaly detection, early warning.

Readers (Challenge 2019 ``.psv``, WFDB numerics, a plain CSV layout) give a
:class:`VitalSeries`; :func:`load_cohort` gives the Challenge subset as a long
patient-hour table with outcomes, split and limited forward fill. Scores, detectors and
models run on that table; :func:`compare_scores` puts them side by side with
patient-bootstrap CIs and prevalence-adjusted figures.

Examples
--------
>>> import pandas as pd
>>> from vitalkit.vitals import news2_score
>>> vitals = pd.DataFrame({"RR": [23], "SpO2": [95], "SBP": [105], "HR": [95], "Temp": [38.4]})
>>> news2_score(vitals)["news2"].item()
6.0
"""

from __future__ import annotations

from vitalkit.splits import sample_patients, split_patients
from vitalkit.vitals.anomaly import DETECTORS, build_detector, fit_detectors
from vitalkit.vitals.bands import MISSING_POLICIES, BandTable, aggregate_points
from vitalkit.vitals.cohort import (
    Cohort,
    load_cohort,
    read_challenge_frame,
    sepsis_dir,
    subset_files,
    subset_ids,
)
from vitalkit.vitals.compare import (
    TARGET_PREVALENCE,
    THRESHOLD_RULES,
    Comparison,
    choose_thresholds,
    compare_scores,
)
from vitalkit.vitals.csv_layout import CSV_COLUMNS, read_vitals_csv, write_vitals_csv
from vitalkit.vitals.ensemble import percentile_average, validation_percentile
from vitalkit.vitals.export import export_recurrent_model, recurrent_latency, recurrent_parity
from vitalkit.vitals.features import history_features, vital_window_features
from vitalkit.vitals.figures import (
    alert_timeline_figure,
    calibration_figure,
    calibration_table,
    calibration_tables,
    comparison_figure,
    numerics_figure,
    onset_trajectory_figure,
    pick_timeline_patients,
)
from vitalkit.vitals.gbm import GBMResult, fit_gbm
from vitalkit.vitals.metrics import average_precision, lead_times, prevalence_weights, roc_auc
from vitalkit.vitals.mews import mews_score
from vitalkit.vitals.missing import forward_fill_limited, hours_since_observed
from vitalkit.vitals.news2 import news2_response, news2_score
from vitalkit.vitals.numerics import EXAMPLE_RECORD, read_wfdb_numerics
from vitalkit.vitals.onset import add_outcomes
from vitalkit.vitals.psv import read_psv
from vitalkit.vitals.recurrent import VitalsGRU
from vitalkit.vitals.recurrent_fit import RecurrentConfig, fit_recurrent, load_recurrent
from vitalkit.vitals.scores import early_warning_scores, missing_parameter_report, patient_missing_table
from vitalkit.vitals.series import VITAL_CHANNELS, VitalSeries
from vitalkit.vitals.stage import (
    ENSEMBLE,
    alarm_agreement,
    export_recurrent,
    fit_anomaly,
    fit_gbm_baseline,
    risk_table,
    save_summary,
    train_recurrent,
    trend_alert_summary,
)
from vitalkit.vitals.trends import onset_trajectories, rising_trend
from vitalkit.vitals.utility import compute_utility, normalized_utility, utility_rows

__all__ = [
    "CSV_COLUMNS",
    "DETECTORS",
    "ENSEMBLE",
    "EXAMPLE_RECORD",
    "MISSING_POLICIES",
    "TARGET_PREVALENCE",
    "THRESHOLD_RULES",
    "VITAL_CHANNELS",
    "BandTable",
    "Cohort",
    "Comparison",
    "GBMResult",
    "RecurrentConfig",
    "VitalSeries",
    "VitalsGRU",
    "add_outcomes",
    "aggregate_points",
    "alarm_agreement",
    "alert_timeline_figure",
    "average_precision",
    "build_detector",
    "calibration_figure",
    "calibration_table",
    "calibration_tables",
    "choose_thresholds",
    "compare_scores",
    "comparison_figure",
    "compute_utility",
    "early_warning_scores",
    "export_recurrent",
    "export_recurrent_model",
    "fit_anomaly",
    "fit_detectors",
    "fit_gbm",
    "fit_gbm_baseline",
    "fit_recurrent",
    "forward_fill_limited",
    "history_features",
    "hours_since_observed",
    "lead_times",
    "load_cohort",
    "load_recurrent",
    "mews_score",
    "missing_parameter_report",
    "news2_response",
    "news2_score",
    "normalized_utility",
    "numerics_figure",
    "onset_trajectories",
    "onset_trajectory_figure",
    "patient_missing_table",
    "percentile_average",
    "pick_timeline_patients",
    "prevalence_weights",
    "read_challenge_frame",
    "read_psv",
    "read_vitals_csv",
    "read_wfdb_numerics",
    "recurrent_latency",
    "recurrent_parity",
    "rising_trend",
    "risk_table",
    "roc_auc",
    "sample_patients",
    "save_summary",
    "sepsis_dir",
    "split_patients",
    "subset_files",
    "subset_ids",
    "train_recurrent",
    "trend_alert_summary",
    "utility_rows",
    "validation_percentile",
    "vital_window_features",
    "write_vitals_csv",
]
