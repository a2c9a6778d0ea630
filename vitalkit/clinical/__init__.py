"""Clinical ECG measurements: HRV, QT/QTc, ST deviation and an MI detector.

Functions follow neurokit2's shape, ``<signal>_<verb>(signal, sampling_rate, method=...)``;
validation against annotated databases lives beside them (``qt_validation`` on the QT
Database, ``st_validation`` on its European ST-T records, ``mi`` on PTB-XL).

Examples
--------
>>> from vitalkit.clinical import qt_correct
>>> qt_correct(400.0, 1.0, "bazett")
400.0
"""

from __future__ import annotations

from vitalkit.clinical.delineate import DELINEATORS, combine_leads, ecg_delineate, ecg_delineate_leads
from vitalkit.clinical.hrv import RR_CLEANERS, hrv_compute, mitdb_hrv_table, rr_clean
from vitalkit.clinical.qt import QTC_FORMULAS, qt_correct, qt_intervals, qtc_summary
from vitalkit.clinical.st import ecg_st, st_episodes, st_trend
from vitalkit.lazy import lazy_submodules

SUBMODULES = (
    "benchmark",
    "delineate",
    "figures",
    "hrv",
    "mi",
    "qt",
    "qt_validation",
    "report",
    "st",
    "st_validation",
)
"""Sub-modules, imported on first use (``vk.clinical.mi`` pulls in scikit-learn)."""

__all__ = [
    "DELINEATORS",
    "QTC_FORMULAS",
    "RR_CLEANERS",
    "combine_leads",
    "ecg_delineate",
    "ecg_delineate_leads",
    "ecg_st",
    "hrv_compute",
    "mitdb_hrv_table",
    "qt_correct",
    "qt_intervals",
    "qtc_summary",
    "rr_clean",
    "st_episodes",
    "st_trend",
]


__getattr__ = lazy_submodules(__name__, SUBMODULES)
