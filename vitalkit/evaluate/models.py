"""Evaluate trained beat classifiers on the test patients (DS2), once, side by side.

Every model (and every soft-voting ensemble of trained models) is scored on the validation
patients and on the test patients. Everything that chooses (the primary model, the pair
compared in the A/B test) is decided on validation scores; test results choose nothing.

Examples
--------
>>> ev = evaluate_models({"resnet1d": Path("reports/x/03_train_resnet1d")}, test, val)  # doctest: +SKIP
>>> ev.summary_table()                                                                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.adapt import smooth_beat_set, smooth_probabilities
from vitalkit.errors import ParamsError
from vitalkit.evaluate.beat_tables import (
    beat_type_table,
    class_by_record,
    cv_metrics_table,
    without_records_table,
)
from vitalkit.evaluate.compare import compare_models
from vitalkit.evaluate.curves import calibration_table, curve_table, expected_calibration_error
from vitalkit.evaluate.predict import predict_proba
from vitalkit.evaluate.published import reproduction_table, with_ours
from vitalkit.evaluate.tables import per_record_table
from vitalkit.evaluate.tasks import TASKS
from vitalkit.io import read_json, save_npz, write_json, write_text
from vitalkit.models.classical import apply_class_bias
from vitalkit.samples import BeatSet
from vitalkit.viz import add_headline

HEADLINE = ("accuracy", "macro_f1", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1")
"""Headline metrics of the AAMI beat benchmark."""


def headline_metrics(classes: Sequence[str]) -> tuple[str, ...]:
    """:data:`HEADLINE` for AAMI beat classes, else accuracy, macro-F1 and each class's F1."""
    if {"S", "V"} <= set(classes):
        return HEADLINE
    return ("accuracy", "macro_f1", *[f"{c}_F1" for c in classes])


@dataclass
class ModelEvaluation:
    """Validation and test results of one model."""

    label: str
    probabilities: np.ndarray
    val_probabilities: np.ndarray
    confusion: np.ndarray | None
    bootstrap: pd.DataFrame
    per_record: pd.DataFrame
    val_score: float
    train: dict[str, Any] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)

    task: str = "multiclass"
    cv: dict[str, np.ndarray] | None = None
    """Out-of-fold results of the training patients (``probabilities``, ``labels``, ``record``,
    ``class_bias``) when the model was cross-validated; its :attr:`val_score` is then the CV
    selection score."""

    @property
    def selection_basis(self) -> str:
        """``'cv'`` (patient-grouped cross-validation) or ``'val'`` (validation patients)."""
        return "cv" if self.cv is not None else "val"

    @property
    def predictions(self) -> np.ndarray:
        """Predicted class per test sample (multilabel: 0/1 per label)."""
        return TASKS[self.task].decide(self.probabilities)

    def metric(self, name: str) -> float:
        """Point estimate of a test metric (``'accuracy'``, ``'S_F1'`` ...)."""
        return float(self.bootstrap.loc[name, "value"])


