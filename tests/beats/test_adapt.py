"""Record smoothing: unsupervised per-patient adaptation of beat probabilities."""

import numpy as np
import pytest

from vitalkit.beats.adapt import (
    SMALL_RECORD_BEATS,
    RecordSmoothing,
    beat_description,
    beat_neighbours,
    beat_set_neighbours,
    nearest_rows,
    record_neighbours,
    smooth_beat_set,
    smooth_beats,
    smooth_probabilities,
)
from vitalkit.errors import ParamsError
from vitalkit.models.classical import ClassicalBeatModel
from vitalkit.train.crossval import fit_with_cv_biases
from vitalkit.train.fit import TrainConfig


@pytest.fixture(scope="module")
def real_beats():
    from vitalkit.beats.dataset import build_beat_dataset

    sets, _ = build_beat_dataset(
        {"x": ["101", "106", "118", "119", "209", "223"]}, features="transfer", progress=False
    )
    return sets["x"]


def test_smoothing_averages_with_neighbours_and_keeps_rows_normalised() -> None:
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), 50)
    nbrs = rng.integers(0, 50, (50, 5))
    nbrs[:, 0] = np.arange(50)
    out = smooth_probabilities(proba, nbrs, keep=0.5)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_allclose(out[7], 0.5 * proba[7] + 0.5 * proba[nbrs[7]].mean(axis=0))
    np.testing.assert_array_equal(smooth_probabilities(proba, nbrs, keep=1.0), proba)


def test_neighbours_never_cross_records() -> None:
    rng = np.random.default_rng(1)
    block = rng.normal(size=(40, 3))
    blocks = [np.vstack([block, block]), np.vstack([block, block])]  # two records, same beats
    records = np.array(["a"] * 40 + ["b"] * 40)
    nbrs = record_neighbours(blocks, records, 6)
    assert nbrs.shape == (80, 6)
    assert (nbrs[:40] < 40).all() and (nbrs[40:] >= 40).all()
    assert (nbrs[:, 0] == np.arange(80)).all()  # each beat is its own nearest
    short = record_neighbours([b[:3] for b in blocks], records[:3], 6)  # fewer beats than k
    assert short.shape == (3, 6) and set(short.ravel()) <= {0, 1, 2}


@pytest.mark.parametrize("n", [1, 2, 11, 60, SMALL_RECORD_BEATS, SMALL_RECORD_BEATS + 1])
def test_short_records_find_the_same_neighbours_as_scikit_learn(n) -> None:
    from sklearn.neighbors import NearestNeighbors

    space = np.random.default_rng(n).normal(size=(n, 23))
    k = min(10, n)
    ours = nearest_rows(space, k)
    theirs = NearestNeighbors(n_neighbors=k).fit(space).kneighbors(space, return_distance=False)
    assert ours.shape == (n, k)
    assert (ours[:, 0] == np.arange(n)).all()
    np.testing.assert_array_equal(np.sort(ours, axis=1), np.sort(theirs, axis=1))


def test_beat_set_helpers_are_the_array_functions() -> None:
    from types import SimpleNamespace

    rng = np.random.default_rng(5)
    n = 60
    beats = SimpleNamespace(
        windows=rng.normal(size=(n, 1, 252)),
        rr=rng.uniform(0.5, 1.2, (n, 2)),
        feature_names=["rr_pre_record_mean", "rr_post_record_mean"],
        record=np.repeat(["a", "b"], n // 2),
        sampling_rate=360.0,
        before_s=0.25,
    )
    arrays = (beats.windows, beats.rr, beats.feature_names, beats.record, 360.0, 0.25)
    proba = rng.dirichlet(np.ones(3), n)
    np.testing.assert_array_equal(beat_set_neighbours(beats, 5), beat_neighbours(*arrays, 5))
    setting = RecordSmoothing(neighbours=5, keep=0.3)
    np.testing.assert_array_equal(
        smooth_beat_set(proba, setting, beats), smooth_beats(proba, setting, *arrays)
    )
    np.testing.assert_array_equal(smooth_beat_set(proba, None, beats), proba)


def test_description_is_rate_independent() -> None:
    names = ["rr_pre_record_mean", "rr_post_record_mean"]
    for fs in (250.0, 360.0, 500.0):
        n = round(0.7 * fs)
        blocks = beat_description(np.zeros((4, 1, n)), np.ones((4, 2)), names, fs, 0.25)
        assert [b.shape[1] for b in blocks] == [12, 9, 2]
    with pytest.raises(ValueError, match="rr_post_record_mean"):
        beat_description(np.zeros((4, 1, 252)), np.ones((4, 1)), names[:1], 360.0, 0.25)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"neighbours": 0}, "neighbours must be an integer >= 1"),
        ({"keep": 1.5}, r"keep must be a number in \[0, 1\]"),
        ({"neighbors": 5}, "unknown keys"),
        ([10, 0.5], "must be a mapping"),
    ],
)
def test_bad_settings_are_named(raw, message) -> None:
    with pytest.raises(ValueError, match=message):
        RecordSmoothing.from_params(raw)
    with pytest.raises(ParamsError, match=message):
        TrainConfig(cv_folds=3, record_smoothing=raw)


def test_smoothing_needs_cross_validation() -> None:
    with pytest.raises(ParamsError, match="record_smoothing needs cv_folds"):
        TrainConfig(record_smoothing={"neighbours": 10, "keep": 0.5})


def test_cross_validation_with_smoothing_on_real_beats(real_beats, tmp_path) -> None:
    beats = real_beats
    model = ClassicalBeatModel(
        "random_forest",
        4,
        {"n_estimators": 30, "n_jobs": 1, "min_samples_leaf": 20},
        beats.sampling_rate,
        feature_set="transfer",
        feature_names=beats.feature_names,
    )
    plain = fit_with_cv_biases(model.clone(), beats, 3, "sqrt_inverse", seed=0)
    smoothing = RecordSmoothing(10, 0.5)
    cv = fit_with_cv_biases(model, beats, 3, "sqrt_inverse", seed=0, smoothing=smoothing)
    assert cv.neighbours is not None and cv.neighbours.shape == (len(beats), 10)
    assert (beats.record[cv.neighbours] == beats.record[:, None]).all()
    # the out-of-fold probabilities are the same; only their smoothing differs
    np.testing.assert_array_equal(cv.probabilities, plain.probabilities)
    assert not np.array_equal(cv.biased(), plain.biased())
    assert model.record_smoothing == smoothing
    # the smoothed out-of-fold predictions still recognise these patients' V beats
    v = beats.labels == 2
    assert (cv.biased().argmax(1)[v] == 2).mean() > 0.7
    # the model file keeps the setting; predictions smooth within each record
    model.save(tmp_path / "model.skops")
    loaded = ClassicalBeatModel.load(tmp_path / "model.skops", model.config)
    assert loaded.record_smoothing == smoothing
    proba = loaded.predict_proba(beats.windows, beats.rr)
    args = (beats.windows, beats.rr, beats.feature_names, beats.record, beats.sampling_rate, beats.before_s)
    smoothed = smooth_beats(proba, loaded.record_smoothing, *args)
    one = beats.record == "209"
    alone = smooth_beats(
        proba[one],
        loaded.record_smoothing,
        beats.windows[one],
        beats.rr[one],
        beats.feature_names,
        beats.record[one],
        beats.sampling_rate,
        beats.before_s,
    )
    np.testing.assert_allclose(smoothed[one], alone, atol=1e-6)  # a record alone gives the same
    np.testing.assert_array_equal(smooth_beats(proba, None, *args), proba)
