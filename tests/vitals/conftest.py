"""Fixtures of the vitals tests: the real Challenge subset, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from vitalkit.vitals.cohort import Cohort, load_cohort


@pytest.fixture(scope="session")
def sepsis_dir(data_dir: Path) -> Path:
    """The staged Challenge 2019 subset (fails, never skips, when absent)."""
    folder = data_dir / "sepsis2019"
    assert (folder / "SUBSET.txt").is_file(), f"{folder} missing: point VITALKIT_DATA_DIR at the data"
    return folder


@pytest.fixture(scope="session")
def small_cohort(sepsis_dir: Path) -> Cohort:
    """A seeded stratified sample of 240 real patients, split 60/20/20."""
    return load_cohort(n_patients=240, seed=0)
