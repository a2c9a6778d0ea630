"""MIT-BIH definitions: the inter-patient split and annotation counts."""

import pytest

from vitalkit.data import mitdb
from vitalkit.errors import DataError


def test_de_chazal_split_is_disjoint_and_excludes_paced() -> None:
    assert len(mitdb.DS1) == len(mitdb.DS2) == 22
    assert not set(mitdb.DS1) & set(mitdb.DS2)
    assert set(mitdb.DS1) | set(mitdb.DS2) | set(mitdb.PACED) == set(mitdb.ALL_RECORDS)
    assert len(mitdb.ALL_RECORDS) == 48
    assert len(mitdb.resolve_records("NONPACED")) == 44


def test_resolve_records_errors() -> None:
    assert mitdb.resolve_records([100, "101"]) == ["100", "101"]
    with pytest.raises(DataError, match="unknown record set 'DS3'"):
        mitdb.resolve_records("DS3")
    with pytest.raises(DataError, match=r"no such MIT-BIH record\(s\): \['999'\]"):
        mitdb.resolve_records(["999"])
    with pytest.raises(DataError, match="duplicates"):
        mitdb.resolve_records(["100", "100"])


def test_annotation_counts_match_the_database_directory() -> None:
    # "Table of beat types (entire records)" of the MIT-BIH Arrhythmia Database Directory
    symbols = mitdb.annotation_counts(["100", "208", "232"])
    assert symbols.loc["100", ["N", "A", "V"]].tolist() == [2239, 33, 1]
    assert symbols.loc["208", ["N", "V", "F", "S"]].tolist() == [1586, 992, 373, 2]
    aami = mitdb.aami_counts(symbols)
    assert aami.loc["232", "S"] == 1382  # all A beats
    assert aami.loc["208", "F"] == 373
