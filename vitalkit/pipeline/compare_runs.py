"""Finished runs side by side (``vitalkit compare RUN RUN...``).

Three tables, read from each run's ``run.json`` and its evaluate stage's products:

* **parameters**: run id (and status, when a run is not ``ok``: ``interrupted`` for one marked
  running whose process died), parameter set, git commit, date and wall time of every run, then
  the parameters (flattened to dotted keys, ``models.rf.hparams.n_estimators``) whose values
  differ between the runs;
* **metrics**: every headline metric the runs' finished stages report (evaluate, train,
  rhythm, vitals ...: whatever ``run.json`` holds), ``value [95 % CI]`` where the stage gives
  a CI, then accuracy and macro-F1 with CIs of every model of the evaluate stage;
* **paired differences**: each run against the first (``B - A``), primary models (or the
  model named), bootstrap over test records of the difference in accuracy, macro-F1 and the
  headline per-class F1 -- computed only where both runs predicted exactly the same test
  samples (same records, sample positions and labels, read from
  ``04_evaluate/predictions_<model>.npz``); otherwise a note says why not.

Runs are labelled ``A``, ``B``, ``C`` ... in the order given; the first is the reference.

Examples
--------
>>> cmp = compare_runs(["reports/smoke-20261206-161533", "reports/smoke-20261206-162105"])  # doctest: +SKIP
>>> print(comparison_text(cmp))                                                              # doctest: +SKIP
>>> write_comparison_html(cmp, default_html_path(cmp))                                       # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.evaluate.compare import compare_models
from vitalkit.evaluate.models import headline_metrics
from vitalkit.evaluate.tasks import TASKS
from vitalkit.io import read_json, write_text
from vitalkit.pipeline.report import CI_SUFFIX, TEMPLATES, ordered_headlines, read_run

MISSING = "-"
"""Shown where a run lacks a parameter or a metric."""

MODEL_METRICS = ("accuracy", "macro_f1")
"""Test metrics listed for every model of an evaluate stage (the primary model's headline
metrics are listed in full)."""


@dataclass
class RunFolder:
    """One finished run, as :func:`load_run` reads it.

    Attributes
    ----------
    folder : Path
        The run folder (``reports/<run-id>``).
    name : str
        Its label in the tables (``A``, ``B`` ...).
    manifest : dict
        ``run.json``.
    evaluate : Path or None
        The evaluate stage's product folder, when the run has one that finished.
    metrics : dict or None
        That stage's ``metrics.json``.
    """

    folder: Path
    name: str
    manifest: dict[str, Any]
    evaluate: Path | None = None
    metrics: dict[str, Any] | None = None

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.folder.name)

    @property
    def wall_time_s(self) -> float:
        """Sum of the stage durations (what the stages took, not waiting between runs)."""
        return float(sum(s.get("duration_s") or 0 for s in self.manifest.get("stages", [])))

    def predictions(self, model: str) -> dict[str, np.ndarray] | None:
        """``predictions_<model>.npz`` of the evaluate stage, or None when absent."""
        path = self.evaluate / f"predictions_{model}.npz" if self.evaluate else None
        if path is None or not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}


@dataclass
class RunComparison:
    """What :func:`compare_runs` returns: the runs and the three tables."""

    runs: list[RunFolder]
    params: pd.DataFrame
    metrics: pd.DataFrame
    differences: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    n_boot: int = 1000


def load_run(folder: str | Path, name: str = "A") -> RunFolder:
    """Read a run folder; a :class:`~vitalkit.errors.DataError` names it when it is not a run
    or has no finished stage reporting metrics.

    Examples
    --------
    >>> load_run("/nonexistent")
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: /nonexistent: not a run folder (no such folder)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "not a run folder (no such folder)")
    if not (folder / "run.json").is_file():
        raise DataError(folder, "not a run folder (no run.json; runs are written to reports/<run-id>/)")
    manifest = read_run(folder)  # a run whose process died shows as interrupted, not running
    if not isinstance(manifest, dict) or not isinstance(manifest.get("stages"), list):
        raise DataError(folder / "run.json", "not a run manifest (no list of stages)")
    run = RunFolder(folder, name, manifest)
    evaluate = [s for s in manifest["stages"] if s.get("name") == "evaluate"]
    unfinished = [s for s in evaluate if s.get("status") != "ok"]
    if unfinished:
        raise DataError(folder, f"its evaluate stage did not finish (status {unfinished[0].get('status')!r})")
    if evaluate:
        run.evaluate = folder / evaluate[0]["folder"]
        run.metrics = read_json(run.evaluate / "metrics.json")
    elif not [s for s in ordered_headlines(manifest) if s.get("status") == "ok"]:
        raise DataError(
            folder, "the run has no finished evaluate stage (nor another stage reporting metrics)"
        )
    return run


