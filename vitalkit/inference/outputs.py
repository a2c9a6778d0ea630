"""What ``vitalkit predict`` writes for one recording, all at once or not at all.

``<out>/<record>/``:

- ``beats.csv``: one row per beat (time, sample, class, probabilities);
- ``<record>.<annotator>`` (default ``vkb``): a WFDB annotation file that
  ``wfdb.rdann(path, "vkb")`` reads, beat symbols ``N S V F Q`` (AAMI classes are valid MIT-BIH
  codes), so beat-by-beat comparison tools can compare it with a reference;
- ``score.csv`` and ``score.json`` when the recording was scored against its annotations;
- ``report.html``: an offline page (figures embedded as PNG) with class counts and rates,
  example beats per class and an RR tachogram coloured by class;
- ``prediction.json``: model, lead, beat source, timings and counts;
- ``inputs.csv`` on request: the model's inputs, one row per beat, columns named as in the
  model's metadata (for other runtimes, e.g. ``examples/node``).

Examples
--------
>>> write_prediction("out", predictions, record, package)   # doctest: +SKIP
PosixPath('out/100')
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import wfdb

from vitalkit.data.records import Record
from vitalkit.export.package import ModelPackage
from vitalkit.inference.beats import BeatPredictions
from vitalkit.inference.rhythm import RhythmPredictions
from vitalkit.inference.vitals import VitalsPredictions
from vitalkit.io import atomic_dir, atomic_path

ANNOTATOR = "vkb"
"""WFDB annotator extension of the predicted beats."""

RHYTHM_ANNOTATOR = "vkr"
"""WFDB annotator extension of the predicted rhythm changes."""

COLOURS = {"N": "#4c72b0", "S": "#dd8452", "V": "#c44e52", "F": "#8172b3", "Q": "#937860"}


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def example_beats_figure(
    pred: BeatPredictions, record: Record, per_class: int = 8, seed: int = 0
) -> plt.Figure:
    """Up to ``per_class`` seeded example beats of each predicted class (the chosen lead, -0.25 to 0.45 s)."""
    rng = np.random.default_rng(seed)
    signal = record.channel(pred.lead)
    fs = record.sampling_rate
    before, after = round(0.25 * fs), round(0.45 * fs)
    t = np.arange(-before, after) / fs
    fig, axes = plt.subplots(1, len(pred.classes), figsize=(3.0 * len(pred.classes), 2.6), sharey=True)
    for ax, c in zip(np.atleast_1d(axes), pred.classes, strict=True):
        samples = pred.beats.loc[pred.beats["class"] == c, "sample"].to_numpy()
        samples = samples[(samples >= before) & (samples + after <= signal.size)]
        chosen = rng.choice(samples, size=min(per_class, samples.size), replace=False) if samples.size else []
        for s in chosen:
            segment = signal[s - before : s + after]
            ax.plot(t, segment - np.median(segment), color=COLOURS.get(c, "k"), lw=0.8, alpha=0.8)
        ax.set_title(f"{c} ({samples.size} beats)")
        ax.set_xlabel("s from R")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel(f"{pred.lead} (median removed)")
    return fig


def tachogram_figure(pred: BeatPredictions) -> plt.Figure:
    """RR interval before each beat against time, coloured by predicted class."""
    beats = pred.beats
    rr = np.diff(beats["time_s"].to_numpy(), prepend=np.nan)
    fig, ax = plt.subplots(figsize=(11, 3))
    for c in pred.classes:
        mask = (beats["class"] == c).to_numpy()
        if mask.any():
            ax.scatter(
                beats["time_s"].to_numpy()[mask] / 60.0, rr[mask], s=4, color=COLOURS.get(c, "k"), label=c
            )
    ax.set_xlabel("time (min)")
    ax.set_ylabel("RR before the beat (s)")
    ax.legend(markerscale=3, loc="upper right")
    ax.grid(alpha=0.3)
    return fig


FOOTER = "<p><small>Research use only; not a medical device.</small></p></body></html>"


def _page_head(title: str, heading: str, facts: dict[str, Any]) -> list[str]:
    """The start of an offline report page: title, style, heading and a table of facts."""
    return [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table.table{border-collapse:collapse}table.table td,table.table th{padding:3px 10px;"
        "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(heading)}</h1><table class='table'>",
        *[f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts.items()],
        "</table><h2>Classes</h2>",
    ]


def _write_extras(
    folder: Path, score: tuple[pd.DataFrame, dict[str, Any]] | None, inputs: pd.DataFrame | None
) -> None:
    """``score.csv`` / ``score.json`` and ``inputs.csv`` where given (both kinds of prediction)."""
    if score is not None:
        score[0].to_csv(folder / "score.csv")
        (folder / "score.json").write_text(json.dumps(score[1], indent=2))
    if inputs is not None:
        inputs.to_csv(folder / "inputs.csv", index=False, float_format="%.9g")


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.3f}", border=0, classes="table")


def report_html(
    pred: BeatPredictions,
    record: Record,
    package: ModelPackage,
    score: tuple[pd.DataFrame, dict[str, Any]] | None = None,
) -> str:
    """The offline HTML report of one recording's predictions."""
    model = package.metadata["model"]
    facts = {
        "recording": str(record.name),
        "duration": f"{record.duration_s / 60:.1f} min at {record.sampling_rate:g} Hz",
        "lead": pred.lead,
        "beats from": pred.beat_source + (f" ({pred.detector})" if pred.detector else ""),
        "model": f"{model['label']} ({model['architecture']}), {package.path.name}, "
        f"trained at {package.metadata.get('sampling_rate_hz', 0):g} Hz",
        "classified beats": f"{len(pred.beats)} ({pred.skipped_at_edges} at the edges skipped)",
        "time (s)": ", ".join(f"{k} {v:.2f}" for k, v in pred.timings_s.items()),
    }
    parts = [
        *_page_head(f"vitalkit predict: {record.name}", f"Beats of {record.name}", facts),
        _table(pred.counts()),
    ]
    if score is not None:
        table, summary = score
        parts += [
            "<h2>Against the reference annotations</h2>",
            f"<p>accuracy {summary['accuracy']:.4f}, macro-F1 {summary['macro_f1']:.4f} on "
            f"{summary['matched']} matched beats; {summary['missed']} reference beats missed, "
            f"{summary['extra']} predicted beats without a reference beat "
            f"(tolerance {summary['tolerance_s'] * 1000:.0f} ms).</p>",
            _table(table),
        ]
    parts += [
        "<h2>Example beats per class</h2>",
        f"<img alt='example beats' src='data:image/png;base64,{_png(example_beats_figure(pred, record))}'>",
        "<h2>RR tachogram</h2>",
        f"<img alt='tachogram' src='data:image/png;base64,{_png(tachogram_figure(pred))}'>",
        FOOTER,
    ]
    return "\n".join(parts)


