"""Run parameter sets twice, the first with a cold cache, the second warm, and diff the runs.

For every set: ``vitalkit run params/<set>.yaml`` into a fresh reports folder with a fresh cache
folder (cold), then again with the same cache (warm). The two ``run.json`` are compared: the
headline metrics of every stage, and the SHA-256 of every product file (``run.json`` lists them
per stage). Files that differ are listed, split into data products and documents (executed
notebooks and HTML reports, which print the run id and wall times).

Run from the repository root (writes ``reports/two_runs/<set>.csv`` and ``summary.md``)::

    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/two_runs.py smoke synthetic signal
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

DOCUMENTS = (".ipynb", ".html", ".log")
"""Files that record when and as which run they were made (run id, wall times)."""

LOGS = ("tfevents", "wandb/", "latency")
"""Parts of the names of training logs (TensorBoard event files and offline W&B runs, named by
time) and latency figures: they record how the run went, not its result."""

TIME_KEY = re.compile(
    r"(wall_time|duration|latency|seconds|speedup|_ms\b|_s$|^started$|^finished$|^created$|^updated$)"
)
"""JSON keys and CSV columns that hold a time of the run, not a result."""

TIMES_IN_TEXT = re.compile(r"\d+(\.\d+)?\s*(ms|s)\b")


def _strip(value: Any, run_ids: tuple[str, str]) -> Any:
    """A JSON value without its time-like keys, both run ids replaced by ``<run>``."""
    if isinstance(value, dict):
        return {k: _strip(v, run_ids) for k, v in value.items() if not TIME_KEY.search(str(k))}
    if isinstance(value, list):
        return [_strip(v, run_ids) for v in value]
    if isinstance(value, str):
        return _text(value, run_ids)
    return value


def _text(text: str, run_ids: tuple[str, str]) -> str:
    for run_id in run_ids:
        text = text.replace(run_id, "<run>")
    return text


def _equal_objects(a: Any, b: Any) -> bool:
    """Deep equality of loaded checkpoints: tensors with ``torch.equal``, the rest with ``==``."""
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal_objects(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal_objects(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def same_result(a: Path, b: Path, run_ids: tuple[str, str]) -> bool:
    """Whether two product files hold the same result once run ids and times are set aside."""
    suffix = a.suffix
    if suffix == ".json":
        return _strip(json.loads(a.read_text()), run_ids) == _strip(json.loads(b.read_text()), run_ids)
    if suffix == ".csv":
        frames = [pd.read_csv(f) for f in (a, b)]
        frames = [f[[c for c in f.columns if not TIME_KEY.search(str(c))]] for f in frames]
        return frames[0].equals(frames[1])
    if suffix in (".md", ".txt", ".yaml"):
        return TIMES_IN_TEXT.sub("<t>", _text(a.read_text(), run_ids)) == TIMES_IN_TEXT.sub(
            "<t>", _text(b.read_text(), run_ids)
        )
    if suffix == ".onnx":
        import onnx

        ma, mb = onnx.load(str(a)), onnx.load(str(b))
        meta = [
            {
                p.key: _strip(_maybe_json(p.value), run_ids)
                for p in m.metadata_props
                if not TIME_KEY.search(p.key)
            }
            for m in (ma, mb)
        ]
        return ma.graph.SerializeToString() == mb.graph.SerializeToString() and meta[0] == meta[1]
    if suffix in (".ckpt", ".pt"):
        import torch

        return _equal_objects(*(torch.load(f, map_location="cpu", weights_only=False) for f in (a, b)))
    return a.read_bytes() == b.read_bytes()


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def run_twice(name: str, scratch: Path) -> list[Path]:
    """Two runs of ``params/<name>.yaml``, cold then warm cache; their run folders."""
    cache, reports = scratch / f"cache-{name}", scratch / f"reports-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(reports, ignore_errors=True)
    env = {**os.environ, "VITALKIT_CACHE_DIR": str(cache), "VITALKIT_REPORTS_DIR": str(reports)}
    folders = []
    for attempt in ("cold", "warm"):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "vitalkit.cli", "run", f"params/{name}.yaml"],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"{name} ({attempt}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        new = sorted(p for p in reports.iterdir() if (p / "run.json").is_file() and p not in folders)
        folders.append(new[-1])
        print(f"{name} {attempt}: {folders[-1].name} in {time.perf_counter() - start:.0f} s", flush=True)
    return folders


def compare(first: Path, second: Path) -> pd.DataFrame:
    """One row per stage: its product files, those whose bytes differ, and those whose result
    differs once run ids and times are set aside (:func:`same_result`; documents, TensorBoard
    event files, named by time and host, and latency figures are counted apart)."""
    a, b = (json.loads((f / "run.json").read_text()) for f in (first, second))
    run_ids = (a["run_id"], b["run_id"])
    rows = []
    for sa, sb in zip(a["stages"], b["stages"], strict=True):
        pa, pb = sa.get("products") or {}, sb.get("products") or {}
        differing = sorted(f for f in set(pa) & set(pb) if pa[f] != pb[f])
        logs = [f for f in differing if f.endswith(DOCUMENTS) or any(m in f for m in LOGS)]
        data = [f for f in differing if f not in logs]
        changed = [
            f for f in data if not same_result(first / sa["folder"] / f, second / sb["folder"] / f, run_ids)
        ]
        rows.append(
            {
                "stage": sa["label"],
                "files": len(pa),
                "unpaired": len([f for f in set(pa) ^ set(pb) if not any(m in f for m in LOGS)]),
                "bytes_differ": len(differing),
                "documents_logs_timings": len(logs),
                "result_differs": len(changed),
                "differing": " ".join(changed),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="parameter set names under params/")
    parser.add_argument("--out", default="reports/two_runs")
    parser.add_argument("--scratch", help="reuse the runs of an earlier call kept in this folder")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(args.scratch) if args.scratch else Path(tempfile.mkdtemp(prefix="vitalkit-two-runs-"))
    lines = [
        "| set | runs (cold cache, warm cache) | stages | product files | bytes differ | of which documents, "
        "logs, timings | results differ (beyond run id and times) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in args.sets:
        kept = (
            sorted(p.parent for p in (scratch / f"reports-{name}").glob("*/run.json")) if args.scratch else []
        )
        first, second = kept[-2:] if len(kept) >= 2 else run_twice(name, scratch)
        table = compare(first, second)
        table.to_csv(out / f"{name}.csv", index=False)
        print(table.to_string(index=False), flush=True)
        total = table[["files", "bytes_differ", "documents_logs_timings", "result_differs", "unpaired"]].sum()
        lines.append(
            f"| {name} | {first.name}, {second.name} | {len(table)} | {total['files']} "
            f"| {total['bytes_differ']} | {total['documents_logs_timings']} "
            f"| {total['result_differs'] + total['unpaired']} |"
        )
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
