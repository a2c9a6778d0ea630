"""From a recording and R-peak positions to a beat model's inputs: one code path for training and use.

:class:`BeatRecipe` says how a model's beats were made (lead, band-pass, rate, window, context
channels, feature table). It is stored with every beat set and in every exported model's
metadata, so that :func:`recipe_inputs` rebuilds exactly the inputs the model was trained on
from any recording: the training set (:func:`vitalkit.beats.dataset.record_beats`) and
``vitalkit predict`` call the same two functions.

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Record
>>> t = np.arange(3600) / 360.0
>>> ecg = np.exp(-((t % 0.8) - 0.4) ** 2 / 0.0002)       # one spike every 0.8 s
>>> record = Record("toy", ecg[:, None], 360.0, ["MLII"], ["mV"])
>>> leads = prepare_leads(record, BeatRecipe())
>>> inputs = recipe_inputs(leads, np.arange(144, 3600, 288), BeatRecipe())
>>> inputs.windows.shape, inputs.rr.shape, int(inputs.inside.sum())
((12, 1, 252), (12, 4), 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from vitalkit.beats.features import beat_feature_table, feature_names
from vitalkit.beats.segment import beat_windows, rr_features, running_template
from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.samples.beatset import RR_FEATURES
from vitalkit.signal.filters import ecg_bandpass, signal_resample

CONTEXTS = ("template",)
"""Context channels a recipe can add after the lead."""

FEATURE_TABLES = ("rr", "transfer")
"""What the beat-feature array holds: ``'rr'`` the 4 RR features in seconds; ``'transfer'`` those
followed by the patient-normalised RR and morphology table of every lead
(:func:`vitalkit.beats.features.beat_feature_table`)."""


SECOND_LEAD = "V1"
"""The second lead measured when a recording has more than two channels (or an equivalent
name, :data:`vitalkit.data.records.LEAD_EQUIVALENTS`): V1 is MIT-BIH's second lead in 20 of the
22 DS1 training records, so a 12-lead recording (INCART, PTB-XL) gives the models the lead they
learnt from, not lead I. Recordings of one or two channels are unaffected."""


@dataclass(frozen=True)
class BeatRecipe:
    """How a recording becomes beat inputs.

    Attributes
    ----------
    lead : str
        The lead the windows are cut from (a channel name; ``vitalkit predict`` may map it to
        another channel of a foreign recording).
    before_s, after_s : float
        Window extent around the R peak, in seconds.
    bandpass : tuple of float
        Band-pass edges in Hz, applied at the recording's own rate.
    sampling_rate : float or None
        Rate the filtered leads are resampled to (None: the recording's rate).
    context : tuple of str
        Context channels after the lead (:data:`CONTEXTS`).
    template_beats : int
        Beats in the running template (context ``'template'``).
    features : str
        Beat-feature table (:data:`FEATURE_TABLES`).
    leads : int
        With ``features='transfer'``: leads measured, ``lead`` first, then the recording's other
        channels, :data:`SECOND_LEAD` first where the recording has it, the rest in their order
        (fewer leads: the first is repeated).
    """

    lead: str = "MLII"
    before_s: float = 0.25
    after_s: float = 0.45
    bandpass: tuple[float, float] = (0.5, 40.0)
    sampling_rate: float | None = None
    context: tuple[str, ...] = field(default_factory=tuple)
    template_beats: int = 32
    features: str = "rr"
    leads: int = 2

    def problems(self) -> list[str]:
        """What is wrong with the recipe (empty when it can be used)."""
        out = []
        unknown = [c for c in self.context if c not in CONTEXTS]
        if unknown:
            out.append(f"unknown context channel(s) {unknown}; use {list(CONTEXTS)}")
        if self.features not in FEATURE_TABLES:
            out.append(f"features must be one of {list(FEATURE_TABLES)}, not {self.features!r}")
        if not (self.before_s >= 0 and self.after_s > 0):
            out.append(f"window must have before_s >= 0 and after_s > 0, not {self.before_s}, {self.after_s}")
        return out

    @property
    def n_leads(self) -> int:
        """Leads measured by the feature table (1 for the plain RR features)."""
        return max(1, self.leads) if self.features == "transfer" else 1

    @property
    def channels(self) -> tuple[str, ...]:
        """Names of the window channels: the lead, then its context channels."""
        return (self.lead, *[f"{self.lead}:{c}" for c in self.context])

    def feature_names(self) -> list[str]:
        """Names of the beat-feature columns this recipe produces."""
        return feature_names(self.n_leads) if self.features == "transfer" else list(RR_FEATURES)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists for tuples)."""
        out = asdict(self)
        out["bandpass"] = list(self.bandpass)
        out["context"] = list(self.context)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BeatRecipe:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["bandpass"] = tuple(data.get("bandpass", (0.5, 40.0)))
        data["context"] = tuple(data.get("context", ()))
        return cls(**data)


@dataclass
class PreparedLeads:
    """Filtered (and resampled) leads of one recording, the recipe's lead first.

    :meth:`from_record` and :meth:`to_record` convert sample indices between the recording and
    these signals.
    """

    name: str
    signals: dict[str, np.ndarray]
    order: list[str]
    sampling_rate: float
    record_rate: float

    @property
    def lead(self) -> np.ndarray:
        """The filtered lead the windows are cut from."""
        return self.signals[self.order[0]]

    def from_record(self, samples: np.ndarray) -> np.ndarray:
        """Sample indices of the recording mapped onto these leads."""
        samples = np.asarray(samples, dtype=np.int64)
        if self.sampling_rate == self.record_rate:
            return samples
        return np.round(samples * self.sampling_rate / self.record_rate).astype(np.int64)

    def to_record(self, samples: np.ndarray) -> np.ndarray:
        """Sample indices of these leads mapped back onto the recording."""
        samples = np.asarray(samples, dtype=np.int64)
        if self.sampling_rate == self.record_rate:
            return samples
        return np.round(samples * self.record_rate / self.sampling_rate).astype(np.int64)


def prepare_leads(record: Record, recipe: BeatRecipe, lead: str | int | None = None) -> PreparedLeads:
    """Band-pass the recipe's leads at the recording's rate, then resample them to the recipe's rate.

    Parameters
    ----------
    record : Record
        Any recording.
    recipe : BeatRecipe
        How the model's beats were made.
    lead : str or int, optional
        The channel to use as the recipe's lead (name or index); default the recipe's lead.

    Raises
    ------
    DataError
        No such channel, or a signal the filter cannot take (too short, not finite).
    """
    where = record.source or record.name
    chosen = record.channel_name(recipe.lead if lead is None else lead)
    others = [c for c in record.channel_names if c != chosen]
    second = record.find_lead(SECOND_LEAD)
    if second in others:
        others.remove(second)
        others.insert(0, second)
    names = [chosen, *others]
    names = (names + [chosen] * recipe.n_leads)[: recipe.n_leads]
    fs = float(record.sampling_rate)
    try:
        signals = {n: ecg_bandpass(record.channel_mv(n), fs, *recipe.bandpass) for n in dict.fromkeys(names)}
    except ValueError as exc:
        raise DataError(where, f"lead {chosen}: {exc}") from None
    target = float(recipe.sampling_rate or fs)
    if target != fs:
        signals = {n: signal_resample(s, fs, target) for n, s in signals.items()}
    return PreparedLeads(record.name, signals, names, target, fs)


@dataclass
class BeatInputs:
    """Inputs of the beats whose window lies inside the recording.

    Attributes
    ----------
    windows : np.ndarray
        ``(n_inside, channels, length)`` float32, filtered ECG in the lead's units.
    rr : np.ndarray
        ``(n_inside, k)`` float32 beat features, named by ``feature_names``.
    feature_names : list of str
        Column names of ``rr``.
    inside : np.ndarray
        Boolean mask over the given peaks: false where the window would leave the signal.
    """

    windows: np.ndarray
    rr: np.ndarray
    feature_names: list[str]
    inside: np.ndarray


def recipe_inputs(leads: PreparedLeads, peaks: np.ndarray, recipe: BeatRecipe) -> BeatInputs:
    """Windows and beat features at ``peaks`` (sample indices of the prepared leads, sorted).

    The RR and feature table use every peak (a beat's neighbours count whatever happens to
    them); only beats whose window fits inside the signal are returned.

    Raises
    ------
    DataError
        Fewer than 2 peaks.
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    if peaks.size < 2:
        raise DataError(leads.name, f"only {peaks.size} beats found")
    fs = leads.sampling_rate
    rr = rr_features(peaks, fs)
    names = list(RR_FEATURES)
    if recipe.features == "transfer":
        table = beat_feature_table(np.stack([leads.signals[n] for n in leads.order]), peaks, fs)
        rr = np.concatenate([rr, table[:, 4:]], axis=1)
        names = feature_names(len(leads.order))
    windows, inside = beat_windows(leads.lead, peaks, fs, recipe.before_s, recipe.after_s)
    channels = [windows]
    if "template" in recipe.context:
        channels.append(running_template(windows, recipe.template_beats))
    return BeatInputs(np.stack(channels, axis=1), rr[inside], names, inside)