def write_prediction(
    out_dir: str | Path,
    pred: BeatPredictions,
    record: Record,
    package: ModelPackage,
    score: tuple[pd.DataFrame, dict[str, Any]] | None = None,
    inputs: bool = False,
) -> Path:
    """Write every product of one recording into ``<out_dir>/<record>/`` atomically; return that folder.

    An earlier folder of the same record is replaced only once the new one is complete.
    """
    target = Path(out_dir) / str(record.name)
    with atomic_dir(target) as tmp:
        pred.beats.to_csv(tmp / "beats.csv", index=False)
        symbols = pred.beats["class"].to_numpy().astype(str)
        if len(symbols):
            wfdb.wrann(
                str(record.name),
                ANNOTATOR,
                pred.beats["sample"].to_numpy().astype(np.int64),
                symbol=list(symbols),
                fs=record.sampling_rate,
                write_dir=str(tmp),
            )
        columns = {i["name"]: i["columns"] for i in package.metadata["inputs"] if "columns" in i}
        _write_extras(tmp, score, pred.input_table(columns) if inputs else None)
        info = {
            "record": str(record.name),
            "model": package.metadata["model"],
            "model_file": package.path.name,
            "lead": pred.lead,
            "beat_source": pred.beat_source,
            "detector": pred.detector,
            "sampling_rate_hz": pred.sampling_rate,
            "duration_s": record.duration_s,
            "beats": len(pred.beats),
            "skipped_at_edges": pred.skipped_at_edges,
            "counts": pred.counts()["beats"].to_dict(),
            "timings_s": pred.timings_s,
        }
        (tmp / "prediction.json").write_text(json.dumps(info, indent=2))
        (tmp / "report.html").write_text(report_html(pred, record, package, score))
    return target


