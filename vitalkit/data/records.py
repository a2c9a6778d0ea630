"""The one record type every reader produces and every stage consumes.

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Record
>>> rec = Record(name="demo", signal=np.zeros((360, 1)), sampling_rate=360.0,
...              channel_names=["MLII"], units=["mV"])
>>> rec.duration_s
1.0
>>> rec.channel("MLII").shape
(360,)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vitalkit.errors import DataError


@dataclass
class Annotations:
    """Time-stamped annotations of a record (beat symbols, rhythm changes, markers).

    Attributes
    ----------
    sample : np.ndarray
        Sample index of each annotation (int64).
    symbol : np.ndarray
        Annotation symbol (``'N'``, ``'V'``, ``'+'`` ...), as an object array of str.
    aux_note : np.ndarray
        Auxiliary note (rhythm labels such as ``'(AFIB'``), stripped of NUL bytes.
    subtype : np.ndarray or None
        WFDB ``subtyp`` field (int), where the reader has it: for noise annotations ``~`` it
        says which signals are noisy (bit ``c``) or unreadable (bit ``4 + c``; -1: all).
    chan : np.ndarray or None
        WFDB ``chan`` field (int): the signal an annotation belongs to (e.g. the per-lead
        marks of QTDB's ``.pu`` files), where the reader has it.
    """

    sample: np.ndarray
    symbol: np.ndarray
    aux_note: np.ndarray
    subtype: np.ndarray | None = None
    chan: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.sample.size)

    def select(self, mask: np.ndarray) -> Annotations:
        """Return the annotations where ``mask`` is true."""
        subtype = None if self.subtype is None else self.subtype[mask]
        return Annotations(self.sample[mask], self.symbol[mask], self.aux_note[mask], subtype)


LEAD_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "MLII": ("MLII", "ML2", "II", "D2", "DII", "LEAD II", "ECG II"),
    "II": ("II", "MLII", "ML2", "D2", "DII", "LEAD II", "ECG II"),
    "V1": ("V1", "MV1", "MOD.V1"),
}
"""Channel names that stand for the same lead (looked up by :meth:`Record.closest_lead`)."""


VOLTAGE_SCALE: dict[str, float] = {"mv": 1.0, "uv": 1e-3, "v": 1e3}
"""Factors from a channel's unit (lower case, µ as u) to millivolts."""


def _lead_key(name: str) -> str:
    return "".join(str(name).upper().split())


@dataclass
class Record:
    """A multichannel physiological recording in physical units.

    Attributes
    ----------
    name : str
        Record name, unique within its database (``'100'``).
    signal : np.ndarray
        Samples, shape ``(n_samples, n_channels)``, float, physical units.
    sampling_rate : float
        Samples per second.
    channel_names : list of str
        One name per channel (``'MLII'``, ``'V5'`` ...).
    units : list of str
        Physical unit per channel (``'mV'``).
    patient_id : str
        Patient identifier used for patient-level splits (defaults to ``name``).
    labels : list of str
        Record-level labels (for classification datasets), possibly empty.
    annotations : Annotations or None
        Time-stamped annotations, if any.
    source : Path or None
        Where the record was read from (for error messages).
    repairs : list of str
        Repairs a reader made (short NaN runs interpolated, rows dropped ...), in words;
        empty when the file was used as it is (see :mod:`vitalkit.data.readers`).
    """

    name: str
    signal: np.ndarray
    sampling_rate: float
    channel_names: list[str]
    units: list[str]
    patient_id: str = ""
    labels: list[str] = field(default_factory=list)
    annotations: Annotations | None = None
    source: Path | None = None
    repairs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.patient_id:
            self.patient_id = self.name
        if self.signal.ndim == 1:
            self.signal = self.signal[:, None]
        where = self.source or self.name
        if self.signal.ndim != 2:
            raise DataError(where, f"signal must be 1-D or 2-D, got shape {self.signal.shape}")
        if len(self.channel_names) != self.signal.shape[1]:
            raise DataError(
                where,
                f"{len(self.channel_names)} channel names for {self.signal.shape[1]} channels",
            )
        if not np.isfinite(self.sampling_rate) or self.sampling_rate <= 0:
            raise DataError(where, f"invalid sampling rate {self.sampling_rate!r}")

    @property
    def n_samples(self) -> int:
        """Number of samples per channel."""
        return int(self.signal.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.sampling_rate

    def channel_name(self, lead: str | int) -> str:
        """The name of a channel given by name or 0-based index (an index may come as a digit
        string, as on a command line, unless a channel has that name).

        Raises
        ------
        DataError
            No such channel or index, naming the record and its channels.

        Examples
        --------
        >>> rec = Record("r", np.zeros((10, 2)), 100.0, ["MLII", "V5"], ["mV", "mV"])
        >>> rec.channel_name(1), rec.channel_name("1"), rec.channel_name("MLII")
        ('V5', 'V5', 'MLII')
        """
        where = self.source or self.name
        if isinstance(lead, str) and lead.isdigit() and lead not in self.channel_names:
            lead = int(lead)
        if isinstance(lead, int):
            if not 0 <= lead < len(self.channel_names):
                raise DataError(where, f"no lead with index {lead}; channels are {self.channel_names}")
            return self.channel_names[lead]
        if lead not in self.channel_names:
            raise DataError(
                where, f"no lead {lead!r}; channels are {self.channel_names} (choose one with --lead)"
            )
        return lead

    def closest_lead(self, lead: str) -> str:
        """The channel that best stands for ``lead``: the lead itself, else an equivalent name
        (:data:`LEAD_EQUIVALENTS`: a model trained on MIT-BIH's MLII reads lead II of a 12-lead
        record, named ``II``, ``D2``, ``DII`` ...; case and spaces ignored), else the first channel.

        Examples
        --------
        >>> twelve = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
        >>> Record("r", np.zeros((10, 12)), 257.0, twelve, ["mV"] * 12).closest_lead("MLII")
        'II'
        >>> Record("r", np.zeros((10, 2)), 250.0, ["ECG1", "ECG2"], ["mV"] * 2).closest_lead("MLII")
        'ECG1'
        """
        found = self.find_lead(lead)
        return self.channel_names[0] if found is None else found

    def find_lead(self, lead: str) -> str | None:
        """The channel that is ``lead`` or an equivalent (:data:`LEAD_EQUIVALENTS`), or None.

        >>> Record("r", np.zeros((10, 3)), 257.0, ["I", "II", "MV1"], ["mV"] * 3).find_lead("V1")
        'MV1'
        >>> Record("r", np.zeros((10, 2)), 360.0, ["MLII", "V5"], ["mV"] * 2).find_lead("V1") is None
        True
        """
        if lead in self.channel_names:
            return lead
        wanted = {_lead_key(n) for n in LEAD_EQUIVALENTS.get(lead, (lead,))}
        return next((c for c in self.channel_names if _lead_key(c) in wanted), None)

    def channel(self, name: str | int) -> np.ndarray:
        """Return one channel by name or index.

        Raises
        ------
        DataError
            If the record has no such channel.
        """
        if isinstance(name, int):
            return self.signal[:, name]
        if name not in self.channel_names:
            raise DataError(
                self.source or self.name,
                f"no channel {name!r}; channels are {self.channel_names}",
            )
        return self.signal[:, self.channel_names.index(name)]

    def channel_mv(self, name: str | int) -> np.ndarray:
        """One channel in millivolts where its unit says how (``uV`` / ``µV`` / ``V``; EDF files
        often store ECG in µV). Other units (``mV``, none, a serial log's ``adu`` without a
        known gain) are returned as they are.

        Raises
        ------
        DataError
            No such channel, naming the record and its channels.

        Examples
        --------
        >>> rec = Record("r", np.array([[1000.0, 1.0]]), 250.0, ["II", "V1"], ["uV", "mV"])
        >>> float(rec.channel_mv("II")[0]), float(rec.channel_mv(1)[0])
        (1.0, 1.0)
        """
        index = self.channel_names.index(self.channel_name(name))
        unit = str(self.units[index]).strip() if index < len(self.units) else ""
        key = unit.replace("µ", "u").replace("μ", "u").lower()
        return self.signal[:, index] * VOLTAGE_SCALE[key] if key in VOLTAGE_SCALE else self.signal[:, index]
