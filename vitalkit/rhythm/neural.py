"""The neural rhythm model: a registry backbone on CinC 2017 windows, cross-validated like the baseline.

Records are cut into ``window_s`` windows (:func:`~vitalkit.rhythm.dataset.build_rhythm_windows`,
task ``'af'``, 125 Hz); a :class:`~vitalkit.models.beatnet.WindowNet` from
``build_model(samples='windows')`` is trained with :func:`vitalkit.train.fit` (Lightning) on
the training folds, with a few training records held out for early stopping; a record's
class probabilities are the mean over its windows. The folds are the classical baseline's
(same records, same seed), so the two are compared record by record. ONNX export, parity and
latency use :mod:`vitalkit.export` like the beat models.

Examples
--------
>>> cv = neural_cross_validation(per_class=8, k=2, max_epochs=1)   # doctest: +SKIP
>>> sorted(cv.table.index)[:2]                                     # doctest: +SKIP
['A', 'N']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.export.latency import compare_latency
from vitalkit.export.onnx_export import check_onnx, export_onnx, parity
from vitalkit.models.factory import build_model
from vitalkit.rhythm.af import CrossValidation, score_table
from vitalkit.rhythm.dataset import RhythmWindows, build_rhythm_windows
from vitalkit.rhythm.rhythms import CINC_CLASSES
from vitalkit.rhythm.sources import cinc_labels, cinc_subset, iter_records
from vitalkit.samples import SampleFolder, WindowSet
from vitalkit.splits import record_folds
from vitalkit.train.data import SplitDataModule
from vitalkit.train.fit import TrainConfig, fit

DEFAULT_HPARAMS: dict[str, Any] = {"channels": [16, 32, 64, 64], "blocks_per_stage": 1}
"""A small 1-D ResNet: trains on 2 CPU cores in minutes."""


def cinc_windows(records: list[str], window_s: float = 9.0, stride_s: float = 4.5) -> RhythmWindows:
    """Windows of CinC records for the ``af`` task at 125 Hz (every record is at least 9 s)."""
    return build_rhythm_windows(
        iter_records({"cinc2017": records}), "af", window_s, stride_s, sampling_rate=125.0, progress=False
    )


def _record_proba(windows: WindowSet, proba: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(proba, columns=list(windows.classes))
    frame["record"] = [r.split("/", 1)[1] for r in windows.record]
    return frame.groupby("record").mean()


def train_window_model(
    train: WindowSet,
    val: WindowSet,
    product_dir: str | Path,
    architecture: str = "resnet1d",
    hparams: dict[str, Any] | None = None,
    max_epochs: int = 8,
    seed: int = 0,
) -> Any:
    """Fit a WindowNet on ``train`` (early stopping on ``val``); return the TrainResult."""
    product_dir = Path(product_dir)
    folder = SampleFolder(product_dir)
    folder.write("train", train)
    folder.write("val", val)
    scale = float(np.percentile(np.abs(train.windows), 99)) or 1.0
    model = build_model(
        architecture,
        len(train.classes),
        hparams or DEFAULT_HPARAMS,
        scaler={"window_scaling": "global", "window_scale": scale},
        seed=seed,
        sampling_rate=train.sampling_rate,
        samples="windows",
    )
    config = TrainConfig(max_epochs=max_epochs, patience=3, batch_size=64, lr=2e-3, seed=seed, wandb="off")
    data = SplitDataModule(product_dir, batch_size=config.batch_size, seed=seed)
    return fit(model, data, product_dir, config, run_name=architecture)


def neural_cross_validation(
    product_dir: str | Path,
    per_class: int | None = None,
    k: int = 5,
    seed: int = 0,
    folds: list[int] | None = None,
    max_epochs: int = 8,
    architecture: str = "resnet1d",
    hparams: dict[str, Any] | None = None,
) -> tuple[CrossValidation, Any, WindowSet]:
    """CV of the neural model on the baseline's folds: results, the last fold's model and its test windows."""
    records = cinc_subset(per_class, seed=seed)
    labels = cinc_labels().loc[records]
    fold = record_folds(labels, k=k, seed=seed)
    windows = cinc_windows(records)
    names = pd.Series([r.split("/", 1)[1] for r in windows.index["record"]])
    parts, model, test = [], None, None
    rng = np.random.default_rng(seed)
    for f in folds if folds is not None else range(k):
        train_records = fold.index[fold != f].to_numpy()
        val_records = set(rng.choice(train_records, size=max(4, len(train_records) // 8), replace=False))
        in_fold = names.map(fold).to_numpy() == f
        in_val = names.isin(val_records).to_numpy()
        train = windows.windows.subset(~in_fold & ~in_val)
        val = windows.windows.subset(in_val)
        test = windows.windows.subset(in_fold)
        result = train_window_model(
            train, val, Path(product_dir) / f"fold{f}", architecture, hparams, max_epochs, seed
        )
        model = result.model
        from vitalkit.evaluate.predict import predict_proba

        parts.append(_record_proba(test, predict_proba(model, test.windows)))
    proba = pd.concat(parts)
    classes = list(CINC_CLASSES)
    predictions = proba.copy()
    predictions.insert(0, "fold", fold.loc[proba.index])
    predictions.insert(0, "predicted", [classes[i] for i in proba.to_numpy().argmax(axis=1)])
    predictions.insert(0, "label", labels.loc[proba.index])
    table, metrics = score_table(predictions["label"], predictions["predicted"], seed=seed)
    metrics.update({"records": len(proba), "folds": len(parts), "windows": len(windows)})
    return CrossValidation(predictions, table, metrics), model, test


def export_window_model(
    model: Any, windows: WindowSet, path: str | Path, latency_runs: int = 200
) -> dict[str, Any]:
    """ONNX export of a window model with the checker, onnxruntime parity and batch-1 latency."""
    shape = windows.windows.shape[1:]
    export_onnx(model, path, {"window": shape}, metadata={"classes": ",".join(windows.classes)})
    report: dict[str, Any] = {"check": check_onnx(path)}
    report["parity"] = parity(model, path, windows.windows)
    latency = compare_latency(model, path, windows.windows[:1], n_runs=latency_runs, warmup=20)
    report["latency"] = {
        k: {m: round(v[m], 3) for m in ("p50_ms", "p90_ms", "p99_ms")} for k, v in latency.items()
    }
    return report
