"""The example scripts stay runnable: their imports resolve and the columns they name exist."""

import importlib.util
import subprocess
import sys
from pathlib import Path

from vitalkit.beats.features import feature_names
from vitalkit.models.classical import FEATURE_SETS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_beat_attempts_names_existing_feature_columns() -> None:
    attempts = _load("beat_attempts")
    names = feature_names(2)
    assert set(attempts.MORPHOLOGY) <= set(names)
    assert not set(attempts.MORPHOLOGY) & set(FEATURE_SETS["transfer"])  # they are additions


def test_beat_attempts_command_line() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "beat_attempts.py"), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--out" in done.stdout and "--round" in done.stdout


def test_beat_attempts_added_columns_are_new_names() -> None:
    attempts = _load("beat_attempts")
    assert not set(attempts.NEIGHBOURHOOD) & set(feature_names(2))
    assert not set(attempts.SUSTAINED) & set(feature_names(2))
    assert set(attempts.ROUNDS) == {3, 4, 5}


def test_sustained_columns_tell_a_long_fast_run_from_an_isolated_early_beat() -> None:
    from types import SimpleNamespace

    import numpy as np

    attempts = _load("beat_attempts")
    pre = np.r_[np.ones(50), 0.6, np.ones(50), np.full(100, 0.6), np.ones(50)]
    rr = pre[:, None].astype(np.float32)
    beats = SimpleNamespace(rr=rr, record=np.array(["r"] * pre.size), feature_names=["rr_pre_record_mean"])
    cols = attempts.sustained_columns(beats)
    assert [round(float(np.expm1(cols[i, 0]))) for i in (10, 50, 150)] == [0, 1, 100]
    assert cols[50, 2] < 0.7 and cols[150, 2] > 0.9  # premature only when isolated


def test_second_lead_variants_keep_the_first_lead_and_change_the_second() -> None:
    import numpy as np

    from vitalkit.data.records import Record

    second_lead = _load("second_lead")
    signal = np.arange(20.0).reshape(10, 2)
    found = second_lead.variants(Record("r", signal, 360.0, ["V5", "MLII"], ["mV", "mV"]))
    assert found["as recorded"].channel_names == ["V5", "MLII"]
    inverted = found["second lead inverted"]
    assert np.array_equal(inverted.signal[:, 0], signal[:, 1]) and np.array_equal(
        inverted.signal[:, 1], -signal[:, 0]
    )
    assert found["one lead (MLII repeated)"].channel_names == ["MLII"]


def test_two_runs_sets_aside_run_ids_and_times_only(tmp_path: Path) -> None:
    import json

    two_runs = _load("two_runs")
    ids = ("set-20261207-100000", "set-20261207-100500")
    files = {}
    for run_id, wall, f1 in [(ids[0], 3.2, 0.9), (ids[1], 4.1, 0.9), (ids[1], 4.1, 0.8)]:
        path = tmp_path / f"{len(files)}.json"
        path.write_text(json.dumps({"run_id": run_id, "wall_time_s": wall, "p50_ms": wall, "macro_f1": f1}))
        files[len(files)] = path
    assert two_runs.same_result(files[0], files[1], ids)  # only the run id and times differ
    assert not two_runs.same_result(files[0], files[2], ids)  # a result differs
    csv = [tmp_path / "a.csv", tmp_path / "b.csv"]
    csv[0].write_text("model,f1,p50_ms pytorch,int8_speedup\nrf,0.9,1.2,3.1\n")
    csv[1].write_text("model,f1,p50_ms pytorch,int8_speedup\nrf,0.9,0.9,2.2\n")
    assert two_runs.same_result(csv[0], csv[1], ids)