def flatten(params: Any, prefix: str = "") -> dict[str, str]:
    """Nested parameters as ``{dotted.key: value}`` (lists and scalars as compact JSON).

    Examples
    --------
    >>> flatten({"seed": 0, "models": {"rf": {"hparams": {"n_estimators": 60}}}, "stages": ["a"]})
    {'seed': '0', 'models.rf.hparams.n_estimators': '60', 'stages': '["a"]'}
    """
    if isinstance(params, dict) and params:
        out: dict[str, str] = {}
        for key, value in params.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    text = params if isinstance(params, str) else json.dumps(params, separators=(",", " "))
    return {prefix: text}


def params_table(runs: Sequence[RunFolder]) -> pd.DataFrame:
    """Run facts (id, status when a run is not ``ok``, parameter set, commit, date, wall time), then
    the parameters that differ.

    Examples
    --------
    >>> a = RunFolder(Path("a"), "A", {"run_id": "a", "params": {"seed": 0, "x": 1}, "stages": []})
    >>> b = RunFolder(Path("b"), "B", {"run_id": "b", "params": {"seed": 1, "x": 1}, "stages": []})
    >>> params_table([a, b]).loc["seed"].tolist()
    ['0', '1']
    """
    rows: dict[str, list[str]] = {"run id": [r.run_id for r in runs]}
    statuses = [str(r.manifest.get("status", MISSING)) for r in runs]
    if any(s != "ok" for s in statuses):  # an interrupted, failed or partial run is named as such
        rows["status"] = statuses
    rows["parameter set"] = [
        f"{r.manifest.get('params_name', MISSING)} ({r.manifest.get('params_file', MISSING)})" for r in runs
    ]
    commits = []
    for r in runs:
        git = r.manifest.get("git") or {}
        commit = (git.get("commit") or "n/a")[:10]
        commits.append(commit + (" (dirty)" if git.get("dirty") else ""))
    rows["git commit"] = commits
    rows["date"] = [str(r.manifest.get("created", MISSING)).replace("T", " ")[:16] for r in runs]
    rows["wall time"] = [f"{r.wall_time_s / 60:.1f} min" for r in runs]
    flat = [flatten(r.manifest.get("params") or {}) for r in runs]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    for key in keys:
        values = [f.get(key, MISSING) for f in flat]
        if len(set(values)) > 1:
            rows[key] = values
    table = pd.DataFrame(rows, index=[r.name for r in runs]).T
    table.index.name = "parameter"
    return table


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if not np.isfinite(value):
            return "n/a"
        return f"{value:.4f}" if 1e-3 <= abs(value) < 1 else f"{value:.4g}"
    return MISSING if value is None else str(value)


def _with_ci(value: Any, ci: Any) -> str:
    text = _fmt(value)
    if isinstance(ci, list | tuple) and len(ci) == 2 and isinstance(value, float) and np.isfinite(value):
        text += f" [{_fmt(ci[0])}, {_fmt(ci[1])}]"
    return text


def run_metrics(run: RunFolder) -> dict[tuple[str, str], str]:
    """``{(stage, metric): 'value [CI]'}``: headline metrics of every finished stage, then
    :data:`MODEL_METRICS` of each model of the evaluate stage (stage ``evaluate[<model>]``)."""
    out: dict[tuple[str, str], str] = {}
    for stage in ordered_headlines(run.manifest):
        if stage.get("status") != "ok":
            continue
        metrics = stage["headline"]["metrics"]
        for metric, value in metrics.items():
            if not metric.endswith(CI_SUFFIX):
                out[(stage["label"], metric)] = _with_ci(value, metrics.get(metric + CI_SUFFIX))
    for model, record in ((run.metrics or {}).get("models") or {}).items():
        for metric in MODEL_METRICS:
            m = (record.get("metrics") or {}).get(metric)
            if m:
                out[(f"evaluate[{model}]", metric)] = _with_ci(m["value"], [m["ci_low"], m["ci_high"]])
    return out


