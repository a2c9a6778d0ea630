"""Reader of WFDB numerics records (bedside-monitor vital-sign trends, e.g. MIMIC-II ``...n``).

Numerics records hold one sample per minute (``fs = 1/60`` Hz) of the monitor's derived
values: HR, PULSE, RESP, SpO2, invasive (ABP) and non-invasive (NBP) pressures. The record
is read through :func:`vitalkit.data.wfdb_io.read_wfdb` (header, sizes and checksums
verified first) and mapped onto the canonical channels of :class:`VitalSeries`:

* ``HR`` <- ``HR``; ``RR`` <- ``RESP``; ``SpO2`` <- ``SpO2``;
* ``SBP`` <- ``ABPSys`` where valid, else ``NBPSys`` (cuff readings, a few per hour);
* every other channel is kept under its own name (``PULSE``, ``ABPMean``, ``NBPDias`` ...).

**A zero is a missing value, not a measurement.** The monitor writes 0 when a parameter is
not being measured: in MIMIC-II record s00001 the ABP channels are zero almost throughout
(no arterial line) and HR, SpO2, PULSE are zero during sensor-off stretches. A heart rate,
pressure, saturation or respiration rate of exactly 0 in a living monitored patient is an
artefact, so zeros become NaN (the count is kept in ``static['zeros_as_missing']``).
Samples WFDB marks invalid (e.g. -32768 in NBP channels) are NaN already.

Examples
--------
>>> s = read_wfdb_numerics("vitals/mimic2wdb/s00001/s00001-2896-10-10-00-31n")  # doctest: +SKIP
>>> s.resample(1.0).values[["HR", "SpO2", "SBP", "RR"]].median().round(1).tolist()  # doctest: +SKIP
[55.8, 96.5, 132.0, 11.8]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.vitals.series import UNITS, VitalSeries

CHANNEL_MAP: dict[str, str] = {"HR": "HR", "RESP": "RR", "SpO2": "SpO2"}
"""WFDB numerics channel -> canonical channel (SBP is combined from ABPSys / NBPSys)."""

SBP_SOURCES: tuple[str, ...] = ("ABPSys", "NBPSys")
"""Systolic pressure channels in order of preference."""

EXAMPLE_RECORD = "vitals/mimic2wdb/s00001/s00001-2896-10-10-00-31n"
"""A MIMIC-II numerics record of the staged data (relative to the data folder)."""


def read_wfdb_numerics(path: str | Path, check_checksum: bool = True) -> VitalSeries:
    """Read a numerics record into a :class:`VitalSeries` (time in hours from its start).

    Parameters
    ----------
    path : str or Path
        Record path without extension.
    check_checksum : bool
        Verify the header checksums against the samples.

    Raises
    ------
    DataError
        Missing or corrupt files (from the WFDB layer), a record that is not numerics
        (more than one sample per second), or one with none of HR, RESP, SpO2, ABPSys, NBPSys.
    """
    record = read_wfdb(path, check_checksum=check_checksum)
    base = Path(record.source) if record.source else Path(path)
    if record.sampling_rate > 1.0:
        raise DataError(
            base,
            f"{record.sampling_rate:g} Hz is a waveform, not a numerics (trend) record (<= 1 Hz expected)",
        )
    known = set(CHANNEL_MAP) | set(SBP_SOURCES)
    if not known & set(record.channel_names):
        raise DataError(
            base, f"no vital-sign channel among {record.channel_names} (expected some of {sorted(known)})"
        )
    signal = record.signal.copy()
    zeros = signal == 0.0
    signal[zeros] = np.nan
    raw = pd.DataFrame(signal, columns=record.channel_names)
    values = pd.DataFrame(index=raw.index)
    for source, name in CHANNEL_MAP.items():
        values[name] = raw[source] if source in raw else np.nan
    sbp = pd.Series(np.nan, index=raw.index)
    for source in reversed(SBP_SOURCES):  # preferred source written last, over the others
        if source in raw:
            sbp = raw[source].where(raw[source].notna(), sbp)
    values["SBP"] = sbp
    values["Temp"] = np.nan
    values["ACVPU"] = np.nan
    values["O2"] = np.nan
    for name in record.channel_names:
        if name not in CHANNEL_MAP and name not in values:
            values[name] = raw[name]
    values.index = pd.Index(np.arange(len(values)) / record.sampling_rate / 3600.0, name="time_h")
    units = {
        **UNITS,
        **{n: u for n, u in zip(record.channel_names, record.units, strict=True) if n in values},
    }
    units.update({"RR": UNITS["RR"], "HR": UNITS["HR"]})
    return VitalSeries(
        patient_id=base.name,
        values=values,
        source=str(base),
        units=units,
        static={
            "zeros_as_missing": {
                n: int(z) for n, z in zip(record.channel_names, zeros.sum(axis=0), strict=True)
            },
        },
    )