@dataclass
class Evaluation:
    """Test results of several models on the same beats."""

    test: Any
    val: Any
    models: dict[str, ModelEvaluation]
    n_bootstrap: int
    level: float
    seed: int
    compare: list[str] = field(default_factory=list)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.test.classes

    def ranking(self) -> list[str]:
        """Models best first: cross-validated models (scored on every training patient) by
        their CV score, then models scored on the validation patients only by that score (a
        handful of patients is too noisy to rank against CV); ties keep the order given."""
        return sorted(
            self.models,
            key=lambda k: (self.models[k].selection_basis != "cv", -self.models[k].val_score),
        )

    @property
    def primary(self) -> str:
        """The first model of :meth:`ranking` (best CV score, else best validation score)."""
        return self.ranking()[0]

    @property
    def pair(self) -> tuple[str, str] | None:
        """The A/B pair: ``compare`` if given, else the two best by validation score."""
        if self.compare:
            return self.compare[0], self.compare[1]
        ranked = self.ranking()
        return (ranked[0], ranked[1]) if len(ranked) > 1 else None

    @property
    def task(self) -> str:
        return self.test.task

    @property
    def headline(self) -> tuple[str, ...]:
        """The metrics shown first (:func:`headline_metrics`)."""
        return headline_metrics(self.classes)

    def summary_table(self, metrics: tuple[str, ...] | None = None) -> pd.DataFrame:
        """One row per model: validation score, then test metrics as ``value [CI]`` in %."""
        metrics = metrics or self.headline
        rows = {}
        for label in self.ranking():
            ev = self.models[label]
            row: dict[str, Any] = {
                "val_macro_f1": round(100 * ev.val_score, 1),
                "selected_on": ev.selection_basis,
            }
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

    def cv_table(self, metrics: tuple[str, ...] | None = None) -> pd.DataFrame | None:
        """Cross-validation figures of the training patients (``value [CI]`` in %, CIs over
        patients) beside each model's test figures; None when no model was cross-validated."""
        metrics = metrics or self.headline
        rows = {}
        for label in self.ranking():
            ev = self.models[label]
            if ev.cv is None:
                continue
            cv = cv_metrics_table(
                ev.cv["labels"],
                ev.cv["probabilities"],
                ev.cv["record"],
                self.classes,
                ev.cv["class_bias"],
                self.n_bootstrap,
                self.seed,
                self.level,
            )
            row: dict[str, Any] = {"patients": len(set(ev.cv["record"].tolist()))}
            for m in metrics:
                for name, table in (("CV", cv), ("test", ev.bootstrap)):
                    v, lo, hi = table.loc[m, ["value", "ci_low", "ci_high"]]
                    row[f"{name} {m}"] = (
                        f"{100 * v:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if np.isfinite(v) else "n/a"
                    )
            row["class_bias"] = " ".join(f"{b:+.2f}" for b in ev.cv.get("shown_bias", ev.cv["class_bias"]))
            rows[label] = row
        if not rows:
            return None
        table = pd.DataFrame(rows).T
        table.index.name = "model"
        return table

    def class_by_record(self, name: str = "S", label: str | None = None) -> pd.DataFrame | None:
        """One class per test record for ``label`` (default: the primary model); None when the
        task is not multiclass or has no class ``name``."""
        if not TASKS[self.task].exclusive or name not in self.classes:
            return None
        ev = self.models[label or self.primary]
        return class_by_record(self.test.labels, ev.predictions, self.test.record, self.classes, name)

    def without_records(self, exclude: Sequence[str], label: str | None = None) -> pd.DataFrame | None:
        """Test metrics of ``label`` on all records and without each record of ``exclude``
        (multiclass only, else None)."""
        if not TASKS[self.task].exclusive:
            return None
        ev = self.models[label or self.primary]
        return without_records_table(
            self.test.labels,
            ev.predictions,
            self.test.record,
            self.classes,
            exclude,
            self.n_bootstrap,
            self.seed,
            self.level,
        )

    def beat_types(self, label: str | None = None) -> pd.DataFrame | None:
        """Per MIT-BIH beat type: Se of ``label`` (default: the primary model); None for
        samples without beat symbols."""
        if not isinstance(self.test, BeatSet) or not {"N", "S", "V"} <= set(self.classes):
            return None
        ev = self.models[label or self.primary]
        return beat_type_table(self.test.symbol, ev.predictions, self.classes)

    def comparison_table(self, n_boot: int = 2000) -> pd.DataFrame | None:
        """Paired A/B comparison (bootstrap over records, McNemar in ``.attrs``)."""
        if self.pair is None:
            return None
        a, b = self.pair
        metrics = ("macro_f1", "accuracy", *[m for m in self.headline if m.endswith("_F1")])
        return compare_models(
            self.test.labels,
            self.models[a].predictions,
            self.models[b].predictions,
            self.test.record,
            self.classes,
            (a, b),
            metrics=metrics,
            n_boot=n_boot,
            seed=self.seed,
            task=self.task,
        )

    def curves(self) -> pd.DataFrame:
        """AUROC / AUPRC per model and class, with the top-label calibration error."""
        table = curve_table(
            {k: m.probabilities for k, m in self.models.items()}, self.test.labels, self.classes
        )
        ece = {
            k: expected_calibration_error(m.probabilities, self.test.labels) for k, m in self.models.items()
        }
        table["ece_model"] = [ece[model] for model, _ in table.index]
        return table

    def calibration(self, label: str) -> pd.DataFrame:
        """Reliability bins of one model."""
        return calibration_table(self.models[label].probabilities, self.test.labels, self.classes)

    def confusion_figure(self, label: str | None = None) -> Any:
        """Confusion matrix of a model (multiclass tasks; None for multilabel ones)."""
        from vitalkit.evaluate.plots import confusion_figure

        label = label or self.primary
        cm = self.models[label].confusion
        return None if cm is None else confusion_figure(cm, self.classes, f"{label}: test confusion matrix")

    def published_comparison(self) -> pd.DataFrame | None:
        """Our models' test point estimates beside published MIT-BIH results (AAMI beats only)."""
        if self.headline != HEADLINE:
            return None
        ours = pd.DataFrame({k: {m: ev.metric(m) for m in self.headline} for k, ev in self.models.items()}).T
        ours = ours.loc[self.ranking()]
        ours["method"] = [
            ", ".join(self.models[k].members)
            if self.models[k].members
            else self.models[k].train.get("architecture", "")
            for k in ours.index
        ]
        return with_ours(ours)

    def reproduction_table(self) -> pd.DataFrame | None:
        """Models that re-implement a paper (by feature set) beside its figures, with the gap."""
        if self.headline != HEADLINE:
            return None
        ours = pd.DataFrame({k: {m: ev.metric(m) for m in self.headline} for k, ev in self.models.items()}).T
        return reproduction_table(ours, {k: ev.train.get("feature_set") for k, ev in self.models.items()})

    def save(self, product_dir: str | Path, exclude_records: Sequence[str] = ()) -> dict[str, Any]:
        """Write ``metrics.json``, ``summary.csv``, comparison, per-record tables and predictions,
        and for beats the CV table, S per record, metrics without ``exclude_records`` and the
        beat-type table."""
        product_dir = Path(product_dir)
        beat_tables = {
            "cv_table.csv": self.cv_table(),
            "S_by_record.csv": self.class_by_record("S"),
            "without_records.csv": self.without_records(exclude_records) if exclude_records else None,
            "beat_types.csv": self.beat_types(),
            "reproductions.csv": self.reproduction_table(),
        }
        for name, table in beat_tables.items():
            if table is not None:
                write_text(product_dir / name, table.to_csv())
        out: dict[str, Any] = {
            "primary": self.primary,
            "selection": "best selection score: patient-grouped CV over the training patients where the "
            "model was cross-validated, else validation macro-F1 (held-out training patients)",
            "ranking": self.ranking(),
            "classes": list(self.classes),
            "task": self.task,
            "n_test_beats": len(self.test),
            "test_records": sorted(set(self.test.record.tolist())),
            "val_records": sorted(set(self.val.record.tolist())),
            "bootstrap": {
                "unit": "record",
                "replicates": self.n_bootstrap,
                "level": self.level,
                "seed": self.seed,
            },
            "ensembles": {k: m.members for k, m in self.models.items() if m.members},
            "models": {},
        }
        for label, ev in self.models.items():
            out["models"][label] = {
                "val_macro_f1": ev.val_score,
                "selected_on": ev.selection_basis,
                "metrics": ev.bootstrap.to_dict(orient="index"),
                "confusion": None if ev.confusion is None else ev.confusion.tolist(),
                "train": ev.train,
                "members": ev.members,
            }
            write_text(product_dir / f"per_record_{label}.csv", ev.per_record.to_csv())
            save_npz(
                product_dir / f"predictions_{label}.npz",
                probabilities=ev.probabilities,
                labels=self.test.labels,
                record=self.test.record,
                position=self.test.sample if isinstance(self.test, BeatSet) else self.test.start,
            )
        comparison = self.comparison_table()
        if comparison is not None:
            out["comparison"] = {
                "pair": list(self.pair or ()),
                "mcnemar": comparison.attrs["mcnemar"],
                "paired_bootstrap": comparison.reset_index().to_dict(orient="records"),
            }
            write_text(product_dir / "comparison.csv", comparison.to_csv())
        write_json(product_dir / "metrics.json", out)
        write_text(product_dir / "summary.csv", self.summary_table().to_csv())
        write_text(product_dir / "curves.csv", self.curves().to_csv())
        published = self.published_comparison()
        if published is not None:
            write_text(product_dir / "published_comparison.csv", published.to_csv())
        primary = self.models[self.primary]
        headline: dict[str, Any] = {"primary_model": self.primary}
        for m in self.headline:
            v, lo, hi = primary.bootstrap.loc[m, ["value", "ci_low", "ci_high"]]
            headline[m] = round(float(v), 4)
            headline[f"{m}_ci95"] = [round(float(lo), 4), round(float(hi), 4)]
        add_headline(product_dir, metrics=headline)
        return out


