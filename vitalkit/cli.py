"""The ``vitalkit`` command line.

Examples
--------
``vitalkit run params/smoke.yaml``
    Validate the parameter set, then run its stages; products go to ``reports/<run-id>/``.
``vitalkit run params/default.yaml --resume``
    Continue the latest run of the set, skipping unchanged stages.
``vitalkit run params/default.yaml --only evaluate``
    Re-run one stage of the latest run (its upstream products must be there).
``vitalkit validate params/default.yaml``
    Only validate.
``vitalkit stages``
    List the stages and the parameters each notebook takes.
``vitalkit benchmark qt``
    QT Database: QRS-onset, T-end and QT errors of the delineators (full size, cached).
``vitalkit benchmark hrv``
    HRV table of the MIT-BIH records.
``vitalkit benchmark beats``
    Run params/benchmark.yaml (the model zoo) and print the comparison table.
``vitalkit benchmark rhythm [af shockable types neural]``
    Rhythm tables: CinC 2017 AF cross-validation, shockable rhythms, MIT-BIH per type.
``vitalkit benchmark qrs --detectors xqrs neurokit --records 100 101``
    QRS detection benchmark on MIT-BIH (all 48 records and detectors by default).
``vitalkit summary reports/<run-id>``
    Print the model comparison of a finished run.
``vitalkit compare reports/<run-id> reports/<other-run-id> [--out FILE]``
    Put runs side by side: the parameters that differ, headline metrics with CIs, paired
    differences (bootstrap over test records) where the test sets match; prints the tables and
    writes an offline page (default ``compare-<id>-vs-<id>.html`` beside the first run).
``vitalkit convert serial LOG.csv --out DIR --time-col 0 --value-col 1``
    Turn a microcontroller's serial dump into a uniformly sampled record (``.npz``),
    ``meta.json`` and ``preview.png``.
``vitalkit predict data/mitdb/232 --out predictions --score``
    Classify every beat of a recording (any format, any rate) with the shipped default beat
    model; write ``beats.csv``, a WFDB annotation file and ``report.html`` per recording, and
    print the AAMI table against the reference annotations.
``vitalkit predict model.onnx rec.edf --lead II --out predictions``
    The same with a model exported by a run (``reports/<run-id>/05_export/<label>/model.onnx``).
``vitalkit predict reports/<run-id>/vitals/gru.onnx p100001.psv --out p --score``
    Sepsis risk per hour of ICU stays (Challenge 2019 ``.psv``) with a vitals stage's model.
``vitalkit models register beats vitalkit/pretrained/beats_ds1.onnx --label production``
    Register a model package (validated, SHA-256 recorded, copied into the model store);
    ``models list|show|promote|retire|compare`` manage and compare versions.
``vitalkit serve --port 8000``
    The inference API (``POST /v1/predict``, ``/v1/models``, ``/health``, ``/metrics``, ``/docs``).
``vitalkit audit --since 2026-12-06 --out audit.csv``
    Export the audit trail of a period as CSV.
``vitalkit benchmark serve``
    Load and kill test of the inference API on loopback (``make benchmark-serve``).
``vitalkit example folder data/example``
    Write the example bring-your-own-data folder (EDF, CSV and serial-log recordings with
    ``labels.json``) that ``params/folder.yaml`` runs through the pipeline.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vitalkit import __version__
from vitalkit.errors import VitalKitError


def _run(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.runner import run_params

    only = [s for item in (args.only or []) for s in item.split(",") if s]
    run_params(
        args.params,
        resume=args.resume,
        run_id=args.run_id,
        only=only or None,
        reports_dir=args.reports_dir,
        progress=not args.no_progress,
    )
    return 0


def _batch(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.batch_run import batch_status, run_batch

    if args.status:
        batch_status(args.spec, reports_dir=args.reports_dir)
        return 0
    run_batch(
        args.spec,
        resume=args.resume,
        scheduler=args.scheduler,
        workers=args.workers,
        threads=args.threads,
        retries=args.retries,
        reports_dir=args.reports_dir,
    )
    return 0


def _benchmark_batch(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.batch_bench import benchmark_batch

    benchmark_batch(args.spec, workers=args.workers, threads=args.threads)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.params import load_params

    params = load_params(args.params, check_data=not args.no_data)
    print(
        f"{args.params}: valid ({len(params.instances())} stage instances: "
        f"{', '.join(i.label for i in params.instances())})"
    )
    return 0


def _stages(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.params import notebook_parameters
    from vitalkit.pipeline.stages import PER_MODEL, RESERVED, STAGES

    for stage in STAGES.values():
        print(f"{stage.name}  ({stage.notebook} -> {stage.folder_for('<model>')})")
        print(f"    {stage.description}")
        if stage.upstream:
            print(f"    reads: {', '.join(stage.upstream)}")
        for name, info in notebook_parameters(stage).items():
            if name in RESERVED or name in PER_MODEL:
                continue
            helptext = f"  # {info['help']}" if info.get("help") else ""
            print(f"    {name}: {info['inferred_type_name']} = {info['default']}{helptext}")
    return 0


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _benchmark_qt(args: argparse.Namespace) -> int:
    from vitalkit.clinical.benchmark import QT_METHODS, qt_benchmark

    records = _csv(args.records) or ["ALL"]
    qt_benchmark(records[0] if len(records) == 1 else records, _csv(args.methods) or QT_METHODS)
    return 0


def _benchmark_hrv(args: argparse.Namespace) -> int:
    from vitalkit.clinical.benchmark import hrv_benchmark

    records = _csv(args.records) or ["NONPACED"]
    hrv_benchmark(
        records[0] if len(records) == 1 else records, clean=(_csv(args.methods) or ["annotation"])[0]
    )
    return 0


def _benchmark_beats(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.runner import run_params
    from vitalkit.pipeline.summary import beat_benchmark_text

    run_dir = run_params(
        args.params, resume=args.resume, reports_dir=args.reports_dir, progress=not args.no_progress
    )
    print("\n" + beat_benchmark_text(run_dir))
    return 0


def _benchmark_external(args: argparse.Namespace) -> int:
    from vitalkit.inference.external import benchmark_text, external_benchmark

    table, _ = external_benchmark(
        args.models, args.beats, args.out, records=args.records, align=not args.no_align
    )
    print(benchmark_text(table))
    print(f"-> {Path(args.out) / 'report.html'} (table.csv, by_database.csv beside it)")
    return 0


def _benchmark_rates(args: argparse.Namespace) -> int:
    from vitalkit.inference.rates import rate_benchmark, rates_table

    one = len(args.records) == 1 and not args.records[0].isdigit()
    records = args.records[0] if one else args.records  # a set name (DS2) or record names
    table = rate_benchmark(args.rates, records, args.models, args.beats, args.out)
    print(rates_table(table).to_string(index=False))
    print(f"-> {Path(args.out) / 'report.html'} (table.csv beside it)")
    return 0


def _benchmark_rhythm(args: argparse.Namespace) -> int:
    from vitalkit.rhythm.benchmark import run_benchmark

    print(run_benchmark(args.parts, k=args.folds, product_dir=args.product_dir))
    return 0


def _benchmark_qrs(args: argparse.Namespace) -> int:
    if args.select:
        from vitalkit.beats.selection import select_consensus, selection_report

        result = select_consensus(cache=not args.no_cache, progress=True)
        print(selection_report(result), flush=True)
        return 0
    if args.database != "mitdb":
        from vitalkit.beats.qrs_databases import run_database_report

        text = run_database_report(
            args.database, args.detectors, args.records, args.snrs, args.out, cache=not args.no_cache
        )
        print(text, flush=True)
        return 0
    from vitalkit.beats.benchmark import run_benchmark_report

    text = run_benchmark_report(
        args.detectors, args.records, args.out, cache=not args.no_cache, both_leads=args.both_leads
    )
    print(text, flush=True)
    return 0


def _summary(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.summary import beat_benchmark_text

    print(beat_benchmark_text(args.run_dir))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.compare_runs import (
        compare_runs,
        comparison_text,
        default_html_path,
        write_comparison_html,
    )

    cmp = compare_runs(args.runs, model=args.model, n_boot=args.n_boot, seed=args.seed)
    print(comparison_text(cmp))
    print(f"\npage: {write_comparison_html(cmp, args.out or default_html_path(cmp))}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.init import init_project

    folder = init_project(args.folder, force=args.force, register_kernel=not args.no_kernel)
    kernel = "" if args.no_kernel else "; Jupyter kernel 'vitalkit' registered for this Python"
    print(f"working folder {folder}: notebooks/, params/, data/raw/, reports/{kernel}")
    print(f"next: cd {folder} && vitalkit run params/smoke.yaml")
    return 0


def _check_reports(args: argparse.Namespace) -> int:
    from vitalkit.pipeline.browser_check import check_run_reports

    table = check_run_reports(args.run_dir, out_dir=args.out, browser=args.browser)
    print(table.to_string())
    bad = table.index[~table["ok"]].tolist()
    out = args.out or f"{args.run_dir}/browser_check"
    print(f"{len(table) - len(bad)} of {len(table)} reports ok; table and screenshots in {out}")
    return 1 if bad else 0


def _convert_serial(args: argparse.Namespace) -> int:
    from vitalkit.data.serial import serial_convert

    result = serial_convert(
        args.log,
        args.out,
        sampling_rate=args.sr,
        time_col=args.time_col,
        value_col=args.value_col,
        time_unit=args.time_unit,
        target_rate=args.out_sr,
        gain=args.gain,
        zero=args.zero,
        adc_bits=args.adc_bits,
        max_gap_s=args.max_gap,
        channel_name=args.channel,
        patient_id=args.patient_id,
    )
    print("\n".join(result.summary()))
    return 0


def _example_folder(args: argparse.Namespace) -> int:
    from vitalkit.data.examples import make_example_folder

    dataset = make_example_folder(args.folder, seed=args.seed, n_per_class=args.n_per_class)
    labels = sorted({label for labels in dataset.labels for label in labels})
    formats = sorted({Path(f).suffix for f in dataset.files})
    print(
        f"{args.folder}: {len(dataset)} recordings of {len(set(dataset.patients))} patients "
        f"({', '.join(formats)}), labels {', '.join(labels)}"
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    from vitalkit.inference.run import predict_files
    from vitalkit.pretrained import PRETRAINED

    model, records = args.model, list(args.inputs)
    if model is None and records and (records[0] in PRETRAINED or records[0].lower().endswith(".onnx")):
        model, records = records[0], records[1:]
    options: dict[str, object] = {}
    if args.sampling_rate is not None:
        options["sampling_rate"] = args.sampling_rate
    lead: str | int | None = args.lead  # a digit string is an index unless a channel has that name
    results = predict_files(
        records,
        args.out,
        model=model,
        lead=lead,
        beats=args.beats,
        score=args.score,
        annotator=args.annotator,
        detector=args.detector,
        read_options=options,
        threads=args.threads,
        inputs=args.write_inputs,
        task=args.task,
        align=not args.no_align,
        both_leads=args.both_leads,
    )
    total_s = sum(r.wall_s for r in results)
    for r in results:
        table = r.predictions.counts()
        unit = table.columns[0]
        counts = ", ".join(f"{c} {n}" for c, n in table[unit].items())
        n = int(table[unit].sum())
        extra = (
            f", AF {table.loc['A', 'time_%']:.1f} % of the time"
            if "time_%" in table and "A" in table.index
            else ""
        )
        print(f"{r.path}: {n} {unit} ({counts}{extra}) in {r.wall_s:.1f} s -> {r.folder}")
        if r.table is not None and r.summary is not None:
            print("  " + _score_line(r.summary))
            print("  " + r.table.round(4).to_string().replace("\n", "\n  "))
    if len(results) > 1:
        print(
            f"{len(results)} recordings in {total_s:.1f} s "
            f"({60 * len(results) / max(total_s, 1e-9):.1f} per minute)"
        )
    if args.score and len(results) > 1 and "matched" in (results[0].summary or {}):
        _print_pooled_beats(results)
    if args.score and results and "stay" in (results[0].summary or {}):
        from vitalkit.inference.vitals import pooled_vitals_score
        from vitalkit.io import write_json

        pooled = pooled_vitals_score([r.predictions for r in results])
        write_json(results[0].folder.parent / "pooled_score.json", pooled)
        print(
            f"pooled over {pooled['stays']} stays ({pooled['septic_stays']} septic): AUROC "
            f"{pooled['auroc']:.4f} on {pooled['evaluated_hours']} evaluated hours, utility "
            f"{pooled['utility']:.4f}; septic warned 1-12 h before onset {pooled['septic_warned']}/"
            f"{pooled['septic_counted']} (median {pooled['median_warning_h']:.0f} h), others alerted "
            f"{pooled['other_alerted']}/{pooled['other_stays']} "
            f"-> {results[0].folder.parent / 'pooled_score.json'}"
        )
    return 0


def _print_pooled_beats(results: list[Any]) -> None:
    """Pool the beat scores of several recordings; write and print the pooled table."""
    from vitalkit.inference.outputs import write_pooled_beat_score
    from vitalkit.inference.score import pooled_beat_score

    scored = [r for r in results if r.summary is not None and r.table is not None]
    table, summary, per_record = pooled_beat_score(
        [r.summary for r in scored], [r.folder.name for r in scored], list(scored[0].table.index)
    )
    page = write_pooled_beat_score(scored[0].folder.parent, table, summary, per_record)
    print(f"pooled over {summary['recordings']} recordings: " + _score_line(summary))
    print("  " + table.round(4).to_string().replace("\n", "\n  "))
    print(f"  -> {page} (pooled_score.csv, per_record_score.csv beside it)")


def _score_line(s: dict[str, Any]) -> str:
    """One line summing up a recording's score against its reference (beats, rhythm or vitals)."""
    if "matched" in s:
        return (
            f"accuracy {s['accuracy']:.4f}, macro-F1 {s['macro_f1']:.4f} on {s['matched']} matched "
            f"beats; missed {s['missed']}, extra {s['extra']}"
        )
    if "stay" in s:
        onset = f", onset hour {s['onset_hour']}" if s["onset_hour"] is not None else ""
        return (
            f"{'septic' if s['septic'] else 'not septic'}{onset}: AUROC {s['auroc']:.4f} over "
            f"{s['evaluated_hours']} evaluated hours, {s['alert_hours']} alert hours, first alert "
            f"hour {s['first_alert_hour']}"
        )
    return (
        f"AF windows: accuracy {s['accuracy']:.4f} over {s['windows']} windows "
        f"({s['reference_af_windows']} AF in the reference)"
    )


