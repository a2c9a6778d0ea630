"""PTB-XL metadata: superclasses, patient-separated folds, 100 Hz records."""

import pandas as pd
import pytest

from vitalkit.data import ptbxl
from vitalkit.errors import DataError


def test_database_table(data_dir):
    table = ptbxl.load_database(data_dir)
    assert len(table) == 306 and int(table["MI"].sum()) == 45
    assert int(table["NORM"].sum()) == 191 and table["strat_fold"].nunique() == 10
    assert table.groupby("patient_id")["strat_fold"].nunique().max() == 1
    assert table.loc[1, "superclasses"] == ["NORM"]


def test_read_record(data_dir):
    table = ptbxl.load_database(data_dir)
    record = ptbxl.read_record(table, 1, data_dir)
    assert record.signal.shape == (1000, 12) and record.sampling_rate == 100.0
    assert tuple(record.channel_names) == ptbxl.LEADS
    with pytest.raises(DataError, match="no record with ecg_id 137"):
        ptbxl.read_record(table, 137, data_dir)


def test_patient_in_two_folds_is_rejected(tmp_path, data_dir):
    folder = tmp_path / "ptbxl"
    folder.mkdir()
    source = ptbxl.database_dir(ptbxl.SLUG, data_dir)
    (folder / "scp_statements.csv").write_bytes((source / "scp_statements.csv").read_bytes())
    rows = pd.read_csv(source / "ptbxl_database.csv").head(2)
    rows.loc[1, "patient_id"] = rows.loc[0, "patient_id"]  # same patient, folds 3 and 2
    rows.to_csv(folder / "ptbxl_database.csv", index=False)
    with pytest.raises(DataError, match="patients in several folds"):
        ptbxl.load_database(tmp_path)
