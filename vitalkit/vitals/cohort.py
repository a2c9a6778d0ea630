"""The Challenge 2019 cohort: every stay of the subset as one long patient-hour table.

The staged subset (``<data>/sepsis2019``, see its README) is training set B of the
PhysioNet/CinC Challenge 2019: **all 1,142 septic patients plus the 2,186 lowest-id
non-septic ones** (3,328 stays). Septic patients make up 34 % of it against about 5.7 % in
the full set B, and the non-septic part is not a random sample; every evaluation here says
so and also reports prevalence-adjusted figures (:mod:`vitalkit.vitals.metrics`).

Reading the 3,328 files takes some 10-60 s (one ``read_csv`` over all of them; file by file,
with errors naming the file, when anything looks off); the long table is cached in
``<cache>/vitals/`` keyed by the subset list, the files' sizes and times and the reader
version, so later loads take a second.

Examples
--------
>>> cohort = load_cohort(n_patients=200, seed=0)   # doctest: +SKIP
>>> cohort.summary()                               # doctest: +SKIP
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit import config
from vitalkit.data.fingerprint import files_fingerprint
from vitalkit.errors import DataError
from vitalkit.io import load_frame, save_frame, sha256_json, write_json
from vitalkit.splits import SPLITS, sample_patients, split_patients
from vitalkit.vitals.missing import forward_fill_limited, group_starts
from vitalkit.vitals.onset import add_outcomes, patient_outcomes
from vitalkit.vitals.psv import (
    CHALLENGE_COLUMNS,
    LAB_COLUMNS,
    MISSING_TOKEN,
    STATIC_COLUMNS,
    VITAL_COLUMNS,
    canonical_channels,
    read_psv_table,
)

SLUG = "sepsis2019"
READER_VERSION = 1
"""Bump when the long table changes (invalidates the cache)."""

CHANNELS: tuple[str, ...] = (*VITAL_COLUMNS, *LAB_COLUMNS, "ACVPU", "O2")
"""Time-varying channels of the long table (canonical vital-sign names, Challenge lab names)."""


def sepsis_dir(data_dir: str | Path | None = None) -> Path:
    """Folder of the Challenge subset (``<data>/sepsis2019``)."""
    return Path(data_dir or config.data_dir()) / SLUG


def subset_ids(data_dir: str | Path | None = None) -> list[str]:
    """Patient ids listed in ``SUBSET.txt``."""
    listing = sepsis_dir(data_dir) / "SUBSET.txt"
    if not listing.is_file():
        raise DataError(listing, "subset list not found (is VITALKIT_DATA_DIR pointing at the data folder?)")
    ids = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    if not ids:
        raise DataError(listing, "empty subset list")
    return ids


def subset_files(data_dir: str | Path | None = None) -> list[Path]:
    """The ``.psv`` files of the subset (and ``SUBSET.txt``); a missing file raises DataError."""
    folder = sepsis_dir(data_dir)
    files = [folder / f"{pid}.psv" for pid in subset_ids(data_dir)]
    absent = [f.name for f in files if not f.is_file()]
    if absent:
        raise DataError(folder, f"{len(absent)} file(s) of SUBSET.txt missing, e.g. {absent[:3]}")
    return [folder / "SUBSET.txt", *files]


def _read_concatenated(files: list[Path]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Parse all files in one ``read_csv`` call; None when anything looks off (then per file)."""
    header = "|".join(CHALLENGE_COLUMNS)
    parts, lengths = [], []
    for path in files:
        first, _, body = path.read_text().partition("\n")
        if first.strip() != header or not body.strip():
            return None
        body = body if body.endswith("\n") else body + "\n"
        parts.append(body)
        lengths.append(body.count("\n"))
    table = pd.read_csv(io.StringIO(header + "\n" + "".join(parts)), sep="|", **MISSING_TOKEN)
    if len(table) != sum(lengths) or any(table[c].dtype == object for c in table.columns):
        return None
    patient = np.repeat([p.stem for p in files], lengths)
    icu = table["ICULOS"].to_numpy()
    same = patient[1:] == patient[:-1]
    if np.isnan(icu).any() or np.any(same & (np.diff(icu) <= 0)):
        return None
    if not np.isin(table["SepsisLabel"].to_numpy(), (0.0, 1.0)).all():
        return None
    return table.astype(np.float64), patient


def _read_all(files: list[Path]) -> pd.DataFrame:
    parsed = _read_concatenated(files)
    if parsed is None:  # read file by file: the failing file raises a DataError naming it
        tables = [read_psv_table(p) for p in files]
        parsed = (
            pd.concat(tables, ignore_index=True),
            np.repeat([p.stem for p in files], [len(t) for t in tables]),
        )
    table, patient = parsed
    hour = np.arange(len(table)) - group_starts(patient)
    frame = pd.concat(
        [
            pd.DataFrame({"patient": pd.Categorical(patient), "hour": hour, "time_h": table["ICULOS"]}),
            canonical_channels(table),
            table[list(STATIC_COLUMNS)],
            table[["SepsisLabel"]].astype(np.int8),
        ],
        axis=1,
    )
    return frame


def read_challenge_frame(data_dir: str | Path | None = None, cache: bool = True) -> pd.DataFrame:
    """Long table of every subset stay: ``patient, hour, time_h``, channels, static, ``SepsisLabel``.

    ``hour`` counts rows from the start of the stay (0, 1, ...); ``time_h`` is ``ICULOS``.
    Values are as measured (NaN where not), nothing filled.
    """
    files = subset_files(data_dir)[1:]
    key = sha256_json({"version": READER_VERSION, "files": files_fingerprint(files)})[:16]
    path = config.cache_dir() / "vitals" / f"{SLUG}-{key}.npz"
    if cache and path.is_file():
        return load_frame(path)
    table = _read_all(files)
    if cache:
        save_frame(path, table)
    return table


