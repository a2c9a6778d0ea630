"""Beat inputs from a recording: the one code path of training sets and `vitalkit predict`."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.beats.dataset import load_mitdb_record, record_beats
from vitalkit.beats.inputs import BeatRecipe, prepare_leads, recipe_inputs
from vitalkit.data.records import Record
from vitalkit.errors import DataError


def test_recipe_round_trip_and_problems():
    recipe = BeatRecipe(lead="II", context=("template",), features="transfer", sampling_rate=250.0)
    assert BeatRecipe.from_dict(recipe.to_dict()) == recipe
    assert recipe.channels == ("II", "II:template")
    assert len(recipe.feature_names()) == 106
    assert BeatRecipe(features="rr").feature_names()[:2] == ["rr_pre", "rr_post"]
    problems = BeatRecipe(context=("nope",), features="x", after_s=0).problems()
    assert len(problems) == 3 and "nope" in problems[0]


def test_record_beats_stores_recipe_and_matches_recipe_inputs(data_dir):
    record = load_mitdb_record("100", data_dir, lead=None)
    beats, _ = record_beats(record, ["N", "S", "V", "F"], features="transfer")
    recipe = BeatRecipe.from_dict(beats.meta["recipe"])
    assert recipe.features == "transfer" and recipe.leads == 2
    leads = prepare_leads(record, recipe)
    assert leads.order == ["MLII", "V5"]
    made = recipe_inputs(leads, beats.sample, recipe)
    assert made.feature_names == beats.feature_names
    np.testing.assert_array_equal(made.windows, beats.windows)  # same filter, same cut


def test_prepare_leads_resamples_and_maps_samples_back(data_dir):
    record = load_mitdb_record("100", data_dir, lead=None)
    leads = prepare_leads(record, BeatRecipe(sampling_rate=250.0, features="transfer"), lead=1)
    assert leads.order == ["V5", "MLII"] and leads.sampling_rate == 250.0
    assert leads.lead.size == round(record.n_samples * 250 / 360)
    samples = np.array([0, 3600, 36000])
    assert np.abs(leads.to_record(leads.from_record(samples)) - samples).max() <= 1


def test_prepare_leads_names_missing_lead():
    record = Record("toy", np.zeros((3600, 1)), 360.0, ["II"], ["mV"])
    with pytest.raises(DataError, match=r"no lead 'MLII'; channels are \['II'\]"):
        prepare_leads(record, BeatRecipe())
    with pytest.raises(DataError, match="no lead with index 3"):
        prepare_leads(record, BeatRecipe(), lead=3)
    with pytest.raises(DataError, match="only 1 beats found"):
        recipe_inputs(prepare_leads(record, BeatRecipe(lead="II")), np.array([100]), BeatRecipe(lead="II"))


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        (["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"], ["II", "V1"]),
        (["I", "II", "III", "MV1"], ["II", "MV1"]),  # an equivalent name of V1
        (["V5", "MLII"], ["MLII", "V5"]),  # two channels: the other one, as in training
        (["I", "II", "III"], ["II", "I"]),  # no V1: the others in their order
        (["II"], ["II", "II"]),  # one channel: repeated
    ],
)
def test_second_lead_is_v1_where_the_recording_has_it(channels: list[str], expected: list[str]) -> None:
    rng = np.random.default_rng(0)
    record = Record(
        "twelve", rng.normal(size=(2570, len(channels))) * 0.1, 257.0, channels, ["mV"] * len(channels)
    )
    lead = record.closest_lead("MLII")  # as predict_beats does
    assert prepare_leads(record, BeatRecipe(features="transfer", leads=2), lead).order == expected
