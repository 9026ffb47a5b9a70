"""History of published runs in a DuckDB database, for trend queries in SQL.

One file, ``data/processed/history.duckdb``, with two tables:

``runs``
    One row per publish: ``run_id``, ``county``, ``published_at`` (UTC), ``parameters``,
    ``quality`` and ``stability`` (JSON text), ``regions``, ``residents``,
    ``changed_share``.
``profiles``
    The published profiles in long form: ``run_id``, ``county``, ``sr_id``, ``indicator``,
    ``value``.

DuckDB allows one writing process per file, so only one writer may run at a time: the
Dagster asset that calls :func:`append_run` sits in a pool of limit 1, and every access
here also holds a lock on ``history.duckdb.lock`` (exclusive to write, shared to read), so
writers from outside Dagster (a notebook, a second code location) wait instead of failing.

Examples
--------
>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "history.duckdb"
>>> append_run(db, run_id="r1", county="sample", parameters={"seed": 0},
...            quality={}, stability={"changed_share": 0.0}, profiles=None)
>>> read_runs(db)[["run_id", "county", "changed_share"]].to_dict("records")
[{'run_id': 'r1', 'county': 'sample', 'changed_share': 0.0}]
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline.operations.changes import CHANGE_COLUMNS

__all__ = ["append_run", "numeric_figures", "read_changes", "read_profiles", "read_runs"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    county VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,
    parameters VARCHAR,
    quality VARCHAR,
    stability VARCHAR,
    regions INTEGER,
    residents DOUBLE,
    changed_share DOUBLE,
    PRIMARY KEY (run_id, county)
);
CREATE TABLE IF NOT EXISTS profiles (
    run_id VARCHAR NOT NULL,
    county VARCHAR NOT NULL,
    sr_id VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    value DOUBLE
);
CREATE TABLE IF NOT EXISTS changes (
    run_id VARCHAR NOT NULL,
    county VARCHAR NOT NULL,
    sr_id VARCHAR NOT NULL,
    aenderung VARCHAR NOT NULL,
    einwohner_vorher DOUBLE,
    einwohner_nachher DOUBLE,
    einwohner_abgegeben DOUBLE,
    einwohner_aufgenommen DOUBLE,
    zellen_abgegeben INTEGER,
    zellen_aufgenommen INTEGER,
    an VARCHAR,
    von VARCHAR,
    grund VARCHAR
);
"""


#: Seconds a writer or reader waits for the history lock before giving up.
LOCK_TIMEOUT = 600.0


@contextmanager
def _locked(path: Path, exclusive: bool, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``<path>.lock`` (exclusive or shared) while the database is open.

    Uses ``fcntl.flock`` where the system has it (Linux, macOS; also across containers
    sharing a volume with local locking); elsewhere the Dagster pool alone serialises.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with open(lock_path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{path}: history database locked by another run for over "
                        f"{timeout:.0f} s ({lock_path})") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _json(value: Mapping[str, Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, np.generic):
            return v.item()
        return v if isinstance(v, int | float | str | bool | type(None)) else str(v)

    return json.dumps({str(k): plain(v) for k, v in value.items()}, sort_keys=True)


def _long_profiles(profiles: pd.DataFrame, run_id: str, county: str) -> pd.DataFrame:
    numeric = profiles.drop(columns=["sr_id"]).select_dtypes("number")
    long = numeric.assign(sr_id=profiles["sr_id"].astype(str).to_numpy()).melt(
        id_vars="sr_id", var_name="indicator", value_name="value")
    long.insert(0, "county", county)
    long.insert(0, "run_id", run_id)
    return long.astype({"value": "float64"})


def append_run(
    path: str | Path, *, run_id: str, county: str, parameters: Mapping[str, Any],
    quality: Mapping[str, Any], stability: Mapping[str, Any],
    profiles: pd.DataFrame | None, published_at: datetime | None = None,
    changes: pd.DataFrame | None = None,
) -> None:
    """Append one publish to the history (a repeated ``run_id``/``county`` replaces its rows).

    Parameters
    ----------
    path : path-like
        The DuckDB file; created with its tables if missing.
    run_id, county : str
    parameters, quality, stability : mapping
        Stored as JSON text; ``stability['changed_share']`` also as its own column.
    profiles : DataFrame or None
        One row per social space with ``sr_id`` and numeric columns.
    published_at : datetime, optional
        When the publication became current (UTC); default now.
    changes : DataFrame, optional
        The change log (:data:`~pipeline.operations.changes.CHANGE_COLUMNS`), one row per
        social space.
    """
    if profiles is not None and "sr_id" not in profiles.columns:
        raise ValueError("profiles must have an 'sr_id' column")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    regions = None if profiles is None else len(profiles)
    residents = (None if profiles is None or "residents" not in profiles.columns
                 else float(profiles["residents"].sum()))
    with _locked(path, exclusive=True), duckdb.connect(str(path)) as con:
        con.execute(_SCHEMA)
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM runs WHERE run_id = ? AND county = ?", [run_id, county])
        con.execute("DELETE FROM profiles WHERE run_id = ? AND county = ?", [run_id, county])
        con.execute("DELETE FROM changes WHERE run_id = ? AND county = ?", [run_id, county])
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, county, (published_at or datetime.now(UTC)).replace(tzinfo=None),
             _json(parameters),
             _json(quality), _json(stability), regions, residents,
             stability.get("changed_share")],
        )
        if profiles is not None and len(profiles):
            long = _long_profiles(profiles, run_id, county)  # noqa: F841 (used by DuckDB)
            con.execute("INSERT INTO profiles SELECT * FROM long")
        if changes is not None and len(changes):
            rows = changes.loc[:, list(CHANGE_COLUMNS)].copy()  # noqa: F841 (used by DuckDB)
            con.execute(f"INSERT INTO changes SELECT ?, ?, {', '.join(CHANGE_COLUMNS)} "
                        "FROM rows", [run_id, county])
        con.execute("COMMIT")


def read_runs(path: str | Path, county: str | None = None) -> pd.DataFrame:
    """All recorded publishes (of one county), oldest first."""
    path = Path(path)
    with _locked(path, exclusive=False), duckdb.connect(str(path), read_only=True) as con:
        if county is None:
            return con.execute("SELECT * FROM runs ORDER BY published_at").df()
        return con.execute(
            "SELECT * FROM runs WHERE county = ? ORDER BY published_at", [county]).df()


def read_changes(path: str | Path, run_id: str, county: str) -> pd.DataFrame:
    """The change log of one publish, by ``sr_id``."""
    path = Path(path)
    with _locked(path, exclusive=False), duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("SHOW TABLES").fetchall()}
        if "changes" not in tables:
            return pd.DataFrame(columns=list(CHANGE_COLUMNS))
        return con.execute(
            f"SELECT {', '.join(CHANGE_COLUMNS)} FROM changes WHERE run_id = ? AND county = ? "
            "ORDER BY sr_id", [run_id, county]).df()


def read_profiles(path: str | Path, run_id: str, county: str) -> pd.DataFrame:
    """The profiles of one publish in long form."""
    path = Path(path)
    with _locked(path, exclusive=False), duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT sr_id, indicator, value FROM profiles WHERE run_id = ? AND county = ? "
            "ORDER BY sr_id, indicator", [run_id, county]).df()


def numeric_figures(figures: Mapping[str, Any]) -> dict[str, float]:
    """The numeric figures of a report as floats (booleans as 0/1), for the history."""
    return {k: float(v) for k, v in figures.items()
            if isinstance(v, int | float | bool) and v is not None}
