"""Where VitalKit reads data from and writes products to.

Settings come from environment variables so that notebooks, the runner, tests and CI
agree without passing paths around:

``VITALKIT_DATA_DIR``
    Folder holding one sub-folder per database (``mitdb/``, ``qtdb/`` ...).
    Default: ``<project>/data/raw``.
``VITALKIT_PHYSIONET_MIRROR``
    Base URL serving PhysioNet's ``files/`` layout (``<url>/mitdb/1.0.0/100.hea``), for
    air-gapped sites. Default: ``https://physionet.org/files/``.
``VITALKIT_REPORTS_DIR``
    Where runs are written. Default: ``<project>/reports``.
``VITALKIT_INTERACTIVE_DIR``
    Products of notebooks run by hand in JupyterLab. Default: ``<reports>/interactive``.

Examples
--------
>>> import os
>>> from unittest import mock
>>> from vitalkit import config
>>> with mock.patch.dict(os.environ, {"VITALKIT_DATA_DIR": "/tmp/physionet"}):
...     str(config.data_dir())
'/tmp/physionet'

"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from vitalkit.errors import SetupError

PHYSIONET_URL = "https://physionet.org/files/"


PROJECT_MARKER = ".vitalkit-project"
"""File that ``vitalkit init`` writes at the top of a working folder."""


def project_root() -> Path:
    """Return the project folder: a checkout holding ``pyproject.toml``, or a working folder.

    The package's parent folder is used for a source or editable install; otherwise (a wheel
    installed anywhere) the first folder at or above the working directory with a
    ``.vitalkit-project`` marker (written by ``vitalkit init``) or a ``pyproject.toml``;
    otherwise the working directory.
    """
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "pyproject.toml").is_file():
        return package_parent
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file() or (folder / "pyproject.toml").is_file():
            return folder
    return here


def shipped_dir() -> Path:
    """Where the stage notebooks and parameter sets that came with the package lie.

    A checkout's own ``notebooks/`` and ``params/``; for a wheel, the copies it installs
    under ``<prefix>/share/vitalkit/``.
    """
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "pyproject.toml").is_file():
        return package_parent
    import sysconfig

    for prefix in (sysconfig.get_paths()["data"], sys.prefix):
        candidate = Path(prefix) / "share" / "vitalkit"
        if (candidate / "notebooks").is_dir():
            return candidate
    return Path(sysconfig.get_paths()["data"]) / "share" / "vitalkit"


PATH_VARIABLES = (
    "VITALKIT_DATA_DIR",
    "VITALKIT_CACHE_DIR",
    "VITALKIT_REPORTS_DIR",
    "VITALKIT_INTERACTIVE_DIR",
    "VITALKIT_MODEL_STORE",
)
"""Environment variables that hold folders."""


def pin_path_variables() -> dict[str, str]:
    """Rewrite relative folder variables as absolute paths, from the current working directory.

    A relative ``VITALKIT_DATA_DIR=../shared/data`` means the folder seen from where the command
    was typed; stage notebooks run in another folder, so the runner pins the variables before
    it starts any kernel. Returns the variables changed.
    """
    changed = {}
    for name in PATH_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value and not Path(value).expanduser().is_absolute():
            changed[name] = os.environ[name] = os.path.abspath(Path(value).expanduser())
    return changed


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Return the data directory (``VITALKIT_DATA_DIR`` or ``<project>/data/raw``)."""
    return _env_path("VITALKIT_DATA_DIR", project_root() / "data" / "raw")


def cache_dir() -> Path:
    """Return the folder for derived, rebuildable data (``<project>/data/cache``)."""
    return _env_path("VITALKIT_CACHE_DIR", project_root() / "data" / "cache")


def reports_dir() -> Path:
    """Return the folder runs are written to (``VITALKIT_REPORTS_DIR`` or ``reports/``)."""
    return _env_path("VITALKIT_REPORTS_DIR", project_root() / "reports")