def _add_predict(sub: argparse._SubParsersAction) -> None:
    predict = sub.add_parser(
        "predict",
        help="classify the beats of recordings with a model package (default: the shipped beat model)",
        description="vitalkit predict [MODEL] RECORD... --out DIR. MODEL is an exported .onnx file or a "
        "shipped model name (beats, beats-all, af); without it the shipped model of --task (default: "
        "beats) is used.",
    )
    predict.add_argument(
        "inputs", nargs="+", metavar="[MODEL] RECORD", help="model (optional), then recordings"
    )
    predict.add_argument("--model", help="model file or shipped model name (instead of the first argument)")
    predict.add_argument("--out", required=True, help="output folder (one sub-folder per recording)")
    predict.add_argument("--lead", help="channel used as the model's lead: name or 0-based index")
    predict.add_argument(
        "--task",
        choices=["beats", "rhythm", "vitals"],
        help="beats (per-beat classes), rhythm (AF per window) or vitals (sepsis risk per hour of an "
        "ICU stay, .psv files); default: the model's task",
    )
    predict.add_argument(
        "--beats", default="detector", choices=["detector", "annotations"], help="where beats come from"
    )
    predict.add_argument("--score", action="store_true", help="compare with the reference annotations")
    predict.add_argument(
        "--both-leads",
        action="store_true",
        help="also detect on the other channel and fill the lead's gaps with its beats (2x detection time)",
    )
    predict.add_argument(
        "--no-align",
        action="store_true",
        help="keep detected beats where the detector put them (default: moved onto the record's median QRS)"
        " and annotated beats of a recording below the model's rate on their annotation grid",
    )
    predict.add_argument("--annotator", default="atr", help="WFDB annotator of the reference (default atr)")
    predict.add_argument("--detector", help="R-peak detector (default: the consensus)")
    predict.add_argument("--sampling-rate", type=float, help="sampling rate of files that carry none (Hz)")
    predict.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    predict.add_argument(
        "--inputs",
        dest="write_inputs",
        action="store_true",
        help="also write inputs.csv: the model's inputs per beat (for other runtimes)",
    )
    predict.set_defaults(func=_predict)


