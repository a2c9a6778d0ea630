"""The run's ``index.html`` built from small synthetic run folders (no pipeline run).

The evaluate products copy the column layout of a real beat run (``summary.csv``,
``comparison.csv``, ``metrics.json``, ``headline.json``); values are made up.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from vitalkit.pipeline.report import index_sections, write_index

SUMMARY = """model,val_macro_f1,selected_on,accuracy,macro_f1,S_Se,S_+P,S_F1,V_Se,V_+P,V_F1,parameters,epochs,train_s
rf_transfer,67.1,cv,"96.9 [94.7, 98.6]","75.9 [51.4, 80.4]","74.4 [15.4, 87.2]","78.7 [11.6, 97.5]","76.5 [14.5, 91.4]","93.9 [81.4, 98.5]","89.7 [65.8, 98.5]","91.7 [74.7, 97.7]",,1,288.7
rf_resnet1d,89.1,val,"94.3 [89.0, 98.2]","60.8 [51.7, 67.1]","22.7 [16.5, 51.7]","40.3 [11.3, 91.9]","29.0 [16.0, 48.3]","97.2 [93.6, 99.5]","88.4 [69.6, 95.7]","92.6 [80.5, 96.9]",64756,,342.9
resnet1d,59.7,val,"89.8 [82.5, 96.0]","49.2 [43.2, 55.1]","14.2 [1.4, 72.0]","12.9 [2.4, 25.3]","13.5 [1.9, 32.1]","97.2 [94.4, 99.5]","80.8 [57.2, 93.5]","88.3 [72.2, 95.5]",64756,5,54.2
"""  # noqa: E501
COMPARISON = """comparison,metric,difference,ci_low,ci_high,p_value (bootstrap over records)
rf_transfer - rf_resnet1d,macro_f1,0.15119757034791526,-0.031644270823551826,0.19945115172713543,0.293
rf_transfer - rf_resnet1d,accuracy,0.025621414913957863,-0.0014875164512462259,0.07214871543713383,0.099
"""
CLASS_METRICS = {  # value, ci_low, ci_high of the primary model (metrics.json)
    "accuracy": (0.9687632, 0.9467707, 0.9858620),
    "macro_f1": (0.7593622, 0.5135461, 0.8040315),
    "N_F1": (0.9854274, 0.9746424, 0.9935767),
    "S_Se": (0.7441481, 0.1543932, 0.8724431),
    "S_+P": (0.7874424, 0.1159941, 0.9753418),
    "S_F1": (0.7651833, 0.1445874, 0.9139777),
    "V_Se": (0.9391304, 0.8142180, 0.9853097),
    "V_+P": (0.8965313, 0.6581344, 0.9852697),
    "V_F1": (0.9173366, 0.7468206, 0.9768165),
    "V_FPR": (0.0075110, 0.0012049, 0.0182168),
    "F_F1": (0.3695015, 0.0, 0.4117647),
}
HEADLINE = ("accuracy", "macro_f1", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1")
FIGURE = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {"title": {"text": "</script>"}}}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _stage(name: str, label: str, folder: str, metrics: dict[str, Any], status: str = "ok") -> dict[str, Any]:
    return {
        "label": label,
        "name": name,
        "folder": folder,
        "status": status,
        "duration_s": 1.5 if status == "ok" else None,
        "error": None,
        "reused": False,
        "headline": {"metrics": metrics, "figures": ["figures/main.json"]},
        "report": f"{folder}/report.html" if status == "ok" else None,
        "executed_notebook": f"{folder}/notebook.ipynb" if status == "ok" else None,
        "products": {},
    }


def _evaluate_headline() -> dict[str, Any]:
    """What the evaluate stage writes into ``headline.json``: 4 decimals, CIs as ``x_ci95``."""
    metrics: dict[str, Any] = {"primary_model": "rf_transfer"}
    for m in HEADLINE:
        value, low, high = CLASS_METRICS[m]
        metrics[m] = round(value, 4)
        metrics[f"{m}_ci95"] = [round(low, 4), round(high, 4)]
    return metrics


def beat_run(run_dir: Path, comparison: bool = True, evaluate_status: str = "ok") -> dict[str, Any]:
    """A finished beat run: explore, preprocess, train, evaluate, export; returns its manifest."""
    stages = [
        _stage("explore", "explore", "01_explore", {"records": 44, "beats": 100733}),
        _stage("preprocess", "preprocess", "02_preprocess", {"train_samples": 40866, "test_samples": 49685}),
        _stage(
            "train",
            "train[rf_transfer]",
            "03_train_rf_transfer",
            {"best_val_macro_f1": 0.6705285200625314, "n_parameters": None},
        ),
        _stage("evaluate", "evaluate", "04_evaluate", _evaluate_headline(), evaluate_status),
        _stage("export", "export", "05_export", {"model": "rf_transfer", "onnxruntime_p50_ms": 0.017}),
    ]
    for stage in stages:
        _write(run_dir / stage["folder"] / "figures" / "main.json", json.dumps(FIGURE))
    evaluate = run_dir / "04_evaluate"
    if comparison:
        _write(evaluate / "summary.csv", SUMMARY)
        _write(evaluate / "comparison.csv", COMPARISON)
    metrics = {
        "primary": "rf_transfer",
        "selection": "best selection score",
        "ranking": ["rf_transfer", "rf_resnet1d", "resnet1d"],
        "classes": ["N", "S", "V", "F"],
        "task": "multiclass",
        "n_test_beats": 49685,
        "test_records": [str(r) for r in range(22)],
        "bootstrap": {"unit": "record", "replicates": 1000, "level": 0.95, "seed": 0},
        "ensembles": {"rf_resnet1d": ["rf_transfer", "resnet1d"]},
        "models": {
            "rf_transfer": {
                "metrics": {
                    m: {"value": v, "ci_low": lo, "ci_high": hi} for m, (v, lo, hi) in CLASS_METRICS.items()
                },
                "train": {"architecture": "random_forest", "feature_set": "transfer"},
                "members": [],
            },
            "rf_resnet1d": {"metrics": {}, "train": {}, "members": ["rf_transfer", "resnet1d"]},
            "resnet1d": {"metrics": {}, "train": {"architecture": "resnet1d"}, "members": []},
        },
    }
    _write(evaluate / "metrics.json", json.dumps(metrics))
    return run_manifest(stages)


def run_manifest(stages: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``run.json`` around ``stages``."""
    return {
        "run_id": "beats-20261207-120000",
        "params_name": "default",
        "params_file": "params/default.yaml",
        "description": "MIT-BIH inter-patient benchmark",
        "status": "ok",
        "created": "2026-12-07T12:00:00+00:00",
        "updated": "2026-12-07T12:10:00+00:00",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "data": {"data_dir": "data"},
        "stages": stages,
    }