def _score(
    label: str,
    test_proba: np.ndarray,
    val_proba: np.ndarray,
    test: Any,
    val: Any,
    n_bootstrap: int,
    seed: int,
    level: float,
    train: dict[str, Any],
    members: Sequence[str] = (),
) -> ModelEvaluation:
    metrics = TASKS[test.task]
    pred = metrics.decide(test_proba)
    return ModelEvaluation(
        label=label,
        probabilities=test_proba,
        val_probabilities=val_proba,
        confusion=metrics.confusion(test.labels, pred, len(test.classes)),
        bootstrap=metrics.bootstrap(
            test.labels, pred, test.record, test.classes, n_boot=n_bootstrap, seed=seed, level=level
        ),
        per_record=per_record_table(test.labels, pred, test.record, test.classes, test.task),
        val_score=metrics.selection(val.labels, metrics.decide(val_proba), val.classes),
        train=train,
        members=list(members),
        task=test.task,
    )


def evaluate_models(
    train_dirs: Mapping[str, str | Path],
    test: Any,
    val: Any,
    ensembles: Mapping[str, Sequence[str]] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    compare: Sequence[str] = (),
) -> Evaluation:
    """Predict validation and test beats with every trained model and every ensemble.

    Parameters
    ----------
    train_dirs : mapping
        ``{model label: training product folder}``.
    test, val : BeatSet or WindowSet
        Test patients and validation patients.
    ensembles : mapping, optional
        ``{name: [member labels]}``: soft voting (mean probability) over trained models.
    n_bootstrap, seed, level : int, int, float
        Bootstrap replicates (records resampled), seed and confidence level.
    compare : sequence of str
        Two labels for the A/B comparison (default: the two best by validation score).
    """
    from vitalkit.models.persist import load_trained_model

    problems = []
    for name, members in (ensembles or {}).items():
        missing = [m for m in members if m not in train_dirs]
        if name in train_dirs or missing or len(members) < 2:
            problems.append(
                f"ensemble {name!r}: members {list(members)} must be >= 2 trained models "
                f"{list(train_dirs)} (missing {missing}) and its name must be new"
            )
    if compare and (len(compare) != 2 or not set(compare) <= {*train_dirs, *(ensembles or {})}):
        problems.append(f"compare: needs two model or ensemble names, got {list(compare)}")
    if problems:
        raise ParamsError("evaluate", problems)
    results: dict[str, ModelEvaluation] = {}
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label, folder in train_dirs.items():
        model, config = load_trained_model(folder)
        cache[label] = (_predict(model, test), _predict(model, val))
        train = {
            **read_json(Path(folder) / "metrics.json"),
            "architecture": config["architecture"],
            "feature_set": config.get("feature_set"),
        }
        results[label] = _score(label, *cache[label], test, val, n_bootstrap, seed, level, train)
        results[label].cv = load_cv(folder)
        if results[label].cv is not None:
            results[label].val_score = float(train["best_val_macro_f1"])
    for name, members in (ensembles or {}).items():
        test_p = np.mean([cache[m][0] for m in members], axis=0)
        val_p = np.mean([cache[m][1] for m in members], axis=0)
        train = {
            "architecture": "ensemble",
            "n_parameters": sum(results[m].train.get("n_parameters") or 0 for m in members),
            "wall_time_s": sum(results[m].train.get("wall_time_s") or 0 for m in members),
        }
        results[name] = _score(name, test_p, val_p, test, val, n_bootstrap, seed, level, train, members)
        results[name].cv = ensemble_cv([results[m].cv for m in members], test.classes)
        if results[name].cv is not None:
            cv = results[name].cv
            pred = np.log(np.clip(cv["probabilities"], 1e-9, None)) + cv["class_bias"]
            results[name].val_score = TASKS[test.task].selection(cv["labels"], pred.argmax(1), test.classes)
    return Evaluation(
        test=test,
        val=val,
        models=results,
        n_bootstrap=n_bootstrap,
        level=level,
        seed=seed,
        compare=list(compare),
    )


