"""Notebook hygiene: thin, parameterized, runnable by papermill and nbval."""

import json
import re
from pathlib import Path

import papermill as pm
import pytest

from vitalkit.pipeline.stages import PER_MODEL, RESERVED, STAGES

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_every_stage_has_its_notebook() -> None:
    names = {p.name for p in NOTEBOOKS}
    for stage in STAGES.values():
        assert stage.notebook in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_parameterized(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", []), "first code cell holds the parameters"
    assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1
    for cell in code:
        src = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class) ", src, re.M), "no functions or classes in notebooks"
        is_parameters = "parameters" in cell["metadata"].get("tags", [])
        assert src.count("\n") < (40 if is_parameters else 25)  # one line per parameter, else thin
    assert nb["metadata"]["kernelspec"]["name"] == "vitalkit"
    assert path.stat().st_size < 2_000_000
    assert any(c.get("outputs") for c in code), "committed with the outputs nbval compares"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_parameter_line_is_understood_by_papermill(path: Path) -> None:
    nb = json.loads(path.read_text())
    source = "".join(nb["cells"][[c["cell_type"] for c in nb["cells"]].index("code")]["source"])
    assigned = re.findall(r"^(\w+)\s*[:=]", source, re.M)
    declared = pm.inspect_notebook(str(path))
    assert sorted(declared) == sorted(assigned)  # a line papermill cannot parse is lost
    assert {"product_dir", "upstream", "run_id"} <= set(declared)
    for name, info in declared.items():
        if name not in RESERVED and name not in PER_MODEL:
            assert info["help"], f"{name} needs a comment saying what it does"
