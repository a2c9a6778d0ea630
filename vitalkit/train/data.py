"""The Lightning DataModule of the beat dataset: training and validation splits only.

The test split is never opened here: model selection sees held-out training patients only.

Examples
--------
>>> dm = BeatDataModule("reports/interactive/02_preprocess", batch_size=128)  # doctest: +SKIP
>>> dm.setup()                                                               # doctest: +SKIP
>>> dm.class_counts()                                                        # doctest: +SKIP
{'N': 37000, 'S': 600, 'V': 3000, 'F': 380}
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

from vitalkit.beats.dataset import BeatSet, load_beat_split
from vitalkit.errors import ParamsError

SAMPLERS = ("shuffle", "balanced")
CLASS_WEIGHTINGS = ("none", "inverse", "sqrt_inverse")


def class_weights(counts: np.ndarray, method: str = "inverse") -> np.ndarray:
    """Loss weights per class from training counts, normalized to a count-weighted mean of 1.

    Parameters
    ----------
    counts : np.ndarray
        Training beats per class.
    method : {'none', 'inverse', 'sqrt_inverse'}
        ``w_c ∝ 1/n_c`` or ``1/sqrt(n_c)``; absent classes get weight 0.

    Examples
    --------
    >>> class_weights(np.array([900, 100]), "inverse").round(3).tolist()
    [0.556, 5.0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    if method not in CLASS_WEIGHTINGS:
        raise ParamsError("class_weighting", [f"must be one of {CLASS_WEIGHTINGS}, not {method!r}"])
    if method == "none":
        return np.ones_like(counts)
    power = 1.0 if method == "inverse" else 0.5
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1) ** power, 0.0)
    return w * counts.sum() / (w * counts).sum()


def to_tensors(beats: BeatSet) -> TensorDataset:
    """Tensors ``(window, rr, label)`` of a beat set."""
    return TensorDataset(
        torch.from_numpy(beats.windows), torch.from_numpy(beats.rr), torch.from_numpy(beats.labels)
    )


class BeatDataModule(L.LightningDataModule):
    """Training and validation beats of a preprocessing product folder.

    Parameters
    ----------
    dataset_dir : str or Path
        Folder with ``train.npz`` and ``val.npz``.
    batch_size : int
        Batch size.
    sampler : {'shuffle', 'balanced'}
        ``'balanced'`` draws training beats with probability inverse to their class size
        (seeded), the same number per epoch as the training set holds.
    seed : int
        Seed of shuffling and sampling.
    """

    def __init__(
        self,
        dataset_dir: str | Path,
        batch_size: int = 256,
        sampler: str = "shuffle",
        seed: int = 0,
    ) -> None:
        super().__init__()
        if sampler not in SAMPLERS:
            raise ParamsError("sampler", [f"must be one of {SAMPLERS}, not {sampler!r}"])
        self.dataset_dir = Path(dataset_dir)
        self.batch_size = batch_size
        self.sampler = sampler
        self.seed = seed
        self.train_set: BeatSet | None = None
        self.val_set: BeatSet | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = load_beat_split(self.dataset_dir, "train")
            self.val_set = load_beat_split(self.dataset_dir, "val")
            if len(self.train_set) == 0 or len(self.val_set) == 0:
                raise ParamsError(self.dataset_dir, ["the training or validation split is empty"])

    @property
    def classes(self) -> tuple[str, ...]:
        self.setup()
        assert self.train_set is not None
        return self.train_set.classes

    def class_counts(self) -> dict[str, int]:
        """Training beats per class."""
        self.setup()
        assert self.train_set is not None
        return self.train_set.class_counts()

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None
        generator = torch.Generator().manual_seed(self.seed)
        data = to_tensors(self.train_set)
        if self.sampler == "balanced":
            counts = np.bincount(self.train_set.labels, minlength=len(self.train_set.classes))
            weights = 1.0 / np.maximum(counts, 1)[self.train_set.labels]
            sampler = WeightedRandomSampler(
                torch.as_tensor(weights, dtype=torch.double),
                num_samples=len(data),
                replacement=True,
                generator=generator,
            )
            return DataLoader(data, batch_size=self.batch_size, sampler=sampler)
        return DataLoader(data, batch_size=self.batch_size, shuffle=True, generator=generator)

    def val_dataloader(self) -> DataLoader:
        assert self.val_set is not None
        return DataLoader(to_tensors(self.val_set), batch_size=1024, shuffle=False)
