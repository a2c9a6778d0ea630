"""Batch specs: a list of parameter sets, or a grid over keys of one set, and the batch manifest.

A batch spec is YAML, either a grid over one set::

    name: lr-sweep
    base: smoke.yaml                      # relative to the spec file
    best_by: train[resnet1d].best_val_macro_f1   # a training-stage validation metric (optional)
    best_mode: max                        # or min
    grid:
      models.resnet1d.train.lr: [0.001, 0.0003]
      seed: [0, 1]

or a list of sets::

    name: two-sets
    members: [smoke.yaml, default.yaml]

Every member is written as an ordinary parameter file under ``<batch dir>/members/`` and
validated with :func:`vitalkit.pipeline.params.load_params` before anything runs; all problems
of all members are reported at once. The batch manifest ``batch.json`` (members, status, run
folders, durations) is written atomically. It names files portably: members' parameter files and
run folders relative to the batch folder, the spec relative to the project
(:func:`~vitalkit.pipeline.runner.portable_dir`); no host name or process id (which worker ran
a member is a property of the machine, not of the result).

Examples
--------
>>> expand_grid({"seed": [0, 1], "a.b": [2]})
[{'seed': 0, 'a.b': 2}, {'seed': 1, 'a.b': 2}]
>>> set_dotted({"a": {}}, "a.b.c", 3)
{'a': {'b': {'c': 3}}}
"""

from __future__ import annotations

import copy
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vitalkit.errors import ParamsError
from vitalkit.io import read_json, write_json, write_text
from vitalkit.pipeline.lock import lock_held
from vitalkit.pipeline.params import _NAME, load_params, load_yaml

SPEC_KEYS = ("name", "description", "base", "grid", "members", "best_by", "best_mode")
STATUSES = ("pending", "running", "done", "failed", "interrupted")
"""A member's or the batch's status; ``interrupted`` is only shown (:func:`shown_manifest`), never
written: ``--resume`` re-runs every member that is not ``done``."""

RESULT_KEYS = ("status", "error", "started", "finished", "duration_s", "submitted", "received")
"""What ``batch.json`` keeps of a member's result (:func:`vitalkit.pipeline.batch_dask.run_member`
also returns its absolute run folder and worker pid, which stay out of the product)."""


