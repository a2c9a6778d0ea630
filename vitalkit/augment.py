"""Training-time augmentations of ECG windows, chosen in params by a spec dict.

Each augmentation is a NumPy function ``f(windows, sampling_rate, rng, **params)`` on an
array whose last axis is time (``(n, L)`` or ``(n, C, L)``), registered in
:data:`AUGMENTATIONS`; amplitudes are in millivolts, so apply them before normalization.
Random draws are per window (the same time or amplitude scale for every channel of a
window, independent noise per channel), from the generator passed in.

============================  =========================================================================
name                          what it adds or changes (parameters, defaults)
============================  =========================================================================
``baseline_wander``           a sinusoid of 0.05 Hz to ``max_frequency_hz`` (0.5) with a random phase,
                              peak amplitude uniform in [0, ``amplitude_mv``] (0.3)
``powerline``                 a ``frequency_hz`` (50) sinusoid, ±0.2 Hz, random phase, amplitude uniform
                              in [0, ``amplitude_mv``] (0.1); must be below the Nyquist frequency
``muscle_noise``              EMG-like noise: Gaussian noise band-passed to ``band_hz`` (20 to 150 Hz,
                              capped at 0.45 × rate), RMS uniform in [0, ``amplitude_mv``] (0.05)
``amplitude_scale``           multiplies by a factor uniform in ``range`` ([0.8, 1.2])
``time_scale``                stretches about the window centre by a factor uniform in ``range``
                              ([0.9, 1.1]); a beat centred on its R peak keeps it there
============================  =========================================================================

A spec maps names to their parameters plus ``p``, the probability each window gets it
(default 0.5)::

    {"baseline_wander": {"p": 0.5, "amplitude_mv": 0.3},
     "amplitude_scale": {"p": 0.5, "range": [0.8, 1.2]}}

Examples
--------
>>> import numpy as np
>>> windows = np.zeros((4, 250))
>>> augment = Augmenter({"powerline": {"p": 1.0, "amplitude_mv": 0.1}}, sampling_rate=250, seed=0)
>>> out = augment(windows, np.random.default_rng(0))
>>> out.shape, bool(np.abs(out).max() <= 0.1), bool(np.abs(out).max() > 0)
((4, 250), True, True)
>>> Augmenter({"rotation": {}}, 250, 0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vitalkit.errors.ParamsError: invalid parameter set augment:
  - unknown augmentation 'rotation'; known: amplitude_scale, baseline_wander, muscle_noise, ...
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import signal as sps

from vitalkit.errors import ParamsError

Augmentation = Callable[..., np.ndarray]


def _add_sinusoid(
    x: np.ndarray, sampling_rate: float, rng: np.random.Generator, freq: np.ndarray, amplitude_mv: float
) -> np.ndarray:
    """Add to every lead a sinusoid of its ``freq``, a random phase and an amplitude in [0, max]."""
    phase = rng.uniform(0, 2 * np.pi, size=freq.shape)
    amp = rng.uniform(0, amplitude_mv, size=freq.shape)
    t = np.arange(x.shape[-1]) / sampling_rate
    return x + amp * np.sin(2 * np.pi * freq * t + phase)


def _per_window(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Broadcast one value per window over the channel and time axes."""
    return values.reshape((x.shape[0],) + (1,) * (x.ndim - 1))


def baseline_wander(
    x: np.ndarray,
    sampling_rate: float,
    rng: np.random.Generator,
    amplitude_mv: float = 0.3,
    max_frequency_hz: float = 0.5,
) -> np.ndarray:
    """Add a slow sinusoidal baseline drift (respiration, electrode movement)."""
    freq = rng.uniform(0.05, max_frequency_hz, size=(*x.shape[:-1], 1))
    return _add_sinusoid(x, sampling_rate, rng, freq, amplitude_mv)


def powerline(
    x: np.ndarray,
    sampling_rate: float,
    rng: np.random.Generator,
    amplitude_mv: float = 0.1,
    frequency_hz: float = 50.0,
) -> np.ndarray:
    """Add mains interference at ``frequency_hz`` (50 or 60 Hz)."""
    freq = frequency_hz + rng.uniform(-0.2, 0.2, size=(*x.shape[:-1], 1))
    return _add_sinusoid(x, sampling_rate, rng, freq, amplitude_mv)


