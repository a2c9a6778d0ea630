"""Export every trained model: ONNX, checks, parity, latency and a model card.

Examples
--------
>>> exports = export_models({"resnet1d": train_dir}, "reports/x/05_export", test)  # doctest: +SKIP
>>> parity_table(exports, test)                                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from torch import nn

import vitalkit
from vitalkit.beats.dataset import BeatSet
from vitalkit.beats.features import LOOK_AHEAD
from vitalkit.beats.segment import RR_FEATURES
from vitalkit.data.windowset import WindowSet
from vitalkit.errors import ParamsError
from vitalkit.export.latency import compare_latency
from vitalkit.export.onnx_export import check_onnx, export_onnx, parity
from vitalkit.io import read_json, write_json, write_text
from vitalkit.models.ensemble import SoftVotingEnsemble
from vitalkit.viz import add_headline


@dataclass
class ExportedModel:
    """One exported model."""

    label: str
    model: nn.Module
    onnx_path: Path
    check: dict[str, Any]
    metadata: dict[str, Any]


def exportable_models(
    train_dirs: Mapping[str, str | Path], ensembles: Mapping[str, Sequence[str]] | None = None
) -> tuple[dict[str, nn.Module], pd.DataFrame]:
    """Load every neural model and build every ensemble of neural members.

    Returns the modules by label and a table of what is not exported and why (classical
    baselines: their features are computed in NumPy, outside any graph).
    """
    from vitalkit.train.fit import load_trained_model

    modules: dict[str, nn.Module] = {}
    skipped = []
    for label, folder in train_dirs.items():
        model, config = load_trained_model(folder)
        if isinstance(model, nn.Module):
            modules[label] = model
        else:
            skipped.append(
                {
                    "model": label,
                    "reason": f"{config['architecture']}: scikit-learn model on "
                    "NumPy features; not an ONNX graph",
                }
            )
    for name, members in (ensembles or {}).items():
        if all(m in modules for m in members):
            modules[name] = SoftVotingEnsemble({m: modules[m] for m in members})
        else:
            skipped.append({"model": name, "reason": f"members {list(members)} are not all neural models"})
    return modules, pd.DataFrame(skipped, columns=["model", "reason"]).set_index("model")


def select_models(available: Sequence[str], wanted: str | Sequence[str]) -> list[str]:
    """Resolve the ``models`` parameter (``'all'`` or labels) against the exportable models."""
    if isinstance(wanted, str):
        if wanted != "all":
            wanted = [wanted]
        else:
            return list(available)
    missing = [w for w in wanted if w not in available]
    if missing:
        raise ParamsError(
            "export.models", [f"no exportable model(s) {missing}; exportable: {list(available)}"]
        )
    return list(wanted)


def export_models(
    modules: Mapping[str, nn.Module],
    product_dir: str | Path,
    test: BeatSet | WindowSet,
    models: str | Sequence[str] = "all",
    opset: int = 18,
    run_id: str = "",
) -> dict[str, ExportedModel]:
    """Export the chosen models (from :func:`exportable_models`) to ``<product_dir>/<label>/model.onnx``."""
    out = {}
    names = list(modules[next(iter(modules))].inputs) if modules else []
    shapes = {name: tuple(a.shape[1:]) for name, a in zip(names, test.inputs(), strict=True)}
    for label in select_models(list(modules), models):
        model = modules[label]
        metadata = {
            "producer": f"vitalkit {vitalkit.__version__}",
            "model_label": label,
            "architecture": model.config["architecture"],
            "members": ",".join(model.config.get("members", [])),
            **input_metadata(test),
            "run_id": run_id,
        }
        path = export_onnx(
            model, Path(product_dir) / label / "model.onnx", shapes, test.task, metadata, opset
        )
        out[label] = ExportedModel(label, model, path, check_onnx(path), metadata)
    return out


def input_metadata(data: BeatSet | WindowSet) -> dict[str, Any]:
    """What a deployment needs to feed the model, stored in the ONNX metadata."""
    meta = {
        "task": data.task,
        "classes": ",".join(data.classes),
        "sampling_rate_hz": data.sampling_rate,
        "window_channels": ",".join(data.channels),
        "window_length": data.windows.shape[2],
        "window_units": "physical units (mV for ECG), band-pass 0.5-40 Hz",
        "output": "class probabilities (softmax)"
        if data.task == "multiclass"
        else "label probabilities (sigmoid)",
    }
    if isinstance(data, BeatSet):
        names = data.feature_names
        meta.update(
            window_before_r_s=data.before_s,
            rr_features=",".join(names),
            rr_units="first 4 in s (RR_FEATURES), the rest dimensionless ratios, ms or mV (by name)",
        )
        if len(names) > len(RR_FEATURES):
            meta["look_ahead"] = "; ".join(f"{k}: {v}" for k, v in LOOK_AHEAD.items())
    return meta


def check_table(exports: Mapping[str, ExportedModel]) -> pd.DataFrame:
    """onnx.checker results: opset, inputs/outputs with their dynamic axes, size."""
    rows = {
        label: {
            "opset": e.check["opset"],
            "inputs": str(e.check["inputs"]),
            "outputs": str(e.check["outputs"]),
            "nodes": e.check["nodes"],
            "size_kb": round(e.check["size_bytes"] / 1024, 1),
            "single_file": not e.check["external_data"],
        }
        for label, e in exports.items()
    }
    return pd.DataFrame(rows).T.rename_axis("model")


def parity_table(exports: Mapping[str, ExportedModel], test: BeatSet | WindowSet) -> pd.DataFrame:
    """onnxruntime vs PyTorch on every test window: max / mean abs difference, agreement."""
    rows = {
        label: parity(e.model, e.onnx_path, *test.inputs(), task=test.task) for label, e in exports.items()
    }
    table = pd.DataFrame(rows).T.rename_axis("model")
    table["n"] = table["n"].astype(int)
    table["within_1e-4"] = table["max_abs_diff"] <= 1e-4
    return table


def latency_results(
    exports: Mapping[str, ExportedModel],
    test: BeatSet | WindowSet,
    n_runs: int = 300,
    threads: int = 1,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Batch-1 latency of PyTorch and onnxruntime per model on one seeded real test beat."""
    i = int(np.random.default_rng(seed).integers(len(test)))
    return {
        label: compare_latency(
            e.model,
            e.onnx_path,
            *[a[i : i + 1] for a in test.inputs()],
            task=test.task,
            n_runs=n_runs,
            warmup=max(n_runs // 10, 5),
            threads=threads,
        )
        for label, e in exports.items()
    }


def latency_table(results: Mapping[str, dict[str, Any]]) -> pd.DataFrame:
    """p50 / p90 / p99 in ms per model and runtime."""
    rows = []
    for label, by_runtime in results.items():
        for runtime, stats in by_runtime.items():
            rows.append(
                {
                    "model": label,
                    "runtime": runtime,
                    "threads": stats["threads"],
                    "runs": stats["n_runs"],
                    "p50_ms": round(stats["p50_ms"], 3),
                    "p90_ms": round(stats["p90_ms"], 3),
                    "p99_ms": round(stats["p99_ms"], 3),
                }
            )
    return pd.DataFrame(rows).set_index(["model", "runtime"])


def latency_figure(results: Mapping[str, dict[str, Any]]) -> go.Figure:
    """Box plots of batch-1 latency per model and runtime."""
    fig = go.Figure()
    for label, by_runtime in results.items():
        for runtime, stats in by_runtime.items():
            fig.add_trace(go.Box(y=stats["samples_ms"], name=f"{label} · {runtime}", boxpoints=False))
    fig.update_layout(
        title="Batch-1 latency (ms, single thread)",
        yaxis_title="ms",
        yaxis_type="log",
        height=340,
        showlegend=False,
    )
    return fig


def _metric_text(metrics: Mapping[str, Any], name: str) -> str:
    m = metrics.get(name) or {}
    if m.get("value") is None:
        return "n/a"
    return f"{100 * m['value']:.1f}% ({100 * m['ci_low']:.1f}-{100 * m['ci_high']:.1f})"


def write_model_card(
    product_dir: str | Path,
    exports: Mapping[str, ExportedModel],
    evaluate_dir: str | Path,
    preprocess_dir: str | Path,
    parity_rows: pd.DataFrame,
    latency_rows: pd.DataFrame,
) -> list[Path]:
    """Write ``<label>/model_card.md`` for every exported model (template ``model_card.md.j2``)."""
    evaluation = read_json(Path(evaluate_dir) / "metrics.json")
    split = read_json(Path(preprocess_dir) / "split.json")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"))
    template = env.get_template("model_card.md.j2")
    paths = []
    for label, e in exports.items():
        metrics = evaluation["models"].get(label, {}).get("metrics", {})
        lat = latency_rows.loc[label]
        card = template.render(
            label=label,
            meta=e.metadata,
            check=e.check,
            classes=evaluation["classes"],
            split=split,
            parity=parity_rows.loc[label].to_dict(),
            latency={rt: lat.loc[rt].to_dict() for rt in ("pytorch", "onnxruntime")},
            metric=lambda name, m=metrics: _metric_text(m, name),
        )
        path = Path(product_dir) / label / "model_card.md"
        write_text(path, card)
        paths.append(path)
    return paths


def save_export_summary(
    product_dir: str | Path,
    exports: Mapping[str, ExportedModel],
    parity_rows: pd.DataFrame,
    latency_rows: pd.DataFrame,
    primary: str | None = None,
) -> dict[str, Any]:
    """Write ``export.json`` and the stage headline (primary model's parity and latency)."""
    summary = {
        label: {
            "onnx": f"{label}/model.onnx",
            "check": e.check,
            "metadata": e.metadata,
            "parity": parity_rows.loc[label].to_dict(),
            "latency_ms": latency_rows.loc[label].to_dict(orient="index"),
        }
        for label, e in exports.items()
    }
    write_json(Path(product_dir) / "export.json", summary)
    label = primary if primary in exports else next(iter(exports))
    lat = latency_rows.loc[label]
    add_headline(
        product_dir,
        metrics={
            "model": label,
            "onnx_max_abs_diff": float(parity_rows.loc[label, "max_abs_diff"]),
            "pytorch_p50_ms": float(lat.loc["pytorch", "p50_ms"]),
            "pytorch_p99_ms": float(lat.loc["pytorch", "p99_ms"]),
            "onnxruntime_p50_ms": float(lat.loc["onnxruntime", "p50_ms"]),
            "onnxruntime_p99_ms": float(lat.loc["onnxruntime", "p99_ms"]),
        },
    )
    return summary
