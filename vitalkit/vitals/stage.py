"""The steps of the ``vitals`` stage, one function per notebook cell.

Each function does one step on the cohort and returns something a notebook shows (a table,
a result object with a table). The stage notebook only chains them.

Examples
--------
>>> cohort = load_cohort(400)                                  # doctest: +SKIP
>>> scores = early_warning_scores(cohort.filled, cohort.frame)  # doctest: +SKIP
>>> anomaly = fit_anomaly(cohort)                               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import ParamsError
from vitalkit.export.package import metadata_props, vitals_model_metadata
from vitalkit.export.stage import export_provenance, latency_table
from vitalkit.io import write_json
from vitalkit.vitals.anomaly import fit_detectors
from vitalkit.vitals.cohort import Cohort
from vitalkit.vitals.compare import Comparison
from vitalkit.vitals.ensemble import percentile_average
from vitalkit.vitals.export import check_onnx, export_recurrent_model, recurrent_latency, recurrent_parity
from vitalkit.vitals.features import history_features, vital_window_features
from vitalkit.vitals.gbm import GBMResult, fit_gbm
from vitalkit.vitals.metrics import roc_auc
from vitalkit.vitals.recurrent_fit import RecurrentConfig, RecurrentResult, fit_recurrent, save_recurrent
from vitalkit.vitals.sequences import SequenceSet, build_sequences, predict_risk, sequence_inputs
from vitalkit.vitals.stay import VitalsRecipe, recipe_of
from vitalkit.viz import add_headline

ANOMALY_REFERENCES: tuple[str, ...] = ("non_septic", "all")
"""Training rows of the detectors: hours of non-septic training patients, or all training hours."""

ENSEMBLE = "GRU + boosting"
"""Column of :func:`risk_table` holding the ensemble of the two learned models."""

DETECTOR_NAMES = {"isolation_forest": "Isolation Forest", "robust_z": "robust z-score"}


@dataclass
class AnomalyResult:
    """Fitted detectors and their score on every cohort row."""

    detectors: dict[str, Any]
    scores: pd.DataFrame
    features: list[str]
    reference: str
    window_h: float


def fit_anomaly(
    cohort: Cohort, window_h: float = 6.0, reference: str = "non_septic", seed: int = 0
) -> AnomalyResult:
    """Fit the anomaly detectors on training patients' vital-sign windows; score every row."""
    if reference not in ANOMALY_REFERENCES:
        raise ParamsError("anomaly_reference", [f"must be one of {ANOMALY_REFERENCES}, not {reference!r}"])
    X = vital_window_features(cohort.frame, cohort.filled, window_h)
    rows = cohort.mask("train")
    if reference == "non_septic":
        rows &= ~cohort.frame["septic"].to_numpy()
    detectors = fit_detectors(X.to_numpy(), rows, seed=seed)
    scores = pd.DataFrame(
        {DETECTOR_NAMES[k]: d.score(X.to_numpy()) for k, d in detectors.items()}, index=cohort.frame.index
    )
    return AnomalyResult(detectors, scores, list(X.columns), reference, window_h)


