"""Patient sequences for the recurrent model: tensors, length-bucketed batches, prediction.

Every stay becomes one sequence of hourly rows (all its hours, so that the GRU state is
built from the start of the stay); the loss and the validation metric use only the rows
they are meant for (``weight`` and ``eval_mask``). Training targets:

``'ahead'``      the 6-hour-ahead label on the evaluated hours (the evaluation's target);
``'challenge'``  ``SepsisLabel`` on every hour (what Challenge 2019 entries were trained on).

Examples
--------
>>> seqs = build_sequences(cohort, "train")          # doctest: +SKIP
>>> len(seqs), seqs.values.shape[1]                  # doctest: +SKIP
(1996, 41)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from vitalkit.vitals.cohort import Cohort
from vitalkit.vitals.features import history_features
from vitalkit.vitals.psv import STATIC_COLUMNS

TARGETS: tuple[str, ...] = ("ahead", "challenge")


@dataclass
class SequenceSet(Dataset):
    """Rows of several patients, stored flat, with each patient's row range.

    Attributes
    ----------
    values, measured : np.ndarray
        ``(n_rows, n_features)`` float32 (values NaN where unknown; measured 0/1).
    target, weight : np.ndarray
        Training target and loss weight (0: not counted) per row.
    eval_target, eval_mask : np.ndarray
        The 6-hour-ahead label and the evaluated-hours mask per row.
    offsets : np.ndarray
        ``(n_patients + 1,)`` row offsets.
    rows : np.ndarray
        Row index of each row in the cohort frame.
    patients : list of str
        Patient ids in order.
    feature_names : list of str
        Feature names.
    """

    values: np.ndarray
    measured: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    eval_target: np.ndarray
    eval_mask: np.ndarray
    offsets: np.ndarray
    rows: np.ndarray
    patients: list[str]
    feature_names: list[str]

    def __len__(self) -> int:
        return len(self.patients)

    @property
    def lengths(self) -> np.ndarray:
        """Hours per patient."""
        return np.diff(self.offsets)

    def __getitem__(self, i: int) -> tuple[np.ndarray, ...]:
        a, b = self.offsets[i], self.offsets[i + 1]
        return (
            self.values[a:b],
            self.measured[a:b],
            self.target[a:b],
            self.weight[a:b],
            self.eval_target[a:b],
            self.eval_mask[a:b],
        )


def _raw_inputs(
    cohort: Cohort, scores: pd.DataFrame | None, window_h: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    channels = [c for c in cohort.filled.columns if cohort.filled[c].notna().any()]
    static = [*STATIC_COLUMNS, "time_h"]
    values = np.column_stack(
        [cohort.filled[channels].to_numpy(np.float32), cohort.frame[static].to_numpy(np.float32)]
    )
    measured = np.column_stack(
        [
            cohort.frame[channels].notna().to_numpy(np.float32),
            cohort.frame[static].notna().to_numpy(np.float32),
        ]
    )
    return values, measured, [*channels, *STATIC_COLUMNS, "ICULOS"]


def _history_inputs(
    cohort: Cohort, scores: pd.DataFrame | None, window_h: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    features = history_features(cohort.frame, cohort.filled, scores, window_h)
    counts = [c for c in features.columns if c.endswith(("_count", "_hours_since"))]
    features[counts] = np.log1p(features[counts])
    values = features.to_numpy(np.float32)
    return values, (~np.isnan(values)).astype(np.float32), list(features.columns)


INPUTS = {"raw": _raw_inputs, "history": _history_inputs}
"""Per-hour inputs of the recurrent model:

``'raw'``
    the filled vital signs and laboratory values, the per-stay values (age, sex, unit,
    hospital admission time) and ICU hours; ``measured`` marks the hours a value was
    measured (the model adds the known mask itself);
``'history'``
    the gradient-boosting feature vector (:func:`~vitalkit.vitals.features.history_features`,
    counts and hours-since as ``log1p``): the GRU integrates engineered 6-hour summaries
    over the whole stay; ``measured`` is the known mask.
"""


def sequence_inputs(
    cohort: Cohort, kind: str = "raw", scores: pd.DataFrame | None = None, window_h: float = 6.0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-row model inputs of the whole cohort, ``(values, measured, feature names)`` (:data:`INPUTS`).

    Channels never measured in the cohort (ACVPU in the Challenge) are left out.
    """
    if kind not in INPUTS:
        raise ValueError(f"inputs must be one of {sorted(INPUTS)}, not {kind!r}")
    return INPUTS[kind](cohort, scores, window_h)


