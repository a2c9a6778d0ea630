"""Classical beat models (scikit-learn on the beat-feature table) as ONNX graphs.

skl2onnx converts the fitted estimator; around it this module adds what
:meth:`~vitalkit.models.classical.ClassicalBeatModel.predict_proba` does in NumPy, so that the
graph takes the same ``rr`` input as the neural beat models (every beat-feature column, in
order) and returns the same probabilities:

1. ``Gather`` the model's feature columns out of ``rr`` (``feature_set``);
2. the estimator (tree ensemble or linear discriminant) without ZipMap;
3. spread the probabilities of the classes seen in training over all classes and apply the
   post-hoc class biases (multiply by ``exp(bias)``, renormalize).

The window-based feature set (``'window'``) computes its features from the windows in NumPy
and is not exported (:func:`onnx_exportable`).

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from vitalkit.models.classical import ClassicalBeatModel
>>> names = ["rr_pre", "rr_post", "rr_local", "rr_record"]
>>> rng = np.random.default_rng(0)
>>> rr = rng.uniform(0.4, 1.2, (200, 4)).astype(np.float32)
>>> y = (rr[:, 0] < 0.7).astype(int)
>>> m = ClassicalBeatModel("random_forest", 3, {"n_estimators": 5}, feature_set="table",
...                        feature_names=names).fit(None, rr, y)
>>> path = export_classical(m, pathlib.Path(tempfile.mkdtemp()) / "m.onnx")
>>> from vitalkit.export.onnx_export import onnx_session
>>> p = onnx_session(path).run(["probabilities"], {"rr": rr})[0]
>>> p.shape, bool(np.abs(p - m.predict_proba(None, rr)).max() < 1e-5)
((200, 3), True)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from vitalkit.io import atomic_path
from vitalkit.models.classical import ClassicalBeatModel

ML_OPSET = 3
"""``ai.onnx.ml`` opset of the tree ensembles (onnxruntime, onnxruntime-node and ort read it)."""


@contextlib.contextmanager
def _integer_missing_flags() -> Iterator[None]:
    """skl2onnx 1.20 passes the Python bool ``False`` as ``nodes_missing_value_tracks_true`` of
    histogram-gradient-boosting leaves, which onnx >= 1.20 rejects in an ints attribute ("Expected
    an int, got a boolean"). Cast it to int for the duration of a conversion."""
    from skl2onnx.common import tree_ensemble

    original = tree_ensemble.add_node

    def add_node(*args: Any, **kwargs: Any) -> Any:
        flag = kwargs.get("nodes_missing_value_tracks_true")
        if isinstance(flag, bool | np.bool_):
            kwargs["nodes_missing_value_tracks_true"] = int(flag)
        return original(*args, **kwargs)

    tree_ensemble.add_node = add_node
    try:
        yield
    finally:
        tree_ensemble.add_node = original


def onnx_exportable(model: Any) -> bool:
    """Whether :func:`export_classical` can export ``model`` (a classical model on table columns)."""
    return isinstance(model, ClassicalBeatModel) and model.columns_ is not None


def export_classical(
    model: ClassicalBeatModel,
    path: str | Path,
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
) -> Path:
    """Write a fitted classical beat model as one ONNX file ``rr -> probabilities`` (atomically).

    Parameters
    ----------
    model : ClassicalBeatModel
        Fitted, with a table feature set (:func:`onnx_exportable`).
    path : str or Path
        Output ``.onnx`` file.
    metadata : dict, optional
        ONNX ``metadata_props`` (values turned into strings).
    opset : int
        Default-domain opset.

    Raises
    ------
    ValueError
        The model uses the window features, or skl2onnx cannot convert its estimator.
    """
    if not onnx_exportable(model):
        raise ValueError(
            f"{model.architecture} on feature set {model.feature_set!r}: only models on beat-feature "
            "table columns can be exported to ONNX"
        )
    assert model.columns_ is not None and model.feature_names is not None
    return export_estimator(
        model.estimator_,
        path,
        n_features=len(model.feature_names),
        n_classes=model.n_classes,
        input_name="rr",
        columns=model.columns_,
        class_bias=model.class_bias_,
        metadata=metadata,
        opset=opset,
    )


def export_estimator(
    estimator: Any,
    path: str | Path,
    n_features: int,
    n_classes: int,
    input_name: str = "features",
    columns: np.ndarray | None = None,
    class_bias: np.ndarray | None = None,
    metadata: dict[str, Any] | None = None,
    opset: int = 18,
) -> Path:
    """Write a fitted scikit-learn classifier as one ONNX file ``input_name -> probabilities``.

    The graph takes ``(batch, n_features)`` float32 (NaN allowed where the estimator handles it,
    as histogram gradient boosting does), picks ``columns`` (all by default), and returns
    probabilities over ``n_classes`` classes (classes the estimator never saw get 0), multiplied
    by ``exp(class_bias)`` and renormalized. Written atomically.
    """
    from skl2onnx import to_onnx

    columns = (
        np.arange(n_features, dtype=np.int64) if columns is None else np.asarray(columns, dtype=np.int64)
    )
    bias = np.zeros(n_classes) if class_bias is None else np.asarray(class_bias, dtype=np.float64)
    example = np.zeros((1, columns.size), dtype=np.float32)
    with _integer_missing_flags():
        inner = to_onnx(
            estimator,
            example,
            options={id(estimator): {"zipmap": False}},
            target_opset={"": opset, "ai.onnx.ml": ML_OPSET},
        )
    inner = onnx.compose.add_prefix(inner, "est_")
    (inner_input,) = [i.name for i in inner.graph.input]
    proba_name = inner.graph.output[1].name
    present = np.asarray(estimator.classes_, dtype=np.int64)
    spread = np.zeros((present.size, n_classes), dtype=np.float32)
    spread[np.arange(present.size), present] = 1.0
    scale = np.exp(bias).astype(np.float32)[None, :]
    initializers = [
        numpy_helper.from_array(columns, "feature_columns"),
        numpy_helper.from_array(spread, "spread_classes"),
        numpy_helper.from_array(scale, "class_bias_scale"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "sum_axes"),
    ]
    nodes = [
        helper.make_node("Gather", [input_name, "feature_columns"], [inner_input], axis=1),
        *inner.graph.node,
        helper.make_node("MatMul", [proba_name, "spread_classes"], ["proba_all"]),
        helper.make_node("Mul", ["proba_all", "class_bias_scale"], ["proba_biased"]),
        helper.make_node("ReduceSum", ["proba_biased", "sum_axes"], ["proba_total"], keepdims=1),
        helper.make_node("Div", ["proba_biased", "proba_total"], ["probabilities"]),
    ]
    graph = helper.make_graph(
        nodes,
        "vitalkit_classical_model",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes])],
        initializer=[*inner.graph.initializer, *initializers],
    )
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="vitalkit",
    )
    proto.ir_version = inner.ir_version
    onnx.checker.check_model(proto, full_check=True)
    helper.set_model_props(proto, {k: str(v) for k, v in (metadata or {}).items()})
    path = Path(path)
    with atomic_path(path) as tmp:
        onnx.save(proto, str(tmp))
    return path
