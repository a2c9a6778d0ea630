"""Export every trained model: ONNX, checks, parity, latency and a model card.

Examples
--------
>>> exports = export_models({"resnet1d": train_dir}, "reports/x/05_export", test)  # doctest: +SKIP
>>> parity_table(exports, test)                                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from torch import nn

import vitalkit
from vitalkit.beats.features import LOOK_AHEAD
from vitalkit.beats.inputs import BeatRecipe
from vitalkit.errors import ParamsError
from vitalkit.evaluate.tasks import TASKS
from vitalkit.export.classical_onnx import export_classical, onnx_exportable
from vitalkit.export.latency import compare_latency
from vitalkit.export.onnx_export import check_onnx, export_onnx, parity
from vitalkit.export.package import beat_model_metadata, metadata_props
from vitalkit.io import git_info, read_json, sha256_file, sha256_json, write_json, write_text
from vitalkit.models.ensemble import SoftVotingEnsemble
from vitalkit.samples import RR_FEATURES, BeatSet, SampleFolder, WindowSet
from vitalkit.viz import add_headline, log_axis


@dataclass
class ExportedModel:
    """One exported model: the trained model, its ONNX file, the checker's description, the flat
    metadata the model card reads and the package metadata document stored in the file."""

    label: str
    model: Any
    onnx_path: Path
    check: dict[str, Any]
    metadata: dict[str, Any]
    document: dict[str, Any] = field(default_factory=dict)


def exportable_models(
    train_dirs: Mapping[str, str | Path], ensembles: Mapping[str, Sequence[str]] | None = None
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Load every model that has an ONNX form and build every ensemble of neural members.

    Neural models export through ``torch.onnx``; classical models on beat-feature table columns
    through skl2onnx (:mod:`vitalkit.export.classical_onnx`). Returns the models by label and a
    table of what is not exported and why (classical models on window features, ensembles
    with non-neural members).
    """
    from vitalkit.models.persist import load_trained_model

    modules: dict[str, Any] = {}
    skipped = []
    for label, folder in train_dirs.items():
        model, config = load_trained_model(folder)
        if isinstance(model, nn.Module) or onnx_exportable(model):
            modules[label] = model
        else:
            skipped.append(
                {
                    "model": label,
                    "reason": f"{config['architecture']}: scikit-learn model on window features "
                    "computed in NumPy; not an ONNX graph",
                }
            )
    for name, members in (ensembles or {}).items():
        if all(isinstance(modules.get(m), nn.Module) for m in members):
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


def model_kind(model: Any) -> str:
    """``'neural'``, ``'classical'`` or ``'ensemble'``."""
    if isinstance(model, SoftVotingEnsemble):
        return "ensemble"
    return "neural" if isinstance(model, nn.Module) else "classical"


def recipe_of(data: BeatSet) -> BeatRecipe:
    """The recipe that made a beat set, with its sampling rate (rebuilt from the set's attributes
    for sets saved before recipes were stored)."""
    stored = data.meta.get("recipe")
    if stored:
        recipe = BeatRecipe.from_dict(stored)
    else:
        lead = data.channels[0]
        recipe = BeatRecipe(
            lead=lead,
            before_s=data.before_s,
            after_s=round(data.windows.shape[2] / data.sampling_rate - data.before_s, 6),
            context=tuple(c.split(":", 1)[1] for c in data.channels[1:]),
            features="transfer" if len(data.feature_names) > len(RR_FEATURES) else "rr",
            leads=2 if any(n.startswith("lead1_") for n in data.feature_names) else 1,
        )
    return replace(recipe, sampling_rate=float(data.sampling_rate))


def export_provenance(preprocess_dir: str | Path | None, run_id: str) -> dict[str, Any]:
    """Where a model came from: commit, run, training records and a hash of their beat files."""
    # dirty: uncommitted changes to the code or parameter sets (not to shipped models or docs)
    git = git_info(
        Path(vitalkit.__file__).resolve().parents[1], ("vitalkit", "params", ":!vitalkit/pretrained")
    )
    out: dict[str, Any] = {"git_commit": git.get("commit"), "git_dirty": git.get("dirty"), "run_id": run_id}
    folder = SampleFolder(preprocess_dir) if preprocess_dir is not None else None
    if folder is not None and (folder.path / folder.INFO).is_file():
        split = folder.info()
        records = split.get("records", {})
        out["training_records"] = sorted([*records.get("train", []), *records.get("val", [])])
        out["dataset"] = str(split.get("protocol", ""))
        files = [folder.split_file(s) for s in ("train", "val")]
        out["data_sha256"] = sha256_json({f.name: sha256_file(f) for f in files if f.is_file()})
    return out


