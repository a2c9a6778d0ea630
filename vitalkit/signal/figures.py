"""Figures of the signal-processing report: filter effects, spectra, time-frequency maps,
wavelet decompositions and the noise stress test. Traces are decimated to keep notebooks small.

Examples
--------
>>> import numpy as np
>>> from vitalkit.signal.figures import filter_effect_figure
>>> x = np.sin(np.arange(3600) / 50)
>>> len(filter_effect_figure(x, 360, {"same": x}).data)
2
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vitalkit.signal.noise import NOISE_KINDS
from vitalkit.signal.spectra import TimeFrequency, signal_welch
from vitalkit.signal.wavelets import WaveletDecomposition
from vitalkit.viz import log_axis

NOISE_TITLES = {
    "bw": "baseline wander (NSTDB bw)",
    "ma": "muscle artifact (NSTDB ma)",
    "em": "electrode motion (NSTDB, from 118e00)",
    "pl": "powerline 60 Hz (SYNTHETIC)",
}


def _step(n: int, max_points: int) -> int:
    return max(1, int(np.ceil(n / max_points)))


def filter_effect_figure(
    signal: np.ndarray,
    sampling_rate: float,
    outputs: Mapping[str, np.ndarray],
    title: str = "Filter effects",
    max_points: int = 1200,
) -> go.Figure:
    """The raw signal and each filter's output, stacked with a shared time axis."""
    names = ["raw", *outputs]
    fig = make_subplots(
        rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.03, subplot_titles=names
    )
    step = _step(len(signal), max_points)
    t = (np.arange(len(signal)) / sampling_rate)[::step]
    for row, (name, y) in enumerate(zip(names, [signal, *outputs.values()], strict=True), start=1):
        fig.add_trace(
            go.Scatter(
                x=t.round(3),
                y=np.asarray(y)[::step].round(4),
                mode="lines",
                name=name,
                line={"width": 1},
                showlegend=False,
            ),
            row=row,
            col=1,
        )
    fig.update_xaxes(title_text="s", row=len(names), col=1)
    fig.update_layout(title=title, height=140 * len(names) + 80, margin={"t": 60, "b": 40})
    return fig


def spectra_figure(
    signals: Mapping[str, np.ndarray],
    sampling_rate: float,
    window_s: float = 4.0,
    title: str = "Welch power spectra",
) -> go.Figure:
    """Welch spectra (:func:`~vitalkit.signal.spectra.signal_welch`) of each signal, log power axis."""
    fig = go.Figure()
    powers = []
    for name, x in signals.items():
        psd = signal_welch(x, sampling_rate, window_s=window_s)
        keep = psd["frequency_hz"] > 0
        power = psd["power"][keep].clip(lower=1e-12)
        powers.append(power.to_numpy())
        fig.add_trace(
            go.Scatter(
                x=psd["frequency_hz"][keep].round(3),
                y=power,
                mode="lines",
                name=name,
            )
        )
    fig.update_layout(title=title, xaxis_title="Hz", yaxis_title="power (mV²/Hz)", height=360)
    fig.update_yaxes(**log_axis(np.concatenate(powers) if powers else None))
    return fig


def timefreq_figure(
    tf: TimeFrequency, signal: np.ndarray, sampling_rate: float, max_columns: int = 200
) -> go.Figure:
    """The signal above its time-frequency power map (dB, decimated in time)."""
    step = _step(len(tf.times), max_columns)
    power_db = 10 * np.log10(tf.power[:, ::step] + 1e-12)
    lo, hi = np.percentile(power_db, [5, 99.5])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.3, 0.7], vertical_spacing=0.04)
    s = _step(len(signal), 1200)
    fig.add_trace(
        go.Scatter(
            x=(np.arange(len(signal)) / sampling_rate)[::s].round(3),
            y=np.asarray(signal)[::s].round(4),
            mode="lines",
            line={"width": 1},
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Heatmap(
            x=tf.times[::step].round(3),
            y=tf.frequencies.round(2),
            z=power_db.round(1),
            zmin=lo,
            zmax=hi,
            colorscale="Viridis",
            colorbar={"title": "dB"},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="Hz", row=2, col=1)
    if tf.method.startswith("CWT"):
        fig.update_yaxes(**log_axis(tf.frequencies), row=2, col=1)
    fig.update_xaxes(title_text="s", row=2, col=1)
    fig.update_layout(title=f"Time-frequency map ({tf.method})", height=480)
    return fig


def dwt_figure(decomposition: WaveletDecomposition, max_points: int = 1000) -> go.Figure:
    """Each component of a wavelet multi-resolution decomposition, with its band."""
    comps = decomposition.components
    titles = [
        f"{n}  ({lo:.1f}-{hi:.1f} Hz)"
        for n, (lo, hi) in zip(decomposition.names, decomposition.bands_hz, strict=True)
    ]
    fig = make_subplots(
        rows=len(titles), cols=1, shared_xaxes=True, vertical_spacing=0.02, subplot_titles=titles
    )
    step = _step(comps.shape[1], max_points)
    t = (np.arange(comps.shape[1]) / decomposition.sampling_rate)[::step].round(3)
    for row, comp in enumerate(comps, start=1):
        fig.add_trace(
            go.Scatter(x=t, y=comp[::step].round(4), mode="lines", line={"width": 1}, showlegend=False),
            row=row,
            col=1,
        )
    fig.update_annotations(font_size=11)
    fig.update_layout(title="Discrete wavelet multi-resolution decomposition", height=95 * len(titles) + 80)
    return fig


def snr_figure(table: pd.DataFrame) -> go.Figure:
    """Mean SNR improvement against input SNR, one panel per noise type, a line per method."""
    noises = [k for k in NOISE_KINDS if k in set(table["noise"])]
    fig = make_subplots(
        rows=1, cols=len(noises), shared_yaxes=True, subplot_titles=[NOISE_TITLES.get(k, k) for k in noises]
    )
    mean = table.groupby(["noise", "method", "snr_in_db"], sort=False)["improvement_db"].mean().reset_index()
    methods = list(dict.fromkeys(table["method"]))
    colours = [f"hsl({int(360 * i / max(len(methods), 1))},60%,45%)" for i in range(len(methods))]
    for col, kind in enumerate(noises, start=1):
        for method, colour in zip(methods, colours, strict=True):
            sub = mean[(mean["noise"] == kind) & (mean["method"] == method)].sort_values("snr_in_db")
            fig.add_trace(
                go.Scatter(
                    x=sub["snr_in_db"],
                    y=sub["improvement_db"].round(2),
                    mode="lines+markers",
                    name=method,
                    legendgroup=method,
                    showlegend=col == 1,
                    line={"color": colour},
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="input SNR (dB)", row=1, col=col)
    fig.update_yaxes(title_text="SNR improvement (dB)", row=1, col=1)
    fig.update_annotations(font_size=11)
    fig.update_layout(title="Noise stress test: SNR improvement by method (mean over records)", height=420)
    return fig