def muscle_noise(
    x: np.ndarray,
    sampling_rate: float,
    rng: np.random.Generator,
    amplitude_mv: float = 0.05,
    band_hz: tuple[float, float] = (20.0, 150.0),
) -> np.ndarray:
    """Add band-limited Gaussian noise like surface EMG (muscle artefact)."""
    high = min(band_hz[1], 0.45 * sampling_rate)
    sos = sps.butter(4, [band_hz[0], high], btype="bandpass", fs=sampling_rate, output="sos")
    pad = 3 * x.shape[-1]  # filter a longer stretch and keep the middle: no edge transients
    noise = sps.sosfilt(sos, rng.standard_normal((*x.shape[:-1], x.shape[-1] + 2 * pad)), axis=-1)
    noise = noise[..., pad : pad + x.shape[-1]]
    rms = np.sqrt(np.mean(noise**2, axis=-1, keepdims=True))
    amp = rng.uniform(0, amplitude_mv, size=(*x.shape[:-1], 1))
    return x + amp * noise / np.where(rms > 0, rms, 1.0)


def amplitude_scale(
    x: np.ndarray, sampling_rate: float, rng: np.random.Generator, range: tuple[float, float] = (0.8, 1.2)
) -> np.ndarray:
    """Multiply each window by a random gain (electrode contact, body habitus)."""
    return x * _per_window(x, rng.uniform(range[0], range[1], size=x.shape[0]))


def time_scale(
    x: np.ndarray, sampling_rate: float, rng: np.random.Generator, range: tuple[float, float] = (0.9, 1.1)
) -> np.ndarray:
    """Stretch (factor > 1) or compress each window about its centre; edges repeat the end values.

    Linear interpolation (``np.interp``) at ``centre + (t - centre) / factor``.
    """
    length = x.shape[-1]
    centre = (length - 1) / 2
    grid = np.arange(length, dtype=np.float64)
    factors = rng.uniform(range[0], range[1], size=x.shape[0])
    flat = x.reshape(x.shape[0], -1, length)
    out = np.empty_like(flat, dtype=np.float64)
    for i, factor in enumerate(factors):
        source = centre + (grid - centre) / factor
        out[i] = np.stack([np.interp(source, grid, lead) for lead in flat[i]])
    return out.reshape(x.shape)


AUGMENTATIONS: dict[str, Augmentation] = {
    "baseline_wander": baseline_wander,
    "powerline": powerline,
    "muscle_noise": muscle_noise,
    "amplitude_scale": amplitude_scale,
    "time_scale": time_scale,
}
"""Registered augmentations, by name."""


def _check_value(name: str, key: str, value: Any, sampling_rate: float) -> str | None:
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if key == "p":
        return (
            None if number and 0 <= value <= 1 else f"{name}.p must be a probability in [0, 1], got {value!r}"
        )
    if key in ("range", "band_hz"):
        ok = (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0 for v in value)
            and value[0] <= value[1]
        )
        if not ok:
            return f"{name}.{key} must be [low, high] with 0 < low <= high, got {value!r}"
        if key == "band_hz" and value[0] >= 0.45 * sampling_rate:
            return f"{name}.band_hz starts at {value[0]} Hz, above 0.45 × the {sampling_rate:g} Hz rate"
        return None
    if not number or not np.isfinite(value) or value < 0:
        return f"{name}.{key} must be a number >= 0, got {value!r}"
    if key == "frequency_hz" and not 0 < value < sampling_rate / 2:
        return f"{name}.frequency_hz={value} is not below the Nyquist frequency ({sampling_rate / 2:g} Hz)"
    if key == "max_frequency_hz" and value <= 0.05:
        return f"{name}.max_frequency_hz must be above 0.05 Hz, got {value!r}"
    return None


def check_spec(spec: Mapping[str, Any], sampling_rate: float) -> dict[str, dict[str, Any]]:
    """Validate an augmentation spec; return it with every default filled in.

    Raises
    ------
    ParamsError
        Listing every unknown augmentation, unknown parameter and bad value.
    """
    if not isinstance(spec, Mapping):
        raise ParamsError(
            "augment", [f"the spec must be a mapping of augmentation names, got {type(spec).__name__}"]
        )
    problems: list[str] = []
    if not (isinstance(sampling_rate, numbers.Real) and np.isfinite(sampling_rate) and sampling_rate > 0):
        problems.append(f"sampling_rate must be a positive number, got {sampling_rate!r}")
        sampling_rate = 1.0
    full: dict[str, dict[str, Any]] = {}
    for name, params in spec.items():
        if name not in AUGMENTATIONS:
            problems.append(f"unknown augmentation {name!r}; known: {', '.join(sorted(AUGMENTATIONS))}")
            continue
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            problems.append(f"{name}: parameters must be a mapping, got {params!r}")
            continue
        defaults = {
            k: v.default for k, v in list(inspect.signature(AUGMENTATIONS[name]).parameters.items())[3:]
        }
        unknown = sorted(set(params) - set(defaults) - {"p"})
        if unknown:
            problems.append(f"{name}: unknown parameter(s) {unknown}; known: {['p', *defaults]}")
            continue
        merged = {"p": 0.5, **defaults, **params}
        problems += [p for k, v in merged.items() if (p := _check_value(name, k, v, sampling_rate))]
        full[name] = merged
    if problems:
        raise ParamsError("augment", problems)
    return full


