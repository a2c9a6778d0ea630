"""Generic patient-level bootstrap for arbitrary metric functions."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.evaluate.bootstrap import group_bootstrap


def test_resamples_groups_not_rows() -> None:
    # 4 groups of 100 identical rows: a row-level bootstrap would give a near-zero width,
    # a group-level one the spread of 4 group means
    values = np.repeat([0.0, 1.0, 2.0, 3.0], 100)
    groups = np.repeat(np.arange(4), 100)
    t = group_bootstrap(lambda v: v.mean(), groups, values, n_boot=500, seed=0)
    assert t.loc["value", "value"] == 1.5
    assert t.loc["value", "ci_high"] - t.loc["value", "ci_low"] > 1.0
    assert t.loc["value", "n_boot"] == 500


def test_duplicated_groups_contribute_all_their_rows_twice() -> None:
    seen = []
    group_bootstrap(
        lambda g: seen.append(np.bincount(g, minlength=3)) or 0.0,
        np.array([0, 0, 1, 2]),
        np.array([0, 0, 1, 2]),
        n_boot=50,
        seed=1,
    )
    for counts in seen[1:]:
        assert counts[0] % 2 == 0  # group 0 has two rows: always drawn whole
        assert counts[0] // 2 + counts[1] + counts[2] == 3  # as many groups drawn as there are


def test_dict_metrics_share_draws_and_undefined_replicates_are_dropped() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    groups = np.repeat(np.arange(30), 10)

    def metric(a: np.ndarray) -> dict[str, float]:
        return {"a": a.mean(), "a_again": a.mean(), "diff": a.mean() - a.mean(), "nan": np.nan}

    t = group_bootstrap(metric, groups, y, n_boot=200, seed=3)
    assert t.loc["a", "ci_low"] == t.loc["a_again", "ci_low"]  # same draws for every entry
    assert t.loc["diff", "ci_low"] == t.loc["diff", "ci_high"] == 0
    assert t.loc["nan", "n_boot"] == 0 and np.isnan(t.loc["nan", "ci_low"])


def test_seeded_and_level() -> None:
    x = np.arange(50.0)
    g = np.arange(50)
    a = group_bootstrap(np.mean, g, x, n_boot=300, seed=5)
    b = group_bootstrap(np.mean, g, x, n_boot=300, seed=5)
    assert a.equals(b)
    narrow = group_bootstrap(np.mean, g, x, n_boot=300, seed=5, level=0.5)
    assert narrow.loc["value", "ci_low"] > a.loc["value", "ci_low"]
    # the 95% interval of a mean of 50 uniform values is about +- 1.96 * sd / sqrt(50)
    assert a.loc["value", "ci_high"] - a.loc["value", "ci_low"] == pytest.approx(
        2 * 1.96 * x.std() / np.sqrt(50), rel=0.2
    )