def export_metrics(
    evaluate_dir: str | Path, train_dirs: Mapping[str, str | Path] | None = None
) -> dict[str, dict[str, Any]]:
    """Figures stored in each model's package: test metrics with 95 % CIs from the evaluate stage
    and the training stage's model-selection score (CV over patients where it cross-validated)."""
    evaluation = read_json(Path(evaluate_dir) / "metrics.json")
    out: dict[str, dict[str, Any]] = {}
    keep = ("accuracy", "macro_f1", *(f"{c}_{m}" for c in evaluation["classes"] for m in ("Se", "+P", "F1")))
    for label, entry in evaluation["models"].items():
        metrics = entry.get("metrics", {})
        out[label] = {
            "test": {k: metrics[k] for k in keep if k in metrics},
            "test_split": str(evaluation.get("split", "test")),
        }
    for label, folder in (train_dirs or {}).items():
        path = Path(folder) / "metrics.json"
        if path.is_file():
            train = read_json(path)
            selection = {"selection_macro_f1": train.get("best_val_macro_f1")}
            selection["cross_validated"] = (Path(folder) / "cv_folds.csv").is_file()
            out.setdefault(label, {})["selection"] = selection
    return out


def export_models(
    modules: Mapping[str, Any],
    product_dir: str | Path,
    test: BeatSet | WindowSet,
    models: str | Sequence[str] = "all",
    opset: int = 18,
    run_id: str = "",
    preprocess_dir: str | Path | None = None,
    metrics: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, ExportedModel]:
    """Export the chosen models (from :func:`exportable_models`) to ``<product_dir>/<label>/model.onnx``.

    Beat models get the package metadata document (:mod:`vitalkit.export.package`): with
    ``preprocess_dir`` its provenance names the training records and their data hash,
    ``metrics`` (``{label: {...}}``) adds CV and test figures.
    """
    out = {}
    provenance = export_provenance(preprocess_dir, run_id)
    names = ["window", "rr"] if isinstance(test, BeatSet) else ["window"]
    shapes = {name: tuple(a.shape[1:]) for name, a in zip(names, test.inputs(), strict=True)}
    for label in select_models(list(modules), models):
        model = modules[label]
        config = getattr(model, "config", {})
        flat = {
            "producer": f"vitalkit {vitalkit.__version__}",
            "model_label": label,
            "architecture": config["architecture"],
            "members": ",".join(config.get("members", [])),
            **input_metadata(test),
            "run_id": run_id,
        }
        document: dict[str, Any] = {}
        props = dict(flat)
        if isinstance(test, BeatSet):
            kind = model_kind(model)
            document = beat_model_metadata(
                label,
                config["architecture"],
                kind,
                test.classes,
                recipe_of(test),
                None if kind == "classical" else shapes["window"],
                test.feature_names,
                provenance,
                (metrics or {}).get(label),
                config.get("members", []),
                _smoothing_of(model),
            )
            props.update(metadata_props(document))
        path = Path(product_dir) / label / "model.onnx"
        if isinstance(model, nn.Module):
            path = export_onnx(model, path, shapes, test.task, props, opset)
        else:
            path = export_classical(model, path, props, opset)
            flat["window_units"] = "not an input (the model reads the beat-feature table only)"
        out[label] = ExportedModel(label, model, path, check_onnx(path), flat, document)
    return out


def _smoothing_of(model: Any) -> dict[str, Any] | None:
    """A classical model's record smoothing as metadata (None when it has none)."""
    setting = getattr(model, "record_smoothing", None)
    return None if setting is None else setting.to_dict()


