"""Epoch sampling (shuffle, balanced, undersample, sharded) and DDP training on 2 CPU processes."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.train.data import EpochSampler


def test_epoch_sampler_modes() -> None:
    labels = np.array([0] * 900 + [1] * 90 + [2] * 10)
    shuffle = list(EpochSampler(labels, "shuffle", seed=1))
    assert sorted(shuffle) == list(range(1000))
    balanced = np.array(list(EpochSampler(labels, "balanced", seed=1)))
    assert len(balanced) == 1000 and abs(np.mean(labels[balanced] == 2) - 1 / 3) < 0.05
    under = np.array(list(EpochSampler(labels, "undersample", seed=1, majority_fraction=0.1)))
    assert len(under) == 190 and (labels[under] == 0).sum() == 90


def test_epoch_sampler_is_seeded_per_epoch_and_sharded() -> None:
    labels = np.arange(100) % 3
    s = EpochSampler(labels, "shuffle", seed=5)
    first = list(s)
    assert first == list(EpochSampler(labels, "shuffle", seed=5))
    s.set_epoch(1)
    assert list(s) != first
    shards = [list(EpochSampler(labels, "shuffle", seed=5, rank=r, world_size=2)) for r in (0, 1)]
    assert len(shards[0]) == len(shards[1]) == 50 and not set(shards[0]) & set(shards[1])


@pytest.mark.slow
def test_ddp_with_two_cpu_processes(tmp_path: Path) -> None:
    from vitalkit.beats.dataset import build_beat_dataset
    from vitalkit.models import BeatNet
    from vitalkit.samples import BeatScaler, SampleFolder
    from vitalkit.train import BeatDataModule, TrainConfig, fit

    sets, summary = build_beat_dataset({"train": ["119"], "val": ["106"], "test": ["100"]}, progress=False)
    sets = {k: v.subset(np.arange(len(v)) % 5 == 0) for k, v in sets.items()}
    scaler = BeatScaler().fit(sets["train"].windows, sets["train"].rr)
    SampleFolder(tmp_path / "data").save(sets, summary, {}, scaler)
    config = TrainConfig(
        max_epochs=2, batch_size=64, wandb="off", seed=1, strategy="ddp_fork", devices=2, threads=1
    )
    data = BeatDataModule(tmp_path / "data", batch_size=64, seed=1)
    model = BeatNet("resnet1d", 4, hparams={"channels": [8]}, scaler=scaler.to_dict(), seed=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = fit(model, data, tmp_path / "out", config)
    assert result.epochs_run == 2 and np.isfinite(result.best_val_macro_f1)
    assert any(not (before[k] == v).all() for k, v in result.model.state_dict().items())  # weights trained
    metrics = (tmp_path / "out" / "logs" / "metrics.csv").read_text()
    assert "val_macro_f1" in metrics
