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
>>> _ = export_beat_model(net, path, window_shape=(1, 252), metadata={"classes": "N,S,V,F"})
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
import torch
from torch import nn

from vitalkit.export.package import onnx_session
from vitalkit.io import atomic_path
from vitalkit.models.beatnet import N_RR, ProbabilityModel

INPUT_NAMES = ["window", "rr"]
OUTPUT_NAMES = ["probabilities"]


def input_names(model: nn.Module) -> tuple[str, ...]:
    """Names of the model's inputs, in call order (``('window', 'rr')`` for beat models)."""
    return tuple(getattr(model, "inputs", INPUT_NAMES))


def export_onnx(
    model: nn.Module,
    path: str | Path,
    input_shapes: dict[str, tuple[int, ...]],
    task: str = "multiclass",
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
) -> Path:
    """Export ``model(*inputs) -> logits`` as one ONNX file returning probabilities.

    Parameters
    ----------
    model : nn.Module
        Trained classifier (eval mode is set here).
    path : str or Path
        Output ``.onnx`` file (written atomically).
    input_shapes : dict
        ``{input name: shape of one example without the batch axis}``, in call order; the
        batch axis is dynamic.
    task : {'multiclass', 'multilabel'}
        Softmax or sigmoid output.
    metadata : dict, optional
        Stored as ONNX ``metadata_props`` (values turned into strings).
    opset : int
        ONNX opset.
    """
    wrapped = ProbabilityModel(model, task).eval()
    example = tuple(torch.full((2, *shape), 0.5) for shape in input_shapes.values())
    batch = torch.export.Dim("batch", min=1, max=65536)
    return export_module(
        wrapped,
        example,
        path,
        list(input_shapes),
        OUTPUT_NAMES,
        (tuple({0: batch} for _ in input_shapes),),  # forward(*inputs): one varargs
        metadata,
        opset,
    )


def export_module(
    module: nn.Module,
    example: tuple[torch.Tensor, ...],
    path: str | Path,
    input_names: list[str],
    output_names: list[str],
    dynamic_shapes: Any,
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
    output_dims: dict[str, tuple[str, ...]] | None = None,
) -> Path:
    """Export any ``module(*example)`` with the dynamo exporter to one ONNX file (written atomically).

    The common step under :func:`export_onnx` (classifiers) and
    :func:`vitalkit.vitals.export.export_recurrent_model` (the vitals GRU).

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
    dynamic_shapes : dict or tuple
        Passed to ``torch.onnx.export`` (``{input name: {axis: torch.export.Dim}}``, or a
        tuple matching ``forward``'s arguments).
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
        _drop_trace_metadata(proto.graph)
        onnx.helper.set_model_props(proto, {k: str(v) for k, v in (metadata or {}).items()})
        onnx.save(proto, str(tmp))
    return path


def _drop_trace_metadata(graph: onnx.GraphProto) -> None:
    """Remove the exporter's per-node notes (``pkg.torch.onnx.stack_trace`` and the like): they
    name source files by their absolute machine path and differ between checkouts."""
    for node in graph.node:
        keep = [p for p in node.metadata_props if not p.key.startswith("pkg.torch")]
        del node.metadata_props[:]
        node.metadata_props.extend(keep)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                _drop_trace_metadata(attr.g)
            for sub in attr.graphs:
                _drop_trace_metadata(sub)


def export_beat_model(
    model: nn.Module,
    path: str | Path,
    window_shape: tuple[int, int],
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
    n_rr: int = N_RR,
) -> Path:
    """Export a beat model ``model(window, rr) -> logits`` (softmax output); see :func:`export_onnx`.

    ``n_rr`` is the number of beat-feature columns (4 RR features, or the transfer table)."""
    return export_onnx(
        model, path, {"window": tuple(window_shape), "rr": (n_rr,)}, "multiclass", metadata, opset
    )


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


def parity(
    model: Any,
    onnx_path: str | Path,
    *arrays: np.ndarray,
    task: str = "multiclass",
    batch_size: int = 2048,
) -> dict[str, float]:
    """Compare onnxruntime with the model's own probabilities (PyTorch or scikit-learn) on the same inputs.

    Parameters
    ----------
    model : nn.Module or ClassicalBeatModel
        The trained model.
    onnx_path : str or Path
        Its export.
    *arrays : np.ndarray
        Inputs in the model's call order (windows, then RR for beat models); the ONNX graph is
        fed the ones it declares (a classical model's graph reads ``rr`` only).
    task : {'multiclass', 'multilabel'}
        Output activation.

    Returns
    -------
    dict
        ``max_abs_diff``, ``mean_abs_diff`` and ``argmax_agreement`` (share of inputs with
        the same top class) over ``n`` inputs.
    """
    from vitalkit.evaluate.predict import predict_proba

    session = onnx_session(onnx_path, threads=0)
    graph_inputs = [i.name for i in session.get_inputs()]
    names = input_names(model)
    max_diff, total_diff, agree, n, width = 0.0, 0.0, 0, 0, 1
    for start in range(0, len(arrays[0]), batch_size):
        batch = [np.ascontiguousarray(a[start : start + batch_size], dtype=np.float32) for a in arrays]
        ref = predict_proba(model, *batch)
        by_name = dict(zip(names, batch, strict=True))
        got = session.run(OUTPUT_NAMES, {name: by_name[name] for name in graph_inputs})[0]
        diff = np.abs(ref - got)
        max_diff = max(max_diff, float(diff.max()))
        total_diff += float(diff.sum())
        agree += int((ref.argmax(1) == got.argmax(1)).sum())
        n += len(batch[0])
        width = ref.shape[1]
    return {
        "n": n,
        "max_abs_diff": max_diff,
        "mean_abs_diff": total_diff / max(n * width, 1),
        "argmax_agreement": agree / max(n, 1),
    }
