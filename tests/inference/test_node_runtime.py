"""The shipped default model in a second runtime: onnxruntime-node against Python onnxruntime.

Runs where Node.js is installed (CI: `make test` installs examples/node's npm package first). On
real DS2 beats the two runtimes must agree to 1e-5 on every probability and on every class, after
the default model's record smoothing (applied in Node from the neighbours ``vitalkit predict
--inputs`` writes), so Node gives the classes ``vitalkit predict`` gives.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.beats.adapt import smooth_probabilities
from vitalkit.data.physionet import ensure_records
from vitalkit.export.package import load_package
from vitalkit.inference.beats import NEIGHBOUR_COLUMN
from vitalkit.inference.run import predict_files
from vitalkit.pretrained import resolve_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "node"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("Node.js is not installed on this machine")
    if not (EXAMPLE / "node_modules" / "onnxruntime-node").is_dir():
        pytest.fail("examples/node has no node_modules: run `make test` (or `make node-example`)")
    return exe


def _node_predict(node: str, model: Path, csv: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, "predict_beats.js", str(model), str(csv), "--json"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_node_matches_python_on_real_ds2_beats(node, data_dir, tmp_path):
    (base,) = ensure_records("mitdb", ["213"], data_dir=data_dir)  # DS2: N, S, V and F beats
    (result,) = predict_files([base], tmp_path, beats="annotations", inputs=True)
    table = pd.read_csv(result.folder / "inputs.csv")
    package = load_package(resolve_model(None))
    columns = package.metadata["inputs"][0]["columns"]
    smoothing = package.record_smoothing
    assert smoothing is not None  # the shipped default smooths within the recording
    neighbours = [f"{NEIGHBOUR_COLUMN}{i}" for i in range(smoothing["neighbours"])]
    assert list(table.columns) == [*columns, *neighbours]
    raw = package.predict_proba({"rr": table[columns].to_numpy(dtype=np.float32)})
    expected = smooth_probabilities(raw, table[neighbours].to_numpy(), smoothing["keep"])
    run = _node_predict(node, resolve_model(None), result.folder / "inputs.csv")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    got = np.asarray(out["probabilities"], dtype=np.float32)
    assert out["classes"] == package.classes and got.shape == expected.shape and len(got) > 3000
    assert np.abs(got - expected).max() <= 1e-5
    assert (got.argmax(1) == expected.argmax(1)).all()
    # the same classes and probabilities as `vitalkit predict` itself (beats.csv, 5 decimals)
    beats = pd.read_csv(result.folder / "beats.csv")
    assert (np.asarray(package.classes)[got.argmax(1)] == beats["class"].to_numpy()).all()
    np.testing.assert_allclose(got, beats[[f"p_{c}" for c in package.classes]].to_numpy(), atol=1e-5)
    assert set(np.asarray(package.classes)[got.argmax(1)]) >= {"N", "V", "F"}


def test_node_refuses_inputs_without_the_neighbours_smoothing_needs(node, data_dir, tmp_path):
    (base,) = ensure_records("mitdb", ["100"], data_dir=data_dir)
    (result,) = predict_files([base], tmp_path, beats="annotations", inputs=True)
    table = pd.read_csv(result.folder / "inputs.csv")
    bare = tmp_path / "no_neighbours.csv"
    table.loc[:, ~table.columns.str.startswith(NEIGHBOUR_COLUMN)].to_csv(bare, index=False)
    run = _node_predict(node, resolve_model(None), bare)
    assert run.returncode == 2 and "neighbour_* columns" in run.stderr


def test_node_refuses_a_model_without_metadata(node, tmp_path):
    import onnx

    proto = onnx.load(str(resolve_model(None)))
    del proto.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(proto, str(bare))
    csv = tmp_path / "x.csv"
    csv.write_text("a\n1\n")
    run = subprocess.run(
        [node, "predict_beats.js", str(bare), str(csv)],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "without VitalKit metadata" in run.stderr
