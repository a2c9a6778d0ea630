"""Run the stage notebooks of a parameter set with papermill, resumably and atomically.

For each stage instance, in order:

1. its fingerprint is computed from the notebook's cells, its parameters, the digests of
   its upstream products, the hashes of the data files it reads and the ``vitalkit`` source;
2. with ``resume``, a stage whose fingerprint and products are unchanged is skipped;
3. otherwise papermill executes the notebook into ``<run>/.<folder>.tmp-<pid>/``, the
   notebook writing its products there; the HTML report is rendered; only then is the
   folder renamed to ``<run>/<folder>`` (an older product folder is replaced in one rename);
4. a failed stage is moved to ``<run>/<folder>.failed/`` with its executed notebook and
   report; the products of earlier stages, and any earlier good products of this stage,
   stay untouched; ``run.json`` and ``index.html`` are rewritten after every stage.

Examples
--------
>>> from vitalkit.pipeline.runner import new_run_id
>>> new_run_id("smoke").startswith("smoke-")
True
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from vitalkit import config
from vitalkit.errors import SetupError, StageError
from vitalkit.io import git_info, sha256_file
from vitalkit.pipeline.lock import RunLock
from vitalkit.pipeline.manifest import (
    Manifest,
    code_digest,
    data_hashes,
    environment_info,
    notebook_digest,
    now,
    product_digest,
)
from vitalkit.pipeline.params import ParamSet, StageInstance, load_params
from vitalkit.pipeline.report import (
    ASSETS,
    PLOTLY_JS,
    headline_text,
    install_assets,
    notebook_to_html,
    write_index,
)

KERNEL_ENV = "VITALKIT_KERNEL"
DEFAULT_KERNEL = "vitalkit"


class LocalKernelManager(AsyncKernelManager):
    """Kernel manager talking to kernels over local IPC sockets in a private temp folder.

    No TCP ports are opened, and ipykernel's warning about unencrypted TCP does not apply.
    """

    transport = "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        return str(Path(tempfile.mkdtemp(prefix="vitalkit-kernel-")) / "kernel")


def new_run_id(name: str) -> str:
    """``<name>-<YYYYmmdd-HHMMSS>``: the parameter set name keeps smoke and full runs apart."""
    return f"{name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def claim_run_dir(reports_dir: Path, name: str) -> Path:
    """Create a new, unique run folder: ``<name>-<time>``, or ``<name>-<time>-2`` ... when another
    run of the set started in the same second (``mkdir`` is atomic, so two processes never share
    a folder)."""
    if reports_dir.exists() and not reports_dir.is_dir():
        raise SetupError(
            f"reports folder {reports_dir}",
            "is a file, not a folder; name another with --reports-dir or VITALKIT_REPORTS_DIR",
        )
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(
            f"reports folder {reports_dir}",
            f"cannot be created ({exc.strerror}); name another with --reports-dir or VITALKIT_REPORTS_DIR",
        ) from None
    base = new_run_id(name)
    for k in range(1, 1000):
        candidate = reports_dir / (base if k == 1 else f"{base}-{k}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise SetupError(
        f"reports folder {reports_dir}", f"cannot create a run folder for {name!r}: {base}-* all exist"
    )


def latest_run(reports_dir: Path, name: str) -> Path | None:
    """The most recent run folder of a parameter set, or None."""
    runs = [p.parent for p in reports_dir.glob(f"{name}-*/run.json")]
    runs = [r for r in runs if Manifest.load(r / "run.json").data.get("params_name") == name]
    return max(runs, key=lambda r: r.name) if runs else None


def kernel_name() -> str:
    """Jupyter kernel used for stage notebooks (``VITALKIT_KERNEL`` or ``vitalkit``)."""
    return os.environ.get(KERNEL_ENV, DEFAULT_KERNEL)


def check_kernel(name: str) -> None:
    """Raise a clear error if the Jupyter kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise SetupError(
            f"Jupyter kernel {name!r}",
            "not installed. Register it: in a checkout `make install`; with an installed package "
            "`vitalkit init DIR` (writes a working folder and registers the kernel) or, in an existing "
            f"one, `python -m ipykernel install --sys-prefix --name {name}`. Or set {KERNEL_ENV} to an "
            "installed kernel (`jupyter kernelspec list`)",
        ) from None


@dataclass
class RunOptions:
    """How to run: where, resume or not, which stages."""

    reports_dir: Path
    resume: bool = False
    run_id: str | None = None
    only: list[str] | None = None
    progress: bool = True
    echo_output: bool = True
    """Echo what the notebooks print (one line per training epoch ...) to the terminal."""