def _predict(model: Any, beats: Any) -> np.ndarray:
    """Probabilities of a model on a beat or window set, record-smoothed when the model was
    trained with record smoothing (:mod:`vitalkit.beats.adapt`)."""
    proba = predict_proba(model, *beats.inputs())
    smoothing = getattr(model, "record_smoothing", None)
    if smoothing is None:
        return proba
    return smooth_beat_set(proba, smoothing, beats)


def load_cv(train_dir: str | Path) -> dict[str, np.ndarray] | None:
    """Out-of-fold results (``cv_oof.npz``) of a cross-validated training folder, else None.

    For a model with record smoothing the probabilities returned are final (biased, then
    smoothed within each record, as the model predicts) with zero ``class_bias``; the biases
    chosen are in ``shown_bias``.
    """
    path = Path(train_dir) / "cv_oof.npz"
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        out = {k: data[k] for k in ("probabilities", "labels", "record", "class_bias")}
        if "neighbours" in data.files:
            biased = apply_class_bias(out["probabilities"], out["class_bias"])
            out["probabilities"] = smooth_probabilities(biased, data["neighbours"], float(data["keep"]))
            out["shown_bias"] = out["class_bias"]
            out["class_bias"] = np.zeros_like(out["class_bias"])
        return out


def ensemble_cv(members: Sequence[dict[str, np.ndarray] | None], classes: Sequence[str]) -> dict | None:
    """Out-of-fold results of a soft-voting ensemble: the mean of its members' biased
    out-of-fold probabilities (None unless every member was cross-validated on the same beats)."""
    if not members or any(m is None for m in members):
        return None
    first = members[0]
    if any(not np.array_equal(m["labels"], first["labels"]) for m in members):
        return None
    mean = np.mean([apply_class_bias(m["probabilities"], m["class_bias"]) for m in members], axis=0)
    return {**first, "probabilities": mean, "class_bias": np.zeros(len(classes))}


def load_ensembles(evaluate_dir: str | Path) -> dict[str, list[str]]:
    """Ensembles (name -> member labels) that an evaluation stage defined."""
    return dict(read_json(Path(evaluate_dir) / "metrics.json").get("ensembles", {}))
