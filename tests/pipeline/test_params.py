"""Parameter-set validation: every problem reported before anything runs."""

from pathlib import Path

import pytest
import yaml

from vitalkit.errors import ParamsError
from vitalkit.pipeline.params import load_params, type_matches

PROJECT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def minimal(**extra) -> dict:
    base = {
        "name": "t",
        "stages": ["preprocess"],
        "preprocess": {
            "train_records": ["101", "106", "119"],
            "test_records": ["100"],
            "n_val_records": 1,
        },
    }
    base.update(extra)
    return base


@pytest.mark.parametrize(
    ("name", "trained"),
    [
        ("smoke", ["train[resnet1d]", "train[rf_transfer]"]),
        ("default", ["train[rf_transfer]", "train[resnet1d]"]),
    ],
)
def test_shipped_parameter_sets_are_valid(name: str, trained: list[str]) -> None:
    params = load_params(PROJECT / "params" / f"{name}.yaml")
    labels = [i.label for i in params.instances()]
    assert labels == ["explore", "preprocess", *trained, "evaluate", "export"]

    train = {i.label: i.parameters for i in params.instances()}["train[resnet1d]"]
    assert train["architecture"] == "resnet1d" and "hparams" in train and train["seed"] == 0


def test_default_set_cross_validates_its_classical_model() -> None:
    params = load_params(PROJECT / "params" / "default.yaml")
    train = {i.label: i.parameters for i in params.instances()}["train[rf_transfer]"]
    assert train["cv_folds"] == 11 and train["hparams"]["feature_set"] == "transfer"
    assert train["record_smoothing"] == {"neighbours": 10, "keep": 0.5}


def test_bad_feature_set_and_folds_are_refused(tmp_path) -> None:
    raw = yaml.safe_load((PROJECT / "params" / "default.yaml").read_text())
    raw["models"]["rf_transfer"]["hparams"]["feature_set"] = "nonsense"
    raw["models"]["rf_transfer"]["train"]["cv_folds"] = 1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError) as err:
        load_params(path, check_data=False)
    text = str(err.value)
    assert "feature_set must be one of" in text and "cv_folds must be 0 (off) or at least 2" in text


def test_bad_record_smoothing_is_refused_before_anything_runs(tmp_path) -> None:
    raw = yaml.safe_load((PROJECT / "params" / "default.yaml").read_text())
    raw["models"]["rf_transfer"]["train"]["record_smoothing"] = {"neighbours": 0, "keep": 0.5}
    raw["models"]["resnet1d"]["train"] = {"record_smoothing": {"neighbours": 5, "keep": 0.5}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError) as err:
        load_params(path, check_data=False)
    text = str(err.value)
    assert "models.rf_transfer: record_smoothing.neighbours must be an integer >= 1" in text
    assert "models.resnet1d: record_smoothing needs cv_folds" in text


def test_unknown_parameter_is_rejected_with_the_notebook_parameters(tmp_path: Path) -> None:
    data = minimal()
    data["preprocess"]["window_lenght"] = 3  # typo
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, data))
    text = str(err.value)
    assert "preprocess.window_lenght: unknown parameter of 02_preprocess.ipynb" in text
    assert "window_before_s" in text  # the message lists what is accepted


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    data = minimal(stages=["preprocess", "train", "warp"], bogus=1, seed="x")
    data["preprocess"]["n_val_records"] = "two"
    data["train"] = {"max_epochs": 1.5, "product_dir": "/tmp/x", "architecture": "resnet1d"}
    data["models"] = {
        "m1": {"architecture": "resnet9d"},
        "m2": {"architecture": "resnet1d", "hparams": {"depth": 3}},
        "bad name!": {},
    }
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, data))
    problems = err.value.problems
    expected = [
        "bogus: unknown top-level key",
        "stages: unknown stage(s) ['warp']",
        "seed: expected an integer",
        "preprocess.n_val_records: expected int, got str",
        "train.max_epochs: expected int, got float",
        "train.product_dir: is set by the runner",
        "train.architecture: set models in the `models` section",
        "models.m1.architecture: unknown architecture 'resnet9d'",
        "models.m2.hparams: architecture 'resnet1d' has no hyperparameter 'depth'",
        "models.bad name!: labels may hold",
    ]
    for e in expected:
        assert any(e in p or p.startswith(e) for p in problems), (e, problems)


def test_missing_upstream_stage(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match=r"evaluate reads the products of \['preprocess', 'train'\]"):
        load_params(write(tmp_path, {"name": "t", "stages": ["evaluate"]}))


def test_leaking_and_paced_records_are_rejected(tmp_path: Path) -> None:
    data = minimal()
    data["preprocess"]["test_records"] = ["100", "101", "217"]
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, data))
    text = str(err.value)
    assert "['101'] are in both train_records and test_records" in text
    assert "paced record(s) ['217']" in text