def write_pooled_beat_score(
    out_dir: str | Path, table: pd.DataFrame, summary: dict[str, Any], per_record: pd.DataFrame
) -> Path:
    """Write the pooled beat score of several recordings (from ``score.pooled_beat_score``).

    ``pooled_score.csv`` (the AAMI table), ``pooled_score.json`` (the summary),
    ``per_record_score.csv`` and ``pooled_score.html`` (both tables on one offline page), each
    written atomically into ``out_dir``; returns the HTML page's path.
    """
    out = Path(out_dir)
    with atomic_path(out / "pooled_score.csv") as tmp:
        table.to_csv(tmp)
    with atomic_path(out / "per_record_score.csv") as tmp:
        per_record.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "pooled_score.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    facts = {
        "recordings": summary["recordings"],
        "matched beats": summary["matched"],
        "reference beats missed": summary["missed"],
        "predicted beats without a reference beat": summary["extra"],
        "accuracy": f"{summary['accuracy']:.4f}",
        "macro-F1": f"{summary['macro_f1']:.4f}",
    }
    page = "\n".join(
        [
            *_page_head("vitalkit predict: pooled score", "Pooled score", facts),
            _table(table),
            "<h2>Per recording</h2>",
            "<p>Reference beats per class, Se and +P per class (empty: no such beats).</p>",
            _table(per_record.set_index("recording")),
            FOOTER,
        ]
    )
    with atomic_path(out / "pooled_score.html") as tmp:
        tmp.write_text(page)
    return out / "pooled_score.html"


RHYTHM_NOTES = {"N": "(N", "A": "(AFIB", "O": "(O", "~": "(NOISE"}
"""WFDB rhythm notes written for the rhythm classes (MIT-BIH conventions where there is one)."""

RHYTHM_COLOURS = {"N": "#4c72b0", "A": "#c44e52", "O": "#dd8452", "~": "#999999"}


def rhythm_timeline_figure(pred: RhythmPredictions) -> plt.Figure:
    """Class of every window along the recording, and the AF probability."""
    w = pred.windows
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 3.2), sharex=True, height_ratios=[1, 2])
    for c in pred.classes:
        rows = w[w["class"] == c]
        top.broken_barh(
            list(zip(rows["start_s"] / 60.0, (rows["end_s"] - rows["start_s"]) / 60.0, strict=True)),
            (0, 1),
            color=RHYTHM_COLOURS.get(c, "k"),
            label=c,
        )
    top.set_yticks([])
    top.legend(ncol=len(pred.classes), loc="upper right", fontsize=8)
    middle = (w["start_s"] + w["end_s"]) / 120.0
    if "p_A" in w:
        bottom.plot(middle, w["p_A"], color=RHYTHM_COLOURS["A"], lw=1)
        bottom.set_ylabel("P(AF)")
    bottom.set_ylim(0, 1)
    bottom.set_xlabel("time (min, window centre)")
    bottom.grid(alpha=0.3)
    return fig