def metrics_table(runs: Sequence[RunFolder]) -> pd.DataFrame:
    """One row per ``(stage, metric)`` any run reports, one column per run (``value [95 % CI]``).

    Examples
    --------
    >>> st = [{"label": "evaluate", "name": "evaluate", "status": "ok",
    ...        "headline": {"metrics": {"accuracy": 0.9, "accuracy_ci95": [0.8, 0.95]}}}]
    >>> a = RunFolder(Path("a"), "A", {"run_id": "a", "stages": st})
    >>> metrics_table([a, a]).iloc[0].tolist()
    ['0.9000 [0.8000, 0.9500]', '0.9000 [0.8000, 0.9500]']
    """
    per_run = [run_metrics(r) for r in runs]
    keys = list(dict.fromkeys(k for m in per_run for k in m))
    table = pd.DataFrame(
        [[m.get(k, MISSING) for m in per_run] for k in keys],
        index=pd.MultiIndex.from_tuples(keys, names=["stage", "metric"]),
        columns=[r.name for r in runs],
    )
    return table


def _test_set(pred: dict[str, np.ndarray]) -> str:
    records = sorted(set(pred["record"].tolist()))
    return f"{len(pred['labels'])} samples of {len(records)} records ({', '.join(map(str, records))})"


def _same_test_set(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    keys = ("labels", "record", "position")
    return all(k in a and k in b and np.array_equal(a[k], b[k]) for k in keys)


def paired_differences(
    runs: Sequence[RunFolder], model: str | None = None, n_boot: int = 1000, seed: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Each run minus the first on the same test samples, paired bootstrap over records.

    Parameters
    ----------
    runs : sequence of RunFolder
        The first is the reference.
    model : str, optional
        Model (or ensemble) label to compare; default each run's primary model.
    n_boot : int
        Bootstrap replicates.
    seed : int, optional
        Seed of the draws (default the reference run's evaluate bootstrap seed).

    Returns
    -------
    (pandas.DataFrame, list of str)
        Rows ``(comparison, metric)`` with ``difference``, ``ci_low``, ``ci_high`` and
        ``p_value (bootstrap over records)``; and notes: McNemar counts, or why a pair has no
        difference (test sets differ, no evaluate stage, model missing).

    Examples
    --------
    >>> table, notes = paired_differences([run_a, run_a])  # doctest: +SKIP
    >>> table["difference"].abs().max()                     # doctest: +SKIP
    0.0
    """
    ref = runs[0]
    frames, notes = [], []
    for other in runs[1:]:
        pair = f"{other.name} - {ref.name}"
        if ref.metrics is None or other.metrics is None:
            without = ref if ref.metrics is None else other
            notes.append(f"{pair}: no paired difference, run {without.name} has no evaluate stage")
            continue
        ma, mb = model or ref.metrics["primary"], model or other.metrics["primary"]
        pa, pb = ref.predictions(ma), other.predictions(mb)
        if pa is None or pb is None:
            missing = f"{ref.name}:{ma}" if pa is None else f"{other.name}:{mb}"
            notes.append(f"{pair}: no paired difference, no test predictions of {missing}")
            continue
        task, classes = ref.metrics.get("task", "multiclass"), list(ref.metrics["classes"])
        if (other.metrics.get("task", "multiclass"), list(other.metrics["classes"])) != (task, classes):
            notes.append(f"{pair}: no paired difference, the runs predict different classes or tasks")
            continue
        if not _same_test_set(pa, pb):
            notes.append(
                f"{pair}: no paired difference, the test sets differ "
                f"({ref.name}: {_test_set(pa)}; {other.name}: {_test_set(pb)})"
            )
            continue
        decide = TASKS[task].decide
        metrics = ("accuracy", "macro_f1", *[m for m in headline_metrics(classes) if m.endswith("_F1")])
        table = compare_models(
            pa["labels"],
            decide(pb["probabilities"]),
            decide(pa["probabilities"]),
            pa["record"],
            classes,
            (f"{other.name}:{mb}", f"{ref.name}:{ma}"),
            metrics=metrics,
            n_boot=n_boot,
            seed=int(ref.metrics.get("bootstrap", {}).get("seed", 0) if seed is None else seed),
            task=task,
        )
        frames.append(table)
        mc = table.attrs["mcnemar"]
        notes.append(
            f"{pair}: same test set ({_test_set(pa)}); {mc['only_a_correct']} samples only "
            f"{other.name}:{mb} gets right, {mc['only_b_correct']} only {ref.name}:{ma} "
            f"(McNemar p = {mc['p_value']:.3g}, samples as independent, optimistic)"
        )
    columns = ["difference", "ci_low", "ci_high", "p_value (bootstrap over records)"]
    if not frames:
        empty = pd.MultiIndex.from_tuples([], names=["comparison", "metric"])
        return pd.DataFrame(columns=columns, index=empty, dtype=float), notes
    return pd.concat(frames)[columns], notes


def compare_runs(
    folders: Sequence[str | Path], model: str | None = None, n_boot: int = 1000, seed: int | None = None
) -> RunComparison:
    """Read two or more finished runs and build the three tables (see the module docstring).

    Parameters
    ----------
    folders : sequence of str or Path
        Run folders (``reports/<run-id>``); the first is the reference of the differences.
    model, n_boot, seed
        As :func:`paired_differences`.

    Examples
    --------
    >>> compare_runs(["reports/x"])
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: reports/x: compare needs at least two run folders, got 1
    """
    if len(folders) < 2:
        raise DataError(
            ", ".join(map(str, folders)) or "compare",
            f"compare needs at least two run folders, got {len(folders)}",
        )
    names = [_name(i) for i in range(len(folders))]
    runs = [load_run(f, n) for f, n in zip(folders, names, strict=True)]
    differences, notes = paired_differences(runs, model=model, n_boot=n_boot, seed=seed)
    return RunComparison(runs, params_table(runs), metrics_table(runs), differences, notes, n_boot)


def _name(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else f"R{i + 1}"


def comparison_text(cmp: RunComparison) -> str:
    """The comparison as terminal text (what ``vitalkit compare`` prints)."""
    legend = ", ".join(f"{r.name} = {r.run_id}" for r in cmp.runs)
    lines = [
        f"Runs: {legend}",
        "",
        "Parameters (run facts, then only the parameters that differ):",
        cmp.params.to_string(),
        "",
        "Headline metrics per run, value [95% CI] where the stage gives one (evaluate: bootstrap over",
        "test records; evaluate = the primary model, evaluate[<model>] = each model):",
        cmp.metrics.to_string(),
    ]
    lines += ["", f"Paired differences on the same test samples ({cmp.n_boot} bootstrap draws over records):"]
    if len(cmp.differences):
        lines.append(cmp.differences.round(4).to_string())
    lines += [f"  {n}" for n in cmp.notes]
    return "\n".join(lines)


def _figure_png(cmp: RunComparison) -> str | None:
    """Forest plot of the paired differences with their CIs (base64 PNG), or None."""
    if not len(cmp.differences):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = cmp.differences
    labels = [f"{c}  {m}" for c, m in table.index]
    y = np.arange(len(table))[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(table) + 1.2))
    d = table["difference"].to_numpy(float)
    err = np.vstack([d - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - d])
    ax.errorbar(d, y, xerr=np.clip(err, 0, None), fmt="o", color="#0969da", capsize=3)
    ax.axvline(0, color="#6e7781", lw=1, ls="--")
    ax.set_yticks(y, labels)
    ax.set_xlabel("difference (95% CI, paired bootstrap over records)")
    ax.set_title("Paired differences against run A")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def comparison_html(cmp: RunComparison) -> str:
    """The comparison as one offline HTML page (no script, no network; the figure embedded)."""

    def frame(table: pd.DataFrame) -> str:
        return table.to_html(border=0, classes="table", na_rep=MISSING)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("compare.html.j2").render(
        runs=cmp.runs,
        params=frame(cmp.params),
        metrics=frame(cmp.metrics),
        differences=frame(cmp.differences.round(4)) if len(cmp.differences) else "",
        notes=cmp.notes,
        n_boot=cmp.n_boot,
        figure=_figure_png(cmp),
    )


def default_html_path(cmp: RunComparison) -> Path:
    """``<folder of the first run>/compare-<id A>-vs-<id B>.html`` (the reports folder);
    more than two runs: ``compare-<id A>-vs-<id B>-and-<n>-more.html``.

    Examples
    --------
    >>> a = RunFolder(Path("reports/a"), "A", {"run_id": "a"})
    >>> b = RunFolder(Path("reports/b"), "B", {"run_id": "b"})
    >>> default_html_path(RunComparison([a, b], *[pd.DataFrame()] * 3)).as_posix()
    'reports/compare-a-vs-b.html'
    """
    first, second = cmp.runs[0], cmp.runs[1]
    more = f"-and-{len(cmp.runs) - 2}-more" if len(cmp.runs) > 2 else ""
    return first.folder.parent / f"compare-{first.run_id}-vs-{second.run_id}{more}.html"


def write_comparison_html(cmp: RunComparison, path: str | Path) -> Path:
    """Write :func:`comparison_html` to ``path`` atomically; return the path."""
    path = Path(path)
    write_text(path, comparison_html(cmp))
    return path