@dataclass
class Cohort:
    """Patient-hours of the selected stays with outcomes, split and filled values.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per patient-hour: ``patient, hour, time_h``, measured channels (NaN where
        not measured), static columns, ``SepsisLabel``, the outcome columns of
        :func:`~vitalkit.vitals.onset.add_outcomes` and ``split``.
    filled : pandas.DataFrame
        The channels after the limited forward fill (same index).
    fill_hours : dict
        Fill limit per channel, hours.
    """

    frame: pd.DataFrame
    filled: pd.DataFrame
    fill_hours: dict[str, float] = field(default_factory=dict)

    def mask(self, split: str, evaluable: bool = False) -> np.ndarray:
        """Rows of one split (``'train'``, ``'val'``, ``'test'``), optionally evaluated hours only."""
        rows = self.frame["split"].to_numpy() == split
        return rows & self.frame["evaluable"].to_numpy() if evaluable else rows

    def patients(self) -> pd.DataFrame:
        """One row per patient: septic, censored, onset hour, hours, split."""
        out = patient_outcomes(self.frame)
        out["split"] = self.frame.groupby("patient", sort=False, observed=True)["split"].first()
        return out

    def summary(self) -> pd.DataFrame:
        """Patients, septic share, hours and 6-h-ahead positives per split."""
        p = self.patients()
        f = self.frame
        rows = {}
        for split in (*SPLITS, "all"):
            sel = p if split == "all" else p[p["split"] == split]
            rf = f if split == "all" else f[f["split"] == split]
            ev = rf[rf["evaluable"]]
            rows[split] = {
                "patients": len(sel),
                "septic": int(sel["septic"].sum()),
                "septic_%": round(100 * sel["septic"].mean(), 1),
                "left_censored": int(sel["censored"].sum()),
                "hours": len(rf),
                "evaluated_hours": len(ev),
                "ahead_positive_hours": int(ev["ahead"].sum()),
            }
        return pd.DataFrame(rows).T.rename_axis("split")

    def missingness(self) -> pd.DataFrame:
        """Per channel: % of patient-hours measured and % with a value after the fill."""
        measured = self.frame[list(self.fill_hours)].notna().mean()
        available = self.filled.notna().mean()
        return (
            pd.DataFrame(
                {
                    "measured_%": (100 * measured).round(1),
                    "after_fill_%": (100 * available).round(1),
                    "fill_limit_h": pd.Series(self.fill_hours),
                }
            )
            .rename_axis("channel")
            .sort_values("measured_%", ascending=False)
        )

    def save(self, product_dir: str | Path) -> None:
        """Write ``split.json`` (patients per split) and ``cohort.csv`` (the summary)."""
        p = self.patients()
        write_json(
            Path(product_dir) / "split.json",
            {s: p.index[p["split"] == s].astype(str).tolist() for s in SPLITS},
        )
        self.summary().to_csv(Path(product_dir) / "cohort.csv")


def fill_limits(fill_hours: float, lab_fill_hours: float) -> dict[str, float]:
    """Fill limit per channel: vital signs and ACVPU/O2 ``fill_hours``, labs ``lab_fill_hours``."""
    vital = {c: float(fill_hours) for c in (*VITAL_COLUMNS, "ACVPU", "O2")}
    return {c: vital.get(c, float(lab_fill_hours)) for c in CHANNELS}


def load_cohort(
    n_patients: int = 0,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    fill_hours: float = 6.0,
    lab_fill_hours: float = 24.0,
    horizon_h: int = 6,
    exclude_censored: bool = True,
    data_dir: str | Path | None = None,
) -> Cohort:
    """Read the subset, draw ``n_patients`` (0: all), add outcomes, split, fill.

    Parameters
    ----------
    n_patients : int
        Stratified seeded sample size (0 or more than the subset: every patient).
    seed : int
        Seed of the sample and the split.
    val_fraction, test_fraction : float
        Shares of patients held out for validation (model selection) and test.
    fill_hours, lab_fill_hours : float
        Limited forward fill of vital signs and of laboratory values, hours.
    horizon_h : int
        The ahead label's horizon (:func:`~vitalkit.vitals.onset.add_outcomes`).
    exclude_censored : bool
        Leave left-censored septic patients out of the evaluated hours.
    data_dir : str or Path, optional
        Data folder holding ``sepsis2019/`` (default: the configured one).
    """
    table = read_challenge_frame(data_dir)
    outcomes = add_outcomes(table[["patient", "hour", "SepsisLabel"]], horizon_h, exclude_censored)
    per_patient = patient_outcomes(outcomes)
    chosen = sample_patients(
        list(per_patient.index.astype(str)), per_patient["septic"].to_numpy(), n_patients, seed
    )
    keep = table["patient"].astype(str).isin(set(chosen)).to_numpy()
    frame = pd.concat(
        [
            table[keep],
            outcomes.loc[keep, ["septic", "censored", "onset_hour", "hours_to_onset", "ahead", "evaluable"]],
        ],
        axis=1,
    ).reset_index(drop=True)
    frame["patient"] = frame["patient"].astype(str)
    septic = per_patient.loc[chosen, "septic"].to_numpy()
    split = split_patients(chosen, septic, val_fraction, test_fraction, seed)
    frame["split"] = frame["patient"].map(split).to_numpy()
    limits = fill_limits(fill_hours, lab_fill_hours)
    filled = forward_fill_limited(
        frame[list(limits)].to_numpy(),
        frame["time_h"].to_numpy(),
        [limits[c] for c in limits],
        groups=frame["patient"].to_numpy(),
    )
    return Cohort(frame, pd.DataFrame(filled, columns=list(limits), index=frame.index), limits)
