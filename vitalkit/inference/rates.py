"""Beat models at other sampling rates: the same DS2 patients recorded at 128, 250 or 500 Hz.

A model trained on MIT-BIH sees 360-Hz recordings; the recordings it meets elsewhere come at
128 Hz (MIT-BIH Supraventricular Arrhythmia), 250 Hz (QT, European ST-T), 257 Hz (St Petersburg
INCART) or 500 Hz (PTB-XL). :func:`rate_benchmark` separates the rate from everything else that
changes between databases: it writes each test record again at another rate (the signal
resampled with an anti-aliasing polyphase filter, every annotation moved to the nearest sample
of the new rate, WFDB format 16) and applies the model through ``vitalkit predict``, which
resamples to the model's rate before detecting and classifying, exactly as for a user's file.
The differences from the native rate are then the rate's alone: information lost below
128 Hz, the detector on an interpolated signal, beat positions rounded to the coarser grid.

Examples
--------
>>> rate_label(128.0), rate_label(360.0)
('128 Hz', '360 Hz')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.errors import DataError
from vitalkit.inference.external import HEADLINE, benchmark_page, headline_table, predict_and_score
from vitalkit.io import atomic_path

RATES: tuple[float, ...] = (128.0, 250.0, 360.0, 500.0)
"""Default rates: MIT-BIH's own (360 Hz, the baseline) and three that other databases use."""


def rate_label(rate: float) -> str:
    """``'128 Hz'`` for 128.0."""
    return f"{rate:g} Hz"


def resample_record(base: Path, rate: float, out_dir: Path, annotator: str = "atr") -> Path:
    """Write the WFDB record ``base`` again at ``rate`` into ``out_dir``; return its base path.

    Every channel is resampled by :func:`vitalkit.signal.signal_resample` and stored in format
    16 (wfdb chooses gain and baseline); the ``annotator`` file is copied with each sample
    index scaled to the new rate and rounded (symbols, subtypes, channels, numbers and aux
    notes kept). A record already written is reused.

    Raises
    ------
    DataError
        ``rate`` not positive, or the record cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> (base,) = ensure_records("mitdb", ["100"])                        # doctest: +SKIP
    >>> new = resample_record(base, 128.0, Path(tempfile.mkdtemp()))      # doctest: +SKIP
    >>> read_wfdb(new).sampling_rate                                      # doctest: +SKIP
    128.0
    """
    import wfdb

    from vitalkit.data.wfdb_io import read_wfdb
    from vitalkit.signal.filters import signal_resample

    if not np.isfinite(rate) or rate <= 0:
        raise DataError(str(base), f"sampling rate {rate!r} must be a positive number of Hz")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / base.name
    if target.with_suffix(".hea").is_file() and target.with_suffix(f".{annotator}").is_file():
        return target
    record = read_wfdb(base)
    fs = float(record.sampling_rate)
    signal = np.column_stack(
        [signal_resample(record.signal[:, c], fs, rate) for c in range(record.signal.shape[1])]
    )
    ann = wfdb.rdann(str(base), annotator)
    samples = np.clip(np.round(np.asarray(ann.sample) * rate / fs).astype(np.int64), 0, len(signal) - 1)
    tmp_dir = out_dir / f".{base.name}.tmp"
    tmp_dir.mkdir(exist_ok=True)
    wfdb.wrsamp(
        base.name,
        fs=rate,
        units=list(record.units),
        sig_name=list(record.channel_names),
        p_signal=signal,
        fmt=["16"] * signal.shape[1],
        write_dir=str(tmp_dir),
    )
    wfdb.wrann(
        base.name,
        annotator,
        samples,
        symbol=list(ann.symbol),
        subtype=np.asarray(ann.subtype),
        chan=np.asarray(ann.chan),
        num=np.asarray(ann.num),
        aux_note=list(ann.aux_note),
        fs=rate,
        write_dir=str(tmp_dir),
    )
    for file in tmp_dir.iterdir():  # the header last: a record without it is not there
        if file.suffix != ".hea":
            file.replace(out_dir / file.name)
    (tmp_dir / f"{base.name}.hea").replace(target.with_suffix(".hea"))
    tmp_dir.rmdir()
    return target


def rate_benchmark(
    rates: Sequence[float] = RATES,
    records: str | Sequence[str] = "DS2",
    models: Sequence[str] = ("beats",),
    beat_sources: Sequence[str] = ("annotations", "detector"),
    out_dir: str | Path = "reports/beats_rates",
    n_boot: int = 1000,
) -> pd.DataFrame:
    """Score beat models on MIT-BIH records written again at other sampling rates.

    Parameters
    ----------
    rates : sequence of float
        Sampling rates (Hz); the records' own rate (360 Hz) reads the original files.
    records : str or sequence of str
        MIT-BIH records or a set name (default DS2, the inter-patient test set).
    models : sequence of str
        Shipped model names or exported ``.onnx`` files.
    beat_sources : sequence of {'annotations', 'detector'}
        Where beats come from (``vitalkit predict --beats``).
    out_dir : path
        Products: ``records-<rate>/`` (the resampled records), ``<rate>/<model>-<beats>/`` (the
        predict folders), ``table.csv`` and ``report.html``.
    n_boot : int
        Bootstrap replicates over records.

    Returns
    -------
    pandas.DataFrame
        One row per rate, model and beat source: ``rate_hz`` and the
        :func:`~vitalkit.inference.external.predict_and_score` columns.
    """
    names = mitdb.resolve_records(records)
    bases = ensure_records("mitdb", names)
    out = Path(out_dir)
    rows = []
    for rate in rates:
        native = all(_rate_of(b) == float(rate) for b in bases)
        folder = out / f"records-{rate:g}"
        scored = bases if native else [resample_record(b, float(rate), folder) for b in bases]
        for model in models:
            for source in beat_sources:
                row, *_ = predict_and_score(scored, out / f"{rate:g}", model, source, n_boot=n_boot)
                rows.append({"rate_hz": float(rate), **row})
    table = pd.DataFrame(rows)
    with atomic_path(out / "table.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(report_html(table, names))
    return table


def _rate_of(base: Path) -> float:
    from vitalkit.data.wfdb_io import read_header

    return float(read_header(base).fs)


def rates_table(table: pd.DataFrame) -> pd.DataFrame:
    """The printed table: :func:`~vitalkit.inference.external.headline_table` with the rate first."""
    shown = headline_table(table)
    shown.insert(0, "rate", [rate_label(r) for r in table["rate_hz"]])
    return shown


def report_html(table: pd.DataFrame, records: Sequence[str]) -> str:
    """An offline page with the table (metrics in % with 95 % CIs over records)."""
    intro = (
        f"MIT-BIH records {', '.join(records)} written again at each rate (polyphase "
        "resampling, annotations moved to the nearest sample), then classified through "
        "<code>vitalkit predict</code>. Confusion matrices pooled over records; 95 % CIs from "
        f"bootstrap replicates over records. Metrics in %: {', '.join(HEADLINE)}."
    )
    title = "Beat models at other sampling rates"
    return benchmark_page(title, title, intro, [rates_table(table).to_html(index=False, border=0)])