def input_metadata(data: BeatSet | WindowSet) -> dict[str, Any]:
    """What a deployment needs to feed the model, as flat ONNX metadata keys (the model card's facts)."""
    meta = {
        "task": data.task,
        "classes": ",".join(data.classes),
        "sampling_rate_hz": data.sampling_rate,
        "window_channels": ",".join(data.channels),
        "window_length": data.windows.shape[2],
        "window_units": "physical units (mV for ECG), band-pass 0.5-40 Hz",
        "output": TASKS[data.task].output,
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


def int8_results(
    exports: Mapping[str, ExportedModel],
    train: BeatSet | WindowSet,
    test: BeatSet | WindowSet,
    calibration_beats: int = 2000,
    n_runs: int = 300,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Quantize every exported neural model to ``<label>/model.int8.onnx`` (static QDQ, calibrated on
    ``calibration_beats`` seeded training beats) and compare it with fp32 on every test beat
    (:func:`vitalkit.export.quantize.int8_comparison`). Classical models are skipped (tree ensembles
    are not quantized)."""
    from vitalkit.export.quantize import calibration_sample, int8_comparison, quantize_int8

    names = ["window", "rr"] if isinstance(test, BeatSet) else ["window"]
    calibration = calibration_sample(dict(zip(names, train.inputs(), strict=True)), calibration_beats, seed)
    arrays = dict(zip(names, test.inputs(), strict=True))
    out = {}
    for label, e in exports.items():
        if not isinstance(e.model, nn.Module):
            continue
        int8_path = quantize_int8(e.onnx_path, e.onnx_path.with_name("model.int8.onnx"), calibration)
        out[label] = int8_comparison(
            e.model, e.onnx_path, int8_path, arrays, test.labels, list(test.classes), n_runs, seed
        )
    return out


def int8_accuracy_table(results: Mapping[str, dict[str, Any]], classes: Sequence[str]) -> pd.DataFrame:
    """Macro-F1 of fp32 and int8 and the per-class F1 deltas in points (deterministic figures)."""
    from vitalkit.export.quantize import int8_table

    table = int8_table(results, list(classes))
    keep = [
        "macro_f1_fp32",
        "macro_f1_int8",
        "delta_macro_f1",
        *(f"delta_{c}_F1" for c in classes),
        "same_class_%",
    ]
    return table[[c for c in keep if c in table.columns]]


def int8_speed_table(results: Mapping[str, dict[str, Any]], classes: Sequence[str]) -> pd.DataFrame:
    """Batch-1 p50 latency of PyTorch, onnxruntime fp32 and int8, the int8 speed-up and file sizes."""
    from vitalkit.export.quantize import int8_table

    table = int8_table(results, list(classes))
    return table[[c for c in table.columns if c.startswith(("p50_ms", "int8_speedup", "size_kb"))]]


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
        height=340,
        showlegend=False,
    )
    samples = [s["samples_ms"] for by_runtime in results.values() for s in by_runtime.values()]
    fig.update_yaxes(**log_axis(np.concatenate(samples) if samples else None))
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
    split = SampleFolder(preprocess_dir).info()
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
            latency={rt: lat.loc[rt].to_dict() for rt in lat.index},
            reference=next(rt for rt in lat.index if rt != "onnxruntime"),
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
    int8: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write ``export.json`` (with the int8 comparison of quantized models, and ``int8.csv``) and the
    stage headline (primary model's parity and latency)."""
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
    if int8:
        from vitalkit.export.quantize import int8_table

        for label, result in int8.items():
            summary[label]["int8"] = {
                "onnx": f"{label}/model.int8.onnx",
                **{k: v for k, v in result.items() if k != "latency"},
                "latency_ms": {
                    rt: {k: v for k, v in stats.items() if k != "samples_ms"}
                    for rt, stats in result["latency"].items()
                },
            }
        classes = [k[: -len("_F1")] for k in next(iter(int8.values()))["fp32"] if k.endswith("_F1")]
        write_text(Path(product_dir) / "int8.csv", int8_table(int8, classes).to_csv())
    write_json(Path(product_dir) / "export.json", summary)
    label = primary if primary in exports else next(iter(exports))
    lat = latency_rows.loc[label]
    reference = next(rt for rt in lat.index if rt != "onnxruntime")
    add_headline(
        product_dir,
        metrics={
            "model": label,
            "onnx_max_abs_diff": float(parity_rows.loc[label, "max_abs_diff"]),
            "reference_runtime": reference,
            f"{reference}_p50_ms": float(lat.loc[reference, "p50_ms"]),
            f"{reference}_p99_ms": float(lat.loc[reference, "p99_ms"]),
            "onnxruntime_p50_ms": float(lat.loc["onnxruntime", "p50_ms"]),
            "onnxruntime_p99_ms": float(lat.loc["onnxruntime", "p99_ms"]),
        },
    )
    return summary