def alarm_agreement(anomaly: AnomalyResult, scores: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """AUROC of each anomaly score for threshold alarms raised at the same hour (test patients).

    **Circular**: the alarms (NEWS2 >= 5, a single NEWS2 parameter scoring 3, MEWS >= 5) are
    computed from the same vital signs the detectors see, so agreement says the detector
    notices abnormal vital signs - not that it anticipates anything.
    """
    test = frame["split"].to_numpy() == "test"
    alarms = {
        "NEWS2 >= 5": scores["news2"].to_numpy() >= 5,
        "NEWS2 single parameter 3": scores["news2_red"].to_numpy(),
        "MEWS >= 5": scores["mews"].to_numpy() >= 5,
    }
    rows = {}
    for name in anomaly.scores.columns:
        s = anomaly.scores[name].to_numpy()[test]
        rows[name] = {f"AUROC vs {a}": round(roc_auc(v[test], s), 3) for a, v in alarms.items()}
    table = pd.DataFrame(rows).T.rename_axis("detector")
    table["note"] = "circular: alarms use the same vital signs"
    return table


def fit_gbm_baseline(
    cohort: Cohort,
    scores: pd.DataFrame,
    window_h: float = 6.0,
    learning_rates: tuple[float, ...] = (0.05, 0.1),
    max_leaf_nodes: tuple[int, ...] = (15, 31),
    max_iter: int = 200,
    seed: int = 0,
) -> tuple[GBMResult, np.ndarray]:
    """Gradient boosting on the history features, selected on validation; risk on every row."""
    X = history_features(cohort.frame, cohort.filled, scores, window_h)
    y = cohort.frame["ahead"].to_numpy()
    result = fit_gbm(
        X,
        y,
        cohort.mask("train", evaluable=True),
        cohort.mask("val", evaluable=True),
        tuple(learning_rates),
        tuple(max_leaf_nodes),
        max_iter,
        step=max(1, max_iter // 8),
        seed=seed,
    )
    return result, result.predict(X)


@dataclass
class RecurrentRun:
    """The selected recurrent model, its configuration and inputs, test sequences, risk on every row."""

    result: RecurrentResult
    config: RecurrentConfig
    test: SequenceSet
    risk: np.ndarray
    inputs: str = "raw"
    selection: pd.DataFrame | None = None
    recipe: VitalsRecipe | None = None

    @property
    def model(self):
        return self.result.model


def train_recurrent(
    cohort: Cohort,
    product_dir: str | Path,
    inputs: str | list[str] = "raw",
    scores: pd.DataFrame | None = None,
    window_h: float = 6.0,
    *,
    missing_policy: str = "assume_normal",
    trend_rise: float = 2.0,
    **config: Any,
) -> RecurrentRun:
    """Train the GRU on each input set (:data:`~vitalkit.vitals.sequences.INPUTS`), keep the one
    with the best validation AUROC, save it, and score every row.

    ``config`` holds :class:`~vitalkit.vitals.recurrent_fit.RecurrentConfig` fields;
    ``scores`` (NEWS2/MEWS) feed the ``'history'`` inputs, ``missing_policy`` and ``trend_rise``
    say how they were computed (they go into the model's :class:`~vitalkit.vitals.stay.VitalsRecipe`,
    so that ``vitalkit predict`` rebuilds the same inputs for a new stay). Each candidate trains
    under ``<product_dir>/<inputs>/``; the selected model is saved in ``product_dir``.
    """
    cfg = RecurrentConfig(**config)
    product_dir = Path(product_dir)
    kinds = [inputs] if isinstance(inputs, str) else list(inputs)
    best: tuple[float, str, RecurrentResult, dict[str, SequenceSet]] | None = None
    rows = []
    for kind in kinds:
        features = sequence_inputs(cohort, kind, scores, window_h)
        sets = {s: build_sequences(cohort, s, cfg.target, features) for s in ("train", "val", "test")}
        print(f"GRU on {kind} inputs ({sets['train'].values.shape[1]} features)", flush=True)
        result = fit_recurrent(sets["train"], sets["val"], product_dir / kind, cfg)
        rows.append({"inputs": kind, **result.summary()})
        if best is None or result.best_val_auroc > best[0]:
            best = (result.best_val_auroc, kind, result, sets)
    assert best is not None
    _, kind, result, sets = best
    save_recurrent(product_dir, result, cfg)
    write_json(product_dir / "selection.json", {"selected_inputs": kind, "candidates": rows})
    risk = np.full(len(cohort.frame), np.nan)
    for seqs in sets.values():
        risk[seqs.rows] = predict_risk(result.model, seqs)
    recipe = recipe_of(
        kind,
        sets["test"].feature_names,
        cohort.fill_hours,
        window_h=window_h,
        missing_policy=missing_policy,
        trend_rise=trend_rise,
    )
    return RecurrentRun(result, cfg, sets["test"], risk, kind, pd.DataFrame(rows).set_index("inputs"), recipe)


def risk_table(
    scores: pd.DataFrame,
    anomaly: AnomalyResult,
    gbm_risk: np.ndarray,
    recurrent: RecurrentRun,
    frame: pd.DataFrame,
) -> pd.DataFrame:
    """Every score to compare, one column each (higher = more at risk).

    Includes ``ICU hours`` (time since ICU admission alone) as a reference: in the Challenge
    cohort the hour of the stay is itself predictive, so a model must beat it too; and
    ``GRU + boosting``, the mean of the two learned risks' validation percentiles
    (:func:`~vitalkit.vitals.ensemble.percentile_average`).
    """
    val = (frame["split"].to_numpy() == "val") & frame["evaluable"].to_numpy()
    table = pd.DataFrame(
        {
            "NEWS2": scores["news2"].to_numpy(),
            "MEWS": scores["mews"].to_numpy(),
            **{name: anomaly.scores[name].to_numpy() for name in anomaly.scores.columns},
            "ICU hours": frame["time_h"].to_numpy(dtype=np.float64),
            "gradient boosting": gbm_risk,
            "GRU": recurrent.risk,
            ENSEMBLE: percentile_average({"gbm": gbm_risk, "gru": recurrent.risk}, val),
        },
        index=frame.index,
    )
    return table


@dataclass
class RecurrentExport:
    """The exported recurrent model and its checks."""

    path: Path
    check: dict[str, Any]
    parity: dict[str, float]
    latency: dict[str, dict[str, Any]]
    metadata: dict[str, Any]

    def check_table(self) -> pd.DataFrame:
        """onnx.checker, parity and size in one row."""
        return pd.DataFrame(
            {
                "GRU": {
                    "opset": self.check["opset"],
                    "inputs": str(self.check["inputs"]),
                    "outputs": str(self.check["outputs"]),
                    "single_file": not self.check["external_data"],
                    "size_kb": round(self.check["size_bytes"] / 1024, 1),
                    "hours_compared": self.parity["n_hours"],
                    "max_abs_diff_below_1e-5": self.parity["max_abs_diff"] < 1e-5,
                    "alert_agreement": round(self.parity.get("alert_agreement", float("nan")), 4),
                }
            }
        ).T.rename_axis("model")

    def latency_table(self) -> pd.DataFrame:
        """p50 / p90 / p99 in ms per runtime (batch 1, one stay's first hours)."""
        return latency_table({"GRU": self.latency})


def export_recurrent(
    run: RecurrentRun,
    product_dir: str | Path,
    threshold: float | None = None,
    latency_runs: int = 300,
    latency_hours: int = 48,
    run_id: str = "",
) -> RecurrentExport:
    """Export the GRU to ``<product_dir>/gru.onnx``; check, parity on all test hours, latency."""
    model = run.model
    recipe = run.recipe or recipe_of(run.inputs, run.test.feature_names, {})
    doc = vitals_model_metadata(
        "GRU",
        recipe.to_dict(),
        threshold,
        {**export_provenance(None, run_id), "dataset": "PhysioNet/CinC Challenge 2019 (set B subset)"},
        {"val_auroc": float(run.result.best_val_auroc)},
    )
    metadata = {
        **metadata_props(doc),
        "model": "vitals GRU early warning",
        "output": "risk of sepsis onset (Challenge 2019 definition) within the next 6 hours, per hour",
        "inputs": f"{run.inputs} (vitalkit.vitals.sequences.INPUTS); values NaN where unknown",
        "features": ",".join(run.test.feature_names),
        "alert_threshold": "" if threshold is None else f"{threshold:.6g}",
        "training_prevalence": "enriched subset (34% septic patients); recalibrate for deployment",
        "run_id": run_id,
    }
    path = export_recurrent_model(model, Path(product_dir) / "gru.onnx", metadata)
    return RecurrentExport(
        path=path,
        check=check_onnx(path),
        parity=recurrent_parity(model, path, run.test, threshold=threshold),
        latency=recurrent_latency(model, path, run.test, hours=latency_hours, n_runs=latency_runs),
        metadata=metadata,
    )


def save_summary(
    product_dir: str | Path,
    cohort: Cohort,
    comparison: Comparison,
    gbm: GBMResult,
    recurrent: RecurrentRun,
    export: RecurrentExport,
    primary: str = "GRU",
    reference: str = "NEWS2",
) -> dict[str, float]:
    """Write ``metrics.json``, the comparison files and the stage headline; return the headline."""
    product_dir = Path(product_dir)
    cohort.save(product_dir)
    data = comparison.save(product_dir)
    gbm.selection.to_csv(product_dir / "gbm_selection.csv", index=False)
    write_json(
        product_dir / "metrics.json",
        {
            "cohort": cohort.summary().to_dict(orient="index"),
            "comparison": data,
            "gbm": gbm.best,
            "recurrent": {
                **recurrent.result.summary(),
                "inputs": recurrent.inputs,
                "config": asdict(recurrent.config),
            },
            "onnx": {
                "check": export.check,
                "parity": export.parity,
                "latency_ms": export.latency_table().to_dict(),
            },
        },
    )
    v = comparison.values.set_index(["model", "metric"])
    headline: dict[str, Any] = {}
    for model, key in (
        (primary, "gru"),
        (reference, "news2"),
        ("gradient boosting", "gbm"),
        (ENSEMBLE, "ens"),
    ):
        for metric in ("auroc", "utility"):
            if (model, metric) in v.index:
                r = v.loc[(model, metric)]
                headline[f"{key}_{metric}"] = float(r["value"])
                headline[f"{key}_{metric}_ci95"] = [float(r["ci_low"]), float(r["ci_high"])]
    for model, key in ((primary, "gru"), (ENSEMBLE, "ens")):
        if (model, "auroc_minus_ref") in v.index:
            r = v.loc[(model, "auroc_minus_ref")]
            headline[f"{key}_minus_news2_auroc"] = float(r["value"])
            headline[f"{key}_minus_news2_auroc_ci95"] = [float(r["ci_low"]), float(r["ci_high"])]
    headline["onnx_max_abs_diff"] = export.parity["max_abs_diff"]
    add_headline(product_dir, metrics=headline)
    return headline


def trend_alert_summary(frame: pd.DataFrame, scores: pd.DataFrame, window_h: float = 12.0) -> pd.DataFrame:
    """Rising-trend alerts per score: septic patients alerted 1-``window_h`` h before onset, and
    non-septic patients alerted at least once, with alerts per 24 patient-hours (test patients)."""
    test = frame["split"].to_numpy() == "test"
    f = frame[test]
    to_onset = f["hours_to_onset"].to_numpy()
    septic = f["septic"].to_numpy() & ~f["censored"].to_numpy()
    rows = {}
    for score in ("news2", "mews"):
        alert = scores[f"{score}_trend_alert"].to_numpy()[test]
        window = septic & (to_onset >= 1) & (to_onset <= window_h)
        per_septic = pd.Series(alert & window).groupby(f["patient"].to_numpy()).any()
        sep_ids = f.loc[septic, "patient"].unique()
        other = ~f["septic"].to_numpy()
        per_other = pd.Series(alert[other]).groupby(f["patient"].to_numpy()[other]).any()
        rows[score.upper()] = {
            "septic patients alerted before onset %": round(
                100 * float(per_septic.reindex(sep_ids).mean()), 1
            ),
            "non-septic patients ever alerted %": round(100 * float(per_other.mean()), 1),
            "alerts per 24 h (non-septic)": round(24 * float(alert[other].mean()), 2),
        }
    return pd.DataFrame(rows).T.rename_axis("rising-trend alert")