def test_missing_data_is_reported_up_front(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VITALKIT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("VITALKIT_PHYSIONET_MIRROR", "http://127.0.0.1:9/")
    with pytest.raises(ParamsError, match="record 101 of mitdb is missing"):
        load_params(write(tmp_path, minimal()))


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: t\nstages: [preprocess\n")
    with pytest.raises(ParamsError, match="not valid YAML at line"):
        load_params(path)
    path.write_text("- just a list\n")
    with pytest.raises(ParamsError, match="must hold a mapping"):
        load_params(path)
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


def test_type_matches() -> None:
    assert type_matches(3, "float") and not type_matches(True, "int")
    assert type_matches(None, "Optional[int]") and not type_matches("a", "Optional[int]")
    assert type_matches({"a": 1}, "dict[str, int]") and not type_matches({"a": "b"}, "dict[str, int]")
    assert type_matches(["a", 1], "list") and not type_matches(["a", 1], "list[str]")
    assert type_matches(object(), "None")


def test_one_patient_in_train_and_test_is_rejected_outside_the_published_split(tmp_path: Path) -> None:
    data = minimal()
    data["preprocess"]["train_records"] = ["101", "106", "201"]
    data["preprocess"]["test_records"] = ["100", "202"]
    with pytest.raises(ParamsError, match=r"records \[\['201', '202'\]\] are one patient"):
        load_params(write(tmp_path, data))
    published = minimal()
    published["preprocess"].update(train_records="DS1", test_records="DS2", n_val_records=5)
    load_params(write(tmp_path, published))  # de Chazal's split, 201 in DS1 and 202 in DS2, stays valid


@pytest.mark.parametrize(
    ("where", "key", "value", "message"),
    [
        ("train", "max_epochs", -3, "train.max_epochs: must be at least 1, got -3"),
        ("train", "lr", 0.0, "train.lr: must be greater than 0, got 0.0"),
        ("train", "batch_size", 0, "train.batch_size: must be at least 1, got 0"),
        ("evaluate", "ci_level", 1.5, "evaluate.ci_level: must be less than 1, got 1.5"),
        ("models.resnet1d.train", "lr", -0.1, "models.resnet1d.train.lr: must be greater than 0"),
    ],
)
def test_nonsense_values_are_named(tmp_path: Path, where: str, key: str, value: float, message: str) -> None:
    data = minimal(
        stages=["preprocess", "train", "evaluate"],
        models={"resnet1d": {"architecture": "resnet1d"}},
    )
    if where.startswith("models."):
        data["models"]["resnet1d"]["train"] = {key: value}
    else:
        data[where] = {key: value}
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, data), check_data=False)
    assert message in str(err.value)


def test_an_empty_model_list_is_refused(tmp_path: Path) -> None:
    data = minimal(stages=["preprocess", "train"], models={})
    with pytest.raises(ParamsError, match="the train stage needs at least one entry in `models`"):
        load_params(write(tmp_path, data), check_data=False)


def test_unknown_choices_are_named(tmp_path: Path) -> None:
    data = minimal(
        stages=["preprocess", "train"],
        models={"resnet1d": {"architecture": "resnet1d"}},
        train={"accelerator": "tpu", "sampler": "random"},
    )
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, data), check_data=False)
    text = str(err.value)
    assert "train.accelerator: must be one of ('cpu', 'gpu', 'cuda', 'mps', 'auto'), got 'tpu'" in text
    assert "train.sampler: must be one of ('shuffle', 'balanced', 'undersample'), got 'random'" in text


def test_omitted_keys_take_the_notebooks_defaults_everywhere(tmp_path: Path) -> None:
    """Checks, input hashes and fingerprints see the values the notebook will run with."""
    from vitalkit.pipeline.params import notebook_parameters
    from vitalkit.pipeline.stages import STAGES

    data = minimal(stages=["explore", "preprocess"])
    data["preprocess"] = {"train_records": ["101", "106", "108", "109", "112"], "test_records": ["100"]}
    params = load_params(write(tmp_path, data))  # n_val_records omitted: the notebook's 4 < 5 records
    declared = notebook_parameters(STAGES["preprocess"])
    assert params.sections["preprocess"]["n_val_records"] == int(declared["n_val_records"]["default"]) == 4
    explore = params.instances()[0]
    assert explore.parameters["records"] == ["100", "101", "106", "119", "200", "207", "208", "232"]
    files = {p.name for p in STAGES["explore"].inputs(explore.parameters)}
    assert "232.dat" in files and "234.dat" not in files  # the notebook's 8 records, not all 44


def test_parameter_checks_import_without_torch_lightning_neurokit_or_papermill() -> None:
    """`vitalkit validate` and the pipeline package start fast: the allowed strings of training
    parameters and the record-smoothing check are read from their owners on first use."""
    import subprocess
    import sys

    heavy = ("torch", "lightning", "neurokit2", "papermill")
    code = (
        "import sys; import vitalkit.pipeline, vitalkit.pipeline.params; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_choices_come_from_their_owners() -> None:
    from vitalkit.evaluate.tasks import CLASS_WEIGHTINGS
    from vitalkit.pipeline.ranges import CHOICE_OWNERS, check_range, parameter_choices
    from vitalkit.train.fit import ACCELERATORS

    assert parameter_choices("class_weighting") == CLASS_WEIGHTINGS
    assert parameter_choices("accelerator") == ACCELERATORS
    assert all(parameter_choices(name) for name in CHOICE_OWNERS)
    assert check_range("sampler", "nope").startswith("must be one of ('shuffle'")