class Augmenter:
    """Apply the augmentations of a spec, each to a random subset of windows.

    Parameters
    ----------
    spec : mapping
        ``{name: {"p": probability, **parameters}}`` (see the module notes).
    sampling_rate : float
        Samples per second of the windows.
    seed : int
        Seed of the generator used when a call passes none.

    Raises
    ------
    ParamsError
        Unknown augmentation or parameter, or a bad value.
    """

    def __init__(self, spec: Mapping[str, Any], sampling_rate: float, seed: int = 0) -> None:
        self.spec = check_spec(spec, sampling_rate)
        self.sampling_rate = float(sampling_rate)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return f"Augmenter({self.spec!r}, sampling_rate={self.sampling_rate:g}, seed={self.seed})"

    def __call__(self, windows: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Return augmented copies of ``windows`` (``(n, L)`` or ``(n, C, L)``), same dtype.

        Augmentations run in the spec's order; each window gets each one with its ``p``.
        """
        rng = self.rng if rng is None else rng
        x = np.asarray(windows)
        if x.ndim not in (2, 3):
            raise ValueError(f"windows must be (n, L) or (n, C, L), got shape {x.shape}")
        out = x.astype(np.float64, copy=True)
        for name, params in self.spec.items():
            chosen = rng.random(out.shape[0]) < params["p"]
            if chosen.any():
                kwargs = {k: v for k, v in params.items() if k != "p"}
                out[chosen] = AUGMENTATIONS[name](out[chosen], self.sampling_rate, rng, **kwargs)
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


def augmentation_figure(
    beat: np.ndarray, sampling_rate: float, spec: Mapping[str, Any], n_draws: int = 3, seed: int = 0
) -> go.Figure:
    """One panel per augmentation of ``spec``: the beat (grey) and ``n_draws`` augmented versions.

    Each panel applies its augmentation alone with ``p = 1`` (seeded), so the figure shows
    what the spec can do to a beat.

    Examples
    --------
    >>> import numpy as np
    >>> beat = np.exp(-((np.arange(250) - 90) / 6.0) ** 2)
    >>> fig = augmentation_figure(beat, 360, {"amplitude_scale": {}, "time_scale": {}})
    >>> len(fig.data), fig.layout.annotations[0].text
    (8, 'amplitude_scale')
    """
    full = check_spec(spec, sampling_rate)
    beat = np.asarray(beat, dtype=np.float64).ravel()
    t_ms = np.arange(beat.size) / sampling_rate * 1000
    names = list(full)
    cols = min(3, max(1, len(names)))
    rows = max(1, -(-len(names) // cols))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names or ["(no augmentation)"], shared_yaxes=True
    )
    rng = np.random.default_rng(seed)
    for i, name in enumerate(names):
        row, col = i // cols + 1, i % cols + 1
        kwargs = {k: v for k, v in full[name].items() if k != "p"}
        drawn = AUGMENTATIONS[name](np.repeat(beat[None, :], n_draws, axis=0), sampling_rate, rng, **kwargs)
        fig.add_trace(
            go.Scatter(
                x=t_ms, y=beat, line={"color": "#999", "width": 3}, name="original", showlegend=i == 0
            ),
            row=row,
            col=col,
        )
        for d in range(n_draws):
            fig.add_trace(
                go.Scatter(
                    x=t_ms,
                    y=drawn[d],
                    line={"width": 1.2},
                    name=f"draw {d + 1}",
                    showlegend=False,
                    hovertemplate=f"{name}<br>%{{x:.0f}} ms: %{{y:.3f}} mV<extra></extra>",
                ),
                row=row,
                col=col,
            )
    fig.update_layout(
        title="Augmentations on one beat (grey: original)",
        height=260 * rows,
        margin={"l": 50, "r": 20, "t": 60, "b": 40},
    )
    fig.update_xaxes(title_text="ms")
    fig.update_yaxes(title_text="mV", col=1)
    return fig
