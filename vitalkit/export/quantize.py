"""int8 models: static QDQ quantization with onnxruntime, calibrated on training patients.

:func:`quantize_int8` runs onnxruntime's pre-processing (shape inference, graph optimization)
and ``quantize_static`` in QDQ format (per-channel int8 weights, uint8 activations, MinMax
calibration) on seeded beats of the *training* patients; the int8 file keeps the fp32 file's
package metadata, with the quantization described under ``quantization``. :func:`int8_table`
scores fp32 and int8 on the same test beats and times PyTorch, onnxruntime fp32 and int8 at
batch 1 in one run. Tree ensembles (the classical models) are not quantized: their
thresholds are compared, not multiplied.

Examples
--------
>>> import numpy as np, tempfile, pathlib, torch
>>> from vitalkit.models import BeatNet
>>> from vitalkit.export.onnx_export import export_beat_model
>>> _ = torch.manual_seed(0)
>>> net = BeatNet("resnet1d", 4, hparams={"channels": [8]}).eval()
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> fp32 = export_beat_model(net, folder / "m.onnx", window_shape=(1, 252))
>>> rng = np.random.default_rng(0)
>>> calib = {"window": rng.normal(0, 0.3, (64, 1, 252)).astype(np.float32),
...          "rr": rng.uniform(0.6, 1.2, (64, 4)).astype(np.float32)}
>>> int8 = quantize_int8(fp32, folder / "m.int8.onnx", calib)
>>> int8.stat().st_size < fp32.stat().st_size
True
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pandas as pd

from vitalkit.evaluate.metrics import classification_summary
from vitalkit.export.latency import measure_latency
from vitalkit.export.package import METADATA_KEY, onnx_session
from vitalkit.io import atomic_path


class _Calibration:
    """onnxruntime ``CalibrationDataReader`` over arrays, in batches."""

    def __init__(self, arrays: Mapping[str, np.ndarray], batch_size: int = 64) -> None:
        self.arrays = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}
        self.batch_size = batch_size
        self._batches = self._iterate()

    def _iterate(self) -> Iterator[dict[str, np.ndarray]]:
        n = len(next(iter(self.arrays.values())))
        for start in range(0, n, self.batch_size):
            yield {k: v[start : start + self.batch_size] for k, v in self.arrays.items()}

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)

    def rewind(self) -> None:
        self._batches = self._iterate()


def calibration_sample(
    arrays: Mapping[str, np.ndarray], n: int = 2000, seed: int = 0
) -> dict[str, np.ndarray]:
    """A seeded random subset of ``n`` rows of every array (the same rows for all)."""
    total = len(next(iter(arrays.values())))
    rows = np.sort(np.random.default_rng(seed).choice(total, size=min(n, total), replace=False))
    return {k: np.asarray(v)[rows] for k, v in arrays.items()}


def quantize_int8(
    fp32_path: str | Path,
    int8_path: str | Path,
    calibration: Mapping[str, np.ndarray],
    per_channel: bool = True,
) -> Path:
    """Static QDQ int8 quantization of an ONNX model, calibrated on ``calibration`` (written atomically).

    Parameters
    ----------
    fp32_path, int8_path : path
        The float model and the int8 file to write.
    calibration : mapping
        ``{input name: array}`` of training inputs (only the graph's inputs are used).
    per_channel : bool
        Per-channel weight scales (better accuracy for convolutions).

    Notes
    -----
    Weights use 7 of their 8 bits (``reduce_range``): x86 CPUs without VNNI (AVX2 or AVX-512 only,
    e.g. the AMD EPYC of some CI hosts) multiply uint8 activations by int8 weights with
    ``VPMADDUBSW``, whose 16-bit intermediate sums saturate with full-range weights. With full
    range, the int8 copy of a test model agreed with fp32 on 91 % of beats on such a CPU against
    over 95 % elsewhere; with 7-bit weights the int8 model gives the same answers on every CPU
    (onnxruntime's quantization guide recommends it for non-VNNI machines).
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    fp32_path, int8_path = Path(fp32_path), Path(int8_path)
    source = onnx.load(str(fp32_path))
    graph_inputs = [i.name for i in source.graph.input]
    feeds = {name: calibration[name] for name in graph_inputs}
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        raw = Path(tmp) / "int8.onnx"
        quantize_static(
            str(prepared),
            str(raw),
            _Calibration(feeds),
            quant_format=QuantFormat.QDQ,
            per_channel=per_channel,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            reduce_range=True,
            calibrate_method=CalibrationMethod.MinMax,
        )
        proto = onnx.load(str(raw))
    props = {p.key: p.value for p in source.metadata_props}
    note = {
        "format": "QDQ",
        "weights": "int8 (7-bit range), per channel" if per_channel else "int8 (7-bit range)",
        "activations": "uint8",
        "calibration": f"MinMax on {len(next(iter(feeds.values())))} training beats",
    }
    if METADATA_KEY in props:
        doc = json.loads(props[METADATA_KEY])
        doc["quantization"] = note
        props[METADATA_KEY] = json.dumps(doc, sort_keys=True)
    props["quantization"] = json.dumps(note, sort_keys=True)
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, props)
    with atomic_path(int8_path) as tmp_path:
        onnx.save(proto, str(tmp_path))
    return int8_path


def _onnx_proba(path: Path, arrays: Mapping[str, np.ndarray], batch_size: int = 4096) -> np.ndarray:
    session = onnx_session(path, threads=0)
    names = [i.name for i in session.get_inputs()]
    out = []
    n = len(next(iter(arrays.values())))
    for start in range(0, n, batch_size):
        feed = {
            k: np.ascontiguousarray(arrays[k][start : start + batch_size], dtype=np.float32) for k in names
        }
        out.append(session.run(None, feed)[0])
    return np.concatenate(out)


def int8_comparison(
    model: Any,
    fp32_path: str | Path,
    int8_path: str | Path,
    arrays: Mapping[str, np.ndarray],
    labels: np.ndarray,
    classes: list[str],
    n_runs: int = 300,
    seed: int = 0,
) -> dict[str, Any]:
    """Test figures of fp32 and int8 on the same beats, and batch-1 latency of the three runtimes.

    Returns ``{'fp32': summary, 'int8': summary, 'latency': {runtime: stats}, 'agreement': share}``
    where a summary holds accuracy, macro-F1 and ``<class>_F1`` (:func:`classification_summary`;
    for multilabel ``labels`` of shape ``(n, K)``, labels at probability >= 0.5 and
    :func:`~vitalkit.evaluate.multilabel.multilabel_summary`).
    """
    from vitalkit.evaluate.multilabel import multilabel_summary
    from vitalkit.export.latency import compare_latency
    from vitalkit.export.onnx_export import input_names

    fp32 = _onnx_proba(Path(fp32_path), arrays)
    int8 = _onnx_proba(Path(int8_path), arrays)
    i = int(np.random.default_rng(seed).integers(len(labels)))
    one = [np.asarray(arrays[name])[i : i + 1] for name in input_names(model)]
    latency = compare_latency(model, fp32_path, *one, n_runs=n_runs, warmup=max(n_runs // 10, 5))
    session = onnx_session(int8_path, threads=1)
    feed = {
        s.name: np.ascontiguousarray(arrays[s.name][i : i + 1], dtype=np.float32)
        for s in session.get_inputs()
    }
    latency["onnxruntime int8"] = {
        **measure_latency(lambda: session.run(None, feed), n_runs, max(n_runs // 10, 5)),
        "threads": 1,
    }
    latency["onnxruntime fp32"] = latency.pop("onnxruntime")
    if np.ndim(labels) == 2:  # multilabel: sigmoid outputs, one decision per label
        decide = lambda p: (p >= 0.5).astype(np.int64)  # noqa: E731
        summary = multilabel_summary
    else:
        decide = lambda p: p.argmax(1)  # noqa: E731
        summary = classification_summary
    return {
        "fp32": summary(labels, decide(fp32), classes),
        "int8": summary(labels, decide(int8), classes),
        "agreement": float(
            np.all(np.reshape(decide(fp32) == decide(int8), (len(labels), -1)), axis=1).mean()
        ),
        "max_abs_diff": float(np.abs(fp32 - int8).max()),
        "latency": latency,
        "size_kb": {
            "fp32": round(Path(fp32_path).stat().st_size / 1024, 1),
            "int8": round(Path(int8_path).stat().st_size / 1024, 1),
        },
    }


def int8_table(results: Mapping[str, dict[str, Any]], classes: list[str]) -> pd.DataFrame:
    """One row per model: macro-F1 and per-class F1 of fp32 and int8 (points), their deltas, class
    agreement, batch-1 p50 latency of each runtime and the int8 speed-up over fp32."""
    rows = {}
    for label, r in results.items():
        lat = {rt: s["p50_ms"] for rt, s in r["latency"].items()}
        row = {
            "macro_f1_fp32": 100 * r["fp32"]["macro_f1"],
            "macro_f1_int8": 100 * r["int8"]["macro_f1"],
            "delta_macro_f1": 100 * (r["int8"]["macro_f1"] - r["fp32"]["macro_f1"]),
        }
        for c in classes:
            row[f"delta_{c}_F1"] = 100 * (r["int8"][f"{c}_F1"] - r["fp32"][f"{c}_F1"])
        row["same_class_%"] = 100 * r["agreement"]
        row.update({f"p50_ms {rt}": v for rt, v in lat.items()})
        row["int8_speedup"] = lat["onnxruntime fp32"] / lat["onnxruntime int8"]
        row["size_kb fp32"] = r["size_kb"]["fp32"]
        row["size_kb int8"] = r["size_kb"]["int8"]
        rows[label] = row
    return pd.DataFrame(rows).T.rename_axis("model").astype(float).round(3)
