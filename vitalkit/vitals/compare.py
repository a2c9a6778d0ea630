"""The comparison table: every early-warning score on the same held-out patients, with CIs.

For each score (NEWS2, MEWS, anomaly detectors, gradient boosting, recurrent model):

* **AUROC, AUPRC** of the 6-hour-ahead label on the evaluated test hours
  (:mod:`vitalkit.vitals.onset`);
* **normalized utility** (Challenge 2019, :mod:`vitalkit.vitals.utility`) on every hour
  of every test patient, alerting when the score reaches a threshold chosen on the
  **validation** patients (the one maximizing validation utility);
* **median lead time**: hours before onset of the first alert 1-12 h before onset, over
  the septic test patients alerted in that window (``detected_%`` says how many were),
  beside the share of non-septic test patients alerted at least once;
* the same on **prevalence-adjusted** weights (:func:`vitalkit.vitals.metrics.prevalence_weights`).

Confidence intervals are percentile bootstrap intervals resampling **patients**
(:func:`vitalkit.evaluate.bootstrap.group_bootstrap`); all scores are computed on the same
draws, so the differences to NEWS2 are paired.

Examples
--------
>>> comparison = compare_scores(cohort.frame, risk, n_boot=200)   # doctest: +SKIP
>>> comparison.table                                             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.evaluate.bootstrap import group_bootstrap
from vitalkit.io import write_json
from vitalkit.vitals.metrics import lead_times, prevalence_weights, ranking_metrics
from vitalkit.vitals.utility import best_utility_threshold, normalized_utility, patient_utilities

TARGET_PREVALENCE = 0.057
"""Share of septic patients in the full Challenge 2019 training set B (1,142 of 20,000)."""


def _fmt(value: float, lo: float, hi: float, digits: int = 3) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


@dataclass
class Comparison:
    """Results of :func:`compare_scores`.

    Attributes
    ----------
    values : pandas.DataFrame
        Long numeric table: ``model, metric, value, ci_low, ci_high, n_boot``.
    thresholds : pandas.DataFrame
        Per model: the alert threshold and the validation utility it reached.
    prevalence : dict
        Test-set patient counts and the weight of non-septic patients.
    level : float
        Confidence level.
    """

    values: pd.DataFrame
    thresholds: pd.DataFrame
    prevalence: dict[str, Any]
    level: float

    def value(self, model: str, metric: str) -> float:
        """Point estimate of one metric."""
        row = self.values[(self.values["model"] == model) & (self.values["metric"] == metric)]
        return float(row["value"].iloc[0])

    def _table(self, metrics: dict[str, tuple[str, int]]) -> pd.DataFrame:
        rows = {}
        for model in self.thresholds.index:
            row = {}
            for metric, (label, digits) in metrics.items():
                r = self.values[(self.values["model"] == model) & (self.values["metric"] == metric)]
                row[label] = (
                    _fmt(*r[["value", "ci_low", "ci_high"]].iloc[0].to_numpy(), digits) if len(r) else ""
                )
            rows[model] = row
        return pd.DataFrame(rows).T.rename_axis("model")

    @property
    def table(self) -> pd.DataFrame:
        """The comparison table on the subset (value [95% CI])."""
        t = self._table(
            {
                "auroc": ("AUROC", 3),
                "auprc": ("AUPRC", 3),
                "utility": ("utility", 3),
                "median_lead_h": ("median lead h", 1),
                "detected_pct": ("detected %", 1),
                "nonseptic_alerted_pct": ("non-septic alerted %", 1),
            }
        )
        t["threshold"] = self.thresholds["threshold"].map(lambda v: f"{v:.4g}")
        return t

    @property
    def adjusted(self) -> pd.DataFrame:
        """Prevalence-adjusted figures (non-septic patients re-weighted to the target prevalence)."""
        return self._table(
            {
                "auroc_adj": ("AUROC (adj.)", 3),
                "auprc_adj": ("AUPRC (adj.)", 3),
                "auprc": ("AUPRC (subset)", 3),
                "sensitivity_h": ("hour sensitivity", 3),
                "ppv_h_adj": ("hour PPV (adj.)", 3),
                "ppv_h": ("hour PPV (subset)", 3),
                "utility_adj": ("utility (adj.)", 3),
            }
        )

    @property
    def differences(self) -> pd.DataFrame:
        """Paired AUROC differences to the reference score (value [CI])."""
        return self._table(
            {"auroc_minus_ref": ("AUROC - reference", 3), "utility_minus_ref": ("utility - reference", 3)}
        )

    def save(self, product_dir: str | Path) -> dict[str, Any]:
        """Write ``comparison.csv``, ``comparison_adjusted.csv``, ``comparison_values.csv`` and ``.json``."""
        product_dir = Path(product_dir)
        self.table.to_csv(product_dir / "comparison.csv")
        self.adjusted.to_csv(product_dir / "comparison_adjusted.csv")
        self.values.to_csv(product_dir / "comparison_values.csv", index=False)
        data = {
            "level": self.level,
            "prevalence": self.prevalence,
            "thresholds": self.thresholds.to_dict(orient="index"),
            "metrics": {
                m: {r["metric"]: {k: r[k] for k in ("value", "ci_low", "ci_high")} for _, r in g.iterrows()}
                for m, g in self.values.groupby("model", sort=False)
            },
        }
        write_json(product_dir / "comparison.json", data)
        return data


def _hour_metrics(models: list[str], reference: str, target: float, thresholds: np.ndarray):
    def metric(y: np.ndarray, septic: np.ndarray, share: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        w = prevalence_weights(septic, target, share)
        out = {}
        for j, m in enumerate(models):
            s = scores[:, j]
            alert = s >= thresholds[j]
            (auroc, auprc), (auroc_w, auprc_w) = ranking_metrics(y, s, (None, w))
            out[f"{m}|auroc"], out[f"{m}|auprc"] = auroc, auprc
            out[f"{m}|auroc_adj"], out[f"{m}|auprc_adj"] = auroc_w, auprc_w
            out[f"{m}|sensitivity_h"] = alert[y > 0].mean() if (y > 0).any() else np.nan
            out[f"{m}|ppv_h"] = y[alert].mean() if alert.any() else np.nan
            weighted_alerts = w[alert].sum()
            out[f"{m}|ppv_h_adj"] = (w * y)[alert].sum() / weighted_alerts if weighted_alerts > 0 else np.nan
        if reference in models:
            for m in models:
                out[f"{m}|auroc_minus_ref"] = out[f"{m}|auroc"] - out[f"{reference}|auroc"]
        return out

    return metric


def _patient_metrics(models: list[str], reference: str, target: float):
    def metric(septic: np.ndarray, evaluable: np.ndarray, *per_model: np.ndarray) -> dict[str, float]:
        w = prevalence_weights(septic, target)
        out = {}
        for j, m in enumerate(models):
            obs, best, inaction, lead, alerted = per_model[5 * j : 5 * j + 5]
            out[f"{m}|utility"] = normalized_utility(obs, best, inaction)
            out[f"{m}|utility_adj"] = normalized_utility(obs, best, inaction, w)
            sep = evaluable & septic
            out[f"{m}|median_lead_h"] = (
                float(np.nanmedian(lead[sep])) if np.isfinite(lead[sep]).any() else np.nan
            )
            out[f"{m}|detected_pct"] = 100 * alerted[sep].mean() if sep.any() else np.nan
            out[f"{m}|nonseptic_alerted_pct"] = 100 * alerted[~septic].mean() if (~septic).any() else np.nan
        if reference in models:
            for m in models:
                out[f"{m}|utility_minus_ref"] = out[f"{m}|utility"] - out[f"{reference}|utility"]
        return out

    return metric


THRESHOLD_RULES: tuple[str, ...] = ("utility_adjusted", "utility")
"""How alert thresholds are chosen on the validation patients:

``'utility_adjusted'``
    maximize the normalized utility with non-septic patients re-weighted to the target
    prevalence, i.e. the threshold one would pick on data with the natural prevalence
    (the default: on the enriched subset the plain utility is maximized by alerting at
    every hour for weak scores, see the ``always alert`` row);
``'utility'``
    maximize the plain normalized utility of the validation patients.
"""


def choose_thresholds(
    frame: pd.DataFrame,
    risk: pd.DataFrame,
    rule: str = "utility_adjusted",
    target_prevalence: float = TARGET_PREVALENCE,
    split: str = "val",
) -> pd.DataFrame:
    """Per model, the alert threshold chosen on ``split`` patients by ``rule`` (:data:`THRESHOLD_RULES`)."""
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold rule must be one of {THRESHOLD_RULES}, not {rule!r}")
    rows = frame["split"].to_numpy() == split
    label = frame["SepsisLabel"].to_numpy()[rows]
    patient = frame["patient"].to_numpy()[rows]
    weights = None
    if rule == "utility_adjusted":
        septic = frame["septic"].to_numpy()[rows]
        share = 1.0 / pd.Series(patient).groupby(patient).transform("size").to_numpy()
        weights = prevalence_weights(septic, target_prevalence, share)
    out = {}
    for model in risk.columns:
        threshold, utility = best_utility_threshold(risk[model].to_numpy()[rows], label, patient, weights)
        out[model] = {
            "threshold": threshold,
            f"{split}_utility{'_adj' if weights is not None else ''}": utility,
        }
    return pd.DataFrame(out).T.rename_axis("model")


def compare_scores(
    frame: pd.DataFrame,
    risk: pd.DataFrame,
    n_boot: int = 1000,
    seed: int = 0,
    target_prevalence: float = TARGET_PREVALENCE,
    lead_window_h: float = 12.0,
    reference: str = "NEWS2",
    level: float = 0.95,
    threshold_rule: str = "utility_adjusted",
    always_alert: bool = True,
) -> Comparison:
    """Compare early-warning scores on the test patients (module notes).

    Parameters
    ----------
    frame : pandas.DataFrame
        The cohort frame (``patient, split, SepsisLabel, septic, censored, evaluable,
        ahead, hours_to_onset``).
    risk : pandas.DataFrame
        One column per model, a score per row of ``frame`` (higher = more at risk).
    n_boot, seed, level : int, int, float
        Bootstrap replicates, seed, confidence level.
    target_prevalence : float
        Prevalence of the adjusted figures.
    lead_window_h : float
        Look-back of the lead time (:func:`~vitalkit.vitals.metrics.lead_times`).
    reference : str
        Model the paired differences are taken against.
    threshold_rule : str
        See :data:`THRESHOLD_RULES`.
    always_alert : bool
        Add the reference row ``always alert`` (a constant score: alerts at every hour),
        which shows what the utility rewards on an enriched cohort.
    """
    if always_alert:
        risk = risk.assign(**{"always alert": 1.0})
    models = list(risk.columns)
    thresholds = choose_thresholds(frame, risk, threshold_rule, target_prevalence)
    cut = thresholds["threshold"].to_numpy(dtype=np.float64)
    test = frame["split"].to_numpy() == "test"
    ev = test & frame["evaluable"].to_numpy()
    f_ev = frame[ev]
    patients = f_ev["patient"].to_numpy()
    share = 1.0 / f_ev.groupby("patient", sort=False)["patient"].transform("size").to_numpy()
    hour = group_bootstrap(
        _hour_metrics(models, reference, target_prevalence, cut),
        patients,
        f_ev["ahead"].to_numpy(),
        f_ev["septic"].to_numpy(),
        share,
        risk[ev].to_numpy(dtype=np.float64),
        n_boot=n_boot,
        seed=seed,
        level=level,
    )
    f_test = frame[test]
    label = f_test["SepsisLabel"].to_numpy()
    groups = f_test["patient"].to_numpy()
    per_patient = None
    arrays = []
    for j, model in enumerate(models):
        alert = np.nan_to_num(risk[test][model].to_numpy(dtype=np.float64), nan=-np.inf) >= cut[j]
        util = patient_utilities(label, alert, groups)
        leads = lead_times(f_test, alert, lead_window_h).reindex(util.index)
        if per_patient is None:
            per_patient = (
                f_test.groupby("patient", sort=False)
                .agg(septic=("septic", "first"), censored=("censored", "first"))
                .reindex(util.index)
            )
        arrays += [
            util["observed"].to_numpy(),
            util["best"].to_numpy(),
            util["inaction"].to_numpy(),
            leads["lead_h"].to_numpy(dtype=np.float64),
            leads["alerted"].eq(True).to_numpy(),
        ]
    assert per_patient is not None
    patient_table = group_bootstrap(
        _patient_metrics(models, reference, target_prevalence),
        per_patient.index.to_numpy(),
        per_patient["septic"].to_numpy(dtype=bool),
        ~per_patient["censored"].to_numpy(dtype=bool),
        *arrays,
        n_boot=n_boot,
        seed=seed,
        level=level,
    )
    values = pd.concat([hour, patient_table]).reset_index()
    values[["model", "metric"]] = values["metric"].str.split("|", expand=True)
    values = values[["model", "metric", "value", "ci_low", "ci_high", "n_boot"]]
    n_septic = int(per_patient["septic"].sum())
    n_other = int((~per_patient["septic"]).sum())
    prevalence = {
        "test_patients": n_septic + n_other,
        "test_septic": n_septic,
        "test_prevalence": round(n_septic / max(n_septic + n_other, 1), 4),
        "target_prevalence": target_prevalence,
        "non_septic_weight": round(n_septic * (1 - target_prevalence) / (target_prevalence * n_other), 3)
        if n_other
        else None,
        "evaluated_test_hours": int(ev.sum()),
        "positive_test_hours": int(f_ev["ahead"].sum()),
    }
    return Comparison(values, thresholds, prevalence, level)
