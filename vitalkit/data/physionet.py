"""Finding PhysioNet records in the data directory, downloading the missing ones.

Records live in ``<data_dir>/<database>/`` (``data/raw/mitdb/100.hea``). A missing record is
downloaded from PhysioNet, or from the mirror in ``VITALKIT_PHYSIONET_MIRROR`` (any URL that
serves PhysioNet's ``files/`` layout, ``<url>/mitdb/1.0.0/100.hea``), through wfdb's HTTP
layer. Each downloaded file is checked against the SHA-256 list that ships with VitalKit
(``vitalkit/data/checksums/<slug>.sha256``: the published checksums of the pinned versions),
whatever the mirror says; only files that list does not cover are checked against the mirror's
``SHA256SUMS.txt``, and for databases whose every file is pinned (MIT-BIH, CUDB) an unlisted
file is refused. Then the record is checked against its header (size and checksum), and only
then renamed into the data directory: a broken download never lands where a good record is
expected. A record present but damaged (a header that does not parse) is reported as corrupt,
never replaced silently.

We do not call ``wfdb.dl_database``/``wfdb.dl_files`` because they look the database version
up on physionet.org itself (ignoring a mirror) and write straight into the final path.

Examples
--------
>>> from vitalkit.data.physionet import DATABASES
>>> DATABASES["mitdb"].version
'1.0.0'
>>> paths = ensure_records("mitdb", ["100"])   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import posixpath
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vitalkit import config
from vitalkit.data.wfdb_io import check_record_files, read_header, verify_wfdb_record
from vitalkit.errors import CorruptRecordError, DataError, DownloadError, RecordNotFoundError
from vitalkit.io import sha256_file


@dataclass(frozen=True)
class PhysioNetDatabase:
    """A PhysioNet database: its slug, pinned version and annotation files.

    Attributes
    ----------
    slug : str
        PhysioNet project slug and local folder name (``'mitdb'``).
    version : str
        Pinned version; downloads come from ``<mirror>/<slug>/<version>/``.
    annotators : tuple of str
        Annotation file extensions every record is expected to have.
    title : str
        Human-readable name.
    folder : str
        Local folder name under the data directory (default: the slug).
    remote_subdir : str
        Sub-folder of the version directory holding the records on PhysioNet.
    complete_checksums : bool
        Every file of every record is in VitalKit's pinned SHA-256 list (:func:`pinned_sums`),
        so a downloaded file the list does not name is refused.
    """

    slug: str
    version: str
    annotators: tuple[str, ...] = ()
    title: str = ""
    folder: str = ""
    remote_subdir: str = ""
    complete_checksums: bool = False

    @property
    def local_folder(self) -> str:
        """Folder name under the data directory."""
        return self.folder or self.slug


DATABASES: dict[str, PhysioNetDatabase] = {
    db.slug: db
    for db in (
        PhysioNetDatabase("mitdb", "1.0.0", ("atr",), "MIT-BIH Arrhythmia Database", complete_checksums=True),
        PhysioNetDatabase("qtdb", "1.0.0", ("q1c",), "QT Database"),
        PhysioNetDatabase("nstdb", "1.0.0", (), "MIT-BIH Noise Stress Test Database"),
        PhysioNetDatabase(
            "cudb", "1.0.0", ("atr",), "Creighton University VT Database", complete_checksums=True
        ),
        PhysioNetDatabase("vfdb", "1.0.0", ("atr",), "MIT-BIH Malignant Ventricular Ectopy"),
        PhysioNetDatabase(
            "challenge-2017",
            "1.0.0",
            (),
            "PhysioNet/CinC Challenge 2017",
            folder="cinc2017",
            remote_subdir="training",
        ),
        PhysioNetDatabase("ptb-xl", "1.0.3", (), "PTB-XL", folder="ptbxl"),
    )
}


def database(slug: str) -> PhysioNetDatabase:
    """Return a known database definition, or raise a clear error."""
    try:
        return DATABASES[slug]
    except KeyError:
        raise DataError(slug, f"unknown database; known: {sorted(DATABASES)}") from None


def database_dir(slug: str, data_dir: str | Path | None = None) -> Path:
    """Return ``<data_dir>/<folder>`` of a database (the folder may not exist yet)."""
    return Path(data_dir or config.data_dir()) / database(slug).local_folder


def record_files(base: Path, annotators: Sequence[str]) -> list[Path]:
    """Return the header, data and annotation files of a present record."""
    header = read_header(base)
    files = [base.with_name(base.name + ".hea")]
    files += [base.parent / f for f in dict.fromkeys(header.file_name or [])]
    files += [base.with_name(f"{base.name}.{a}") for a in annotators]
    return files


CHECKSUMS = Path(__file__).parent / "checksums"
"""Folder of the pinned SHA-256 lists, one ``<slug>.sha256`` per database (``sha256sum`` format)."""


@functools.cache
def pinned_sums(slug: str) -> dict[str, str]:
    """VitalKit's pinned ``{file: sha256}`` of a database (empty when none ships).

    The lists are PhysioNet's published checksums of the pinned versions: complete for mitdb
    and cudb; for qtdb and vfdb the data and annotation files (their current headers differ
    from the published list, which holds older header text).

    Examples
    --------
    >>> sums = pinned_sums("mitdb")
    >>> len(sums), sums["100.atr"][:12]
    (144, '8d8a5349fb16')
    """
    path = CHECKSUMS / f"{slug}.sha256"
    if not path.is_file():
        return {}
    return {
        name.lstrip("*"): digest.lower()
        for digest, name in (line.split() for line in path.read_text().splitlines())
    }


def _missing_files(base: Path, annotators: Sequence[str]) -> list[Path]:
    """Files of a record that are not in the data directory (all of them when the header is).

    Raises
    ------
    CorruptRecordError
        When the header is there but cannot be read: a damaged record is named, never replaced
        by a download.
    """
    header = base.with_name(base.name + ".hea")
    if not header.is_file():
        return [header]
    try:
        files = record_files(base, annotators)
    except DataError as exc:
        raise CorruptRecordError(
            header, f"the header cannot be read ({exc}); delete the record's files to download it again"
        ) from None
    return [f for f in files if not f.is_file()]


def _fetch(url: str, target: Path) -> None:
    """Download one URL to ``target`` through wfdb's HTTP layer."""
    from wfdb.io import download

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        download.dl_full_file(url, str(target))
    except Exception as exc:  # requests/wfdb raise many types; name the URL instead
        raise DownloadError(url, f"download failed ({type(exc).__name__}: {exc})") from None


