"""Export: self-describing ONNX model packages, checks, onnxruntime parity, latency and the model card.

Examples
--------
>>> from vitalkit.export import INPUT_NAMES
>>> INPUT_NAMES
['window', 'rr']
"""

from __future__ import annotations

from vitalkit.export.classical_onnx import export_classical, onnx_exportable
from vitalkit.export.latency import compare_latency, measure_latency
from vitalkit.export.onnx_export import (
    INPUT_NAMES,
    OUTPUT_NAMES,
    check_onnx,
    export_beat_model,
    export_module,
    export_onnx,
    onnx_session,
    parity,
    read_metadata,
)
from vitalkit.export.package import (
    ModelPackage,
    ModelPackageError,
    beat_model_metadata,
    load_package,
    read_package_metadata,
)
from vitalkit.export.stage import (
    check_table,
    export_metrics,
    export_models,
    exportable_models,
    int8_accuracy_table,
    int8_results,
    int8_speed_table,
    latency_figure,
    latency_results,
    latency_table,
    parity_table,
    save_export_summary,
    write_model_card,
)

__all__ = [
    "INPUT_NAMES",
    "OUTPUT_NAMES",
    "ModelPackage",
    "ModelPackageError",
    "beat_model_metadata",
    "check_onnx",
    "check_table",
    "compare_latency",
    "export_beat_model",
    "export_classical",
    "export_metrics",
    "export_models",
    "export_module",
    "export_onnx",
    "exportable_models",
    "int8_accuracy_table",
    "int8_results",
    "int8_speed_table",
    "latency_figure",
    "latency_results",
    "latency_table",
    "load_package",
    "measure_latency",
    "onnx_exportable",
    "onnx_session",
    "parity",
    "parity_table",
    "read_metadata",
    "read_package_metadata",
    "save_export_summary",
    "write_model_card",
]
