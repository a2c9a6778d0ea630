"""``vitalkit compare``: differing parameters, metrics with CIs, paired differences, errors.

The run folders are written the way the runner and the evaluate stage write them (``run.json``
with stage records and headlines, ``04_evaluate/metrics.json`` and ``predictions_<model>.npz``),
with predictions of known quality, so that the sign of each difference is known.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest

from vitalkit.cli import main
from vitalkit.errors import DataError
from vitalkit.evaluate.bootstrap import bootstrap_metrics
from vitalkit.io import save_npz, write_json
from vitalkit.pipeline.compare_runs import compare_runs, comparison_text, default_html_path

CLASSES = ["N", "S", "V", "F"]
RECORDS = ["100", "105", "200", "213", "232"]
PARAMS = {
    "name": "smoke",
    "stages": ["preprocess", "train", "evaluate"],
    "seed": 0,
    "models": {"rf": {"architecture": "random_forest", "hparams": {"n_estimators": 60}}},
    "train": {"max_epochs": 1},
}


def _test_set(n_per_record: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    record = np.repeat(RECORDS, n_per_record)
    labels = rng.choice(4, size=record.size, p=[0.8, 0.08, 0.1, 0.02])
    position = np.tile(np.arange(n_per_record) * 360, len(RECORDS))
    return labels, record, position


def _predict(labels: np.ndarray, error_rate: float, seed: int) -> np.ndarray:
    """One-hot probabilities that are wrong on a random ``error_rate`` share of samples."""
    rng = np.random.default_rng(seed)
    pred = labels.copy()
    wrong = rng.random(labels.size) < error_rate
    pred[wrong] = (labels[wrong] + 1) % 4
    return np.eye(4, dtype=np.float32)[pred]


def make_run(
    reports: Path,
    run_id: str,
    params: dict | None = None,
    error_rate: float = 0.1,
    pred_seed: int = 0,
    test_seed: int = 0,
    evaluate_status: str = "ok",
) -> Path:
    """A finished run folder with one model ``rf`` (the primary) evaluated on the test set."""
    run = reports / run_id
    folder = run / "04_evaluate"
    folder.mkdir(parents=True)
    labels, record, position = _test_set(seed=test_seed)
    proba = _predict(labels, error_rate, pred_seed)
    save_npz(
        folder / "predictions_rf.npz", probabilities=proba, labels=labels, record=record, position=position
    )
    table = bootstrap_metrics(labels, proba.argmax(1), record, CLASSES, n_boot=200, seed=0)
    write_json(
        folder / "metrics.json",
        {
            "primary": "rf",
            "classes": CLASSES,
            "task": "multiclass",
            "n_test_beats": int(labels.size),
            "test_records": RECORDS,
            "bootstrap": {"unit": "record", "replicates": 200, "level": 0.95, "seed": 0},
            "models": {"rf": {"metrics": table.to_dict(orient="index")}},
        },
    )
    headline = {"primary_model": "rf"}
    for m in ("accuracy", "macro_f1", "S_F1", "V_F1"):
        headline[m] = round(float(table.loc[m, "value"]), 4)
        headline[f"{m}_ci95"] = [round(float(table.loc[m, c]), 4) for c in ("ci_low", "ci_high")]
    stages = [
        {"label": "preprocess", "name": "preprocess", "folder": "02_preprocess", "status": "ok",
         "duration_s": 40.0, "headline": {"metrics": {"test_samples": int(labels.size)}}},
        {"label": "train[rf]", "name": "train", "folder": "03_train_rf", "status": "ok", "duration_s": 20.0,
         "headline": {"metrics": {"best_val_macro_f1": 0.6}}},
        {"label": "evaluate", "name": "evaluate", "folder": "04_evaluate", "status": evaluate_status,
         "duration_s": 15.0, "headline": {"metrics": headline, "figures": []}},
    ]  # fmt: skip
    write_json(
        run / "run.json",
        {
            "run_id": run_id,
            "created": "2026-12-06T16:15:33+00:00",
            "params_name": "smoke",
            "params_file": "params/smoke.yaml",
            "params": params or PARAMS,
            "git": {"commit": "3b2bc34e8e7464fd1a675800481924f7c8d1d147", "dirty": False},
            "status": "ok",
            "stages": stages,
            "headline": {s["label"]: s["headline"]["metrics"] for s in stages},
        },
    )
    return run


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return tmp_path / "reports"


def test_params_table_lists_run_facts_and_only_the_differing_parameters(reports: Path) -> None:
    changed = copy.deepcopy(PARAMS)
    changed["seed"] = 1
    changed["models"]["rf"]["hparams"]["n_estimators"] = 100
    a = make_run(reports, "smoke-a")
    b = make_run(reports, "smoke-b", params=changed)
    table = compare_runs([a, b]).params
    assert list(table.columns) == ["A", "B"]
    assert table.loc["run id"].tolist() == ["smoke-a", "smoke-b"]
    assert table.loc["git commit"].tolist() == ["3b2bc34e8e", "3b2bc34e8e"]
    assert table.loc["wall time"].tolist() == ["1.2 min", "1.2 min"]
    assert table.loc["seed"].tolist() == ["0", "1"]
    assert table.loc["models.rf.hparams.n_estimators"].tolist() == ["60", "100"]
    assert "train.max_epochs" not in table.index and "models.rf.architecture" not in table.index


def test_metrics_table_shows_every_stage_metric_with_its_ci(reports: Path) -> None:
    a = make_run(reports, "smoke-a", error_rate=0.1)
    b = make_run(reports, "smoke-b", error_rate=0.02)
    table = compare_runs([a, b]).metrics
    acc = table.loc[("evaluate", "accuracy")].tolist()
    assert all(re.fullmatch(r"0\.\d{4} \[0\.\d{4}, [01]\.\d{4}\]", v) for v in acc), acc
    assert float(acc[1].split()[0]) > float(acc[0].split()[0])
    assert table.loc[("evaluate", "primary_model")].tolist() == ["rf", "rf"]
    assert table.loc[("train[rf]", "best_val_macro_f1")].tolist() == ["0.6000", "0.6000"]
    assert table.loc[("evaluate[rf]", "macro_f1")].tolist() == table.loc[("evaluate", "macro_f1")].tolist()
    assert table.index[0] == ("evaluate", "primary_model")  # the evaluate stage comes first


def test_a_run_against_itself_differs_by_exactly_zero(reports: Path) -> None:
    a = make_run(reports, "smoke-a")
    cmp = compare_runs([a, a])
    diffs = cmp.differences
    assert list(diffs.index.get_level_values("metric")) == ["accuracy", "macro_f1", "S_F1", "V_F1"]
    assert np.allclose(diffs[["difference", "ci_low", "ci_high"]].to_numpy(float), 0)
    assert (diffs["p_value (bootstrap over records)"] == 1).all()
    assert "0 samples only B:rf gets right, 0 only A:rf" in comparison_text(cmp)


def test_paired_difference_has_the_sign_of_the_better_run(reports: Path) -> None:
    worse = make_run(reports, "smoke-a", error_rate=0.15, pred_seed=1)
    better = make_run(reports, "smoke-b", error_rate=0.03, pred_seed=2)
    cmp = compare_runs([worse, better], n_boot=500)
    row = cmp.differences.loc[("B:rf - A:rf", "accuracy")]
    with (
        np.load(worse / "04_evaluate" / "predictions_rf.npz") as za,
        np.load(better / "04_evaluate" / "predictions_rf.npz") as zb,
    ):
        expected = (zb["probabilities"].argmax(1) == zb["labels"]).mean() - (
            za["probabilities"].argmax(1) == za["labels"]
        ).mean()
    assert row["difference"] == pytest.approx(expected)
    assert 0 < row["ci_low"] <= row["difference"] <= row["ci_high"] < 0.25
    reverse = compare_runs([better, worse], n_boot=500).differences.loc[("B:rf - A:rf", "accuracy")]
    assert reverse["difference"] == pytest.approx(-expected) and reverse["ci_high"] < 0


def test_different_test_sets_are_named_instead_of_a_difference(reports: Path) -> None:
    a = make_run(reports, "smoke-a")
    b = make_run(reports, "smoke-b", test_seed=1)
    cmp = compare_runs([a, b])
    assert cmp.differences.empty
    assert any("the test sets differ" in n for n in cmp.notes)
    assert "B - A: no paired difference, the test sets differ" in comparison_text(cmp)


def test_a_model_one_run_lacks_is_named(reports: Path) -> None:
    a = make_run(reports, "smoke-a")
    cmp = compare_runs([a, a], model="resnet1d")
    assert cmp.differences.empty
    assert cmp.notes == ["B - A: no paired difference, no test predictions of A:resnet1d"]


def test_cli_prints_the_tables_and_writes_an_offline_page(reports: Path, tmp_path: Path, capsys) -> None:
    a = make_run(reports, "smoke-a", error_rate=0.15, pred_seed=1)
    b = make_run(reports, "smoke-b", error_rate=0.03, pred_seed=2)
    out = tmp_path / "page" / "cmp.html"
    assert main(["compare", str(a), str(b), "--out", str(out), "--n-boot", "200"]) == 0
    printed = capsys.readouterr().out
    assert "A = smoke-a, B = smoke-b" in printed and "B:rf - A:rf" in printed
    assert f"page: {out}" in printed
    page = out.read_text()
    assert "smoke-a" in page and "smoke-b" in page and "data:image/png;base64," in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page) and "<script" not in page
    assert list(out.parent.iterdir()) == [out]  # written atomically: no temporary left behind
    assert default_html_path(compare_runs([a, b])) == reports / "compare-smoke-a-vs-smoke-b.html"


def test_bad_input_is_one_clear_error_naming_the_folder(reports: Path, tmp_path: Path, capsys) -> None:
    a = make_run(reports, "smoke-a")
    with pytest.raises(DataError, match="compare needs at least two run folders, got 1"):
        compare_runs([a])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: not a run folder \(no run.json"):
        compare_runs([a, tmp_path / "empty"])
    with pytest.raises(DataError, match="nowhere: not a run folder"):
        compare_runs([a, tmp_path / "nowhere"])
    failed = make_run(reports, "smoke-failed", evaluate_status="failed")
    with pytest.raises(
        DataError, match=r"smoke-failed: its evaluate stage did not finish \(status 'failed'\)"
    ):
        compare_runs([a, failed])
    manifest = json.loads((a / "run.json").read_text())
    manifest["stages"] = [s for s in manifest["stages"] if s["name"] == "train"]
    manifest["stages"][0]["status"] = "failed"
    bare = reports / "smoke-bare"
    write_json(bare / "run.json", manifest)
    with pytest.raises(DataError, match="smoke-bare: the run has no finished evaluate stage"):
        compare_runs([a, bare])
    assert main(["compare", str(a), str(tmp_path / "empty")]) == 2
    assert f"vitalkit: error: {tmp_path / 'empty'}: not a run folder" in capsys.readouterr().err


def test_runs_without_an_evaluate_stage_compare_their_metrics(reports: Path) -> None:
    a = make_run(reports, "smoke-a")
    manifest = json.loads((a / "run.json").read_text())
    manifest["stages"] = [
        {"label": "vitals", "name": "vitals", "folder": "08_vitals_early_warning", "status": "ok",
         "duration_s": 60.0, "headline": {"metrics": {"gru_auroc": 0.81, "gru_auroc_ci95": [0.75, 0.86]}}}
    ]  # fmt: skip
    vitals = reports / "vitals-a"
    write_json(vitals / "run.json", manifest)
    cmp = compare_runs([vitals, a])
    assert cmp.metrics.loc[("vitals", "gru_auroc")].tolist() == ["0.8100 [0.7500, 0.8600]", "-"]
    assert cmp.differences.empty
    assert cmp.notes == ["B - A: no paired difference, run A has no evaluate stage"]


def test_a_dead_run_marked_running_is_shown_interrupted_by_compare_summary_and_index(reports: Path) -> None:
    """run.json says running, no process holds the run's lock (it died): every reader says interrupted."""
    import pandas as pd

    from vitalkit.pipeline.lock import RunLock
    from vitalkit.pipeline.summary import beat_benchmark_text

    a = make_run(reports, "smoke-a")
    b = make_run(reports, "smoke-b")
    manifest = json.loads((b / "run.json").read_text())
    manifest.update(status="running", data={"data_dir": "../shared/data"}, updated=manifest["created"])
    manifest["stages"].append(
        {"label": "export", "name": "export", "folder": "05_export", "status": "running", "duration_s": None}
    )
    write_json(b / "run.json", manifest)
    (b / ".lock").write_text("4194999")  # the lock file of the dead process, held by nobody
    pd.DataFrame({"macro_f1": [0.5]}, index=["rf"]).to_csv(b / "04_evaluate" / "summary.csv")

    with RunLock(b):  # while the run's process lives, it is running
        assert compare_runs([a, b]).params.loc["status"].tolist() == ["ok", "running"]
        assert ", status running," in beat_benchmark_text(b)
        assert not (b / "index.html").exists()
    assert compare_runs([a, b]).params.loc["status"].tolist() == ["ok", "interrupted"]
    assert ", status interrupted," in beat_benchmark_text(b)
    page = (b / "index.html").read_text()  # the page is rewritten by the command that found it dead
    assert "status <b>interrupted</b>" in page and '<td class="interrupted">interrupted</td>' in page
    assert ">running<" not in page
    assert json.loads((b / "run.json").read_text()) == manifest  # run.json kept: --resume continues it

    manifest["stages"][2]["status"] = "running"  # died during the evaluate stage
    del manifest["stages"][3]
    write_json(b / "run.json", manifest)
    with pytest.raises(DataError, match="evaluate stage did not finish \\(status 'interrupted'\\)"):
        compare_runs([a, b])


def test_a_run_finishing_while_a_reader_looks_is_not_marked_interrupted(reports: Path, monkeypatch) -> None:
    """The reader saw 'running' and no lock holder, but by the time it rewrites the page the run
    has saved 'ok' (or a --resume holds the lock): the page is left alone."""
    from vitalkit.pipeline import report
    from vitalkit.pipeline.lock import RunLock, interrupted

    run = make_run(reports, "smoke-race")
    finished = json.loads((run / "run.json").read_text())
    assert finished["status"] == "ok"
    # what the reader saw a moment earlier: the same run still marked running, its process gone
    monkeypatch.setattr(report, "effective_manifest", lambda _dir, m: interrupted({**m, "status": "running"}))
    assert report.read_run(run)["status"] == "interrupted"  # its own view of that moment
    assert not (run / "index.html").exists()  # but run.json, read again under the lock, says ok

    write_json(run / "run.json", {**finished, "status": "running", "data": {"data_dir": "../shared/data"}})
    with RunLock(run):  # a --resume took the folder meanwhile
        report.read_run(run)
        assert not (run / "index.html").exists()
    report.read_run(run)  # nobody holds it and run.json says running: now it is dead
    assert "status <b>interrupted</b>" in (run / "index.html").read_text()
