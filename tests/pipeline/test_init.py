"""``vitalkit init`` and the wheel: VitalKit installed outside the checkout works from a working folder.

The slow test builds the wheel from the project's files, installs it into a fresh virtual
environment in a temporary folder (its dependencies are taken from the test's own environment
through a ``.pth`` path line, so nothing is downloaded, and the checkout is not importable
there), then runs ``vitalkit --version``, ``vitalkit init`` and a shrunk synthetic run inside
the working folder with that environment's kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from vitalkit import __version__, config
from vitalkit.errors import DataError
from vitalkit.pipeline.init import init_project

PROJECT = Path(__file__).resolve().parents[2]


def test_init_writes_a_working_folder_and_never_overwrites_silently(tmp_path: Path) -> None:
    folder = init_project(tmp_path / "work", register_kernel=False, source=PROJECT)
    notebooks = sorted(p.name for p in (folder / "notebooks").glob("*.ipynb"))
    assert notebooks == sorted(p.name for p in (PROJECT / "notebooks").glob("*.ipynb"))
    assert (folder / "params" / "default.yaml").read_text() == (
        PROJECT / "params" / "default.yaml"
    ).read_text()
    assert (folder / config.PROJECT_MARKER).read_text().strip() == f"vitalkit {__version__}"
    assert (folder / "data" / "raw").is_dir() and (folder / "reports").is_dir()
    (folder / "params" / "default.yaml").write_text("# my edits\n")
    (folder / "reports" / "run-1").mkdir()
    with pytest.raises(DataError, match=r"files exist already \(e\.g\. .*\); use --force to overwrite them"):
        init_project(folder, register_kernel=False, source=PROJECT)
    assert (folder / "params" / "default.yaml").read_text() == "# my edits\n"
    init_project(folder, force=True, register_kernel=False, source=PROJECT)
    assert (folder / "params" / "default.yaml").read_text() != "# my edits\n"
    assert (folder / "reports" / "run-1").is_dir()  # earlier products are kept


def test_init_refuses_a_file_or_a_source_without_notebooks(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(DataError, match="exists and is not a folder"):
        init_project(tmp_path / "afile", register_kernel=False, source=PROJECT)
    with pytest.raises(DataError, match="no shipped files found"):
        init_project(tmp_path / "w", register_kernel=False, source=tmp_path)


def test_a_checkout_ships_its_own_notebooks() -> None:
    assert config.shipped_dir() == PROJECT and config.notebooks_dir() == PROJECT / "notebooks"


def _venv_with_wheel(tmp: Path) -> Path:
    """A fresh venv holding the wheel built from the project's files; dependencies by path."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(PROJECT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in ("vitalkit", "notebooks", "params"):
        shutil.copytree(PROJECT / name, src / name, ignore=ignore)
    wheels = tmp / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
        check=True,
        capture_output=True,
    )
    env_dir = tmp / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)  # its own pip (ensurepip)
    python = env_dir / "bin" / "python"
    (wheel,) = wheels.glob("vitalkit-*.whl")
    subprocess.run(  # installed by the new environment's pip: scripts point at its python
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies, after the wheel's own files on the path (a plain path line: the test
    # environment's .pth files, its editable VitalKit among them, are not processed)
    (Path(purelib) / "_vitalkit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_runs_init_and_a_synthetic_run(tmp_path: Path) -> None:
    env_dir = _venv_with_wheel(tmp_path)
    env = {
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "JUPYTER_DATA_DIR": str(tmp_path / "home" / "jupyter"),  # no user-level kernels
        "MPLCONFIGDIR": str(tmp_path / "home" / "mpl"),
        "VITALKIT_DATA_DIR": str(tmp_path / "no-data-here"),
        "VITALKIT_PHYSIONET_MIRROR": "http://127.0.0.1:9/",
        **{k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")},
    }
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def vk(*args: str, cwd: Path = outside) -> str:
        done = subprocess.run(
            [str(env_dir / "bin" / "vitalkit"), *args], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        return done.stdout

    where = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", "import vitalkit; print(vitalkit.__file__)"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(env_dir)), where  # the wheel, not the checkout
    assert vk("--version").strip() == f"vitalkit {__version__}"
    assert "working folder" in vk("init", "work")
    work = outside / "work"
    assert (env_dir / "share" / "jupyter" / "kernels" / "vitalkit" / "kernel.json").is_file()
    assert "explore" in vk("stages", cwd=work / "notebooks")  # found from a subfolder
    raw = yaml.safe_load((work / "params" / "synthetic.yaml").read_text())
    raw["dataset"].update(n_per_class=6, duration_s=20)
    raw["models"] = {"resnet1d": {"architecture": "resnet1d", "hparams": {"channels": [8, 16]}}}
    raw["train"].update(max_epochs=1, patience=1)
    raw["evaluate"]["n_bootstrap"] = 50
    raw["export"]["latency_runs"] = 10
    (work / "params" / "tiny.yaml").write_text(yaml.safe_dump(raw))
    vk("run", "params/tiny.yaml", cwd=work)
    (run_dir,) = (work / "reports").glob("synthetic-*")
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "ok" and (run_dir / "05_export" / "resnet1d" / "model.onnx").is_file()
    assert manifest["params_file"] == "params/tiny.yaml"
