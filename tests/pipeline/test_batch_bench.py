"""The batch benchmark's figures: idle time with load imbalance, and Dask's own gaps without it."""

import pytest

from vitalkit.pipeline.batch_bench import dask_gaps_per_member, overhead_per_member


def _member(pid: int, started: float, finished: float, received: float) -> dict:
    return {
        "pid": pid,
        "submitted": 0.0,
        "started": started,
        "finished": finished,
        "received": received,
        "duration_s": finished - started,
    }


def test_imbalance_is_idle_time_but_not_dask_overhead() -> None:
    # worker 1 runs two members back to back; worker 2 one short member, then waits
    results = [_member(1, 0.2, 5.0, 5.1), _member(1, 5.3, 10.0, 10.2), _member(2, 0.4, 2.0, 2.1)]
    wall = 10.2
    assert dask_gaps_per_member(results) == pytest.approx((0.2 + 0.3 + 0.2 + 0.4 + 0.1) / 3, abs=0.01)
    # the idle figure also counts worker 2's 8 s of waiting for worker 1
    assert overhead_per_member(results, wall) > 2.5


def test_members_are_ordered_by_start_on_each_worker() -> None:
    shuffled = [_member(1, 5.0, 9.0, 9.5), _member(1, 1.0, 4.0, 4.5)]
    assert dask_gaps_per_member(shuffled) == pytest.approx((1.0 + 1.0 + 0.5) / 2, abs=0.01)
