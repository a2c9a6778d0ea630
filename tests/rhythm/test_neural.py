"""The neural window model on CinC folds: Lightning training, record-level scoring, ONNX parity."""

from __future__ import annotations

from vitalkit.export.onnx_export import read_metadata
from vitalkit.rhythm.neural import export_window_model, neural_cross_validation


def test_neural_fold_trains_and_exports(data_dir, tmp_path):
    cv, model, test = neural_cross_validation(tmp_path, per_class=4, k=2, folds=[0], max_epochs=1)
    p = cv.predictions
    assert len(p) == 8 and set(p["fold"]) == {0}  # one fold: half of the 16 records
    assert p[["N", "A", "O", "~"]].sum(axis=1).round(4).eq(1).all()
    assert test.windows.shape[1:] == (1, 1125)  # 9 s at 125 Hz
    report = export_window_model(model, test, tmp_path / "af.onnx", latency_runs=5)
    assert report["parity"]["max_abs_diff"] < 1e-4 and report["parity"]["argmax_agreement"] == 1.0
    assert read_metadata(tmp_path / "af.onnx")["classes"] == "N,A,O,~"
    assert set(report["latency"]) == {"pytorch", "onnxruntime"}
