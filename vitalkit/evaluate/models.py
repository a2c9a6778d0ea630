"""Evaluate trained beat classifiers on the test patients (DS2), once, side by side.

The primary model is the one with the best *validation* macro-F1 recorded at training
time; test results never choose anything.

Examples
--------
>>> ev = evaluate_models({"resnet1d": Path("reports/x/03_train_resnet1d")}, test)  # doctest: +SKIP
>>> ev.summary_table()                                                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.dataset import BeatSet
from vitalkit.evaluate.bootstrap import bootstrap_metrics
from vitalkit.evaluate.metrics import confusion
from vitalkit.evaluate.predict import predict_proba
from vitalkit.evaluate.tables import per_record_table
from vitalkit.io import read_json, save_npz, write_json, write_text
from vitalkit.viz import add_headline

HEADLINE = ("accuracy", "macro_f1", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1")


@dataclass
class ModelEvaluation:
    """Test results of one model."""

    label: str
    probabilities: np.ndarray
    confusion: np.ndarray
    bootstrap: pd.DataFrame
    per_record: pd.DataFrame
    train: dict[str, Any] = field(default_factory=dict)

    @property
    def predictions(self) -> np.ndarray:
        """Predicted class per beat."""
        return self.probabilities.argmax(axis=1)

    def metric(self, name: str) -> float:
        """Point estimate of a metric (``'accuracy'``, ``'S_F1'`` ...)."""
        return float(self.bootstrap.loc[name, "value"])


@dataclass
class Evaluation:
    """Test results of several models on the same beats."""

    test: BeatSet
    models: dict[str, ModelEvaluation]
    n_bootstrap: int
    level: float
    seed: int

    @property
    def classes(self) -> tuple[str, ...]:
        return self.test.classes

    @property
    def primary(self) -> str:
        """The model with the best validation macro-F1 (ties: first listed)."""
        return max(self.models, key=lambda k: self.models[k].train.get("best_val_macro_f1", -1.0))

    def summary_table(self, metrics: tuple[str, ...] = HEADLINE) -> pd.DataFrame:
        """One row per model: validation macro-F1, then test metrics as ``value [CI]`` in %."""
        rows = {}
        for label, ev in self.models.items():
            row: dict[str, Any] = {"val_macro_f1": round(100 * ev.train.get("best_val_macro_f1", np.nan), 1)}
            for m in metrics:
                v, lo, hi = ev.bootstrap.loc[m, ["value", "ci_low", "ci_high"]]
                row[m] = f"{100 * v:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if np.isfinite(v) else "n/a"
            row["parameters"] = ev.train.get("n_parameters")
            row["epochs"] = ev.train.get("epochs_run")
            row["train_s"] = ev.train.get("wall_time_s")
            rows[label] = row
        table = pd.DataFrame(rows).T
        table.index.name = "model"
        return table

    def save(self, product_dir: str | Path) -> dict[str, Any]:
        """Write ``metrics.json``, ``summary.csv``, per-record tables and predictions."""
        product_dir = Path(product_dir)
        out: dict[str, Any] = {
            "primary": self.primary,
            "selection": "best validation macro-F1 (held-out DS1 patients)",
            "classes": list(self.classes),
            "n_test_beats": len(self.test),
            "test_records": sorted(set(self.test.record.tolist())),
            "bootstrap": {
                "unit": "record",
                "replicates": self.n_bootstrap,
                "level": self.level,
                "seed": self.seed,
            },
            "models": {},
        }
        for label, ev in self.models.items():
            out["models"][label] = {
                "metrics": ev.bootstrap.to_dict(orient="index"),
                "confusion": ev.confusion.tolist(),
                "train": ev.train,
            }
            write_text(product_dir / f"per_record_{label}.csv", ev.per_record.to_csv())
            save_npz(
                product_dir / f"predictions_{label}.npz",
                probabilities=ev.probabilities,
                labels=self.test.labels,
                record=self.test.record,
                sample=self.test.sample,
            )
        write_json(product_dir / "metrics.json", out)
        write_text(product_dir / "summary.csv", self.summary_table().to_csv())
        primary = self.models[self.primary]
        headline: dict[str, Any] = {"primary_model": self.primary}
        for m in HEADLINE:
            v, lo, hi = primary.bootstrap.loc[m, ["value", "ci_low", "ci_high"]]
            headline[m] = round(float(v), 4)
            headline[f"{m}_ci95"] = [round(float(lo), 4), round(float(hi), 4)]
        add_headline(product_dir, metrics=headline)
        return out


def evaluate_models(
    train_dirs: Mapping[str, str | Path],
    test: BeatSet,
    n_bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Evaluation:
    """Predict the test beats with every trained model and compute metrics with CIs.

    Parameters
    ----------
    train_dirs : mapping
        ``{model label: training product folder}``.
    test : BeatSet
        The test patients' beats.
    n_bootstrap : int
        Bootstrap replicates (resampling records).
    seed : int
        Bootstrap seed.
    level : float
        Confidence level.
    """
    from vitalkit.train.fit import load_trained_model

    models = {}
    for label, folder in train_dirs.items():
        model, _ = load_trained_model(folder)
        proba = predict_proba(model, test.windows, test.rr)
        pred = proba.argmax(axis=1)
        models[label] = ModelEvaluation(
            label=label,
            probabilities=proba,
            confusion=confusion(test.labels, pred, len(test.classes)),
            bootstrap=bootstrap_metrics(
                test.labels,
                pred,
                test.record,
                test.classes,
                n_boot=n_bootstrap,
                seed=seed,
                level=level,
            ),
            per_record=per_record_table(test.labels, pred, test.record, test.classes),
            train=read_json(Path(folder) / "metrics.json"),
        )
    return Evaluation(test=test, models=models, n_bootstrap=n_bootstrap, level=level, seed=seed)
