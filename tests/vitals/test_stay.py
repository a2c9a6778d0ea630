"""One stay rebuilt alone gives exactly the inputs the GRU saw for it inside the cohort."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.vitals.cohort import Cohort, sepsis_dir
from vitalkit.vitals.scores import early_warning_scores
from vitalkit.vitals.sequences import sequence_inputs
from vitalkit.vitals.stay import VitalsRecipe, read_stay, recipe_of, stay_inputs


@pytest.mark.parametrize("kind", ["raw", "history"])
def test_a_stay_alone_gets_its_training_inputs(small_cohort: Cohort, kind: str) -> None:
    f = small_cohort.frame
    scores = early_warning_scores(small_cohort.filled, f, 1, "assume_normal", 6.0, 2.0)
    values, measured, names = sequence_inputs(small_cohort, kind, scores, 6.0)
    recipe = recipe_of(kind, names, small_cohort.fill_hours, window_h=6.0)
    assert recipe.fill_hours == 6.0 and recipe.lab_fill_hours == 24.0
    septic = list(f.loc[f["septic"], "patient"].unique()[:2])
    other = list(f.loc[~f["septic"], "patient"].unique()[:2])
    for patient in [*septic, *other]:
        rows = np.flatnonzero(f["patient"].to_numpy() == patient)
        v, m = stay_inputs(read_stay(sepsis_dir() / f"{patient}.psv"), recipe)
        np.testing.assert_array_equal(v, values[rows])  # NaN where NaN, equal elsewhere
        np.testing.assert_array_equal(m, measured[rows])
    # the stay alone measured fewer channels than the cohort: the columns are still the model's
    assert v.shape[1] == len(names)


def test_recipe_round_trip_and_errors(tmp_path: Path) -> None:
    recipe = VitalsRecipe("raw", ("HR", "ICULOS"), fill_hours=4.0)
    assert VitalsRecipe.from_dict({**recipe.to_dict(), "unknown": 1}) == recipe
    with pytest.raises(ValueError, match="inputs must be one of"):
        VitalsRecipe("waveforms", ("HR",))
    frame = read_stay(sepsis_dir() / "p100001.psv")
    with pytest.raises(DataError, match="cannot build"):
        stay_inputs(frame, VitalsRecipe("raw", ("HR", "BrainWaves")))


def test_a_stay_without_labels_is_read(tmp_path: Path) -> None:
    source = (sepsis_dir() / "p100001.psv").read_text().splitlines()
    unlabelled = tmp_path / "bedside.psv"
    unlabelled.write_text("\n".join(line.rsplit("|", 1)[0] for line in source) + "\n")
    frame = read_stay(unlabelled)
    assert frame["SepsisLabel"].isna().all() and len(frame) == len(source) - 1
    assert frame["patient"].iloc[0] == "bedside"
