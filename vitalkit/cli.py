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
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


BENCHMARKS = {"qt": _benchmark_qt, "hrv": _benchmark_hrv}
"""``vitalkit benchmark <what>`` actions."""


def _benchmark(args: argparse.Namespace) -> int:
    return BENCHMARKS[args.what](args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (sub-commands ``run``, ``validate``, ``stages``, ``benchmark``)."""
    parser = argparse.ArgumentParser(prog="vitalkit", description=__doc__.split("\n\n")[0])
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
    val = sub.add_parser("validate", help="validate a parameter set without running it")
    val.add_argument("params")
    val.add_argument("--no-data", action="store_true", help="skip the data checks")
    val.set_defaults(func=_validate)
    stages = sub.add_parser("stages", help="list stages and their notebook parameters")
    stages.set_defaults(func=_stages)
    bench = sub.add_parser("benchmark", help="full-size measurements that print tables")
    bench.add_argument("what", choices=sorted(BENCHMARKS))
    bench.add_argument("--records", help="a record set (ALL, DEV, DS1 ...) or comma-separated records")
    bench.add_argument("--methods", help="comma-separated methods (qt: delineators; hrv: NN cleaning)")
    bench.set_defaults(func=_benchmark)
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
