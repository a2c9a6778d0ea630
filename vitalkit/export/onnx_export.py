"""ONNX export with metadata, structural check and onnxruntime parity.

``torch.onnx.export`` defaults to the dynamo exporter; we keep it, ask for a single file
(``external_data=False``; the default writes weights to a separate ``.onnx.data``) and a
dynamic batch axis, then run ``onnx.checker`` with shape inference.

Examples
--------
>>> import tempfile, pathlib
>>> from vitalkit.models import BeatNet
>>> net = BeatNet("resnet1d", 4, hparams={"channels": [8]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.onnx"
>>> _ = export_beat_model(net, path, window_length=252, metadata={"classes": "N,S,V,F"})
>>> read_metadata(path)["classes"]
'N,S,V,F'
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from vitalkit.io import atomic_path
from vitalkit.models.beatnet import N_RR, ProbabilityModel

INPUT_NAMES = ["window", "rr"]
OUTPUT_NAMES = ["probabilities"]


def export_beat_model(
    model: nn.Module,
    path: str | Path,
    window_length: int,
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
) -> Path:
    """Export ``model(window, rr) -> logits`` as one ONNX file returning probabilities.

    Parameters
    ----------
    model : nn.Module
        Trained beat classifier (eval mode is set here).
    path : str or Path
        Output ``.onnx`` file (written atomically).
    window_length : int
        Samples per window.
    metadata : dict, optional
        Stored as ONNX ``metadata_props`` (values turned into strings).
    opset : int
        ONNX opset.

    Returns
    -------
    Path
        The file written.
    """
    wrapped = ProbabilityModel(model).eval()
    example = (torch.zeros(2, window_length), torch.full((2, N_RR), 0.8))
    batch = torch.export.Dim("batch", min=1, max=65536)
    return export_onnx(
        wrapped,
        example,
        path,
        INPUT_NAMES,
        OUTPUT_NAMES,
        {"window": {0: batch}, "rr": {0: batch}},
        metadata,
        opset,
    )


def export_onnx(
    module: nn.Module,
    example: tuple[torch.Tensor, ...],
    path: str | Path,
    input_names: list[str],
    output_names: list[str],
    dynamic_shapes: dict[str, dict[int, Any]],
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
    output_dims: dict[str, tuple[str, ...]] | None = None,
) -> Path:
    """Export ``module`` with the dynamo exporter to one ONNX file (written atomically).

    Parameters
    ----------
    module : nn.Module
        In eval mode; called as ``module(*example)``.
    example : tuple of torch.Tensor
        Example inputs.
    path : str or Path
        Output ``.onnx`` file.
    input_names, output_names : list of str
        Graph input and output names.
    dynamic_shapes : dict
        ``{input name: {axis: torch.export.Dim}}``.
    metadata : dict, optional
        Stored as ``metadata_props`` (values turned into strings).
    opset : int
        ONNX opset.
    output_dims : dict, optional
        ``{output name: (dim names)}`` written over the declared output shape, for outputs
        whose dynamic axes the exporter declares with the example's fixed size (as it
        does for the time axis of a GRU); intermediate shape annotations are dropped then.
    """
    path = Path(path)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module,
            example,
            dynamo=True,
            external_data=False,
            opset_version=opset,
            input_names=input_names,
            output_names=output_names,
            dynamic_shapes=dynamic_shapes,
            verbose=False,
        )
        program.save(str(tmp), external_data=False)
        proto = onnx.load(str(tmp))
        if output_dims:
            for output in proto.graph.output:
                for dim, name in zip(
                    output.type.tensor_type.shape.dim, output_dims.get(output.name, ()), strict=False
                ):
                    dim.ClearField("dim_value")
                    dim.dim_param = name
            del proto.graph.value_info[:]
        onnx.helper.set_model_props(proto, {k: str(v) for k, v in (metadata or {}).items()})
        onnx.save(proto, str(tmp))
    return path


def check_onnx(path: str | Path) -> dict[str, Any]:
    """Run ``onnx.checker`` (full check, with shape inference) and describe the graph."""
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)

    def dims(value: onnx.ValueInfoProto) -> list[str | int]:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    return {
        "opset": max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
        "inputs": {i.name: dims(i) for i in proto.graph.input},
        "outputs": {o.name: dims(o) for o in proto.graph.output},
        "nodes": len(proto.graph.node),
        "size_bytes": Path(path).stat().st_size,
        "external_data": any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer),
    }


def read_metadata(path: str | Path) -> dict[str, str]:
    """Return the ``metadata_props`` of an ONNX file."""
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def onnx_session(path: str | Path, threads: int = 1) -> ort.InferenceSession:
    """CPU onnxruntime session with ``threads`` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@torch.inference_mode()
def parity(
    model: nn.Module,
    onnx_path: str | Path,
    windows: np.ndarray,
    rr: np.ndarray,
    batch_size: int = 2048,
) -> dict[str, float]:
    """Compare onnxruntime with PyTorch probabilities on the same inputs.

    Returns
    -------
    dict
        ``max_abs_diff``, ``mean_abs_diff`` and ``argmax_agreement`` (share of inputs with
        the same predicted class), over ``n`` inputs.
    """
    wrapped = ProbabilityModel(model).eval()
    session = onnx_session(onnx_path, threads=0)
    max_diff, total_diff, agree, n = 0.0, 0.0, 0, 0
    for start in range(0, len(windows), batch_size):
        w = np.ascontiguousarray(windows[start : start + batch_size], dtype=np.float32)
        r = np.ascontiguousarray(rr[start : start + batch_size], dtype=np.float32)
        ref = wrapped(torch.from_numpy(w), torch.from_numpy(r)).numpy()
        got = session.run(OUTPUT_NAMES, {"window": w, "rr": r})[0]
        diff = np.abs(ref - got)
        max_diff = max(max_diff, float(diff.max()))
        total_diff += float(diff.sum())
        agree += int((ref.argmax(1) == got.argmax(1)).sum())
        n += len(w)
    return {
        "n": n,
        "max_abs_diff": max_diff,
        "mean_abs_diff": total_diff / max(n * ref.shape[1], 1),
        "argmax_agreement": agree / max(n, 1),
    }