def expand_grid(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of a grid, one ``{dotted key: value}`` dict per member, first key slowest."""
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def set_dotted(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Set ``a.b.c`` in nested dicts (creating missing levels); returns ``data``."""
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ParamsError(key, [f"{key}: '{part}' is not a section"])
    node[parts[-1]] = value
    return data


@dataclass
class Member:
    """One member of a batch: its id, parameter file and the grid values that made it."""

    id: str
    params_file: Path
    overrides: dict[str, Any]


@dataclass
class BatchSpec:
    """A validated batch: its name, spec file and members (parameter files already written)."""

    name: str
    path: Path
    members: list[Member]
    best_by: str | None = None
    best_mode: str = "max"


def _member_sets(path: Path, raw: dict[str, Any], problems: list[str]) -> list[tuple[dict, dict, str]]:
    sets: list[tuple[dict, dict, str]] = []
    if ("grid" in raw) == ("members" in raw):
        problems.append("give either 'grid' (with 'base') or 'members', not both or neither")
        return sets
    if "grid" in raw:
        grid = raw["grid"]
        if "base" not in raw:
            problems.append("base: required with grid (the parameter file the grid varies)")
            return sets
        if not isinstance(grid, dict) or not grid:
            problems.append("grid: must map dotted keys to non-empty lists of values")
            return sets
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                problems.append(f"grid.{key}: must be a non-empty list of values")
        if problems:
            return sets
        base = load_yaml(path.parent / raw["base"])
        for combo in expand_grid(grid):
            data = copy.deepcopy(base)
            for key, value in combo.items():
                try:
                    set_dotted(data, key, value)
                except ParamsError as exc:
                    problems.extend(exc.problems)
            sets.append((data, combo, str(raw["base"])))
        return sets
    members = raw["members"]
    if not isinstance(members, list) or not members:
        problems.append("members: must be a non-empty list of parameter files")
        return sets
    for item in members:
        sets.append((load_yaml(path.parent / str(item)), {}, str(item)))
    return sets


def load_spec(path: str | Path, batch_dir: Path, check_data: bool = True) -> BatchSpec:
    """Read a batch spec, write each member's parameter file under ``batch_dir/members`` and
    validate every member; raise one :class:`ParamsError` naming every problem.

    Examples
    --------
    >>> load_spec("params/batch-smoke.yaml", Path("reports/batch-x"))  # doctest: +SKIP
    BatchSpec(name='smoke-sweep', ...)
    """
    path = Path(path)
    raw = load_yaml(path)
    problems = [f"{k}: unknown key; use {list(SPEC_KEYS)}" for k in raw if k not in SPEC_KEYS]
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("name: required, letters/digits/'_'/'-'/'.'")
    best_by = raw.get("best_by")
    if best_by is not None and (not isinstance(best_by, str) or not best_by.startswith("train")):
        problems.append(
            "best_by: must name a training-stage validation metric, e.g. "
            "train[rf_transfer].best_val_macro_f1 "
            "(never a test metric)"
        )
    if raw.get("best_mode", "max") not in ("max", "min"):
        problems.append("best_mode: max or min")
    sets = _member_sets(path, raw, problems)
    if problems:
        raise ParamsError(path, problems)
    members = []
    for i, (data, overrides, source) in enumerate(sets):
        member_id = f"m{i:02d}"
        data = dict(data, name=f"{name}-{member_id}")
        data["description"] = f"batch {name} member {member_id} from {source} {overrides or ''}".strip()
        file = batch_dir / "members" / f"{member_id}.yaml"
        write_text(file, yaml.safe_dump(data, sort_keys=False))
        try:
            load_params(file, check_data=check_data)
        except ParamsError as exc:
            problems.extend(f"member {member_id} ({source} {overrides}): {p}" for p in exc.problems)
        members.append(Member(member_id, file, overrides))
    if problems:
        raise ParamsError(path, problems)
    return BatchSpec(str(name), path, members, best_by, raw.get("best_mode", "max"))


def new_manifest(spec: BatchSpec, batch_dir: Path) -> dict[str, Any]:
    """A fresh batch manifest: every member pending, its parameter file relative to ``batch_dir``."""
    from vitalkit import config
    from vitalkit.pipeline.runner import portable_dir

    return {
        "batch": spec.name,
        "spec": portable_dir(spec.path, config.project_root()),
        "best_by": spec.best_by,
        "best_mode": spec.best_mode,
        "status": "pending",
        "members": {
            m.id: {
                "params": os.path.relpath(m.params_file, batch_dir),
                "overrides": m.overrides,
                "status": "pending",
                "run_dir": None,
                "duration_s": None,
                "error": None,
            }
            for m in spec.members
        },
    }


def merge_manifest(manifest: dict[str, Any] | None, fresh: dict[str, Any]) -> dict[str, Any]:
    """The manifest a batch continues with: the earlier one (``None``: the fresh one), with members
    added to the spec since, and every member's paths in today's portable form.

    An earlier manifest may hold absolute or working-folder-relative paths and a worker's host
    and pid (before batch.json named no machine detail): parameter files are taken from
    ``fresh`` (:func:`load_spec` has just rewritten them), run folders become their names (they
    live in the batch folder), host and pid are dropped.

    Examples
    --------
    >>> old = {"members": {"m00": {"params": "/x/reports/b/members/m00.yaml", "status": "done",
    ...        "run_dir": "reports/b/t-m00", "host": "vm1", "pid": 7}}}
    >>> new = {"members": {"m00": {"params": "members/m00.yaml", "status": "pending"},
    ...        "m01": {"params": "members/m01.yaml", "status": "pending"}}}
    >>> merged = merge_manifest(old, new)
    >>> merged["members"]["m00"]
    {'params': 'members/m00.yaml', 'status': 'done', 'run_dir': 't-m00'}
    >>> sorted(merged["members"])
    ['m00', 'm01']
    """
    if manifest is None:
        return fresh
    for member_id, member in fresh["members"].items():  # members added to the spec since
        manifest["members"].setdefault(member_id, copy.deepcopy(member))
    for member_id, member in manifest["members"].items():
        if member_id in fresh["members"]:
            member["params"] = fresh["members"][member_id]["params"]
        if member.get("run_dir"):
            member["run_dir"] = Path(member["run_dir"]).name
        for key in ("host", "pid"):
            member.pop(key, None)
    return manifest


def read_manifest(batch_dir: Path) -> dict[str, Any] | None:
    """The batch manifest in ``batch_dir``, or None if there is none yet."""
    file = batch_dir / "batch.json"
    return read_json(file) if file.is_file() else None


def shown_manifest(batch_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """``batch.json`` as readers show it: a batch marked ``running`` whose driver died (``kill -9``,
    a closed terminal: no process holds the batch folder's lock) is ``interrupted``, and so are
    its ``running`` members (a copy; the file keeps what was recorded for ``--resume``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> batch = {"status": "running", "members": {"m00": {"status": "done"}, "m01": {"status": "running"}}}
    >>> shown = shown_manifest(folder, batch)  # no process holds the folder's lock
    >>> shown["status"], [m["status"] for m in shown["members"].values()], batch["status"]
    ('interrupted', ['done', 'interrupted'], 'running')
    """
    if manifest.get("status") != "running" or lock_held(batch_dir):
        return manifest
    return interrupted_batch(manifest)


def interrupted_batch(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of a batch manifest with the batch and its ``running`` members ``interrupted``.

    >>> interrupted_batch({"status": "running", "members": {"m00": {"status": "running"}}})
    {'status': 'interrupted', 'members': {'m00': {'status': 'interrupted'}}}
    """
    members = {
        k: {**m, "status": "interrupted"} if m.get("status") == "running" else m
        for k, m in manifest["members"].items()
    }
    return {**manifest, "status": "interrupted", "members": members}


def write_manifest(batch_dir: Path, manifest: dict[str, Any]) -> None:
    """Write ``batch.json`` atomically."""
    write_json(batch_dir / "batch.json", manifest)


def member_result(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a member's result that ``batch.json`` keeps (:data:`RESULT_KEYS`).

    >>> member_result({"status": "done", "error": None, "pid": 4242, "host": "node-7", "run_dir": "/x/y"})
    {'status': 'done', 'error': None}
    """
    return {k: v for k, v in result.items() if k in RESULT_KEYS}


def to_run(manifest: dict[str, Any], resume: bool) -> list[str]:
    """Member ids to run: all, or with ``resume`` only those not done.

    >>> to_run({"members": {"m00": {"status": "done"}, "m01": {"status": "failed"}}}, True)
    ['m01']
    """
    return [k for k, m in manifest["members"].items() if not resume or m["status"] != "done"]