def write_rhythm_prediction(
    out_dir: str | Path,
    pred: RhythmPredictions,
    record: Record,
    package: ModelPackage,
    score: tuple[pd.DataFrame, dict[str, Any]] | None = None,
    inputs: bool = False,
) -> Path:
    """Write ``windows.csv``, ``<record>.vkr`` (WFDB rhythm notes at class changes), ``report.html``,
    ``prediction.json`` (and ``score.*``, ``inputs.csv``) into ``<out_dir>/<record>/`` atomically."""
    target = Path(out_dir) / str(record.name)
    w = pred.windows
    with atomic_dir(target) as tmp:
        w.to_csv(tmp / "windows.csv", index=False)
        change = np.flatnonzero(np.r_[True, w["class"].to_numpy()[1:] != w["class"].to_numpy()[:-1]])
        wfdb.wrann(
            str(record.name),
            RHYTHM_ANNOTATOR,
            np.round(w["start_s"].to_numpy()[change] * record.sampling_rate).astype(np.int64),
            symbol=["+"] * change.size,
            aux_note=[RHYTHM_NOTES.get(c, f"({c}") for c in w["class"].to_numpy()[change]],
            fs=record.sampling_rate,
            write_dir=str(tmp),
        )
        table = pd.DataFrame(
            pred.inputs[package.input_names[0]], columns=package.metadata["inputs"][0]["columns"]
        )
        _write_extras(tmp, score, table if inputs else None)
        info = {
            "record": str(record.name),
            "task": "rhythm",
            "model": package.metadata["model"],
            "model_file": package.path.name,
            "lead": pred.lead,
            "windows": len(w),
            "window_s": package.metadata["windows"]["window_s"],
            "stride_s": package.metadata["windows"]["stride_s"],
            "counts": pred.counts()["windows"].to_dict(),
            "af_time_%": float(pred.counts().loc["A", "time_%"]) if "A" in pred.classes else None,
            "timings_s": pred.timings_s,
        }
        (tmp / "prediction.json").write_text(json.dumps(info, indent=2))
        facts = {
            "recording": str(record.name),
            "duration": f"{record.duration_s / 60:.1f} min at {record.sampling_rate:g} Hz",
            "lead": pred.lead,
            "model": f"{package.metadata['model']['label']}, {package.path.name}",
            "windows": f"{len(w)} of {info['window_s']:g} s every {info['stride_s']:g} s",
            "time (s)": ", ".join(f"{k} {v:.2f}" for k, v in pred.timings_s.items()),
        }
        parts = [*_page_head(f"vitalkit predict: {record.name}", f"Rhythm of {record.name}", facts)]
        parts.append(_table(pred.counts()))
        if score is not None:
            parts += [
                "<h2>AF windows against the reference rhythm</h2>",
                f"<p>accuracy {score[1]['accuracy']:.4f} over {score[1]['windows']} windows, "
                f"{score[1]['reference_af_windows']} of them AF in the reference.</p>",
                _table(score[0]),
            ]
        parts += [
            "<h2>Timeline</h2>",
            f"<img alt='timeline' src='data:image/png;base64,{_png(rhythm_timeline_figure(pred))}'>",
            FOOTER,
        ]
        (tmp / "report.html").write_text("\n".join(parts))
    return target


VITAL_PANELS = (("HR", "beats/min"), ("SpO2", "%"), ("SBP", "mmHg"), ("RR", "breaths/min"), ("Temp", "°C"))
"""Vital signs drawn under the risk curve of a stay."""


