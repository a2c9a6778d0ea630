"""Patient-level sampling and train / validation / test split, stratified by septic status.

No patient is ever in two splits: every hour of a stay goes where its patient goes.

Examples
--------
>>> import numpy as np
>>> ids = [f"p{i}" for i in range(100)]; septic = np.arange(100) < 30
>>> split = split_patients(ids, septic, val_fraction=0.2, test_fraction=0.2, seed=0)
>>> split.value_counts().sort_index().to_dict()
{'test': 20, 'train': 60, 'val': 20}
>>> int(septic[split.to_numpy() == "test"].sum())
6
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

SPLITS: tuple[str, ...] = ("train", "val", "test")


def sample_patients(patients: Sequence[str], septic: np.ndarray, n: int, seed: int = 0) -> list[str]:
    """A seeded sample of ``n`` patients keeping the septic fraction (all if ``n`` is 0 or >= the total).

    Examples
    --------
    >>> sample_patients(["a", "b", "c", "d"], np.array([1, 0, 1, 0]), 2, seed=1)
    ['a', 'b']
    """
    patients = list(patients)
    if n <= 0 or n >= len(patients):
        return patients
    chosen, _ = train_test_split(
        np.arange(len(patients)), train_size=n, stratify=np.asarray(septic, dtype=bool), random_state=seed
    )
    return [patients[i] for i in sorted(chosen)]


def split_patients(
    patients: Sequence[str],
    septic: np.ndarray,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> pd.Series:
    """Assign every patient to ``'train'``, ``'val'`` or ``'test'`` (seeded, stratified).

    Returns
    -------
    pandas.Series
        Split name indexed by patient, in the order given.
    """
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in (0, 1) "
            "and leave patients for training"
        )
    idx = np.arange(len(patients))
    strata = np.asarray(septic, dtype=bool)
    rest, test = train_test_split(idx, test_size=test_fraction, stratify=strata, random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_fraction / (1 - test_fraction), stratify=strata[rest], random_state=seed
    )
    split = np.empty(len(patients), dtype=object)
    split[train], split[val], split[test] = "train", "val", "test"
    return pd.Series(split, index=pd.Index(list(patients), name="patient"), name="split")