class Runner:
    """Executes one parameter set; see the module docstring for the protocol."""

    def __init__(self, params: ParamSet, options: RunOptions, out: TextIO | None = None) -> None:
        self.params = params
        self.options = options
        self.out = out or sys.stdout
        self.notebooks_dir = config.notebooks_dir()
        config.pin_path_variables()  # the kernels run in notebooks/, not where the command was typed
        self.data_dir = config.data_dir()
        self.code = code_digest()
        self.run_dir = self._run_dir()
        self.lock = RunLock(self.run_dir).acquire()
        try:
            self.manifest = self._manifest()
        except BaseException:
            self.lock.release()
            raise

    # -- set up ---------------------------------------------------------------------------
    def _run_dir(self) -> Path:
        reports = self.options.reports_dir
        if self.options.run_id:
            run_dir = reports / self.options.run_id
            if (self.options.resume or self.options.only) and not (run_dir / "run.json").is_file():
                raise SetupError("--run-id", f"no run {self.options.run_id!r} to continue in {reports}")
            return run_dir
        if self.options.resume or self.options.only:
            previous = latest_run(reports, self.params.name)
            if previous is None:
                if self.options.only:
                    raise SetupError(
                        "--only",
                        f"needs an earlier run of {self.params.name!r} in {reports} "
                        "holding the upstream products; run the whole set first",
                    )
                self._say(f"no earlier run of {self.params.name!r} to resume; starting a new one")
            else:
                return previous
        return claim_run_dir(reports, self.params.name)

    def _manifest(self) -> Manifest:
        path = self.run_dir / "run.json"
        if path.is_file():
            manifest = Manifest.load(path)
            if manifest.data.get("status") == "running":  # we hold the lock: its process is gone
                manifest.data["previous_status"] = "interrupted"
                self._say(f"run {self.run_dir.name} was interrupted (its process ended); continuing it")
            if manifest.data.get("params_name") != self.params.name:
                raise SetupError(
                    "--run-id",
                    f"run {self.run_dir.name} belongs to parameter set "
                    f"{manifest.data.get('params_name')!r}, not {self.params.name!r}",
                )
        else:
            manifest = Manifest(path, {"run_id": self.run_dir.name, "created": now(), "stages": []})
        root = config.project_root()
        params_file = portable_dir(self.params.path, root)  # a set outside the project: no machine path
        manifest.data.update(
            {
                "run_id": self.run_dir.name,
                "params_name": self.params.name,
                "description": self.params.raw.get("description", ""),
                "params_file": params_file,
                "params_sha256": self.params.sha256,
                "params": self.params.raw,
                "git": git_info(root),
                "environment": environment_info(),
                "code_sha256": self.code,
                "kernel": kernel_name(),
                "status": "running",
                "data": {
                    "data_dir": portable_dir(self.data_dir, root, os.environ.get("VITALKIT_DATA_DIR")),
                    "physionet_mirror": config.physionet_mirror(),
                    "files": {},
                },
            }
        )
        return manifest

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _machine_text(self, text: str) -> str:
        """A recorded text with the run and data placeholders written out again (for the terminal)."""
        return text.replace(RUN_PLACEHOLDER, str(self.run_dir)).replace(DATA_PLACEHOLDER, str(self.data_dir))

    def _placeholders(self) -> dict[str, str]:
        """Machine paths of this run and their portable stand-ins, longest first."""
        pairs = {
            str(self.run_dir.resolve()): RUN_PLACEHOLDER,
            str(self.run_dir): RUN_PLACEHOLDER,
            str(self.data_dir.resolve()): DATA_PLACEHOLDER,
            str(self.data_dir): DATA_PLACEHOLDER,
            # papermill's input_path: the notebook, relative to the project root
            f"{config.project_root().resolve()}{os.sep}": "",
            f"{config.project_root()}{os.sep}": "",
        }
        return dict(sorted(pairs.items(), key=lambda kv: -len(kv[0])))

    # -- fingerprints ---------------------------------------------------------------------
    def _inputs(self, inst: StageInstance) -> dict[str, str]:
        if inst.stage.inputs is None:
            return {}
        return data_hashes(inst.stage.inputs(inst.parameters), self.data_dir)

    def _upstream(self, inst: StageInstance) -> dict[str, Any]:
        """Upstream product folders as the notebook receives them."""
        upstream: dict[str, Any] = {}
        for name in inst.stage.upstream:
            records = [s for s in self.manifest.data["stages"] if s["name"] == name]
            if not records:
                raise StageError(
                    f"stage {inst.label} needs the products of {name!r}, which this "
                    f"run ({self.run_dir.name}) does not have"
                )
            for rec in records:
                if rec["status"] != "ok":
                    raise StageError(
                        f"stage {inst.label} needs {rec['label']}, whose status is {rec['status']}"
                    )
                self._verify_products(rec)
            folders = {r["model"]: str(self.run_dir / r["folder"]) for r in records}
            upstream[name] = folders if records[0].get("model") else folders[None]
        return upstream

    def _verify_products(self, rec: dict[str, Any]) -> None:
        """Check an upstream stage's products against the SHA-256 in ``run.json`` before they are read:
        a product changed or removed after its stage wrote it (by hand, by another tool, tampered)
        stops the run naming the file."""
        folder = self.run_dir / rec["folder"]
        for rel, digest in (rec.get("products") or {}).items():
            path = folder / rel
            if not path.is_file():
                raise StageError(
                    f"{path}: product of {rec['label']} is missing; re-run that stage "
                    f"(vitalkit run {self.params.path} --only {rec['label']})"
                )
            if sha256_file(path) != digest:
                raise StageError(
                    f"{path}: product of {rec['label']} changed after the stage wrote it (SHA-256 differs "
                    f"from run.json); restore it or re-run that stage (--only {rec['label']})"
                )

    def _fingerprint(self, inst: StageInstance, inputs: dict[str, str]) -> str:
        upstream_digests = {
            s["label"]: s.get("product_digest")
            for s in self.manifest.data["stages"]
            if s["name"] in inst.stage.upstream
        }
        payload = {
            "notebook": notebook_digest(inst.stage.notebook_path(self.notebooks_dir)),
            "parameters": inst.parameters,
            "upstream": upstream_digests,
            "inputs": inputs,
            "code": self.code,
            "show_code": self.params.show_code,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def _unchanged(self, inst: StageInstance, fingerprint: str) -> bool:
        previous = self.manifest.stage(inst.label)
        if not previous or previous.get("status") != "ok" or previous.get("fingerprint") != fingerprint:
            return False
        folder = self.run_dir / inst.folder
        if not folder.is_dir():
            return False
        return Manifest.products(folder) == previous.get("products")

    # -- execution ------------------------------------------------------------------------
    def _execute(
        self, inst: StageInstance, fingerprint: str, inputs: dict[str, str], position: str
    ) -> dict[str, Any]:
        folder = self.run_dir / inst.folder
        tmp = self.run_dir / f".{inst.folder}.tmp-{os.getpid()}"
        failed = self.run_dir / f"{inst.folder}.failed"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        notebook = inst.stage.notebook_path(self.notebooks_dir)
        parameters = {
            **inst.parameters,
            "product_dir": str(tmp),
            "upstream": self._upstream(inst),
            "run_id": self.run_dir.name,
        }
        record: dict[str, Any] = {
            "label": inst.label,
            "name": inst.stage.name,
            "model": inst.model,
            "folder": inst.folder,
            "notebook": f"notebooks/{inst.stage.notebook}",
            "notebook_sha256": notebook_digest(notebook),
            "parameters": inst.parameters,
            "fingerprint": fingerprint,
            "inputs": sorted(inputs),
            "status": "running",
            "started": now(),
            "finished": None,
            "duration_s": None,
            "error": None,
            "reused": False,
        }
        self.manifest.set_stage(record)
        self._say(f"{position} {inst.label}: running {inst.stage.notebook}")
        start = time.perf_counter()
        error: BaseException | None = None
        try:
            pm.execute_notebook(
                str(notebook),
                str(tmp / "notebook.ipynb"),
                parameters=parameters,
                kernel_name=kernel_name(),
                cwd=str(self.notebooks_dir),
                progress_bar=self.options.progress,
                log_output=False,
                stdout_file=self.out if self.options.echo_output else None,
                request_save_on_cell_execute=True,
                kernel_manager_class=LocalKernelManager,
            )
        except KeyboardInterrupt as exc:
            error = exc
        except Exception as exc:  # papermill raises PapermillExecutionError and others
            error = exc
        record["duration_s"] = round(time.perf_counter() - start, 2)
        record["finished"] = now()
        banner_status = "ok" if error is None else "failed"
        banner = (
            f"VitalKit run <b>{self.run_dir.name}</b> · stage <b>{inst.label}</b> · "
            f'<span class="vk-status-{banner_status}">{banner_status}</span> · '
            f'<a href="../index.html">run index</a>'
        )
        if (tmp / "notebook.ipynb").is_file():
            try:
                notebook_to_html(
                    tmp / "notebook.ipynb",
                    tmp / "report.html",
                    show_code=self.params.show_code,
                    plotly_src=f"../{ASSETS}/{PLOTLY_JS}",
                    banner=banner,
                )
            except Exception as exc:  # a report failure must not hide the stage's own error
                self._say(f"  (report could not be rendered: {exc})")
        if error is not None:
            if failed.exists():
                shutil.rmtree(failed)
            _relocate(tmp, failed, self._placeholders())
            tmp.rename(failed)
            interrupted = isinstance(error, KeyboardInterrupt)
            record["status"] = "interrupted" if interrupted else "failed"
            # the error names files: written relative to the run and data folders like the reports
            mapping = {str(tmp): f"{RUN_PLACEHOLDER}/{failed.name}", **self._placeholders()}
            record["error"] = (
                "interrupted by the user" if interrupted else _portable_text(_error_text(error), mapping)
            )
            record["report"] = f"{failed.name}/report.html" if (failed / "report.html").is_file() else None
            record["executed_notebook"] = f"{failed.name}/notebook.ipynb"
            self.manifest.set_stage(record)
            if interrupted:
                raise KeyboardInterrupt
            return record
        _relocate(tmp, folder, self._placeholders())
        old = self.run_dir / f".{inst.folder}.old-{os.getpid()}"
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        if old.exists():
            shutil.rmtree(old)
        if failed.exists():
            shutil.rmtree(failed)
        products = Manifest.products(folder)
        headline_file = folder / "headline.json"
        record.update(
            {
                "status": "ok",
                "products": products,
                "product_digest": product_digest(products),
                "headline": json.loads(headline_file.read_text()) if headline_file.is_file() else {},
                "report": f"{inst.folder}/report.html" if (folder / "report.html").is_file() else None,
                "executed_notebook": f"{inst.folder}/notebook.ipynb",
            }
        )
        self.manifest.set_stage(record)
        return record

    def run(self) -> Path:
        """Run every selected stage instance; return the run folder.

        Raises
        ------
        StageError
            When a stage fails (after recording it and writing the index).
        """
        try:
            return self._run()
        finally:
            self.lock.release()

    def _run(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        install_assets(self.run_dir)
        for stale in self.run_dir.glob(".*.tmp-*"):  # stage folders a dead run was executing into
            shutil.rmtree(stale, ignore_errors=True)
        for stale in self.run_dir.glob(".*.tmp"):  # a file vitalkit.io.atomic_path was writing
            if stale.is_file():
                stale.unlink(missing_ok=True)
        instances = self.params.instances()
        only = self.options.only
        if only:
            unknown = [o for o in only if not any(o in (i.stage.name, i.label) for i in instances)]
            if unknown:
                raise SetupError(
                    "--only", f"{unknown} not among this set's stages {[i.label for i in instances]}"
                )
        self._say(
            f"VitalKit run {self.run_dir.name}: {len(instances)} stage(s) from "
            f"{self.params.path.name}\n  products: {self.run_dir}\n  data: {self.data_dir}"
        )
        failed: dict[str, Any] | None = None
        try:
            for n, inst in enumerate(instances, start=1):
                position = f"[{n}/{len(instances)}]"
                selected = not only or inst.stage.name in only or inst.label in only
                if not selected:
                    continue
                inputs = self._inputs(inst)
                self.manifest.data["data"]["files"].update(inputs)
                fingerprint = self._fingerprint(inst, inputs)
                if self.options.resume and not only and self._unchanged(inst, fingerprint):
                    previous = self.manifest.stage(inst.label)
                    assert previous is not None
                    previous["reused"] = True
                    self.manifest.set_stage(previous)
                    self._say(f"{position} {inst.label}: unchanged, reusing {inst.folder}/")
                    continue
                record = self._execute(inst, fingerprint, inputs, position)
                if record["status"] != "ok":
                    failed = record
                    break
                self._say(
                    f"{position} {inst.label}: ok in {record['duration_s']:.1f} s "
                    f"-> {self.run_dir / inst.folder / 'report.html'}"
                )
        except KeyboardInterrupt:
            self.manifest.data["status"] = "interrupted"
            self.manifest.save()
            write_index(self.run_dir, self.manifest.data)
            self._say("interrupted; earlier products are intact. Continue with --resume.")
            raise
        statuses = [s["status"] for s in self.manifest.data["stages"]]
        self.manifest.data["status"] = (
            "failed" if failed else ("ok" if all(s == "ok" for s in statuses) else "partial")
        )
        self.manifest.save()
        index = write_index(self.run_dir, self.manifest.data)
        if failed:
            raise StageError(
                f"stage {failed['label']} failed: {self._machine_text(failed['error'])}\n"
                f"  report: {self.run_dir / (failed.get('report') or '')}\n"
                f"  earlier products are intact; fix the cause and continue with "
                f"`vitalkit run {self.params.path} --resume`"
            )
        summary = headline_text(self.manifest.data)
        self._say(f"{summary}\ndone: {index}" if summary else f"done: {index}")
        return self.run_dir


RUN_PLACEHOLDER = "$RUN_DIR"
"""Stands for the run folder in executed notebooks and reports (no machine paths in products)."""

DATA_PLACEHOLDER = "$VITALKIT_DATA_DIR"
"""Stands for the data folder (``VITALKIT_DATA_DIR``) in executed notebooks and reports."""


def portable_dir(path: Path, root: Path, given: str | None = None) -> str:
    """``path`` relative to the project root when it can be written so (``../shared/data``),
    else its name only: a manifest carries no absolute machine path.

    The shortest relative form is taken among the path as resolved and as ``given`` (the
    ``VITALKIT_DATA_DIR`` value, which may reach the data through a symbolic link); a form that
    climbs more than one folder above the root (``../../tmp/...``) names the machine's layout,
    so then only the folder's name is kept.

    Examples
    --------
    >>> portable_dir(Path("/a/shared/data"), Path("/a/checkout"))
    '../shared/data'
    >>> portable_dir(Path("/srv/x/y/data"), Path("/home/me/checkout"))
    'data'
    >>> portable_dir(Path("/tmp/sets/mine.yaml"), Path("/work/checkout"))
    'mine.yaml'
    """
    roots = {os.path.abspath(root), str(Path(root).resolve())}
    paths = {str(Path(path).resolve()), os.path.abspath(path)}
    if given:
        paths.add(os.path.abspath(given))
    forms = []
    for p in paths:
        for r in roots:
            try:
                forms.append(os.path.relpath(p, r))
            except ValueError:  # another drive (Windows)
                continue
    forms = [f for f in forms if not f.startswith(os.path.join(os.pardir, os.pardir))]
    return min(forms, key=len) if forms else Path(path).name


def _relocate(tmp: Path, final: Path, placeholders: dict[str, str]) -> None:
    """Point the executed notebook and report at the folder they are about to be renamed to,
    written relative to the run (``$RUN_DIR/<stage>``); other machine paths become placeholders."""
    mapping = {str(tmp): f"{RUN_PLACEHOLDER}/{final.name}", **placeholders}
    for name in ("notebook.ipynb", "report.html"):
        path = tmp / name
        if path.is_file():
            text = path.read_text()
            new = _portable_text(text, mapping)
            if new != text:
                path.write_text(new)


def _portable_text(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each machine path of ``mapping`` replaced by its stand-in, the first key
    first (the stage's temporary folder lies inside the run folder, so it must come first).

    >>> mapping = {"/w/r/.s.tmp": "$RUN_DIR/s", "/w/r": "$RUN_DIR"}
    >>> _portable_text("FileNotFoundError: /w/r/.s.tmp/x.csv", mapping)
    'FileNotFoundError: $RUN_DIR/s/x.csv'
    """
    for old, portable in mapping.items():
        text = text.replace(old, portable)
    return text


def _error_text(error: BaseException) -> str:
    """One readable line for a failed stage (the notebook's exception, not papermill's)."""
    ename = getattr(error, "ename", None)
    evalue = getattr(error, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(error).__name__}: {error}"


def run_params(
    params_file: str | Path,
    resume: bool = False,
    run_id: str | None = None,
    only: list[str] | None = None,
    reports_dir: str | Path | None = None,
    progress: bool = True,
    out: TextIO | None = None,
) -> Path:
    """Validate a parameter set, then run it. See :class:`Runner`.

    Examples
    --------
    >>> run_params("params/smoke.yaml")   # doctest: +SKIP
    PosixPath('reports/smoke-20261122-101500')
    """
    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    check_kernel(kernel_name())
    print(f"validating {params_file} ...", file=out, flush=True)
    params = load_params(params_file)
    options = RunOptions(
        reports_dir=Path(reports_dir) if reports_dir else config.reports_dir(),
        resume=resume,
        run_id=run_id,
        only=only,
        progress=progress,
    )
    return Runner(params, options, out=out).run()
