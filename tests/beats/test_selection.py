"""Consensus settings chosen on tuning records only, then scored on held-out records."""

import pytest

from vitalkit.beats.consensus import ConsensusRule
from vitalkit.beats.selection import consensus_grid, select_consensus, selection_report


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Member detections are computed here and never read from the project's cache."""
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path / "cache"))


def test_grid_puts_the_defaults_first_and_refuses_unknown_settings() -> None:
    rules = consensus_grid({"strong": (4, 5, 6), "gap": (1.3, 1.5)})
    assert rules[0] == ConsensusRule() and len(rules) == 6 and len(set(rules)) == 6
    with pytest.raises(ValueError, match="unknown consensus setting"):
        consensus_grid({"votes": (1, 2)})


def test_a_record_cannot_be_tuned_on_and_held_out() -> None:
    with pytest.raises(ValueError, match=r"\['100'\] are both tuned on and held out"):
        select_consensus(["100"], {"DS2": ["100"]}, max_seconds=20)


def test_selection_on_tuning_records_scores_the_held_out_ones(data_dir) -> None:
    # strong=10 needs all ten members and misses beats; the selection must not pick it
    result = select_consensus(
        ["100", "105"], {"DS2": ["103"], "paced": ["102"]}, {"strong": (5, 10)}, data_dir, max_seconds=60
    )
    assert result.rule.strong == 5
    assert list(result.table.index) == ["tuning (in-sample)", "DS2 (held out)", "paced (held out)"]
    assert result.table.loc["DS2 (held out)", "records"] == 1 and result.table["beats"].dtype.kind == "i"
    assert result.table.loc["DS2 (held out)", "F1 %"] > 98
    assert result.table.loc["paced (held out)", "F1 %"] > 95
    assert set(result.per_record["set"]) == {"tune", "DS2", "paced"}
    assert result.grid["F1 %"].iloc[0] >= result.grid["F1 %"].iloc[1]
    assert "strong=5" in selection_report(result)
