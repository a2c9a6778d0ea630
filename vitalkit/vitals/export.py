"""ONNX export of the recurrent early-warning model, with the ECG models' checks.

As for the beat classifiers (:mod:`vitalkit.export.onnx_export`): the dynamo exporter,
one file (``external_data=False``), ``onnx.checker`` with shape inference
(:func:`~vitalkit.export.onnx_export.check_onnx`), onnxruntime parity on real held-out
sequences and batch-1 latency percentiles of PyTorch and onnxruntime
(:func:`~vitalkit.export.latency.measure_latency`). Batch **and** time are dynamic axes:
one call scores a whole stay, or the stay so far.

The exporter writes the GRU output's time axis as the example's fixed length in the
declared output shape (the graph itself computes any length); the declared output is
rewritten to ``(batch, time)`` so that onnxruntime does not warn on every call.

Examples
--------
>>> import tempfile, pathlib
>>> from vitalkit.vitals.recurrent import VitalsGRU
>>> path = pathlib.Path(tempfile.mkdtemp()) / "gru.onnx"
>>> _ = export_recurrent_model(VitalsGRU(3, hidden=4), path)
>>> check_onnx(path)["outputs"]
{'risk': ['batch', 'time']}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from vitalkit.export.latency import measure_latency
from vitalkit.export.onnx_export import check_onnx, export_module, onnx_session
from vitalkit.vitals.recurrent import RiskModel, VitalsGRU
from vitalkit.vitals.sequences import SequenceSet, collate

INPUT_NAMES = ["values", "measured"]
OUTPUT_NAMES = ["risk"]

__all__ = ["check_onnx", "export_recurrent_model", "recurrent_latency", "recurrent_parity"]


def export_recurrent_model(
    model: VitalsGRU, path: str | Path, metadata: dict[str, Any] | None = None, opset: int = 18
) -> Path:
    """Export ``(values, measured) -> risk`` (probabilities per hour) as one ONNX file."""
    n = model.config["n_features"]
    # torch.onnx swaps in a while_loop GRU decomposition (dynamic time axis) for the export, but
    # the op's dispatch cache keeps the kernel of an earlier export in this process: a second
    # export would unroll the GRU over the example's 7 hours. Clear it so every export is dynamic.
    cache = getattr(torch.ops.aten.gru.input, "_dispatch_cache", None)
    if cache is not None:
        cache.clear()
    batch = torch.export.Dim("batch", min=1, max=4096)
    hours = torch.export.Dim("time", min=2, max=8192)
    path = export_module(
        RiskModel(model).eval(),
        (torch.randn(2, 7, n), torch.ones(2, 7, n)),
        path,
        INPUT_NAMES,
        OUTPUT_NAMES,
        {"values": {0: batch, 1: hours}, "measured": {0: batch, 1: hours}},
        metadata,
        opset,
        output_dims={"risk": ("batch", "time")},
    )
    shape = onnx.load(str(path)).graph.input[0].type.tensor_type.shape
    dims = [d.dim_param or d.dim_value for d in shape.dim]
    if dims[:2] != ["batch", "time"]:
        raise RuntimeError(f"{path}: the GRU was exported with fixed input dimensions {dims}")
    return path


@torch.inference_mode()
def recurrent_parity(
    model: VitalsGRU,
    onnx_path: str | Path,
    seqs: SequenceSet,
    batch_size: int = 64,
    threshold: float | None = None,
) -> dict[str, float]:
    """onnxruntime vs PyTorch risk on every hour of ``seqs`` (padded batches, as deployed).

    Returns ``n_hours``, ``max_abs_diff``, ``mean_abs_diff`` and, given a threshold, the
    share of hours with the same alert decision.
    """
    wrapped = RiskModel(model).eval()
    session = onnx_session(onnx_path, threads=0)
    diffs, agree = [], []
    for start in range(0, len(seqs), batch_size):
        batch = [seqs[i] for i in range(start, min(start + batch_size, len(seqs)))]
        values, measured, *_ = collate(batch)
        ref = wrapped(values, measured).numpy()
        got = session.run(OUTPUT_NAMES, {"values": values.numpy(), "measured": measured.numpy()})[0]
        for k, b in enumerate(batch):
            diffs.append(np.abs(ref[k, : len(b[0])] - got[k, : len(b[0])]))
            if threshold is not None:
                agree.append((ref[k, : len(b[0])] >= threshold) == (got[k, : len(b[0])] >= threshold))
    d = np.concatenate(diffs)
    out = {"n_hours": int(d.size), "max_abs_diff": float(d.max()), "mean_abs_diff": float(d.mean())}
    if threshold is not None:
        out["alert_agreement"] = float(np.concatenate(agree).mean())
    return out


def recurrent_latency(
    model: VitalsGRU,
    onnx_path: str | Path,
    seqs: SequenceSet,
    hours: int = 48,
    n_runs: int = 300,
    threads: int = 1,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Batch-1 latency of scoring one real stay's first ``hours`` hours, PyTorch and onnxruntime."""
    rng = np.random.default_rng(seed)
    long_enough = np.flatnonzero(seqs.lengths >= hours)
    i = int(rng.choice(long_enough)) if long_enough.size else int(np.argmax(seqs.lengths))
    v, m = seqs[i][0][:hours], seqs[i][1][:hours]
    values, measured = np.ascontiguousarray(v[None]), np.ascontiguousarray(m[None])
    wrapped = RiskModel(model).eval()
    tv, tm = torch.from_numpy(values), torch.from_numpy(measured)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            torch_stats = measure_latency(lambda: wrapped(tv, tm), n_runs, max(n_runs // 10, 5))
    finally:
        torch.set_num_threads(previous)
    session = onnx_session(onnx_path, threads=threads)
    feed = {"values": values, "measured": measured}
    ort_stats = measure_latency(lambda: session.run(OUTPUT_NAMES, feed), n_runs, max(n_runs // 10, 5))
    return {
        "pytorch": {**torch_stats, "threads": threads, "hours": len(v)},
        "onnxruntime": {**ort_stats, "threads": threads, "hours": len(v)},
    }
