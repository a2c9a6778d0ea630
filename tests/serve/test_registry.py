"""The model registry on SQLite and PostgreSQL: register, list, show, promote, retire, the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from vitalkit.cli import main
from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackageError
from vitalkit.pretrained import resolve_model
from vitalkit.serve.db import open_database
from vitalkit.serve.registry import Registry, RegistryError
from vitalkit.serve.store import file_sha256


def test_register_records_sha_and_copies_into_the_store(registry: Registry, beats_model: Path) -> None:
    version = registry.register("beats", beats_model)
    assert (version.name, version.version, version.labels) == ("beats", 1, [])
    assert version.sha256 == file_sha256(beats_model)
    assert version.file.is_file() and version.file.parent.parent.name == "sha256"
    assert version.file.name == f"{version.sha256}.onnx"
    assert version.classes == ["N", "S", "V", "F"] and version.sampling_rate_hz == 360.0
    again = registry.register("beats", beats_model)
    assert again.version == 2 and again.file == version.file  # one copy per content


def test_promote_moves_labels_and_retire_removes_them(registry: Registry, beats_model: Path) -> None:
    registry.register("beats", beats_model)
    registry.register("beats", resolve_model("beats-all"))
    registry.promote("beats", 1, "production")
    registry.promote("beats", 2, "candidate")
    assert registry.get("beats").version == 1 and registry.get("beats", "candidate").version == 2
    registry.promote("beats", 2, "production")  # takes production, gives up candidate
    assert {v.version: v.labels for v in registry.list("beats")} == {1: [], 2: ["production"]}
    with pytest.raises(RegistryError, match="no candidate version"):
        registry.get("beats", "candidate")
    retired = registry.retire("beats", 2)
    assert retired.retired_at is not None and retired.labels == []
    with pytest.raises(RegistryError, match="retired"):
        registry.promote("beats", 2, "production")
    assert [v.version for v in registry.list("beats", include_retired=False)] == [1]


def test_versions_are_immutable_rows(registry: Registry, beats_model: Path) -> None:
    first = registry.register("beats", beats_model)
    registry.promote("beats", 1)
    registry.retire("beats", 1)
    kept = registry.get("beats", 1)
    assert (kept.sha256, kept.file, kept.registered_at) == (first.sha256, first.file, first.registered_at)


@pytest.mark.parametrize(
    ("name", "version", "match"),
    [
        ("nope", None, "unknown model"),
        ("beats", 7, r"unknown version; beats has versions \[1\]"),
        ("beats", "canary", "a version is a number or one of"),
    ],
)
def test_unknown_model_version_or_label(registry: Registry, beats_model: Path, name, version, match) -> None:
    registry.register("beats", beats_model)
    with pytest.raises(RegistryError, match=match):
        registry.get(name, version)


def test_register_refuses_non_packages_and_rhythm_models(registry: Registry, tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not onnx")
    with pytest.raises(ModelPackageError, match="not an ONNX model"):
        registry.register("beats", junk)
    with pytest.raises(RegistryError, match="only beat models are served"):
        registry.register("af", resolve_model("af"))
    with pytest.raises(RegistryError, match="model names"):
        registry.register("bad name!", resolve_model("beats"))
    assert registry.list() == []


def test_tampered_store_file_is_refused(registry: Registry, beats_model: Path) -> None:
    version = registry.register("beats", beats_model)
    version.file.chmod(0o644)
    version.file.write_bytes(version.file.read_bytes() + b"x")
    with pytest.raises(DataError, match="changed in the store"):
        registry.file(version)


def test_migrations_are_idempotent(db_url: str) -> None:
    engine = open_database(db_url)
    open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"


def test_models_commands(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    where = ["--registry", db_url, "--store", str(tmp_path / "store")]
    assert (
        main(["models", "register", "beats", str(resolve_model("beats")), "--label", "production", *where])
        == 0
    )
    assert "registered beats:1" in capsys.readouterr().out
    assert main(["models", "register", "beats", str(resolve_model("beats-all")), *where]) == 0
    assert main(["models", "promote", "beats", "2", "--label", "candidate", *where]) == 0
    assert main(["models", "list", *where]) == 0
    out = capsys.readouterr().out
    assert "beats:1 production" in out and "beats:2  candidate" in out
    assert main(["models", "show", "beats", "candidate", *where]) == 0
    assert "version          2" in capsys.readouterr().out
    assert main(["models", "retire", "beats", "2", *where]) == 0
    assert main(["models", "show", "beats", "9", *where]) == 2
    assert "unknown version" in capsys.readouterr().err


def test_migrated_schema_matches_the_table_definitions(db_url: str) -> None:
    """The migrations are frozen snapshots; the tables the code uses (vitalkit.serve.db) must be
    what they build, or a database made by them would lack what the code writes."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from vitalkit.serve.db import metadata

    engine = open_database(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_cached_lookups_see_own_changes_at_once_and_others_within_cache_s(
    registry: Registry, beats_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.register("beats", beats_model)
    registry.register("beats", beats_model)
    registry.promote("beats", 1)
    clock = [1000.0]
    monkeypatch.setattr("vitalkit.serve.registry.time.monotonic", lambda: clock[0])
    server = Registry(registry.engine, registry.store_dir, cache_s=1.0)  # a serving process
    assert server.get("beats").version == 1
    registry.promote("beats", 2)  # another process: `vitalkit models promote beats 2`
    assert server.get("beats").version == 1  # answered from memory ...
    clock[0] += 1.5
    assert server.get("beats").version == 2  # ... for at most cache_s
    server.retire("beats", 2)  # a change through the cached object itself is seen at once
    with pytest.raises(RegistryError, match="no production version"):
        server.get("beats")
    assert Registry(registry.engine, registry.store_dir).get("beats", 2).retired_at is not None
