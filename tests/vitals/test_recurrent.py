"""The GRU early-warning model: causal, NaN-safe, a short real training run, ONNX export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from vitalkit.errors import ParamsError
from vitalkit.export.onnx_export import read_metadata
from vitalkit.vitals.cohort import Cohort
from vitalkit.vitals.export import check_onnx, export_recurrent_model, recurrent_latency, recurrent_parity
from vitalkit.vitals.metrics import roc_auc
from vitalkit.vitals.recurrent import VitalsGRU
from vitalkit.vitals.recurrent_fit import RecurrentConfig, load_recurrent
from vitalkit.vitals.sequences import LengthBatchSampler, build_sequences, collate, sequence_inputs
from vitalkit.vitals.stage import RecurrentRun, train_recurrent


def test_model_is_causal_and_handles_missing_values() -> None:
    net = VitalsGRU(5, hidden=8, skip=True, mean=[1.0] * 5, std=[2.0] * 5).eval()
    v = torch.randn(2, 10, 5)
    v[0, 3, 1] = float("nan")
    m = (~torch.isnan(v)).float()
    out = net(v, m)
    assert torch.isfinite(out).all()
    v2 = v.clone()
    v2[:, 6:] = 100.0  # change the future
    out2 = net(v2, m)
    torch.testing.assert_close(out[:, :6], out2[:, :6])
    assert not torch.allclose(out[:, 6:], out2[:, 6:])


def test_batches_cover_every_patient_once_and_mix_lengths() -> None:
    lengths = np.r_[np.full(50, 8), np.full(50, 200)]
    sampler = LengthBatchSampler(lengths, batch_size=10, seed=0, pool=4)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(100))
    assert list(sampler) != batches  # a new order every epoch
    values, _, *rest = collate(
        [
            (np.ones((3, 2), np.float32), np.ones((3, 2), np.float32), *[np.ones(3)] * 4),
            (np.ones((1, 2), np.float32), np.ones((1, 2), np.float32), *[np.ones(1)] * 4),
        ]
    )
    assert values.shape == (2, 3, 2) and torch.isnan(values[1, 1:]).all() and rest[1][1].tolist() == [1, 0, 0]


@pytest.fixture(scope="module")
def trained(small_cohort: Cohort, tmp_path_factory: pytest.TempPathFactory) -> tuple[RecurrentRun, Path]:
    folder = tmp_path_factory.mktemp("gru")
    run = train_recurrent(
        small_cohort, folder, "raw", hidden=16, skip=True, max_epochs=3, lr=0.003, seed=0, threads=1
    )
    return run, folder


def test_short_real_training_run(trained: tuple[RecurrentRun, Path], small_cohort: Cohort) -> None:
    run, folder = trained
    f = small_cohort.frame
    assert run.result.epochs_run == 3 and run.inputs == "raw"
    assert np.isfinite(run.risk).all() and ((run.risk >= 0) & (run.risk <= 1)).all()
    train = small_cohort.mask("train", evaluable=True)
    assert roc_auc(f["ahead"].to_numpy()[train], run.risk[train]) > 0.6, "the GRU learned nothing"
    history = run.result.history
    assert run.result.best_val_auroc == pytest.approx(history["val_auroc"].max())
    # with 144 training patients and 3 epochs it already ranks validation patients' hours
    assert run.result.best_val_auroc > 0.6 and history["val_auroc"].iloc[-1] > history["val_auroc"].iloc[0]
    reloaded = load_recurrent(folder)
    seqs = run.test
    values, measured, *_ = collate([seqs[0]])
    torch.testing.assert_close(reloaded(values, measured), run.model(values, measured))
    assert (folder / "selection.json").is_file() and (folder / "raw" / "logs" / "metrics.csv").is_file()


def test_onnx_export_parity_dynamic_axes_and_latency(
    trained: tuple[RecurrentRun, Path], tmp_path: Path
) -> None:
    run, _ = trained
    path = export_recurrent_model(run.model, tmp_path / "gru.onnx", {"alert_threshold": "0.5"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gru.onnx"]  # one file
    info = check_onnx(path)
    n = run.model.config["n_features"]
    assert info["inputs"] == {"values": ["batch", "time", n], "measured": ["batch", "time", n]}
    assert info["outputs"] == {"risk": ["batch", "time"]} and not info["external_data"]
    assert read_metadata(path)["alert_threshold"] == "0.5"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch, hours in ((1, 1), (3, 50), (2, 400)):
        v = np.random.default_rng(hours).normal(size=(batch, hours, n)).astype(np.float32)
        v[0, 0, :3] = np.nan
        out = session.run(None, {"values": v, "measured": np.isfinite(v).astype(np.float32)})[0]
        assert out.shape == (batch, hours) and np.isfinite(out).all()
    parity = recurrent_parity(run.model, path, run.test, threshold=0.5)
    assert parity["n_hours"] == len(run.test.values) and parity["max_abs_diff"] < 1e-5
    assert parity["alert_agreement"] == 1.0
    latency = recurrent_latency(run.model, path, run.test, hours=24, n_runs=20)
    assert latency["onnxruntime"]["hours"] == 24 and latency["pytorch"]["p50_ms"] > 0


def test_config_and_input_validation(small_cohort: Cohort) -> None:
    with pytest.raises(ParamsError, match="target must be one of"):
        RecurrentConfig(target="mortality")
    with pytest.raises(ValueError, match="inputs must be one of"):
        sequence_inputs(small_cohort, "waveforms")
    seqs = build_sequences(small_cohort, "val", "challenge")
    assert seqs.weight.min() == 1.0 and seqs.eval_mask.sum() < len(seqs.weight)


def test_every_export_in_a_process_keeps_the_time_axis_dynamic(tmp_path: Path) -> None:
    """torch.onnx's GRU decomposition is cached per process: the second export must stay dynamic."""
    import onnxruntime as ort

    for i in range(2):
        net = VitalsGRU(3, hidden=4, skip=False, mean=[0.0] * 3, std=[1.0] * 3).eval()
        path = export_recurrent_model(net, tmp_path / f"gru{i}.onnx")
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        values = np.zeros((1, 30, 3), np.float32)
        (risk,) = session.run(None, {"values": values, "measured": np.ones_like(values)})
        assert risk.shape == (1, 30)
