"""PTB-XL: the metadata table with diagnostic superclasses, and 12-lead records at 100 Hz.

Superclasses follow the PTB-XL benchmark (Strodthoff et al. 2021): a record belongs to
every superclass (``NORM``, ``MI``, ``STTC``, ``CD``, ``HYP``) of its SCP codes that are
diagnostic statements in ``scp_statements.csv``, whatever their likelihood. The
``strat_fold`` column (1-10) is PTB-XL's patient-separated stratified split.

Examples
--------
>>> table = load_database()                          # doctest: +SKIP
>>> int(table["MI"].sum()), table["strat_fold"].nunique()   # doctest: +SKIP
(45, 10)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from vitalkit.data.physionet import database_dir, ensure_records
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError

SLUG = "ptb-xl"
SAMPLING_RATE = 100.0
LEADS = ("I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6")
SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(path, "PTB-XL metadata file not found")
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(path, f"cannot be parsed as CSV ({exc})") from None


def load_database(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The metadata table (index ``ecg_id``) with parsed codes and superclass columns.

    Returns
    -------
    pandas.DataFrame
        The columns of ``ptbxl_database.csv`` with ``scp_codes`` parsed to dicts, a
        ``superclasses`` list and one boolean column per :data:`SUPERCLASSES`.

    Raises
    ------
    DataError
        A missing or unreadable file, an unparsable ``scp_codes`` entry, or a patient
        in more than one ``strat_fold`` (the folds would then leak patients).
    """
    folder = database_dir(SLUG, data_dir)
    table = _read_csv(folder / "ptbxl_database.csv", index_col="ecg_id")
    statements = _read_csv(folder / "scp_statements.csv", index_col=0)
    diagnostic = statements[statements["diagnostic"] == 1]["diagnostic_class"].dropna().to_dict()
    try:
        table["scp_codes"] = table["scp_codes"].map(ast.literal_eval)
    except (ValueError, SyntaxError) as exc:
        raise DataError(folder / "ptbxl_database.csv", f"unparsable scp_codes ({exc})") from None
    table["superclasses"] = table["scp_codes"].map(
        lambda codes: sorted({diagnostic[c] for c in codes if c in diagnostic})
    )
    for cls in SUPERCLASSES:
        table[cls] = table["superclasses"].map(lambda s, cls=cls: cls in s)
    folds = table.groupby("patient_id")["strat_fold"].nunique()
    if (folds > 1).any():
        raise DataError(
            folder / "ptbxl_database.csv", f"patients in several folds: {list(folds[folds > 1].index[:5])}"
        )
    return table


def read_record(table: pd.DataFrame, ecg_id: int, data_dir: str | Path | None = None) -> Record:
    """Read one 100 Hz 12-lead record (``filename_lr``) as a :class:`Record` in mV.

    Examples
    --------
    >>> rec = read_record(load_database(), 1)            # doctest: +SKIP
    >>> rec.signal.shape, rec.sampling_rate              # doctest: +SKIP
    ((1000, 12), 100.0)
    """
    if ecg_id not in table.index:
        raise DataError(SLUG, f"no record with ecg_id {ecg_id} in the metadata table")
    row = table.loc[ecg_id]
    (base,) = ensure_records(SLUG, [row["filename_lr"]], data_dir=data_dir)
    record = read_wfdb(base)
    record.patient_id = str(int(row["patient_id"]))
    record.labels = list(row["superclasses"])
    return record