def _published_sums(base_url: str, dest: Path) -> dict[str, str]:
    """Return the database's published ``{file: sha256}``, downloading it once.

    A mirror without ``SHA256SUMS.txt`` gives an empty mapping (with a warning): records are
    then verified against their headers only.
    """
    sums_file = dest / "SHA256SUMS.txt"
    if not sums_file.is_file():
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            tmp_file = Path(tmp) / "SHA256SUMS.txt"
            try:
                _fetch(posixpath.join(base_url, "SHA256SUMS.txt"), tmp_file)
            except DownloadError as exc:
                warnings.warn(
                    f"{exc.source}: no published checksums ({exc.problem}); downloaded records "
                    "are checked against their headers only",
                    stacklevel=3,
                )
                return {}
            shutil.move(tmp_file, sums_file)
    sums: dict[str, str] = {}
    for line in sums_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def download_record(
    slug: str,
    record: str,
    data_dir: str | Path | None = None,
    mirror: str | None = None,
) -> Path:
    """Download one record (header, data, annotations) and verify it before keeping it.

    Parameters
    ----------
    slug : str
        Database slug (``'mitdb'``).
    record : str
        Record name, possibly with sub-folders (``'100'``).
    data_dir : str or Path, optional
        Data directory; default :func:`vitalkit.config.data_dir`.
    mirror : str, optional
        Base URL; default :func:`vitalkit.config.physionet_mirror`.

    Returns
    -------
    Path
        The record's base path in the data directory.

    Raises
    ------
    DownloadError
        The server could not be reached or a file is absent there.
    CorruptRecordError
        A downloaded file does not match the published SHA-256 or its header.
    """
    db = database(slug)
    dest = database_dir(slug, data_dir)
    dest.mkdir(parents=True, exist_ok=True)
    version_url = posixpath.join(mirror or config.physionet_mirror(), db.slug, db.version)
    base_url = posixpath.join(version_url, db.remote_subdir) if db.remote_subdir else version_url
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest) as tmp:
        staged = Path(tmp) / record
        _fetch(posixpath.join(base_url, record + ".hea"), staged.with_name(staged.name + ".hea"))
        # the server answers: now ask for its list (not needed where VitalKit pins every file)
        sums = {} if db.complete_checksums else _published_sums(version_url, dest)
        names = [staged.name + ".hea"]

        header = read_header(staged)
        for file_name in dict.fromkeys(header.file_name or []):
            _fetch(
                posixpath.join(base_url, posixpath.dirname(record), file_name),
                staged.parent / file_name,
            )
            names.append(file_name)
        for ann in db.annotators:
            name = f"{staged.name}.{ann}"
            _fetch(posixpath.join(base_url, posixpath.dirname(record), name), staged.parent / name)
            names.append(name)
        subdir = posixpath.join(db.remote_subdir, posixpath.dirname(record)).strip("/")
        pinned = pinned_sums(slug)
        for name in names:
            key = posixpath.join(subdir, name) if subdir else name
            want, source = pinned.get(key), "VitalKit's pinned list"
            if want is None and db.complete_checksums:
                raise CorruptRecordError(
                    f"{version_url}/{key}",
                    f"not in VitalKit's pinned SHA-256 list of {slug} {db.version}: "
                    "an unknown file is refused",
                )
            if want is None:
                want, source = sums.get(key), "the mirror's SHA256SUMS.txt"
            if want is None:
                continue  # not every published list covers every file (e.g. newer headers)
            got = sha256_file(staged.parent / name)
            if got != want:
                raise CorruptRecordError(
                    f"{version_url}/{key}",
                    f"SHA-256 {got[:12]}… differs from {source} ({want[:12]}…)",
                )
        verify_wfdb_record(staged)
        final_dir = (dest / record).parent
        final_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.move(staged.parent / name, final_dir / name)
    return dest / record


