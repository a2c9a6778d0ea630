"""Exploration of MIT-BIH records: overview, classes per record, example beats, RR.

Examples
--------
>>> beats = load_explore_beats(["100", "208"])          # doctest: +SKIP
>>> example_beats_figure(beats, n_per_class=10).data[0].type  # doctest: +SKIP
'scatter'
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_annotations, read_header
from vitalkit.datasets import FolderWindows, MitdbBeats
from vitalkit.errors import DataError
from vitalkit.io import write_text
from vitalkit.labels import AAMI_CLASSES
from vitalkit.samples import BeatSet
from vitalkit.viz import PALETTE, add_headline, percentile_box


def record_overview(records: Sequence[str], data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per record: duration, leads, sampling rate, beats, AAMI counts and rhythms."""
    symbols = mitdb.annotation_counts(records, data_dir)
    aami = mitdb.aami_counts(symbols)
    rows = []
    for base in ensure_records(mitdb.SLUG, records, data_dir=data_dir):
        header = read_header(base)
        ann = read_annotations(base, "atr")
        rhythms = sorted({a for a in ann.aux_note if a.startswith("(")})
        rows.append(
            {
                "record": base.name,
                "minutes": round(header.sig_len / header.fs / 60, 1),
                "fs_hz": header.fs,
                "leads": "/".join(header.sig_name),
                "paced": base.name in mitdb.PACED,
                "split": "DS1" if base.name in mitdb.DS1 else "DS2" if base.name in mitdb.DS2 else "excluded",
                "rhythms": " ".join(r.lstrip("(") for r in rhythms),
            }
        )
    table = pd.DataFrame(rows).set_index("record").join(aami)
    table["beats"] = aami.sum(axis=1)
    return table


def class_heatmap(aami: pd.DataFrame) -> go.Figure:
    """Heatmap of AAMI beat counts per record (log colour scale, counts as text)."""
    z = np.log10(aami.to_numpy(dtype=float) + 1)
    fig = go.Figure(
        go.Heatmap(
            z=z.T,
            x=[str(r) for r in aami.index],
            y=list(aami.columns),
            text=aami.to_numpy().T,
            texttemplate="%{text}",
            colorscale="YlOrRd",
            showscale=False,
            hovertemplate="record %{x}<br>class %{y}: %{text} beats<extra></extra>",
        )
    )
    fig.update_layout(
        title="AAMI beat classes per record",
        height=300,
        xaxis_type="category",
        xaxis_title="record",
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
    )
    return fig


def load_explore_beats(records: Sequence[str], data_dir: str | Path | None = None) -> BeatSet:
    """All beats of all five AAMI classes of ``records`` (filtered MLII windows + RR)."""
    sets, _ = build_beat_dataset(
        {"explore": list(records)}, classes=AAMI_CLASSES, data_dir=data_dir, progress=False
    )
    return sets["explore"]


