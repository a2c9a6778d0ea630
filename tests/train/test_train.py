"""Training: class weights, losses, and a short seeded fit on a small real dataset."""

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml

from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.errors import ParamsError
from vitalkit.models import BeatNet
from vitalkit.samples import BeatScaler, SampleFolder
from vitalkit.train import (
    BeatDataModule,
    TrainConfig,
    class_weights,
    fit,
    focal_loss,
    load_trained_model,
    save_trained_model,
)


def test_class_weights() -> None:
    w = class_weights(np.array([900, 90, 10, 0]), "inverse")
    assert w[3] == 0 and w[0] < w[1] < w[2]
    assert np.isclose((w * [900, 90, 10, 0]).sum(), 1000)  # count-weighted mean of 1
    assert np.allclose(class_weights(np.array([5, 50]), "none"), 1)
    with pytest.raises(ParamsError):
        class_weights(np.array([1]), "log")


def test_focal_loss_reduces_to_cross_entropy_at_gamma_zero() -> None:
    logits, target = torch.randn(8, 4), torch.randint(0, 4, (8,))
    assert torch.allclose(focal_loss(logits, target, gamma=0.0), F.cross_entropy(logits, target))


def test_config_validation() -> None:
    with pytest.raises(ParamsError, match="max_epochs must be >= 1"):
        TrainConfig(max_epochs=0)
    with pytest.raises(ParamsError, match="wandb must be one of"):
        TrainConfig(wandb="maybe")
    with pytest.raises(ParamsError, match="accelerator must be one of"):
        TrainConfig(accelerator="tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_a_gpu_asked_for_where_there_is_none_is_refused() -> None:
    with pytest.raises(ParamsError, match="accelerator 'gpu': torch sees no CUDA GPU here"):
        TrainConfig(accelerator="gpu")
    assert TrainConfig(accelerator="auto").accelerator == "auto"  # auto falls back to the CPU


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("beats")
    sets, summary = build_beat_dataset(
        {"train": ["119", "223"], "val": ["106"], "test": ["232"]}, progress=False
    )
    sets = {k: v.subset(np.arange(len(v)) % 4 == 0) for k, v in sets.items()}  # keep it quick
    scaler = BeatScaler().fit(sets["train"].windows, sets["train"].rr)
    SampleFolder(out).save(sets, summary, {"seed": 0}, scaler)
    return out


def _train(dataset_dir: Path, out: Path, **overrides):
    config = TrainConfig(max_epochs=2, batch_size=128, wandb="off", seed=3, **overrides)
    data = BeatDataModule(dataset_dir, batch_size=128, sampler=config.sampler, seed=3)
    from vitalkit.samples import load_scaler

    torch.manual_seed(12345)  # the global state must not matter: the model has its own seed
    model = BeatNet("resnet1d", 4, hparams={"channels": [8, 16]}, scaler=load_scaler(dataset_dir), seed=3)

    return fit(model, data, out, config, run_name="t"), config


def test_fit_is_seeded_selects_on_validation_and_saves(dataset_dir: Path, tmp_path: Path, capsys) -> None:
    """Same seed, same weights; on a machine without a GPU, accelerator auto trains on the CPU alike."""
    first, config = _train(dataset_dir, tmp_path / "a")
    second, _ = _train(
        dataset_dir, tmp_path / "b", accelerator="cpu" if torch.cuda.is_available() else "auto"
    )
    for p, q in zip(first.model.state_dict().values(), second.model.state_dict().values(), strict=True):
        assert torch.equal(p, q)  # same seed, same weights
    assert list(first.history["epoch"]) == [0, 1]
    printed = capsys.readouterr().out
    assert "epoch 2/2  train_loss" in printed and "ETA 0 s" in printed  # progress: n/N, elapsed, ETA
    assert first.best_val_macro_f1 == first.history["val_macro_f1"].max()
    assert (tmp_path / "a" / "logs" / "metrics.csv").is_file()
    events = sorted(p.name for p in (tmp_path / "a" / "tensorboard").glob("events.out.tfevents.*"))
    assert events and all(name.split(".")[4] == "vitalkit" for name in events), events  # no host name
    hparams = yaml.safe_load((tmp_path / "a" / "tensorboard" / "hparams.yaml").read_text())  # no python tags
    assert hparams["classes"] == ["N", "S", "V", "F"] and hparams["accelerator"] == "cpu"
    assert hparams["final_metrics"]["best_val_macro_f1"] == pytest.approx(first.best_val_macro_f1)
    save_trained_model(tmp_path / "a", first, config, "t")
    save_trained_model(tmp_path / "b", second, config, "t")  # same weights, same bytes
    assert (tmp_path / "a" / "model.pt").read_bytes() == (tmp_path / "b" / "model.pt").read_bytes()
    model, saved = load_trained_model(tmp_path / "a")
    assert saved["architecture"] == "resnet1d" and saved["train"]["seed"] == 3
    w = torch.randn(2, 1, 252)
    rr = torch.full((2, 4), 0.8)
    assert torch.allclose(model(w, rr), first.model(w, rr))


def test_balanced_sampler_and_focal_loss_train(dataset_dir: Path, tmp_path: Path) -> None:
    result, _ = _train(dataset_dir, tmp_path / "c", sampler="balanced", loss="focal", class_weighting="none")
    assert np.isfinite(result.history["train_loss"]).all()


def test_data_module_never_opens_test_split(dataset_dir: Path, monkeypatch) -> None:
    opened = []
    real = SampleFolder.load
    monkeypatch.setattr(
        SampleFolder, "load", lambda folder, split: opened.append(split) or real(folder, split)
    )
    dm = BeatDataModule(dataset_dir)
    dm.setup()
    dm.train_dataloader()
    dm.val_dataloader()
    assert sorted(opened) == ["train", "val"]
