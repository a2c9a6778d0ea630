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
