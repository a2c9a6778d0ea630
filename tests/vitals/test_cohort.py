"""The Challenge subset as a cohort: counts from the data README, outcomes, split, fill."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.errors import DataError
from vitalkit.vitals.cohort import Cohort, load_cohort, read_challenge_frame, subset_files
from vitalkit.vitals.onset import add_outcomes


def test_whole_subset_matches_the_data_readme(sepsis_dir: Path) -> None:
    table = read_challenge_frame()
    assert len(table) == 147_249 and table["patient"].nunique() == 3_328
    out = add_outcomes(table[["patient", "hour", "SepsisLabel"]])
    per = out.groupby("patient", observed=True)[["septic", "censored"]].first()
    assert per["septic"].sum() == 1_142 and int(table["SepsisLabel"].sum()) == 10_780
    assert per["censored"].sum() == 223  # septic from their first hour: onset unknown
    # 6-h-ahead positives: 6 per non-censored septic patient (fewer when the record is short)
    ev = out[out["evaluable"]]
    assert ev["ahead"].sum() == 5_473 and ev["hours_to_onset"].max() <= np.inf
    assert (out.loc[out["septic"] & ~out["evaluable"] & ~out["censored"], "hours_to_onset"] <= 0).all()
    assert table["ACVPU"].isna().all() and 0 < table["O2"].notna().mean() < 0.05


def test_onset_definition_on_hand_made_stays() -> None:
    f = pd.DataFrame(
        {
            "patient": ["s"] * 12 + ["c"] * 8 + ["n"] * 4,
            "hour": [*range(12), *range(8), *range(4)],
            "SepsisLabel": [0, 0, 0] + [1] * 9 + [1] * 8 + [0] * 4,
        }
    )
    o = add_outcomes(f)
    s = o[o["patient"] == "s"]
    assert s["onset_hour"].iloc[0] == 9  # first label (3) + 6
    assert s["ahead"].tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert s["evaluable"].tolist() == [True] * 9 + [False] * 3  # hours at/after onset excluded
    c = o[o["patient"] == "c"]
    assert c["censored"].all() and not c["evaluable"].any()
    assert o.loc[o["patient"] == "n", "evaluable"].all() and not o.loc[o["patient"] == "n", "ahead"].any()
    assert add_outcomes(f, exclude_censored=False).loc[lambda d: d["patient"] == "c", "evaluable"].sum() == 6
    assert add_outcomes(f, horizon_h=3).loc[lambda d: d["patient"] == "s", "ahead"].sum() == 3
    with pytest.raises(ValueError, match="horizon_h"):
        add_outcomes(f, horizon_h=12)


def test_sample_split_and_fill(small_cohort: Cohort) -> None:
    f = small_cohort.frame
    p = small_cohort.patients()
    assert len(p) == 240 and p.groupby("split").size().to_dict() == {"test": 48, "train": 144, "val": 48}
    septic_share = p.groupby("split")["septic"].mean()
    assert septic_share.max() - septic_share.min() < 0.03  # stratified by septic status
    assert f.groupby("patient")["split"].nunique().max() == 1  # no patient in two splits
    # filled values only come from earlier hours of the same patient, within the limit
    hr, filled = f["HR"].to_numpy(), small_cohort.filled["HR"].to_numpy()
    assert np.array_equal(filled[~np.isnan(hr)], hr[~np.isnan(hr)])
    first_rows = f.groupby("patient").head(1).index
    assert np.array_equal(np.isnan(filled[first_rows]), np.isnan(hr[first_rows]))
    assert small_cohort.fill_hours["HR"] == 6.0 and small_cohort.fill_hours["Lactate"] == 24.0
    again = load_cohort(n_patients=240, seed=0)
    assert again.frame["patient"].tolist() == f["patient"].tolist()  # seeded


def test_missing_data_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"SUBSET\.txt: subset list not found"):
        subset_files(tmp_path)
    (tmp_path / "sepsis2019").mkdir()
    (tmp_path / "sepsis2019" / "SUBSET.txt").write_text("p1\np2\n")
    with pytest.raises(DataError, match=r"2 file\(s\) of SUBSET.txt missing"):
        subset_files(tmp_path)


def test_a_bad_file_in_the_subset_is_named(tmp_path: Path, sepsis_dir: Path) -> None:
    folder = tmp_path / "sepsis2019"
    folder.mkdir()
    ids = ["p100001", "p100002", "p100003"]
    (folder / "SUBSET.txt").write_text("\n".join(ids) + "\n")
    for i in ids:
        (folder / f"{i}.psv").write_bytes((sepsis_dir / f"{i}.psv").read_bytes())
    text = (folder / "p100002.psv").read_text().splitlines()
    text[3] = text[3].replace("NaN", "n/a", 1)
    (folder / "p100002.psv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=r"p100002.psv: non-numeric value 'n/a' in column '\w+' at line 4"):
        read_challenge_frame(tmp_path, cache=False)