def _add_example(sub: argparse._SubParsersAction) -> None:
    example = sub.add_parser("example", help="write example datasets")
    kinds = example.add_subparsers(dest="kind", required=True)
    folder = kinds.add_parser(
        "folder",
        help="EDF + CSV + serial-log recordings with labels.json (from ../shared-style PhysioNet data)",
    )
    folder.add_argument("folder", help="folder to create (emptied first if it exists)")
    folder.add_argument("--seed", type=int, default=0)
    folder.add_argument("--n-per-class", type=int, default=4, help="recordings per label group and source")
    folder.set_defaults(func=_example_folder)


def _add_convert(sub: argparse._SubParsersAction) -> None:
    convert = sub.add_parser("convert", help="convert recordings into formats the readers take")
    kinds = convert.add_subparsers(dest="kind", required=True)
    serial = kinds.add_parser(
        "serial",
        help="a microcontroller serial dump (ADC counts) -> .npz record + meta.json + preview.png",
        description="Junk lines are dropped, timestamps cleaned (jitter, 32-bit wraps), short gaps "
        "interpolated, long gaps split the log, the signal resampled to a uniform rate. Give --sr for "
        "a log without time column, or --time-col/--value-col (0-based fields).",
    )
    serial.add_argument("log", help="the serial dump (text)")
    serial.add_argument("--out", required=True, help="output folder")
    rate = serial.add_mutually_exclusive_group()
    rate.add_argument("--sr", type=float, help="device sampling rate (Hz) of a log without time column")
    rate.add_argument(
        "--time-col", type=int, help="0-based field holding the time (default 0 when >= 2 fields)"
    )
    serial.add_argument("--value-col", type=int, help="0-based field holding the ADC value")
    serial.add_argument("--time-unit", default="auto", choices=["auto", "s", "ms", "us"], help="time unit")
    serial.add_argument("--out-sr", type=float, help="output rate (default: device rate rounded to whole Hz)")
    serial.add_argument("--gain", type=float, help="ADC counts per mV (output in mV; default: counts)")
    serial.add_argument("--zero", type=float, default=0.0, help="ADC count at 0 mV (with --gain)")
    serial.add_argument("--adc-bits", type=int, help="ADC resolution: values outside its range are junk")
    serial.add_argument("--max-gap", type=float, default=0.25, help="longest gap (s) filled by interpolation")
    serial.add_argument("--channel", default="ECG", help="channel name")
    serial.add_argument("--patient-id", default="", help="patient id stored in the record")
    serial.set_defaults(func=_convert_serial)


