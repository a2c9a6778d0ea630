"""Batch-1 inference latency of the training runtime (PyTorch, scikit-learn) and onnxruntime, as percentiles.

Timings are benchmarks, not tests: they depend on the machine and its load. Both runtimes
run single-threaded by default, the setting of an embedded or bedside device.

Examples
--------
>>> import numpy as np
>>> t = measure_latency(lambda: np.zeros(10).sum(), n_runs=20, warmup=2)
>>> sorted(t)[:3]
['mean_ms', 'n_runs', 'p50_ms']
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vitalkit.export.onnx_export import OUTPUT_NAMES, input_names, onnx_session
from vitalkit.models.beatnet import ProbabilityModel


def measure_latency(fn: Callable[[], Any], n_runs: int = 500, warmup: int = 50) -> dict[str, float]:
    """Call ``fn`` repeatedly; return p50, p90, p99 and mean in milliseconds and the samples."""
    for _ in range(warmup):
        fn()
    times = np.empty(n_runs)
    for i in range(n_runs):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    ms = times * 1e3
    return {
        "n_runs": n_runs,
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
        "samples_ms": ms.tolist(),
    }


def reference_runtime(model: Any) -> str:
    """Name of the runtime a model is trained in: ``'pytorch'`` or ``'scikit-learn'``."""
    return "pytorch" if isinstance(model, nn.Module) else "scikit-learn"


def compare_latency(
    model: Any,
    onnx_path: str | Path,
    *arrays: np.ndarray,
    n_runs: int = 500,
    warmup: int = 50,
    threads: int = 1,
    task: str = "multiclass",
) -> dict[str, dict[str, Any]]:
    """Batch-1 latency of the model in its own runtime and of its ONNX export, on one real input.

    Parameters
    ----------
    model : nn.Module or ClassicalBeatModel
        ``model(*inputs) -> logits`` (PyTorch) or a model with ``predict_proba(*inputs)``.
    onnx_path : str or Path
        Its ONNX export.
    *arrays : np.ndarray
        One input per model input, each with a batch axis of 1.
    threads : int
        Threads for both runtimes.

    Returns
    -------
    dict
        ``{runtime: stats}`` for :func:`reference_runtime` and ``'onnxruntime'``.
    """
    batch = [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]
    reference = reference_runtime(model)
    if isinstance(model, nn.Module):
        wrapped = ProbabilityModel(model, task).eval()
        tensors = [torch.from_numpy(b) for b in batch]
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with torch.inference_mode():
                ref_stats = measure_latency(lambda: wrapped(*tensors), n_runs, warmup)
        finally:
            torch.set_num_threads(previous)
    else:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(threads):
            ref_stats = measure_latency(lambda: model.predict_proba(*batch), n_runs, warmup)
    session = onnx_session(onnx_path, threads=threads)
    by_name = dict(zip(input_names(model), batch, strict=True))
    feed = {i.name: by_name[i.name] for i in session.get_inputs()}
    ort_stats = measure_latency(lambda: session.run(OUTPUT_NAMES, feed), n_runs, warmup)
    return {reference: {**ref_stats, "threads": threads}, "onnxruntime": {**ort_stats, "threads": threads}}
