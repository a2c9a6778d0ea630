"""Window models (multilabel) through the same training, evaluation and export path."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.evaluate import evaluate_models
from vitalkit.export import check_onnx, export_models, exportable_models, parity_table
from vitalkit.models import build_model
from vitalkit.samples import WindowSet, window_scaler
from vitalkit.train import SplitDataModule, TrainConfig, fit, save_trained_model


def _windows(n: int, seed: int) -> WindowSet:
    rng = np.random.default_rng(seed)
    labels = np.zeros((n, 2), np.float32)
    labels[np.arange(n), rng.integers(0, 2, n)] = 1
    t = np.arange(400) / 100
    freq = np.where(labels[:, 0] > 0, 1.0, 3.0)  # label 0: slow rhythm, label 1: fast
    x = np.sin(2 * np.pi * freq[:, None] * t[None, :]) + rng.normal(0, 0.2, (n, 400))
    records = np.array([f"r{i // 4}" for i in range(n)])
    return WindowSet(
        x[:, None, :].astype(np.float32),
        labels,
        records,
        records,
        np.zeros(n, np.int64),
        ("slow", "fast"),
        "multilabel",
        100.0,
        ("ECG",),
    )


@pytest.mark.slow
def test_multilabel_windows_train_evaluate_export(tmp_path: Path) -> None:
    sets = {"train": _windows(160, 0), "val": _windows(40, 1), "test": _windows(40, 2)}
    for name, s in sets.items():
        s.save(tmp_path / "data" / f"{name}.npz")
    data = SplitDataModule(tmp_path / "data", batch_size=16, seed=0)
    assert data.samples == "windows" and data.task == "multilabel"
    model = build_model(
        "resnet1d",
        2,
        {"channels": [8]},
        scaler=window_scaler(sets["train"].windows),
        samples="windows",
        task="multilabel",
    )
    config = TrainConfig(max_epochs=6, batch_size=16, lr=0.01, wandb="off", seed=0, patience=6)
    result = fit(model, data, tmp_path / "m", config)
    assert result.best_val_macro_f1 > 0.9  # an easy task: the loss and metrics are wired right
    save_trained_model(tmp_path / "m", result, config, "m")
    evaluation = evaluate_models({"m": tmp_path / "m"}, sets["test"], sets["val"], n_bootstrap=100)
    assert evaluation.models["m"].metric("macro_f1") > 0.9
    assert evaluation.confusion_figure() is None and evaluation.published_comparison() is None
    modules, _ = exportable_models({"m": tmp_path / "m"})
    exports = export_models(modules, tmp_path / "export", sets["test"])
    assert check_onnx(exports["m"].onnx_path)["inputs"] == {"window": ["batch", 1, 400]}
    assert parity_table(exports, sets["test"]).loc["m", "max_abs_diff"] < 1e-4