def example_beats_figure(beats: BeatSet, n_per_class: int = 20, seed: int = 0, step: int = 3) -> go.Figure:
    """Randomly drawn example beats of each class (seeded), with the class mean in black.

    The examples of a class share one trace (separated by gaps) and are drawn every
    ``step``-th sample, which keeps the figure small enough to live in a notebook.
    """
    rng = np.random.default_rng(seed)
    present = [i for i, _ in enumerate(beats.classes) if (beats.labels == i).any()]
    fig = make_subplots(
        rows=1,
        cols=len(present),
        shared_yaxes=True,
        subplot_titles=[f"{beats.classes[i]} (n={(beats.labels == i).sum():,})" for i in present],
    )
    t = ((np.arange(beats.windows.shape[-1]) / beats.sampling_rate - beats.before_s) * 1000)[::step]
    for col, i in enumerate(present, start=1):
        idx = np.flatnonzero(beats.labels == i)
        pick = rng.choice(idx, size=min(n_per_class, idx.size), replace=False)
        gap = np.full((len(pick), 1), np.nan)
        xs = np.hstack([np.tile(t, (len(pick), 1)), gap]).ravel()
        ys = np.hstack([beats.windows[pick, 0, ::step].round(3), gap]).ravel()
        fig.add_trace(
            go.Scatter(
                x=xs.round(1),
                y=ys,
                mode="lines",
                connectgaps=False,
                line={"color": PALETTE.get(beats.classes[i], "#444"), "width": 0.7},
                opacity=0.4,
                showlegend=False,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=t.round(1),
                y=beats.windows[idx, 0].mean(axis=0)[::step].round(3),
                mode="lines",
                line={"color": "black", "width": 2},
                showlegend=False,
                name="mean",
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(title_text="ms from R peak")
    fig.update_yaxes(title_text="mV (MLII, 0.5-40 Hz)", row=1, col=1)
    fig.update_layout(title=f"Example beats per class ({n_per_class} drawn with seed {seed})", height=330)
    return fig


def rr_table(beats: BeatSet) -> pd.DataFrame:
    """RR features per beat with class, record and the prematurity ratio ``rr_pre / rr_local``."""
    table = pd.DataFrame(beats.rr, columns=["rr_pre", "rr_post", "rr_local", "rr_record"])
    table["class"] = np.asarray(beats.classes)[beats.labels]
    table["record"] = beats.record
    table["prematurity"] = table["rr_pre"] / table["rr_local"]
    return table


def rr_figure(rr: pd.DataFrame) -> go.Figure:
    """Previous RR interval and prematurity per class (boxes: quartiles, whiskers 5-95%)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["previous RR (s)", "prematurity rr_pre / rr_local"])
    present = set(rr["class"])
    order = [c for c in AAMI_CLASSES if c in present] or sorted(present)
    for cls in order:
        sub = rr[rr["class"] == cls]
        fig.add_trace(percentile_box(sub["rr_pre"], cls, PALETTE.get(cls)), row=1, col=1)
        fig.add_trace(percentile_box(sub["prematurity"], cls, PALETTE.get(cls)), row=1, col=2)
    fig.update_layout(title="RR-interval context by beat class (whiskers: 5th-95th percentile)", height=340)
    return fig


def rr_summary(rr: pd.DataFrame) -> pd.DataFrame:
    """Median and IQR of RR features per class (seconds and ratios)."""
    grouped = rr.groupby("class")[["rr_pre", "rr_post", "prematurity"]]
    table = grouped.median().add_suffix("_median").join(grouped.quantile(0.25).add_suffix("_q1"))
    table = table.join(grouped.quantile(0.75).add_suffix("_q3")).round(3)
    table.insert(0, "beats", rr.groupby("class").size())
    order = [c for c in AAMI_CLASSES if c in table.index]
    return table.loc[order] if order else table


def save_overview(product_dir: str | Path, overview: pd.DataFrame, rr_stats: pd.DataFrame) -> None:
    """Write ``records.csv`` and ``rr_by_class.csv`` and the stage's headline numbers."""
    product_dir = Path(product_dir)
    write_text(product_dir / "records.csv", overview.to_csv())
    write_text(product_dir / "rr_by_class.csv", rr_stats.to_csv())
    metrics: dict[str, int] = {"records": len(overview)}
    if "beats" in overview:
        metrics["beats"] = int(overview["beats"].sum())
        totals = overview[[c for c in AAMI_CLASSES if c in overview]].sum()
        metrics.update({f"beats_{c}": int(n) for c, n in totals.items()})
    else:
        flags = [c for c in overview.columns if set(overview[c].unique()) <= {0, 1}]
        metrics.update({f"records_{c}": int(overview[c].sum()) for c in flags})
    add_headline(product_dir, metrics=metrics)


# --- the same views for any dataset source (the explore notebook calls these) -----------------


@functools.singledispatch
def overview(source: Any, records: Any = "NONPACED") -> pd.DataFrame:
    """One row per record: what it holds (MIT-BIH: classes and rhythms; folders: labels, length)."""
    raise DataError("dataset", f"no overview for {type(source).__name__}")


@overview.register(MitdbBeats)
def _(source: MitdbBeats, records: Any = "NONPACED") -> pd.DataFrame:
    return record_overview(mitdb.resolve_records(records))


@overview.register(FolderWindows)
def _(source: FolderWindows, records: Any = None) -> pd.DataFrame:
    table = source.dataset.table().set_index("file")
    for label in source.dataset.vocabulary:
        table[label] = [int(label in r.labels) for r in source.dataset.records]
    return table


def classes_figure(source: Any, table: pd.DataFrame) -> go.Figure:
    """Beat classes per record (MIT-BIH heatmap) or records per label (folders)."""
    if isinstance(source, MitdbBeats):
        return class_heatmap(table[list(AAMI_CLASSES)])
    counts = table[list(source.dataset.vocabulary)].sum()
    fig = go.Figure(go.Bar(x=list(counts.index), y=counts.to_numpy(), text=counts.to_numpy()))
    fig.update_layout(title="Records per label", yaxis_title="records", height=300)
    return fig


def load_samples(source: Any, records: Any = "NONPACED") -> Any:
    """What the examples and RR views read: beats of the records (MIT-BIH) or the source itself."""
    if isinstance(source, MitdbBeats):
        return load_explore_beats(mitdb.resolve_records(records))
    return source


def examples_figure(samples: Any, n_per_class: int = 12, seed: int = 0) -> go.Figure:
    """Example beats per class (beats) or the first seconds of one record per label (folders)."""
    if isinstance(samples, BeatSet):
        return example_beats_figure(samples, n_per_class, seed)
    rng = np.random.default_rng(seed)
    vocabulary = samples.dataset.vocabulary
    fig = make_subplots(rows=len(vocabulary), cols=1, subplot_titles=list(vocabulary), vertical_spacing=0.04)
    for row, label in enumerate(vocabulary, start=1):
        candidates = [r for r in samples.dataset.records if label in r.labels]
        if not candidates:
            continue
        rec = candidates[int(rng.integers(len(candidates)))]
        n = min(rec.n_samples, int(5 * rec.sampling_rate))
        step = max(1, int(rec.sampling_rate // 125))
        t = np.arange(0, n, step) / rec.sampling_rate
        fig.add_trace(
            go.Scatter(
                x=t.round(3),
                y=rec.signal[:n:step, 0].round(3),
                mode="lines",
                line={"width": 1},
                name=f"{label}: {rec.name}",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
    fig.update_layout(title="First 5 s of one record per label", height=120 * len(vocabulary) + 80)
    return fig


def rr_table_any(samples: Any) -> pd.DataFrame:
    """RR features per beat and class: annotated beats (MIT-BIH) or detected R peaks per record label."""
    if isinstance(samples, BeatSet):
        return rr_table(samples)
    from vitalkit.beats.detect import ecg_rpeaks
    from vitalkit.beats.segment import rr_features

    parts = []
    for rec in samples.dataset.records:
        try:
            peaks = ecg_rpeaks(rec.signal[:, 0], rec.sampling_rate)
        except ValueError:
            continue
        if peaks.size < 3:
            continue
        rr = rr_features(peaks, rec.sampling_rate)
        part = pd.DataFrame(rr, columns=["rr_pre", "rr_post", "rr_local", "rr_record"])
        part["class"] = rec.labels[0] if rec.labels else ""
        part["record"] = rec.name
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["prematurity"] = table["rr_pre"] / table["rr_local"]
    return table