def interactive_dir() -> Path:
    """Return the product folder of notebooks run by hand (``reports/interactive``)."""
    return _env_path("VITALKIT_INTERACTIVE_DIR", reports_dir() / "interactive")


def physionet_mirror() -> str:
    """Return the PhysioNet base URL, always ending in ``/``."""
    url = os.environ.get("VITALKIT_PHYSIONET_MIRROR", "").strip() or PHYSIONET_URL
    return url if url.endswith("/") else url + "/"


def notebooks_dir() -> Path:
    """Return the folder holding the stage notebooks.

    The project's own ``notebooks/`` (a checkout, or a working folder written by ``vitalkit
    init``) when it holds notebooks, else the ones shipped with the installed package
    (:func:`shipped_dir`), so that ``vitalkit stages`` and ``vitalkit validate`` work from any
    folder.

    Raises
    ------
    vitalkit.errors.SetupError
        When neither folder holds notebooks: the message says to run ``vitalkit init``.
    """
    local = project_root() / "notebooks"
    shipped = shipped_dir() / "notebooks"
    for folder in (local, shipped):
        if any(folder.glob("*.ipynb")):
            return folder
    raise SetupError(
        "stage notebooks",
        f"none in {local} nor shipped with the package ({shipped}); run `vitalkit init DIR` "
        "to write a working folder (or reinstall VitalKit with its data files), then work inside it",
    )


SCRATCH_FOLDERS = {
    "MPLCONFIGDIR": "mpl",
    "WANDB_DIR": "wandb",
    "IPYTHONDIR": "ipython",
    "XDG_CACHE_HOME": "cache",
    "VITALKIT_REPORTS_DIR": "reports",
    "VITALKIT_INTERACTIVE_DIR": "interactive",
    "VITALKIT_CACHE_DIR": "vk-cache",
}
"""Environment variables pointed at fresh folders for tests and refreshes."""


PORTABLE_NUMERICS = {
    "OMP_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
    "OPENBLAS_NUM_THREADS": "2",
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
}
"""Environment that fixes the math threads at 2 and pins every numeric library's CPU dispatch
to AVX2, so that a notebook computes the same numbers on any x86-64 host with AVX2.

A network trained a few epochs ends elsewhere when its sums are taken in another order, and
both the thread count and the kernels change that order: in ``03_train`` the validation
accuracy is 0.66 with 2 threads and 0.67 with 1 (which the last CI run got), and 0.69 with this
host's AVX-512 kernels instead of AVX2 ones. Each library picks its kernels from the CPU it
finds (torch's own kernels, oneDNN convolutions, MKL BLAS, FBGEMM int8 GEMMs, OpenBLAS under
NumPy/SciPy, NumPy's SIMD loops); FBGEMM's int8 kernels even differ in value (the AVX2 one
saturates int16 pair products, the VNNI one does not). Tests and notebook refreshes set these
before any kernel starts; runs and benchmarks do not, and keep the fastest kernels.
"""


def isolated_environment(scratch: Path | None = None) -> Path:
    """Point every tool's caches and all products at fresh folders under ``scratch``, fix the
    hash seed and pin the numeric libraries' CPU dispatch (:data:`PORTABLE_NUMERICS`), in
    ``os.environ`` (inherited by the kernels started afterwards); return ``scratch``.

    The test session (``conftest.py``) and :mod:`vitalkit.pipeline.refresh` both call it, so
    refreshed notebooks carry the outputs nbval gets: same cold caches, same ``PYTHONHASHSEED``,
    same kernels whatever the host's CPU.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {}):
    ...     scratch = isolated_environment()
    ...     os.environ["ATEN_CPU_CAPABILITY"], os.environ["PYTHONHASHSEED"]
    ('avx2', '0')
    """
    scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="vitalkit-tests-"))
    for name, sub in SCRATCH_FOLDERS.items():
        os.environ[name] = str(scratch / sub)
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.update(PORTABLE_NUMERICS)
    return scratch