def vitals_timeline_figure(pred: VitalsPredictions, onset_hour: float | None = None) -> plt.Figure:
    """Risk per hour with the alert threshold (and the reference onset), the vital signs below."""
    hours = pred.hours["time_h"].to_numpy()
    fig, axes = plt.subplots(
        1 + len(VITAL_PANELS),
        1,
        figsize=(11, 1.3 * (2 + len(VITAL_PANELS))),
        sharex=True,
        height_ratios=[2.5] + [1] * len(VITAL_PANELS),
    )
    top = axes[0]
    top.plot(hours, pred.hours["risk"], color="#c44e52", lw=1.4, label="risk")
    alert = pred.hours["alert"].to_numpy(bool)
    top.scatter(hours[alert], pred.hours["risk"].to_numpy()[alert], s=10, color="#c44e52", label="alert")
    if pred.threshold is not None:
        top.axhline(pred.threshold, color="k", ls="--", lw=0.8, label=f"threshold {pred.threshold:.3g}")
    if onset_hour is not None and onset_hour < len(hours):
        for ax in axes:
            ax.axvline(hours[int(onset_hour)], color="#8172b3", lw=1)
        top.text(hours[int(onset_hour)], 0.95, " onset", color="#8172b3", va="top", fontsize=8)
    top.set_ylim(0, 1)
    top.set_ylabel("P(sepsis ≤ 6 h)")
    top.legend(loc="upper left", fontsize=8, ncol=3)
    top.grid(alpha=0.3)
    for ax, (channel, unit) in zip(axes[1:], VITAL_PANELS, strict=True):
        v = pred.frame[channel].to_numpy(np.float64)
        ax.plot(hours, v, ".", ms=3, color="#4c72b0")
        ax.set_ylabel(f"{channel}\n{unit}", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("ICU hours (ICULOS)")
    return fig


def write_vitals_prediction(
    out_dir: str | Path,
    pred: VitalsPredictions,
    package: ModelPackage,
    score: tuple[pd.DataFrame, dict[str, Any]] | None = None,
    inputs: bool = False,
) -> Path:
    """Write ``hours.csv``, ``report.html``, ``prediction.json`` (and ``score.*``, ``inputs.csv``:
    values then ``measured_<column>``) into ``<out_dir>/<stay>/`` atomically."""
    target = Path(out_dir) / pred.record
    columns = package.metadata["inputs"][0]["columns"]
    with atomic_dir(target) as tmp:
        pred.hours.to_csv(tmp / "hours.csv", index=False, float_format="%.6g")
        table = pd.concat(
            [
                pd.DataFrame(pred.inputs["values"], columns=columns),
                pd.DataFrame(pred.inputs["measured"], columns=[f"measured_{c}" for c in columns]),
            ],
            axis=1,
        )
        _write_extras(tmp, score, table if inputs else None)
        counts = pred.counts()
        info = {
            "record": pred.record,
            "task": "vitals",
            "model": package.metadata["model"],
            "model_file": package.path.name,
            "hours": len(pred.hours),
            "alert_threshold": pred.threshold,
            "counts": counts["hours"].to_dict(),
            "max_risk": float(pred.hours["risk"].max()),
            "first_alert_time_h": (
                float(pred.hours.loc[pred.hours["alert"], "time_h"].iloc[0])
                if pred.hours["alert"].any()
                else None
            ),
            "timings_s": pred.timings_s,
        }
        (tmp / "prediction.json").write_text(json.dumps(info, indent=2))
        facts = {
            "stay": pred.record,
            "duration": f"{len(pred.hours)} hours (ICU hours {pred.hours['time_h'].iloc[0]:g} to "
            f"{pred.hours['time_h'].iloc[-1]:g})",
            "model": f"{package.metadata['model']['label']}, {package.path.name}",
            "output": package.metadata["output"]["class_meaning"][package.classes[0]],
            "alert threshold": "none" if pred.threshold is None else f"{pred.threshold:.4g}",
            "time (s)": ", ".join(f"{k} {v:.3f}" for k, v in pred.timings_s.items()),
        }
        parts = [*_page_head(f"vitalkit predict: {pred.record}", f"Early warning for {pred.record}", facts)]
        parts[-1] = parts[-1].replace("<h2>Classes</h2>", "<h2>Alerts</h2>")
        parts.append(_table(counts))
        onset = None
        if score is not None:
            s = score[1]
            onset = s.get("onset_hour")
            parts += [
                "<h2>Against SepsisLabel</h2>",
                f"<p>{'septic' if s['septic'] else 'not septic'}"
                + (f", onset at hour {onset}" if onset is not None else "")
                + f"; {s['evaluated_hours']} hours evaluated (before onset), {s['positive_hours']} with "
                f"onset within the horizon.</p>",
                _table(score[0].T),
            ]
        parts += [
            "<h2>Risk and vital signs</h2>",
            f"<img alt='timeline' src='data:image/png;base64,{_png(vitals_timeline_figure(pred, onset))}'>",
            FOOTER,
        ]
        (tmp / "report.html").write_text("\n".join(parts))
    return target
