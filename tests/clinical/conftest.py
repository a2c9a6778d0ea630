"""Fixtures of the clinical tests: a synthetic ECG with known wave boundaries, a private cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest


@dataclass
class SyntheticECG:
    """A synthetic ECG and the true positions (samples) of its waves."""

    signal: np.ndarray
    sampling_rate: float
    r: np.ndarray
    qrs_on: np.ndarray
    j: np.ndarray
    t_end: np.ndarray
    p_on: np.ndarray
    p_peak: np.ndarray
    p_off: np.ndarray


def make_ecg(
    sampling_rate: float = 250.0,
    n_beats: int = 40,
    rr_s: float = 0.9,
    st_mv: float = 0.0,
    wander_mv: float = 0.0,
    noise_mv: float = 0.0,
    seed: int = 0,
    p_mv: float = 0.15,
) -> SyntheticECG:
    """Piecewise-linear QRS, raised-cosine P and T waves, a flat ST segment at ``st_mv``.

    Relative to R (s): P wave -0.23 to -0.13 (peak -0.18, amplitude ``p_mv``), QRS onset
    -0.04, J point +0.045, ST plateau to J + 0.08, T wave to J + 0.30 (amplitude 0.3 mV)
    during which the ST level returns to 0.
    """
    fs = sampling_rate
    n = int((n_beats + 1) * rr_s * fs)
    t = np.arange(n) / fs
    x = np.zeros(n)
    r_times = (np.arange(n_beats) + 0.7) * rr_s
    for r in r_times:
        rel = t - r
        knots = np.array([-0.04, -0.02, 0.0, 0.02, 0.045])
        values = np.array([0.0, -0.1, 1.0, -0.25, st_mv])
        inside = (rel >= knots[0]) & (rel <= knots[-1])
        x[inside] += np.interp(rel[inside], knots, values)
        p = np.abs(rel + 0.18) < 0.05
        x[p] += p_mv * 0.5 * (1 + np.cos(np.pi * (rel[p] + 0.18) / 0.05))
        plateau = (rel > 0.045) & (rel < 0.125)
        x[plateau] += st_mv
        tw = (rel >= 0.125) & (rel <= 0.345)
        phase = (rel[tw] - 0.125) / 0.22
        x[tw] += st_mv * (1 - phase) + 0.3 * 0.5 * (1 - np.cos(2 * np.pi * phase))
    rng = np.random.default_rng(seed)
    x += wander_mv * np.sin(2 * np.pi * 0.2 * t) + noise_mv * rng.standard_normal(n)
    r_idx = np.round(r_times * fs).astype(int)
    return SyntheticECG(
        signal=x,
        sampling_rate=fs,
        r=r_idx,
        qrs_on=r_idx - 0.04 * fs,
        j=r_idx + 0.045 * fs,
        t_end=r_idx + 0.345 * fs,
        p_on=r_idx - 0.23 * fs,
        p_peak=r_idx - 0.18 * fs,
        p_off=r_idx - 0.13 * fs,
    )


@pytest.fixture
def synthetic_ecg() -> Callable[..., SyntheticECG]:
    """``synthetic_ecg(**kwargs) -> SyntheticECG`` (see :func:`make_ecg`)."""
    return make_ecg


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Clinical tests compute from scratch and never touch the project's cache."""
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path / "cache"))