class Tables(HTMLParser):
    """Every ``<table>`` of a page as rows of cell texts, keyed by its ``id`` (or its position)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or f"#{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _positions(page: str, *markers: str) -> list[int]:
    found = [page.find(m) for m in markers]
    assert -1 not in found, dict(zip(markers, found, strict=True))
    return found


def test_index_opens_with_primary_model_then_models_figures_other_stages(tmp_path: Path) -> None:
    manifest = beat_run(tmp_path)
    page = write_index(tmp_path, manifest).read_text()

    # section order: primary model, models compared (+ paired differences), figures, other stages, stages
    order = _positions(
        page, 'id="vk-headline"', 'id="vk-primary"', 'id="vk-models"', 'id="vk-pairs"', 'id="vk-figures"',
        'id="vk-other"', "<h2>Stages</h2>", "<h2>Reproduce</h2>",
    )  # fmt: skip
    assert order == sorted(order)
    assert "Headline figures" not in page  # the single table of old is gone
    # what the runner's smoke test checks: the first cell under "Headline" is the evaluate stage's
    first_row = page.index("<td>", page.index("Headline"))
    assert page[first_row:].startswith("<td>evaluate</td>")

    tables = Tables(page).tables
    primary = tables["vk-primary"]
    assert primary[0] == ["stage", "metric", "value (%)", "95 % CI (%)"]
    shown = {row[1]: row[2:] for row in primary[1:]}
    # headline metrics first in their order, then the class F1s the headline leaves out; no FPR rows
    assert list(shown) == [*HEADLINE, "N_F1", "F_F1"]
    assert shown["accuracy"] == ["96.9", "94.7 – 98.6"]
    # full precision from metrics.json: 0.5135 (headline.json) would print 51.3, summary.csv says 51.4
    assert shown["macro_f1"] == ["75.9", "51.4 – 80.4"]
    assert shown["V_+P"] == ["89.7", "65.8 – 98.5"]
    assert shown["N_F1"] == ["98.5", "97.5 – 99.4"] and shown["F_F1"] == ["37.0", "0.0 – 41.2"]
    assert "rf_transfer" in page[order[0] : order[1]]  # the heading names the primary model
    assert "22 records, 49,685 samples" in page and "1000 bootstrap replicates over records" in page

    models = tables["vk-models-table"]
    assert models[0][:5] == ["model", "method", "selection macro-F1", "selected on", "accuracy"]
    assert models[0][-1] == "train time (s)"
    assert [row[0] for row in models[1:]] == ["rf_transfer primary", "rf_resnet1d", "resnet1d"]
    rf = dict(zip(models[0], models[1], strict=True))
    assert rf["method"] == "random_forest (transfer)" and rf["accuracy"] == "96.9 [94.7, 98.6]"
    assert rf["macro_f1"] == "75.9 [51.4, 80.4]" and rf["parameters"] == ""
    assert rf["train time (s)"] == "288.7"
    assert models[2][1] == "ensemble of rf_transfer + resnet1d"
    # every figure of the primary table agrees with the primary model's row of summary.csv
    for metric in HEADLINE:
        value, ci = shown[metric]
        assert rf[metric] == f"{value} [{ci.replace(' – ', ', ')}]", metric

    pairs = tables["vk-pairs"]
    assert pairs[1] == ["rf_transfer - rf_resnet1d", "macro_f1", "+15.1", "-3.2 – +19.9", "0.293"]

    other = tables["vk-other-table"]
    assert [row[0] for row in other[1:]] == [
        "explore", "explore", "preprocess", "preprocess", "train[rf_transfer]", "train[rf_transfer]",
        "export", "export",
    ]  # fmt: skip
    assert ["train[rf_transfer]", "n_parameters", "n/a"] in other
    assert ["train[rf_transfer]", "best_val_macro_f1", "0.6705"] in other
    # figures: the evaluate stage's first, every stage's drawn, "</script>" in a title cannot end the script
    assert page.count("Plotly.newPlot(") == 5
    assert '"text": "<\\/script>"' in page


def test_index_sections_put_evaluate_figures_first(tmp_path: Path) -> None:
    manifest = beat_run(tmp_path)
    manifest["stages"][3]["headline"]["figures"] = ["figures/ci.json"]
    _write(tmp_path / "04_evaluate" / "figures" / "ci.json", json.dumps({"data": [], "layout": {"n": 4}}))
    sections = index_sections(tmp_path, manifest)
    assert json.loads(sections["figures"][0]["json"])["layout"] == {"n": 4}
    assert sections["headline_rows"] == []


def test_index_without_comparison_keeps_one_headline_table(tmp_path: Path) -> None:
    """No ``summary.csv`` (an older evaluate stage): today's layout, evaluate rows first."""
    page = write_index(tmp_path, beat_run(tmp_path, comparison=False)).read_text()
    for absent in ('id="vk-primary"', 'id="vk-models"', 'id="vk-pairs"', 'id="vk-other"', "Models compared"):
        assert absent not in page
    order = _positions(page, "Headline figures", 'id="vk-figures"', "<h2>Stages</h2>")
    assert order == sorted(order)
    headline = next(t for t in Tables(page).tables.values() if t[0] == ["stage", "metric", "value"])
    assert headline[1] == ["evaluate", "primary_model", "rf_transfer"]
    assert headline[2] == ["evaluate", "accuracy", "0.9688 [0.9468, 0.9859]"]
    assert [row[0] for row in headline[1:]][-2:] == ["export", "export"]
    first_row = page.index("<td>", page.index("Headline"))
    assert page[first_row:].startswith("<td>evaluate</td>")


