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

from collections.abc import Callable, Iterator
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset
from torch.utils.data.dataloader import default_collate

from vitalkit.datasets import sampling_labels, targets
from vitalkit.errors import ParamsError
from vitalkit.evaluate.tasks import CLASS_WEIGHTINGS, TASKS, class_weights
from vitalkit.samples import BeatSet, SampleFolder, WindowSet

SAMPLERS = ("shuffle", "balanced", "undersample")

__all__ = [
    "CLASS_WEIGHTINGS",
    "SAMPLERS",
    "BeatDataModule",
    "EpochSampler",
    "SplitDataModule",
    "class_weights",
    "loss_weights",
    "to_tensors",
]
Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class EpochSampler(Sampler[int]):
    """Training indices for one epoch: seeded by (seed, epoch), sharded across processes.

    Parameters
    ----------
    labels : np.ndarray
        Class of every training beat.
    mode : {'shuffle', 'balanced', 'undersample'}
        ``'shuffle'``: every beat once, in random order. ``'balanced'``: as many draws as
        beats, with replacement, each class equally likely. ``'undersample'``: every beat of
        the minority classes and a random ``majority_fraction`` of the largest class.
    seed : int
        Seed; epoch ``e`` uses ``seed + e``, so runs are reproducible and epochs differ.
    rank, world_size : int
        This process and the number of processes (DDP): each takes every ``world_size``-th index.
    majority_fraction : float
        Share of the largest class kept per epoch in ``'undersample'`` mode.

    Examples
    --------
    >>> s = EpochSampler(np.array([0] * 8 + [1] * 2), "undersample", seed=0, majority_fraction=0.5)
    >>> len(list(s))
    6
    """

    def __init__(
        self,
        labels: np.ndarray,
        mode: str = "shuffle",
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        majority_fraction: float = 0.3,
    ) -> None:
        if mode not in SAMPLERS:
            raise ParamsError("sampler", [f"must be one of {SAMPLERS}, not {mode!r}"])
        self.labels = np.asarray(labels)
        self.mode = mode
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.majority_fraction = majority_fraction
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at the start of every epoch."""
        self.epoch = epoch

    def _indices(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed + self.epoch)
        n = self.labels.size
        if self.mode == "balanced":
            counts = np.bincount(self.labels)
            weights = 1.0 / counts[self.labels]
            return rng.choice(n, size=n, replace=True, p=weights / weights.sum())
        if self.mode == "undersample":
            majority = np.bincount(self.labels).argmax()
            major = np.flatnonzero(self.labels == majority)
            keep = rng.choice(major, size=round(self.majority_fraction * major.size), replace=False)
            return rng.permutation(np.concatenate([np.flatnonzero(self.labels != majority), keep]))
        return rng.permutation(n)

    def __iter__(self) -> Iterator[int]:
        idx = self._indices()
        usable = idx.size - idx.size % self.world_size  # equal shares keep DDP processes in step
        return iter(idx[:usable][self.rank :: self.world_size].tolist())

    def __len__(self) -> int:
        return len(self._indices()) // self.world_size


def loss_weights(data: BeatSet | WindowSet, method: str = "inverse") -> np.ndarray:
    """Class weights (multiclass, :func:`class_weights`) or positive-example weights (multilabel).

    For a multilabel task, label ``k`` with ``p_k`` positives among ``n`` samples gets
    ``(n - p_k) / p_k`` (``'inverse'``, PyTorch's ``pos_weight``) or its square root.

    Examples
    --------
    >>> from vitalkit.samples import WindowSet
    >>> w = WindowSet(np.zeros((4, 1, 8), np.float32), np.array([[1, 0], [1, 0], [1, 0], [0, 1]], np.float32),
    ...               np.array(["a"] * 4), np.array(["a"] * 4), np.zeros(4, np.int64), ("x", "y"),
    ...               "multilabel", 100.0, ("II",))
    >>> loss_weights(w, "inverse").round(3).tolist()
    [0.333, 3.0]
    """
    counts = np.array(list(data.class_counts().values()))
    return TASKS[data.task].loss_weights(counts, len(data), method)


def to_tensors(data: BeatSet | WindowSet) -> TensorDataset:
    """Tensors ``(*inputs, target)`` of a beat or window set (see ``data.inputs()``)."""
    arrays = [*data.inputs(), targets(data)]
    return TensorDataset(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])


class SplitDataModule(L.LightningDataModule):
    """Training and validation samples (beats or windows) of a preprocessing product folder.

    Parameters
    ----------
    dataset_dir : str or Path
        Folder with ``train.npz`` and ``val.npz``.
    batch_size : int
        Batch size.
    sampler : {'shuffle', 'balanced', 'undersample'}
        How each epoch draws training beats (see :class:`EpochSampler`).
    seed : int
        Seed of shuffling, sampling and augmentation.
    majority_fraction : float
        Share of the majority class per epoch with ``sampler='undersample'``.
    augment : callable, optional
        ``augment(windows, rng) -> windows`` applied to every training batch (see
        :mod:`vitalkit.augment`); validation data is never augmented.

    Under DDP each process draws its own share of the epoch's indices and evaluates the whole
    validation set, so validation metrics are exact (no padded duplicates).
    """

    def __init__(
        self,
        dataset_dir: str | Path,
        batch_size: int = 256,
        sampler: str = "shuffle",
        seed: int = 0,
        majority_fraction: float = 0.3,
        augment: Augment | None = None,
    ) -> None:
        super().__init__()
        if sampler not in SAMPLERS:
            raise ParamsError("sampler", [f"must be one of {SAMPLERS}, not {sampler!r}"])
        self.dataset_dir = Path(dataset_dir)
        self.batch_size = batch_size
        self.sampler = sampler
        self.seed = seed
        self.majority_fraction = majority_fraction
        self.augment = augment
        self.train_set: BeatSet | WindowSet | None = None
        self.val_set: BeatSet | WindowSet | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = SampleFolder(self.dataset_dir).load("train")
            self.val_set = SampleFolder(self.dataset_dir).load("val")
            if len(self.train_set) == 0 or len(self.val_set) == 0:
                raise ParamsError(self.dataset_dir, ["the training or validation split is empty"])

    @property
    def classes(self) -> tuple[str, ...]:
        self.setup()
        assert self.train_set is not None
        return self.train_set.classes

    @property
    def samples(self) -> str:
        """``'beats'`` or ``'windows'``: which model family fits this data."""
        self.setup()
        return "beats" if isinstance(self.train_set, BeatSet) else "windows"

    @property
    def feature_names(self) -> list[str] | None:
        """Names of the beat-feature columns (beats), None for window sets."""
        self.setup()
        return self.train_set.feature_names if isinstance(self.train_set, BeatSet) else None

    @property
    def sampling_rate(self) -> float:
        """Samples per second of the windows."""
        self.setup()
        assert self.train_set is not None
        return self.train_set.sampling_rate

    @property
    def task(self) -> str:
        """``'multiclass'`` or ``'multilabel'``."""
        self.setup()
        assert self.train_set is not None
        return self.train_set.task

    def example_window(self, index: int = 0) -> np.ndarray:
        """First channel of one training sample's window (for figures such as augmentations)."""
        self.setup()
        assert self.train_set is not None
        return np.asarray(self.train_set.windows[index])[0]

    def class_counts(self) -> dict[str, int]:
        """Training samples per class (multilabel: samples carrying each label)."""

        self.setup()
        assert self.train_set is not None
        return self.train_set.class_counts()

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None
        trainer = getattr(self, "trainer", None)
        sampler = EpochSampler(
            sampling_labels(self.train_set),
            self.sampler,
            seed=self.seed,
            rank=trainer.global_rank if trainer else 0,
            world_size=trainer.world_size if trainer else 1,
            majority_fraction=self.majority_fraction,
        )
        collate = None
        if self.augment is not None:
            rng = np.random.default_rng(self.seed + 1_000_003 * (trainer.global_rank if trainer else 0))
            augment = self.augment

            def collate(batch: list[tuple[torch.Tensor, ...]]) -> tuple[torch.Tensor, ...]:
                window, *rest = default_collate(batch)
                return torch.from_numpy(augment(window.numpy(), rng).astype(np.float32)), *rest

        return DataLoader(
            to_tensors(self.train_set), batch_size=self.batch_size, sampler=sampler, collate_fn=collate
        )

    def val_dataloader(self) -> DataLoader:
        assert self.val_set is not None
        return DataLoader(to_tensors(self.val_set), batch_size=1024, shuffle=False)


BeatDataModule = SplitDataModule
"""The name this module had while it served beats only."""
