"""Normalization fitted on training data, identical in NumPy and inside the model."""

import numpy as np
import torch

from vitalkit.models import BeatNet
from vitalkit.samples.scaling import BeatScaler, window_center


def test_fit_uses_given_data_only() -> None:
    rng = np.random.default_rng(0)
    train_w, train_rr = rng.normal(0, 2, (200, 2, 60)), rng.uniform(0.6, 1.2, (200, 4))
    train_w[:, 1] *= 10  # channels are scaled separately
    s = BeatScaler().fit(train_w, train_rr)
    assert np.allclose(s.rr_mean_, train_rr.mean(axis=0))
    assert s.window_scale_[1] / s.window_scale_[0] > 5
    state = BeatScaler.from_dict(s.to_dict())
    test_w = rng.normal(5, 9, (10, 2, 60))  # different distribution: not refitted
    np.testing.assert_allclose(
        state.transform(test_w, train_rr[:10])[0], s.transform(test_w, train_rr[:10])[0]
    )


def test_model_input_layer_matches_numpy_scaler() -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(0, 1, (16, 2, 252)).astype(np.float32)
    rr = rng.uniform(0.5, 1.5, (16, 4)).astype(np.float32)
    for mode in ("global", "per_beat"):
        scaler = BeatScaler(mode).fit(w, rr)
        net = BeatNet("resnet1d", 4, hparams={"channels": [8]}, scaler=scaler.to_dict())
        assert net.in_channels == 2
        expected_w, expected_rr = scaler.transform(w, rr)
        got_w = net.normalize_window(torch.from_numpy(w)).numpy()
        np.testing.assert_allclose(got_w, expected_w, rtol=1e-4, atol=1e-4)
        got_rr = net.rr_inputs(torch.from_numpy(rr))[:, :4].numpy()
        np.testing.assert_allclose(got_rr, expected_rr, rtol=1e-5, atol=1e-5)


def test_window_center_is_lower_median() -> None:
    w = np.array([[[1.0, 5.0, 3.0, 2.0]]])
    assert window_center(w).item() == 2.0  # sorted 1, 2, 3, 5: lower middle