def build_sequences(
    cohort: Cohort,
    split: str,
    target: str = "ahead",
    inputs: tuple[np.ndarray, np.ndarray, list[str]] | None = None,
) -> SequenceSet:
    """The sequences of one split (``'train'``, ``'val'``, ``'test'``)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    values, measured, names = inputs or sequence_inputs(cohort)
    rows = np.flatnonzero(cohort.mask(split))
    f = cohort.frame.iloc[rows]
    patients, starts = np.unique(f["patient"].to_numpy(), return_index=True)
    order = np.argsort(starts)
    patients, starts = patients[order], starts[order]
    evaluable = f["evaluable"].to_numpy()
    ahead = f["ahead"].to_numpy(np.float32)
    train_target = {"ahead": ahead, "challenge": f["SepsisLabel"].to_numpy(np.float32)}[target]
    weight = {"ahead": evaluable, "challenge": np.ones(len(f), dtype=bool)}[target]
    return SequenceSet(
        values=values[rows],
        measured=measured[rows],
        target=train_target,
        weight=weight.astype(np.float32),
        eval_target=ahead,
        eval_mask=evaluable,
        offsets=np.r_[starts, len(rows)].astype(np.int64),
        rows=rows,
        patients=[str(p) for p in patients],
        feature_names=names,
    )


def feature_statistics(seqs: SequenceSet) -> tuple[list[float], list[float]]:
    """Mean and standard deviation of each feature over the known training values."""
    with np.errstate(all="ignore"):
        mean = np.nanmean(seqs.values.astype(np.float64), axis=0)
        std = np.nanstd(seqs.values.astype(np.float64), axis=0)
    mean = np.nan_to_num(mean, nan=0.0)
    std = np.where(np.isfinite(std) & (std > 1e-6), std, 1.0)
    return mean.tolist(), std.tolist()


def collate(batch: list[tuple[np.ndarray, ...]]) -> tuple[torch.Tensor, ...]:
    """Pad a batch of sequences at the end: values NaN, everything else 0."""
    longest = max(len(b[0]) for b in batch)
    n_features = batch[0][0].shape[1]
    values = np.full((len(batch), longest, n_features), np.nan, dtype=np.float32)
    measured = np.zeros_like(values)
    rest = np.zeros((4, len(batch), longest), dtype=np.float32)
    for i, (v, m, *per_row) in enumerate(batch):
        values[i, : len(v)] = v
        measured[i, : len(v)] = m
        for k, x in enumerate(per_row):
            rest[k, i, : len(v)] = x
    return (torch.from_numpy(values), torch.from_numpy(measured), *(torch.from_numpy(r) for r in rest))


class LengthBatchSampler(Sampler[list[int]]):
    """Batches of similar-length sequences (less padding), in a seeded random order per epoch.

    Sorting *all* sequences by length would make batches homogeneous in kind as well (short
    stays are mostly septic patients whose records end 3 h after onset), so training
    batches are formed within random pools of ``pool`` batches: each pool is sorted by
    length and cut into batches, and the batches are shuffled.
    """

    def __init__(
        self, lengths: np.ndarray, batch_size: int, seed: int = 0, shuffle: bool = True, pool: int = 8
    ) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.pool = pool
        self.epoch = 0

    def __len__(self) -> int:
        return int(np.ceil(len(self.lengths) / self.batch_size))

    def __iter__(self) -> Iterator[list[int]]:
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            yield from (
                order[i : i + self.batch_size].tolist() for i in range(0, len(order), self.batch_size)
            )
            return
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        perm = rng.permutation(len(self.lengths))
        size = self.pool * self.batch_size
        batches = []
        for p in range(0, len(perm), size):
            chunk = perm[p : p + size]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            batches += [
                chunk[i : i + self.batch_size].tolist() for i in range(0, len(chunk), self.batch_size)
            ]
        yield from (batches[i] for i in rng.permutation(len(batches)))


class SequenceDataModule(L.LightningDataModule):
    """Training and validation sequences (the test split is never opened here)."""

    def __init__(self, train: SequenceSet, val: SequenceSet, batch_size: int = 32, seed: int = 0) -> None:
        super().__init__()
        self.train_set = train
        self.val_set = val
        self.batch_size = batch_size
        self.seed = seed

    def train_dataloader(self) -> DataLoader:
        sampler = LengthBatchSampler(self.train_set.lengths, self.batch_size, self.seed)
        return DataLoader(self.train_set, batch_sampler=sampler, collate_fn=collate)

    def val_dataloader(self) -> DataLoader:
        sampler = LengthBatchSampler(self.val_set.lengths, 256, shuffle=False)
        return DataLoader(self.val_set, batch_sampler=sampler, collate_fn=collate)


@torch.inference_mode()
def predict_risk(model: torch.nn.Module, seqs: SequenceSet, batch_size: int = 256) -> np.ndarray:
    """Probability per row of ``seqs`` (in its row order), the model in eval mode."""
    model.eval()
    out = np.empty(len(seqs.values), dtype=np.float32)
    for batch in LengthBatchSampler(seqs.lengths, batch_size, shuffle=False):
        values, measured, *_ = collate([seqs[i] for i in batch])
        prob = torch.sigmoid(model(values, measured)).numpy()
        for k, i in enumerate(batch):
            a, b = seqs.offsets[i], seqs.offsets[i + 1]
            out[a:b] = prob[k, : b - a]
    return out
