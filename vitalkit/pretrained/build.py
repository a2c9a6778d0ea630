"""Regenerate the shipped pretrained beat models from the data (``make pretrained``).

The recipe is the default parameter set's classical model (``params/default.yaml``: its
architecture, hyperparameters, feature set, class weighting, patient-grouped CV folds and
seed) and its preprocessing (annotated beats, the transfer feature table, two leads). Each
model is cross-validated over its training patients (the CV picks the class biases, as the
train stage does), fitted on all of them, exported with skl2onnx and its package metadata,
and then scored *through the shipped file* by the same code as ``vitalkit predict``:

- ``beats_ds1.onnx``: trained on DS1; DS2 figures (95 % CIs over records) in its card;
- ``beats_all.onnx``: trained on all 44 non-paced records (CV figures only: it has seen every
  MIT-BIH patient, so it cannot be evaluated on MIT-BIH);
- ``af_cinc2017.onnx``: the AF model (CinC 2017 classes N, A, O, ~) of the rhythm benchmark, on
  rhythm features of CinC 2017 records, with its CV challenge score.

Both are deterministic given the data, the recipe and the seed. ``SHA256SUMS`` lists the files.

Examples
--------
>>> build_pretrained("params/default.yaml", names=["beats"])   # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.adapt import RecordSmoothing, smooth_beat_set
from vitalkit.data import mitdb
from vitalkit.datasets import MitdbBeats
from vitalkit.evaluate.bootstrap import bootstrap_metrics
from vitalkit.export.classical_onnx import export_classical
from vitalkit.export.package import beat_model_metadata, load_package, metadata_props
from vitalkit.export.stage import export_provenance, recipe_of
from vitalkit.io import sha256_file, write_text
from vitalkit.models.classical import CLASSICAL, ClassicalBeatModel
from vitalkit.pipeline.params import load_params
from vitalkit.pretrained import FOLDER, PRETRAINED
from vitalkit.samples import BeatSet
from vitalkit.train.crossval import fit_with_cv_biases

TRAINING_RECORDS = {"beats": "DS1", "beats-all": "NONPACED"}
"""Training records of each shipped beat model."""

METRICS_SHOWN = ("accuracy", "macro_f1", "N_F1", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1", "F_F1")


def default_recipe(params_path: str | Path) -> dict[str, Any]:
    """The classical model and preprocessing of a parameter set (its first classical model)."""
    params = load_params(params_path, check_data=False)
    spec = next((m for m in params.models.values() if m.architecture in CLASSICAL), None)
    if spec is None:
        raise ValueError(f"{params_path}: no classical model to ship")
    train = {**params.sections.get("train", {}), **spec.train}
    pre = params.sections.get("preprocess", {})
    hparams = dict(spec.hparams)
    return {
        "params": str(params_path),
        "label": spec.label,
        "architecture": spec.architecture,
        "feature_set": hparams.pop("feature_set", "window"),
        "hparams": hparams,
        "cv_folds": int(train.get("cv_folds", 11) or 11),
        "class_weighting": train.get("class_weighting", "sqrt_inverse"),
        "seed": int(params.seed or 0),
        "classes": list(pre.get("classes", ["N", "S", "V", "F"])),
        "features": pre.get("beat_features", "transfer"),
        "record_smoothing": train.get("record_smoothing"),
    }


def beats_sha256(beats: BeatSet) -> str:
    """SHA-256 of a beat set's inputs, labels and records (the data a model was fitted on)."""
    digest = hashlib.sha256()
    for array in (beats.windows, beats.rr, beats.labels, beats.record.astype(str)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _metrics_dict(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {k: {c: round(float(v), 5) for c, v in table.loc[k].items()} for k in table.index}


def _beats(records: Sequence[str], recipe: dict[str, Any]) -> BeatSet:
    sets, _ = MitdbBeats().build({"x": list(records)}, recipe["classes"], features=recipe["features"])
    return sets["x"]


def train_shipped_model(
    records: Sequence[str], recipe: dict[str, Any]
) -> tuple[ClassicalBeatModel, BeatSet, dict]:
    """Cross-validate, fit and bias the recipe's model on ``records``; return it, its beats and CV figures."""
    pool = _beats(records, recipe)
    model = ClassicalBeatModel(
        recipe["architecture"],
        len(recipe["classes"]),
        recipe["hparams"],
        pool.sampling_rate,
        recipe["seed"],
        recipe["feature_set"],
        pool.feature_names,
    )
    smoothing = RecordSmoothing.from_params(recipe.get("record_smoothing"))
    cv = fit_with_cv_biases(
        model, pool, recipe["cv_folds"], recipe["class_weighting"], recipe["seed"], smoothing=smoothing
    )
    cv_table = bootstrap_metrics(
        pool.labels, cv.biased().argmax(1), pool.record, pool.classes, seed=recipe["seed"]
    )
    return model, pool, _metrics_dict(cv_table)


def score_package(path: Path, test: BeatSet, seed: int = 0) -> tuple[dict[str, Any], pd.DataFrame]:
    """DS2 figures of a shipped file (bootstrap CIs over records) and its per-record accuracy."""
    package = load_package(path, threads=0)
    proba = package.predict_proba({"window": test.windows, "rr": test.rr})
    proba = smooth_beat_set(proba, package.record_smoothing, test)
    pred = proba.argmax(1)
    table = bootstrap_metrics(test.labels, pred, test.record, test.classes, seed=seed)
    per_record = (
        pd.DataFrame({"record": test.record, "correct": pred == test.labels})
        .groupby("record")["correct"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "accuracy", "size": "beats"})
    )
    return _metrics_dict(table), per_record


def _card(name: str, path: Path, doc: dict[str, Any], wall_s: float) -> str:
    metrics = doc["metrics"]
    r = metrics["recipe"]
    lines = [
        f"# Pretrained model `{name}` ({path.name})",
        "",
        f"- Recipe: `{r['architecture']}` on the `{r['feature_set']}` beat features, "
        f"hyperparameters {r['hparams']}, class weighting {r['class_weighting']}, "
        f"class biases chosen by {r['cv_folds']}-fold patient-grouped CV, seed "
        f"{r['seed']} (the default parameter set's model, `{r['params']}`)"
        + (
            f"; probabilities smoothed within each record, {r['record_smoothing']} "
            "(unsupervised per-patient adaptation, `vitalkit.beats.adapt`)."
            if r.get("record_smoothing")
            else "."
        ),
        f"- Trained on {len(doc['provenance']['training_records'])} MIT-BIH records: "
        f"{', '.join(doc['provenance']['training_records'])}.",
        f"- Input: `rr` [batch, {len(doc['inputs'][-1]['columns'])}] float32, the beat-feature table "
        "of beats at "
        f"{doc['sampling_rate_hz']:g} Hz (recordings at other rates are resampled by `vitalkit predict`), "
        f"lead {doc['recipe']['lead']} first and the record's other lead second; window "
        f"{doc['recipe']['before_s']} s before to {doc['recipe']['after_s']} s after the R peak, band-pass "
        f"{doc['recipe']['bandpass'][0]}-{doc['recipe']['bandpass'][1]} Hz.",
        "- Look-ahead (offline Holter use): "
        + "; ".join(f"{k}: {v}" for k, v in doc.get("look_ahead", {}).items()),
        f"- Output: `probabilities` over {', '.join(doc['output']['classes'])} (AAMI EC57): "
        + "; ".join(f"{c} = {m}" for c, m in doc["output"]["class_meaning"].items()),
        f"- Built by vitalkit {doc['provenance']['vitalkit_version']} at commit "
        f"{doc['provenance'].get('git_commit') or 'unknown'} in {wall_s:.0f} s (`make pretrained`).",
        "",
        "| figure | " + " | ".join(METRICS_SHOWN) + " |",
        "|---|" + "---|" * len(METRICS_SHOWN),
    ]
    for part, title in (
        ("cv", "CV over the training patients (out-of-fold)"),
        ("test", "DS2 (held-out patients)"),
    ):
        if part in metrics:
            cells = [
                f"{100 * metrics[part][m]['value']:.1f} [{100 * metrics[part][m]['ci_low']:.1f}, "
                f"{100 * metrics[part][m]['ci_high']:.1f}]"
                for m in METRICS_SHOWN
            ]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    if "test" not in metrics:
        lines += [
            "",
            "Not evaluable on MIT-BIH: it has seen every non-paced patient. Use it on other databases.",
        ]
    lines += [
        "",
        "Figures in %, 95 % bootstrap CIs over records. Research use only; not a medical device.",
        "",
    ]
    return "\n".join(lines)


AF_RECORDS_PER_CLASS = 200
"""CinC 2017 records per class (N, A, O, ~) the shipped AF model learns from (seeded draw)."""

AF_WINDOW_S, AF_STRIDE_S = 30.0, 15.0
"""Windows the AF model classifies in a long recording (CinC 2017 records are 9 to 61 s long)."""


def build_af(
    out_dir: str | Path = FOLDER, per_class: int = AF_RECORDS_PER_CLASS, k: int = 5, seed: int = 0
) -> dict:
    """Cross-validate and fit the AF model on CinC 2017 records, export it with its metadata and card."""
    from vitalkit.export.classical_onnx import export_estimator
    from vitalkit.export.package import rhythm_model_metadata
    from vitalkit.rhythm.af import cinc_cross_validation, cinc_features, fit_cinc
    from vitalkit.rhythm.crossval import GBDT_DEFAULTS
    from vitalkit.rhythm.features import FEATURE_NAMES
    from vitalkit.rhythm.rhythms import CINC_CLASSES, RHYTHM_MEANING
    from vitalkit.rhythm.sources import cinc_subset

    start = time.perf_counter()
    records = cinc_subset(per_class, seed=seed)
    cv = cinc_cross_validation(per_class, k=k, seed=seed, progress=False)
    estimator = fit_cinc(records, seed=seed)
    features = cinc_features(records, progress=False)
    digest = hashlib.sha256(np.ascontiguousarray(features.to_numpy(np.float64)).tobytes()).hexdigest()
    provenance = export_provenance(None, "")
    provenance.update(
        training_records=list(records),
        dataset=f"PhysioNet/CinC Challenge 2017, {per_class} records per class (seeded draw)",
        data_sha256=digest,
    )
    metrics = {
        "cv": {
            "folds": k,
            "records": len(records),
            **cv.metrics,
            "table": cv.table.reset_index().to_dict("records"),
        },
        "recipe": {"architecture": "gbdt", "hparams": dict(GBDT_DEFAULTS), "seed": seed},
    }
    doc = rhythm_model_metadata(
        "af", CINC_CLASSES, RHYTHM_MEANING, FEATURE_NAMES, AF_WINDOW_S, AF_STRIDE_S, provenance, metrics
    )
    path = Path(out_dir) / PRETRAINED["af"]
    export_estimator(
        estimator,
        path,
        n_features=len(FEATURE_NAMES),
        n_classes=len(CINC_CLASSES),
        metadata=metadata_props(doc),
    )
    wall = time.perf_counter() - start
    lo, hi = cv.metrics["challenge_score_ci95"]
    card = [
        f"# Pretrained model `af` ({path.name})",
        "",
        f"- Gradient boosting ({GBDT_DEFAULTS}) on {len(FEATURE_NAMES)} rhythm features (RR irregularity, "
        "beat morphology, signal quality; `vitalkit.rhythm.features`) of whole CinC 2017 records.",
        f"- Trained on {len(records)} CinC 2017 records ({per_class} per class, seeded draw, seed {seed}).",
        f"- Applied by `vitalkit predict --task rhythm` to {AF_WINDOW_S:g} s windows every {AF_STRIDE_S:g} s "
        "(a recording shorter than a window is classified whole), on the raw lead at its own rate.",
        "- Output: `probabilities` over " + "; ".join(f"{c} = {m}" for c, m in RHYTHM_MEANING.items()) + ".",
        f"- Built by vitalkit {doc['provenance']['vitalkit_version']} at commit "
        f"{provenance.get('git_commit') or 'unknown'} in {wall:.0f} s (`make pretrained`).",
        "",
        f"{k}-fold CV over the records (stratified): challenge score (mean F1 of N, A, O) "
        f"{100 * cv.metrics['challenge_score']:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}].",
        "",
        "| class | n | Se | +P | F1 |",
        "|---|---|---|---|---|",
        *[
            f"| {c} | {int(r['n'])} | {100 * r['Se']:.1f} | {100 * r['+P']:.1f} | {100 * r['F1']:.1f} |"
            for c, r in cv.table.iterrows()
            if c != "challenge score"
        ],
        "",
        "Research use only; not a medical device. Window-level accuracy on long recordings is not "
        "measured here; `vitalkit predict --task rhythm --score` scores AF windows where rhythm "
        "annotations exist (MIT-BIH).",
        "",
    ]
    write_text(path.with_suffix(".md"), "\n".join(card))
    print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB in {wall:.0f} s")
    return doc


def build_pretrained(
    params_path: str | Path = "params/default.yaml",
    names: Sequence[str] = (*TRAINING_RECORDS, "af"),
    out_dir: str | Path = FOLDER,
) -> dict[str, dict[str, Any]]:
    """Train, export, score and describe the shipped beat models; rewrite ``SHA256SUMS``.

    Returns the metadata document of each model built.
    """
    out_dir = Path(out_dir)
    recipe = default_recipe(params_path)
    docs = {}
    test = _beats(mitdb.DS2, recipe) if "beats" in names else None
    for name in [n for n in names if n in TRAINING_RECORDS]:
        start = time.perf_counter()
        records = mitdb.resolve_records(TRAINING_RECORDS[name])
        model, pool, cv_metrics = train_shipped_model(records, recipe)
        provenance = export_provenance(None, "")
        provenance.update(
            training_records=sorted(set(pool.record.tolist())),
            dataset="MIT-BIH Arrhythmia Database (mitdb 1.0.0), annotated beats",
            data_sha256=beats_sha256(pool),
        )
        metrics: dict[str, Any] = {"recipe": recipe, "cv": cv_metrics}
        path = out_dir / PRETRAINED[name]

        def write(
            metrics: dict[str, Any], model=model, pool=pool, path=path, provenance=provenance, name=name
        ) -> dict:
            doc = beat_model_metadata(
                name, recipe["architecture"], "classical", pool.classes, recipe_of(pool), None,
                pool.feature_names, provenance, metrics, (),
                None if model.record_smoothing is None else model.record_smoothing.to_dict(),
            )  # fmt: skip
            export_classical(model, path, metadata_props(doc))
            return doc

        doc = write(metrics)
        if test is not None and name == "beats":  # scored through the file that ships
            metrics["test"], per_record = score_package(path, test, recipe["seed"])
            metrics["test_per_record_accuracy"] = {
                r: round(float(a), 6) for r, a in per_record["accuracy"].items()
            }
            doc = write(metrics)
        write_text(path.with_suffix(".md"), _card(name, path, doc, time.perf_counter() - start))
        docs[name] = doc
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB in {time.perf_counter() - start:.0f} s")
    if "af" in names:
        docs["af"] = build_af(out_dir)
    sums = [
        f"{sha256_file(out_dir / f)}  {f}" for f in sorted(PRETRAINED.values()) if (out_dir / f).is_file()
    ]
    write_text(out_dir / "SHA256SUMS", "\n".join(sums) + "\n")
    return docs


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vitalkit.pretrained.build [--params P] [--only NAME ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params/default.yaml")
    choices = [*TRAINING_RECORDS, "af"]
    parser.add_argument("--only", nargs="+", choices=choices, default=choices)
    parser.add_argument("--out", default=str(FOLDER))
    args = parser.parse_args(argv)
    build_pretrained(args.params, args.only, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