def _add_serving(sub: argparse._SubParsersAction) -> None:
    from vitalkit.serve.commands import add_registry_options, audit_command, models_command, serve_command

    models = sub.add_parser(
        "models", help="the model registry: register, list, show, promote, retire, compare"
    )
    actions = models.add_subparsers(dest="action", required=True)
    register = actions.add_parser("register", help="register a model package as the next version of NAME")
    register.add_argument("name")
    register.add_argument("file", help="exported .onnx model package")
    register.add_argument("--label", choices=["production", "candidate"], help="promote it at once")
    listing = actions.add_parser("list", help="versions, labels and status")
    listing.add_argument("name", nargs="?")
    show = actions.add_parser("show", help="one version (default production) with its metadata")
    show.add_argument("name")
    show.add_argument("version", nargs="?", help="number, production or candidate")
    promote = actions.add_parser("promote", help="move a label to a version")
    promote.add_argument("name")
    promote.add_argument("version", type=int)
    promote.add_argument("--label", default="production", choices=["production", "candidate"])
    retire = actions.add_parser("retire", help="retire a version (kept, no longer served)")
    retire.add_argument("name")
    retire.add_argument("version", type=int)
    comp = actions.add_parser(
        "compare", help="per-version requests, latency and A/B agreement from the audit"
    )
    comp.add_argument("name")
    comp.add_argument("--since", help="ISO date or time (UTC)")
    comp.add_argument("--until", help="ISO date or time (UTC), exclusive")
    for parser in (register, listing, show, promote, retire, comp):
        add_registry_options(parser)
    models.set_defaults(func=models_command)

    serve = sub.add_parser("serve", help="the HTTP inference API (FastAPI + uvicorn)")
    add_registry_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    serve.add_argument(
        "--threads", type=int, default=1, help="CPU threads per process for onnxruntime and BLAS"
    )
    serve.add_argument(
        "--slots", type=int, default=1, help="requests computed at once per process (others queue; default 1)"
    )
    serve.add_argument(
        "--registry-refresh-s",
        type=float,
        default=1.0,
        help="seconds a process answers model lookups from memory (a promote reaches it within this)",
    )
    serve.add_argument("--model", default="beats", help="registered model used when a request names none")
    serve.add_argument(
        "--candidate-percent",
        type=float,
        default=0.0,
        help="share of inputs (by SHA-256) sent to the candidate",
    )
    serve.add_argument("--no-shadow", action="store_true", help="A/B without running the other arm")
    serve.add_argument("--detector", help="R-peak detector (default: the consensus)")
    serve.add_argument("--max-body-bytes", type=int, default=8 << 20, help="largest request body")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(func=serve_command)

    audit = sub.add_parser("audit", help="export the audit trail of a period as CSV")
    audit.add_argument("--registry", help="registry database URL (as for vitalkit models)")
    audit.add_argument("--since", help="ISO date or time (UTC)")
    audit.add_argument("--until", help="ISO date or time (UTC), exclusive")
    audit.add_argument("--out", default="-", help="CSV file (default: standard output)")
    audit.set_defaults(func=audit_command)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``run``, ``validate``, ``benchmark``, ``summary``, ``stages``, ``convert``."""
    parser = argparse.ArgumentParser(prog="vitalkit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"vitalkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a parameter set's stage notebooks with papermill")
    run.add_argument("params", help="parameter set, e.g. params/default.yaml")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue the latest run of this set, skipping unchanged stages",
    )
    run.add_argument(
        "--only",
        action="append",
        metavar="STAGE",
        help="run only these stages (name or label like train[resnet1d]) in the "
        "latest run of the set; repeatable or comma-separated",
    )
    run.add_argument("--run-id", help="run folder name (default: <set name>-<timestamp>)")
    run.add_argument("--reports-dir", help="where runs go (default: reports/ or VITALKIT_REPORTS_DIR)")
    run.add_argument("--no-progress", action="store_true", help="no papermill progress bars")
    run.set_defaults(func=_run)
    batch = sub.add_parser("batch", help="run a batch (list or grid of parameter sets) on Dask")
    batch.add_argument("spec", help="batch spec, e.g. params/batch-smoke.yaml")
    batch.add_argument("--resume", action="store_true", help="re-run only failed or missing members")
    batch.add_argument(
        "--status", action="store_true", help="show the latest batch's status (a dead one as interrupted)"
    )
    batch.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster here)")
    batch.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    batch.add_argument("--threads", type=int, default=1, help="torch/BLAS threads per member")
    batch.add_argument("--retries", type=int, default=1, help="re-runs of a member whose worker died")
    batch.add_argument("--reports-dir", help="where batches go (default: reports/ or VITALKIT_REPORTS_DIR)")
    batch.set_defaults(func=_batch)
    val = sub.add_parser("validate", help="validate a parameter set without running it")
    val.add_argument("params")
    val.add_argument("--no-data", action="store_true", help="skip the data checks")
    val.set_defaults(func=_validate)
    bench = sub.add_parser("benchmark", help="run a benchmark and print its table")
    bench_sub = bench.add_subparsers(dest="benchmark", required=True)
    beats = bench_sub.add_parser("beats", help="model zoo on the MIT-BIH inter-patient split")
    beats.add_argument("--params", default="params/benchmark.yaml")
    beats.add_argument("--resume", action="store_true", help="continue the latest benchmark run")
    beats.add_argument("--reports-dir")
    beats.add_argument("--no-progress", action="store_true")
    beats.set_defaults(func=_benchmark_beats)
    external = bench_sub.add_parser(
        "beats-external", help="beat models on the QT Database's non-MIT-BIH records (250 Hz, out of sample)"
    )
    external.add_argument(
        "--models", nargs="+", default=["beats", "beats-all"], help="shipped model names or .onnx files"
    )
    external.add_argument(
        "--beats", nargs="+", choices=("annotations", "detector"), default=["annotations", "detector"]
    )
    external.add_argument("--records", nargs="+", help="QT Database record names (default: all 67)")
    external.add_argument("--out", default="reports/beats_external")
    external.add_argument("--no-align", action="store_true", help="detected beats as the detector put them")
    external.set_defaults(func=_benchmark_external)
    rates = bench_sub.add_parser(
        "beats-rates", help="beat models on MIT-BIH records written again at 128, 250 and 500 Hz"
    )
    rates.add_argument("--rates", nargs="+", type=float, default=[128.0, 250.0, 360.0, 500.0])
    rates.add_argument("--records", nargs="+", default=["DS2"], help="MIT-BIH records or a set (default DS2)")
    rates.add_argument("--models", nargs="+", default=["beats"], help="shipped model names or .onnx files")
    rates.add_argument(
        "--beats", nargs="+", choices=("annotations", "detector"), default=["annotations", "detector"]
    )
    rates.add_argument("--out", default="reports/beats_rates")
    rates.set_defaults(func=_benchmark_rates)
    bbatch = bench_sub.add_parser("batch", help="a batch serially, then on a LocalCluster: ratio, overhead")
    bbatch.add_argument("spec", nargs="?", default="params/batch-bench.yaml")
    bbatch.add_argument("--workers", type=int, default=2)
    bbatch.add_argument("--threads", type=int, default=1)
    bbatch.set_defaults(func=_benchmark_batch)
    rhythm = bench_sub.add_parser(
        "rhythm", help="AF (CinC 2017 CV), shockable (AHA goals, delays), per-type table"
    )
    rhythm.add_argument(
        "parts", nargs="*", default=["af", "shockable", "types"], help="af shockable types neural"
    )
    rhythm.add_argument("--folds", type=int, default=5)
    rhythm.add_argument(
        "--product-dir", default="", help="where the neural part writes models and the ONNX file"
    )
    rhythm.set_defaults(func=_benchmark_rhythm)
    qrs = bench_sub.add_parser("qrs", help="R-peak detectors on all 48 MIT-BIH records (Se, +P, F1, jitter)")
    qrs.add_argument(
        "--database",
        choices=("mitdb", "qtdb", "nstdb"),
        default="mitdb",
        help="mitdb (default, 48 records), qtdb (QT Database .atr beats) or nstdb (noise stress test)",
    )
    qrs.add_argument(
        "--detectors",
        nargs="+",
        help="detector names (default: all registered on mitdb; consensus, xqrs, manikandan2012 elsewhere)",
    )
    qrs.add_argument("--records", nargs="+", help="records or a set name (default: all of the database)")
    qrs.add_argument(
        "--both-leads",
        action="store_true",
        help="mitdb: also detect on the other lead and fill the scored lead's gaps with its beats",
    )
    qrs.add_argument(
        "--snrs",
        nargs="+",
        type=float,
        default=[24.0, 12.0, 6.0, 0.0],
        help="nstdb: SNRs in dB of the test records (default 24 12 6 0)",
    )
    qrs.add_argument("--out", help="folder for the CSV tables (default: reports/benchmark-qrs)")
    qrs.add_argument("--no-cache", action="store_true", help="recompute detections (cache not read)")
    qrs.add_argument(
        "--select",
        action="store_true",
        help="choose the consensus settings on DS1, report DS2 and the paced records as held out",
    )
    qrs.set_defaults(func=_benchmark_qrs)
    for name, func, what in (
        ("qt", _benchmark_qt, "QT Database delineation errors (QRS onset, J, T end, QT) per delineator"),
        ("hrv", _benchmark_hrv, "HRV table of the MIT-BIH records from their NN intervals"),
    ):
        clinical = bench_sub.add_parser(name, help=what)
        clinical.add_argument("--records", help="a record set (ALL, DEV, DS1 ...) or comma-separated records")
        clinical.add_argument("--methods", help="comma-separated methods (qt: delineators; hrv: NN cleaning)")
        clinical.set_defaults(func=func)
    from vitalkit.serve.commands import add_benchmark_serve

    add_benchmark_serve(bench_sub)
    summary = sub.add_parser("summary", help="print the model comparison of a finished run")
    summary.add_argument("run_dir")
    summary.set_defaults(func=_summary)
    compare = sub.add_parser(
        "compare", help="put finished runs side by side: differing parameters, metrics, paired differences"
    )
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run folders; the first is the reference")
    compare.add_argument(
        "--out", help="HTML page to write (default: compare-<id>-vs-<id>.html beside the first run)"
    )
    compare.add_argument("--model", help="model or ensemble to compare (default: each run's primary model)")
    compare.add_argument("--n-boot", type=int, default=1000, help="bootstrap draws of the paired differences")
    compare.add_argument(
        "--seed", type=int, help="seed of the draws (default: the first run's evaluate seed)"
    )
    compare.set_defaults(func=_compare)
    init = sub.add_parser(
        "init",
        help="write a working folder (notebooks, parameter sets, data, reports) and register the kernel",
    )
    init.add_argument("folder", metavar="DIR")
    init.add_argument(
        "--force", action="store_true", help="overwrite notebooks and parameter sets that exist"
    )
    init.add_argument("--no-kernel", action="store_true", help="do not register the Jupyter kernel")
    init.set_defaults(func=_init)
    check = sub.add_parser(
        "check-reports",
        help="open a run's reports in headless Chromium, network off, in place and copied alone",
    )
    check.add_argument("run_dir", metavar="RUN")
    check.add_argument(
        "--out", help="folder for browser_check.csv and screenshots (default RUN/browser_check)"
    )
    check.add_argument("--browser", help="Chromium executable (default: chromium on PATH)")
    check.set_defaults(func=_check_reports)
    stages = sub.add_parser("stages", help="list stages and their notebook parameters")
    stages.set_defaults(func=_stages)
    _add_predict(sub)
    _add_convert(sub)
    _add_example(sub)
    _add_serving(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vitalkit`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except VitalKitError as exc:
        print(f"vitalkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vitalkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
