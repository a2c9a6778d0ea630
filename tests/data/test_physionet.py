"""Downloading records from a PhysioNet-layout mirror (a local HTTP server) and verifying them."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from vitalkit.data.physionet import ensure_records, record_files
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import CorruptRecordError, DownloadError, RecordNotFoundError


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path, mitdb_100: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server serving ``mitdb/1.0.0/`` with records 100 and SHA256SUMS.txt."""
    root = tmp_path / "mirror"
    version = root / "mitdb" / "1.0.0"
    version.mkdir(parents=True)
    lines = []
    for f in record_files(mitdb_100, ("atr",)):
        shutil.copyfile(f, version / f.name)
        lines.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()} {f.name}")
    (version / "SHA256SUMS.txt").write_text("\n".join(lines) + "\n")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", version
    server.shutdown()


def test_missing_record_is_downloaded_from_mirror_and_verified(mirror, tmp_path: Path) -> None:
    url, _ = mirror
    data_dir = tmp_path / "data"
    (base,) = ensure_records("mitdb", ["100"], data_dir=data_dir, mirror=url)
    assert base == data_dir / "mitdb" / "100"
    assert sorted(p.name for p in (data_dir / "mitdb").iterdir()) == [
        "100.atr",
        "100.dat",
        "100.hea",
    ]  # every mitdb file is pinned in VitalKit: the mirror's own list is not even asked for
    assert read_wfdb(base).n_samples == 650_000


def test_mirror_from_environment(mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = mirror
    monkeypatch.setenv("VITALKIT_PHYSIONET_MIRROR", url.rstrip("/"))
    monkeypatch.setenv("VITALKIT_DATA_DIR", str(tmp_path / "env-data"))
    (base,) = ensure_records("mitdb", ["100"])
    assert base.with_suffix(".dat").is_file()


def _flip_byte(path: Path, offset: int) -> bytes:
    """Flip the bits of one byte of ``path`` (a file damaged or tampered with); return the new bytes."""
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    return bytes(raw)


def test_corrupted_download_is_rejected_and_not_kept(mirror, tmp_path: Path) -> None:
    url, version = mirror
    _flip_byte(version / "100.dat", 1000)
    data_dir = tmp_path / "data"
    with pytest.raises(CorruptRecordError, match=r"100\.dat: SHA-256 .* differs from VitalKit's pinned list"):
        ensure_records("mitdb", ["100"], data_dir=data_dir, mirror=url)
    assert not (data_dir / "mitdb" / "100.dat").exists()  # nothing half-verified lands


def test_unreachable_mirror_names_record_and_remedy(tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        ensure_records("mitdb", ["100"], data_dir=tmp_path, mirror="http://127.0.0.1:9/")
    text = str(err.value)
    assert "record 100 of mitdb is missing" in text and "VITALKIT_DATA_DIR" in text


def test_no_download_requested(tmp_path: Path) -> None:
    with pytest.raises(RecordNotFoundError, match="record 100 of mitdb is not in the data directory"):
        ensure_records("mitdb", ["100"], data_dir=tmp_path, download=False)


def test_a_mirror_whose_list_vouches_for_a_tampered_file_is_not_believed(mirror, tmp_path: Path) -> None:
    """Annotations carry no header checksum: only the pinned list catches an edited .atr."""
    url, version = mirror
    raw = _flip_byte(version / "100.atr", 100)
    sums = version / "SHA256SUMS.txt"  # the mirror's list agrees with its tampered file
    sums.write_text(
        sums.read_text().replace(
            next(line for line in sums.read_text().splitlines() if line.endswith("100.atr")),
            f"{hashlib.sha256(raw).hexdigest()} 100.atr",
        )
    )
    data_dir = tmp_path / "data"
    with pytest.raises(CorruptRecordError, match=r"100\.atr: SHA-256 .* differs from VitalKit's pinned list"):
        ensure_records("mitdb", ["100"], data_dir=data_dir, mirror=url)
    assert not (data_dir / "mitdb" / "100.atr").exists()


def test_a_corrupt_local_header_is_named_and_never_replaced(mitdb_100: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mitdb"
    folder.mkdir()
    for f in record_files(mitdb_100, ("atr",)):
        shutil.copyfile(f, folder / f.name)
    (folder / "100.hea").write_text("this is not a header\n")
    with pytest.raises(CorruptRecordError, match=r"100\.hea: the header cannot be read"):
        ensure_records("mitdb", ["100"], data_dir=tmp_path, mirror="http://127.0.0.1:9/")
    assert (folder / "100.hea").read_text() == "this is not a header\n"  # left as it was


def test_a_missing_annotation_file_is_named(mitdb_100: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mitdb"
    folder.mkdir()
    for f in record_files(mitdb_100, ()):
        shutil.copyfile(f, folder / f.name)  # header and data, no .atr
    with pytest.raises(RecordNotFoundError, match=r"missing 100\.atr"):
        ensure_records("mitdb", ["100"], data_dir=tmp_path, download=False)
    with pytest.raises(DownloadError, match=r"missing from .* \(100\.atr\)"):
        ensure_records("mitdb", ["100"], data_dir=tmp_path, mirror="http://127.0.0.1:9/")


def test_pinned_lists_match_the_shared_data(data_dir: Path) -> None:
    """The shipped lists agree with the real PhysioNet files CI reads (a sample of each list)."""
    from vitalkit.data.physionet import DATABASES, pinned_sums

    for slug in ("mitdb", "cudb", "qtdb", "vfdb"):
        sums = pinned_sums(slug)
        assert sums, slug
        for name in sorted(sums)[:: max(1, len(sums) // 12)]:
            path = data_dir / DATABASES[slug].local_folder / name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sums[name], path