@pytest.mark.parametrize("task", ["rhythm", "vitals", "clinical"])
def test_index_of_other_tasks_shows_their_headline_without_empty_tables(tmp_path: Path, task: str) -> None:
    stage = _stage(task, task, f"01_{task}", {"macro_f1": 0.81, "macro_f1_ci95": [0.7, 0.9], "n": 12})
    _write(tmp_path / stage["folder"] / "comparison.csv", "a,b\n1,2\n")  # another stage's product
    _write(tmp_path / stage["folder"] / "figures" / "main.json", json.dumps(FIGURE))
    page = write_index(tmp_path, run_manifest([stage])).read_text()
    assert 'id="vk-primary"' not in page and 'id="vk-models"' not in page and 'id="vk-other"' not in page
    tables = Tables(page).tables
    assert all(len(rows) > 1 for rows in tables.values()), tables  # every table has a row under its header
    headline = next(t for t in tables.values() if t[0] == ["stage", "metric", "value"])
    assert headline[1:] == [[task, "macro_f1", "0.81 [0.7, 0.9]"], [task, "n", "12"]]
    assert page.count("Plotly.newPlot(") == 1


@pytest.mark.parametrize("status", ["failed", "running"])
def test_partial_run_renders_without_the_comparison(tmp_path: Path, status: str) -> None:
    """An evaluate stage that failed or is still running: no model tables (its files may be half
    written), the stage's error shown escaped, missing or broken figures left out."""
    manifest = beat_run(tmp_path, evaluate_status=status)
    manifest["status"] = "failed" if status == "failed" else "running"
    manifest["stages"][3]["error"] = "Traceback: <script>alert(1)</script> & more"
    manifest["stages"][4] = {**manifest["stages"][4], "status": "pending", "headline": None}
    (tmp_path / "01_explore" / "figures" / "main.json").write_text("{not json")
    (tmp_path / "02_preprocess" / "figures" / "main.json").unlink()
    page = write_index(tmp_path, manifest).read_text()
    assert 'id="vk-primary"' not in page and 'id="vk-models"' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert" not in page
    assert page.count("Plotly.newPlot(") == 2  # train and evaluate; explore broken, preprocess missing
    stages = next(t for t in Tables(page).tables.values() if t and t[0][:2] == ["stage", "status"])
    statuses = {row[0]: row[1] for row in stages[1:] if len(row) > 1}
    # no process holds the run's lock, so a "running" run is shown as interrupted
    assert statuses["evaluate"] == ("failed" if status == "failed" else "interrupted")
    assert statuses["export"] == "pending"


def test_index_escapes_products_once_and_loads_nothing_from_the_network(tmp_path: Path) -> None:
    manifest = beat_run(tmp_path)
    summary = tmp_path / "04_evaluate" / "summary.csv"
    summary.write_text(summary.read_text().replace("resnet1d,59.7", '<img src=x onerror="x">&,59.7'))
    manifest["stages"][4]["headline"]["metrics"]["note"] = "a < b & c"
    page = write_index(tmp_path, manifest).read_text()
    assert "<img" not in page and "&lt;img src=x onerror=&#34;x&#34;&gt;&amp;" in page
    assert "a &lt; b &amp; c" in page and "&amp;lt;" not in page  # escaped once, not twice
    assert not re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']?(?:https?:)?//""", page)
    assert re.findall(r'<script src="([^"]+)"', page) == ["assets/plotly.min.js"]
    assert (tmp_path / "assets" / "plotly.min.js").stat().st_size > 1_000_000
