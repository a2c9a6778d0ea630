"""ONNX export: one file, dynamic batch, checker, parity, metadata, latency."""

from pathlib import Path

import numpy as np
import onnxruntime as ort

from vitalkit.export import check_onnx, export_beat_model, measure_latency, parity, read_metadata
from vitalkit.models import BeatNet


def test_export_is_single_file_dynamic_batch_and_matches_torch(tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    net = BeatNet(
        "resnet1d",
        4,
        hparams={"channels": [8, 16]},
        scaler={
            "window_scaling": "global",
            "window_scale": [0.3],
            "rr_mean": [0.8] * 4,
            "rr_scale": [0.2] * 4,
        },
    ).eval()
    path = export_beat_model(
        net,
        tmp_path / "m.onnx",
        window_shape=(1, 252),
        metadata={"classes": "N,S,V,F", "sampling_rate_hz": 360.0},
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # no .onnx.data beside it
    info = check_onnx(path)
    assert info["inputs"] == {"window": ["batch", 1, 252], "rr": ["batch", 4]}
    assert info["outputs"] == {"probabilities": ["batch", 4]} and not info["external_data"]
    assert read_metadata(path)["sampling_rate_hz"] == "360.0"
    rng = np.random.default_rng(0)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (1, 7):
        w = rng.normal(0, 0.5, (batch, 1, 252)).astype(np.float32)
        rr = rng.uniform(0.4, 1.4, (batch, 4)).astype(np.float32)
        out = sess.run(None, {"window": w, "rr": rr})[0]
        assert out.shape == (batch, 4)
        np.testing.assert_allclose(out.sum(axis=1), 1, atol=1e-5)
    w = rng.normal(0, 0.5, (300, 1, 252)).astype(np.float32)
    rr = rng.uniform(0.4, 1.4, (300, 4)).astype(np.float32)
    result = parity(net, path, w, rr, batch_size=128)
    assert result["n"] == 300 and result["max_abs_diff"] <= 1e-5 and result["argmax_agreement"] == 1


def test_measure_latency_percentiles() -> None:
    stats = measure_latency(lambda: sum(range(100)), n_runs=50, warmup=5)
    assert stats["n_runs"] == 50 and len(stats["samples_ms"]) == 50
    assert 0 < stats["p50_ms"] <= stats["p99_ms"]