def ensure_records(
    slug: str,
    records: Iterable[str],
    data_dir: str | Path | None = None,
    download: bool = True,
    mirror: str | None = None,
) -> list[Path]:
    """Return the base paths of ``records``, downloading any that are missing.

    Present records are checked cheaply (header parses, data files have their declared
    size); reading them later verifies checksums as well.

    Parameters
    ----------
    slug : str
        Database slug.
    records : iterable of str
        Record names.
    data_dir : str or Path, optional
        Data directory; default :func:`vitalkit.config.data_dir`.
    download : bool
        Download missing records; when false a missing record is an error.
    mirror : str, optional
        Base URL overriding ``VITALKIT_PHYSIONET_MIRROR``.

    Raises
    ------
    RecordNotFoundError
        A record is missing and ``download`` is false.
    DownloadError, CorruptRecordError
        Download or verification failed; the message names the record and file.
    """
    db = database(slug)
    dest = database_dir(slug, data_dir)
    paths = []
    for record in records:
        base = dest / str(record)
        missing = _missing_files(base, db.annotators)
        if missing:
            absent = ", ".join(f.name for f in missing)
            if not download:
                raise RecordNotFoundError(
                    base, f"record {record} of {slug} is not in the data directory {dest} (missing {absent})"
                )
            try:
                download_record(slug, str(record), data_dir=data_dir, mirror=mirror)
            except DownloadError as exc:
                raise DownloadError(
                    exc.source,
                    f"record {record} of {slug} is missing from {dest} ({absent}) and could not be "
                    f"downloaded: {exc.problem}. Set VITALKIT_DATA_DIR to a folder holding "
                    f"{slug}/, or VITALKIT_PHYSIONET_MIRROR to a reachable mirror.",
                ) from None
        check_record_files(base)
        paths.append(base)
    return paths
