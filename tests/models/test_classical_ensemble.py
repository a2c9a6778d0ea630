"""Classical baselines and soft-voting ensembles."""

from pathlib import Path

import numpy as np
import pytest
import torch

from vitalkit.errors import DataError, ParamsError
from vitalkit.export import check_onnx, export_beat_model, parity
from vitalkit.models import BeatNet, ClassicalBeatModel, beat_features, build_model, check_architecture
from vitalkit.models.ensemble import SoftVotingEnsemble


def _toy(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    windows = rng.normal(0, 0.05, (n, 2, 252)).astype(np.float32)
    windows[:, 0, 100:110] += labels[:, None] * 1.0  # class sets the QRS amplitude
    rr = np.full((n, 4), 0.8, np.float32)
    rr[:, 0] -= 0.3 * (labels == 1)  # class 1 is premature
    return windows, rr, labels


def test_beat_features_capture_rr_and_template_difference() -> None:
    windows, rr, labels = _toy()
    x = beat_features(windows, rr, 360.0)
    assert x.shape == (300, 8 + 3 * (24 + 3))  # RR, ratios, then beat, template, difference
    assert np.all(x[labels == 1, 4] < 0)  # log(rr_pre / rr_local) < 0 for premature beats


@pytest.mark.parametrize("name", ["gbdt", "random_forest"])
def test_classical_models_learn_and_roundtrip(name: str, tmp_path: Path) -> None:
    windows, rr, labels = _toy()
    model = build_model(
        name, n_classes=4, hparams={"max_iter": 30} if name == "gbdt" else {"n_estimators": 20}
    )
    assert isinstance(model, ClassicalBeatModel)
    model.fit(windows[:200], rr[:200], labels[:200], validation=(windows[200:], rr[200:], labels[200:]))
    proba = model.predict_proba(windows[200:], rr[200:])
    assert proba.shape == (100, 4) and np.allclose(proba[:, 3], 0)  # class never seen: probability 0
    assert (proba.argmax(1) == labels[200:]).mean() > 0.9
    model.class_bias_ = np.array([0.0, 0.3, -0.1, 0.0])
    model.save(tmp_path / "m.skops")
    np.testing.assert_array_equal(
        ClassicalBeatModel.load(tmp_path / "m.skops", model.config).predict_proba(windows, rr),
        model.predict_proba(windows, rr),
    )


def test_equal_models_give_byte_identical_files(tmp_path: Path) -> None:
    """Two fits with one seed (new Python objects, so other object ids) save the same bytes."""
    windows, rr, labels = _toy()
    paths = []
    for k in range(2):
        model = build_model("random_forest", n_classes=4, hparams={"n_estimators": 4}).fit(
            windows, rr, labels
        )
        model.save(tmp_path / f"m{k}.skops")
        paths.append(tmp_path / f"m{k}.skops")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    np.testing.assert_array_equal(
        ClassicalBeatModel.load(paths[1], model.config).predict_proba(windows, rr),
        model.predict_proba(windows, rr),
    )


def test_tampered_or_pickled_model_files_are_refused(tmp_path: Path) -> None:
    """No code runs from a model file: pickles are refused, skops files only hold allowed types."""
    import pickle
    import zipfile

    windows, rr, labels = _toy()
    model = build_model("random_forest", n_classes=4, hparams={"n_estimators": 3}).fit(windows, rr, labels)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    with pytest.raises(DataError, match=r"model.pkl: pickled models are not loaded"):
        ClassicalBeatModel.load(pickled, model.config)
    model.save(tmp_path / "m.skops")
    tampered = tmp_path / "t.skops"
    with zipfile.ZipFile(tmp_path / "m.skops") as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "schema.json":
                data = data.replace(b'"sklearn.tree._tree"', b'"os"').replace(b'"Tree"', b'"system"')
            dst.writestr(item, data)
    with pytest.raises(
        DataError, match=r"t.skops: model file holds types outside the allow-list: \['os.system'\]"
    ):
        ClassicalBeatModel.load(tampered, model.config)
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable skops model file"):
        ClassicalBeatModel.load(tmp_path / "junk.skops", model.config)


def test_architecture_checks() -> None:
    assert check_architecture("gbdt", {"max_iter": 5}) == []
    assert "no hyperparameter 'depth'" in check_architecture("gbdt", {"depth": 3})[0]
    assert "unknown architecture" in check_architecture("xgb", {})[0]
    with pytest.raises(ParamsError):
        build_model("random_forest", 4, hparams={"trees": 3})


def test_ensemble_is_the_mean_of_members_and_exports_as_one_graph(tmp_path: Path) -> None:
    scaler = {
        "window_scaling": "global",
        "window_scale": [0.3, 0.3],
        "rr_mean": [0.8] * 4,
        "rr_scale": [0.2] * 4,
    }
    members = {
        f"m{s}": BeatNet(a, 4, hparams=h, scaler=scaler, seed=s).eval()
        for s, (a, h) in enumerate(
            [
                ("resnet1d", {"channels": [8]}),
                ("cnn_lstm", {"hidden": 8}),
                ("transformer", {"d_model": 16, "heads": 2, "layers": 1}),
            ]
        )
    }
    ens = SoftVotingEnsemble(members).eval()
    w = torch.randn(6, 2, 252)
    rr = torch.full((6, 4), 0.7)
    expected = torch.stack([torch.softmax(m(w, rr), 1) for m in members.values()]).mean(0)
    assert torch.allclose(torch.softmax(ens(w, rr), 1), expected, atol=1e-6)
    path = export_beat_model(ens, tmp_path / "ens.onnx", window_shape=(2, 252))
    assert check_onnx(path)["outputs"] == {"probabilities": ["batch", 4]}
    result = parity(ens, path, w.numpy(), rr.numpy())
    assert result["max_abs_diff"] <= 1e-5


def test_feature_sets_pick_named_columns_and_say_what_is_missing() -> None:
    from vitalkit.beats.features import feature_names
    from vitalkit.errors import ParamsError
    from vitalkit.models.classical import FEATURE_SETS, ClassicalBeatModel
    from vitalkit.samples import RR_FEATURES

    names = feature_names(2)
    rng = np.random.default_rng(0)
    table = rng.normal(size=(60, len(names))).astype(np.float32)
    for feature_set in ("transfer", "saenz2020", "dechazal2004", "table"):
        model = ClassicalBeatModel(
            "random_forest", 4, {"n_estimators": 5}, feature_set=feature_set, feature_names=names
        )
        x = model.features(np.zeros((60, 1, 10), np.float32), table)
        expected = len(names) if feature_set == "table" else len(FEATURE_SETS[feature_set])
        assert x.shape == (60, expected)
    picked = ClassicalBeatModel("lda", 4, feature_set="saenz2020", feature_names=names).features(None, table)
    assert np.array_equal(picked[:, 0], table[:, names.index("lead0_qrs_width_ms")])
    # beats preprocessed with the 4 RR features only cannot feed the transfer set
    with pytest.raises(ParamsError, match="beat_features: transfer"):
        ClassicalBeatModel("random_forest", 4, feature_set="transfer", feature_names=list(RR_FEATURES))
    assert "feature_set must be one of" in check_architecture("gbdt", {"feature_set": "nope"})[0]


def test_lda_takes_class_weights_as_priors() -> None:
    from vitalkit.models.classical import ClassicalBeatModel

    rng = np.random.default_rng(1)
    y = np.array([0] * 190 + [1] * 10)
    x = rng.normal(size=(200, 3)) + y[:, None] * 1.0
    plain = ClassicalBeatModel("lda", 2, feature_set="table", feature_names=["a", "b", "c"])
    plain.fit(None, x, y)
    weighted = ClassicalBeatModel("lda", 2, feature_set="table", feature_names=["a", "b", "c"])
    weighted.fit(None, x, y, sample_weight=np.where(y == 1, 19.0, 1.0))
    # equal class mass: the minority class is called far more often
    assert (weighted.predict_proba(None, x).argmax(1) == 1).sum() > 2 * (
        plain.predict_proba(None, x).argmax(1) == 1
    ).sum()
